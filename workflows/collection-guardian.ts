import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DEFAULT_HEALING_CONFIG, healingConfigSchema, type HealingConfig } from '../src/domain/healing-config';
import { COLLECTION_GONE } from '../src/domain/failure-types';
import type { HealingOutcome } from '../src/domain/healing-outcome';
import type { IntegrityState } from '../src/domain/integrity-state';
import {
  attemptsInWindow,
  cooldownUntil,
  deferralBackoffUntil,
  healingGate,
  ineffectiveStreak,
  type AttemptRecord,
} from '../src/guardian/healing-gate';
import { nextIntegrityState } from '../src/guardian/hysteresis';
import { COLLECTION_SA } from '../src/domain/search-attributes';
import { healingAttemptWorkflowId } from '../src/domain/workflow-ids';
import { quickOptions } from './activity-options';
import {
  configureUpdate,
  guardianStatusQuery,
  pauseRequestSchema,
  pauseUpdate,
  resumeUpdate,
  triggerRequestSchema,
  triggerUpdate,
  type GuardianStatus,
  type TriggerAnswer,
  type TriggerRequest,
} from './guardian-messages';
import { healingAttempt } from './healing-attempt';

export interface GuardianCarried {
  enabled: boolean;
  paused_by: string | null;
  config: HealingConfig;
  state: IntegrityState | 'unknown';
  attempts: AttemptRecord[];
  needs_person: string | null;
  /** When a sample first saw the state leave normal (the sample's own time); null while normal. */
  degraded_since?: string | null;
}

export interface GuardianInput {
  collection: string;
  /** State handed over by continue-as-new. */
  carried?: GuardianCarried;
}

const acts = proxyActivities<Activities>({ ...quickOptions, retry: { ...quickOptions.retry, maximumAttempts: 3 } });

/** Keep a bounded record: enough for the window, the streak and the last healing. */
const MAX_REMEMBERED_ATTEMPTS = 50;
const MAX_ITERATIONS_PER_RUN = 500;

/**
 * One per collection, long-running: samples integrity every check_interval (start to start), tracks
 * normal/stress/critical with hysteresis, and starts healing attempts as child workflows when it
 * degrades, within cooldowns (durable timers), attempts per window, and the ineffective-healing stop.
 */
export async function collectionGuardian(input: GuardianInput): Promise<void> {
  // Handlers are registered before the first await: an update-with-start arrives with the start.
  const s: GuardianCarried = input.carried ?? {
    enabled: true,
    paused_by: null,
    config: DEFAULT_HEALING_CONFIG,
    state: 'unknown',
    attempts: [],
    needs_person: null,
  };
  let configLoaded = input.carried !== undefined;
  let lambda: number | null = null;
  let baseline: number | null = null;
  let lastSampleAt: string | null = null;
  let lastError: string | null = null;
  let active: { workflow_id: string; run_id: string; trigger: string } | null = null;
  let starting = false;
  let wake = false;

  const status = (): GuardianStatus => {
    const cd = cooldownUntil(s, s.config);
    const bo = deferralBackoffUntil(s, s.config);
    return {
      collection: input.collection,
      enabled: s.enabled,
      paused_by: s.paused_by,
      state: s.state,
      lambda,
      baseline_lambda: baseline,
      last_sample_at: lastSampleAt,
      last_error: lastError,
      active,
      last_healing: s.attempts.length ? s.attempts[s.attempts.length - 1]! : null,
      cooldown_until: cd !== null && cd > Date.now() ? new Date(cd).toISOString() : null,
      backoff_until: bo !== null && bo > Date.now() ? new Date(bo).toISOString() : null,
      attempts_in_window: attemptsInWindow(s, Date.now(), s.config).length,
      needs_person: s.needs_person,
      config: s.config,
    };
  };
  const show = (): void => {
    const st = status();
    setCurrentDetails(
      `**${st.state}** λ ${lambda?.toFixed(3) ?? '?'} of ${baseline?.toFixed(3) ?? '?'}` +
        `${st.active ? ` — attempt running: ${st.active.workflow_id}` : ''}` +
        `${st.cooldown_until ? ` — cooling down until ${st.cooldown_until}` : ''}` +
        (st.backoff_until ? ` — the last attempts could not act: next automatic one after ${st.backoff_until}` : '') +
        `${s.enabled ? '' : ` — paused by ${s.paused_by}`}` +
        `${s.needs_person ? ` — needs a person: ${s.needs_person}` : ''}`,
    );
  };

  const onFinished = (rec: AttemptRecord, outcome: HealingOutcome | null): void => {
    rec.finished_at_ms = Date.now();
    rec.outcome = outcome?.kind ?? 'Failed';
    rec.raised_lambda =
      outcome?.kind === 'Completed'
        ? outcome.final_lambda !== null &&
          outcome.final_lambda >= s.config.min_lambda_improvement * outcome.initial_lambda
        : null;
    active = null;
    const streak = ineffectiveStreak(s.attempts);
    if (streak >= s.config.ineffective_after && !s.needs_person) {
      s.needs_person =
        `healing ineffective: the last ${streak} attempts did not raise λ; ` +
        `auto-healing stopped until \`selfheal resume ${input.collection}\``;
    }
    wake = true;
  };

  const startAttempt = async (req: TriggerRequest & { by: string; detected_at?: string }): Promise<TriggerAnswer> => {
    starting = true;
    try {
      const workflowId = healingAttemptWorkflowId(input.collection);
      let child: ChildWorkflowHandle<typeof healingAttempt>;
      try {
        child = await startChild(healingAttempt, {
          workflowId,
          args: [
            {
              collection: input.collection,
              trigger: req.by,
              ...(req.detected_at ? { detected_at: req.detected_at } : {}),
              ...(req.strategy ? { strategy: req.strategy } : {}),
              ...(req.params ? { params: req.params } : {}),
              ...(req.dry_run ? { dry_run: true } : {}),
            },
          ],
          // The attempt finishes (and compensates) even if its guardian is stopped.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [{ key: COLLECTION_SA, value: input.collection }],
          staticSummary:
            `healing attempt for ${input.collection} ` +
            `(${req.by}${req.strategy ? `: ${req.strategy}` : ''}${req.dry_run ? ', dry run' : ''})`,
        });
      } catch (err) {
        return {
          kind: 'Deferred',
          reason: `could not start the attempt: ${(err as Error).message}`,
          cooldown_until: null,
        };
      }
      const rec: AttemptRecord = {
        workflow_id: workflowId,
        run_id: child.firstExecutionRunId,
        trigger: req.by,
        started_at_ms: Date.now(),
        finished_at_ms: null,
        outcome: null,
        raised_lambda: null,
      };
      s.attempts.push(rec);
      if (s.attempts.length > MAX_REMEMBERED_ATTEMPTS)
        s.attempts.splice(0, s.attempts.length - MAX_REMEMBERED_ATTEMPTS);
      active = { workflow_id: workflowId, run_id: child.firstExecutionRunId, trigger: req.by };
      child.result().then(
        (o) => onFinished(rec, o),
        () => onFinished(rec, null),
      );
      show();
      return { kind: 'Started', workflow_id: workflowId, run_id: child.firstExecutionRunId, action: 'started' };
    } finally {
      starting = false;
    }
  };

  setHandler(guardianStatusQuery, status);
  setHandler(
    triggerUpdate,
    async (raw) => {
      const req = triggerRequestSchema.parse(raw);
      await condition(() => configLoaded);
      // Many triggers at once: the first starts the attempt, the others join it.
      if (starting) await condition(() => !starting);
      if (active) {
        // A plain trigger joins the running attempt; a request for a particular strategy or a dry run is not what runs.
        if (req.strategy || req.dry_run)
          return {
            kind: 'Deferred',
            reason: `an attempt is already running (${active.workflow_id}, ${active.trigger}): wait for it or abort it`,
            cooldown_until: null,
          };
        return { kind: 'Joined', ...active, action: 'joined the running attempt' };
      }
      const gate = healingGate(s, Date.now(), s.config, true);
      if (!gate.ok)
        return {
          kind: 'Deferred',
          reason: gate.reason,
          cooldown_until: gate.until_ms === null ? null : new Date(gate.until_ms).toISOString(),
        };
      return startAttempt(req);
    },
    { validator: (raw) => void triggerRequestSchema.parse(raw) },
  );
  setHandler(
    configureUpdate,
    (raw) => {
      s.config = healingConfigSchema.parse(raw);
      configLoaded = true;
      wake = true;
      show();
      return s.config;
    },
    { validator: (raw) => void healingConfigSchema.parse(raw) },
  );
  setHandler(
    pauseUpdate,
    (raw) => {
      const r = pauseRequestSchema.parse(raw);
      s.enabled = false;
      s.paused_by = `${r.by}${r.reason ? `: ${r.reason}` : ''}`;
      show();
      return status();
    },
    { validator: (raw) => void pauseRequestSchema.parse(raw) },
  );
  setHandler(
    resumeUpdate,
    (raw) => {
      pauseRequestSchema.parse(raw);
      s.enabled = true;
      s.paused_by = null;
      s.needs_person = null;
      wake = true;
      show();
      return status();
    },
    { validator: (raw) => void pauseRequestSchema.parse(raw) },
  );

  if (!configLoaded) {
    let stored: HealingConfig;
    try {
      stored = await acts.loadConfig.executeWithOptions(
        { startToCloseTimeout: '1 minute', summary: 'load configuration' },
        [{ collection: input.collection }],
      );
    } catch (err) {
      if (!collectionGone(err)) throw err;
      setCurrentDetails(`stopped: ${goneReason(err)}`);
      return;
    }
    // A configure update that arrived meanwhile is newer than what was stored.
    if (!configLoaded) s.config = stored;
    configLoaded = true;
  }

  for (let i = 0; ; i++) {
    const sampleStartedMs = Date.now();
    if (s.enabled && s.config.enabled) {
      try {
        const sample = await acts.sampleIntegrity.executeWithOptions(
          {
            startToCloseTimeout: '1 minute',
            summary: `sense: sample integrity of ${input.collection}`,
            retry: { maximumAttempts: 2 },
          },
          [{ collection: input.collection, config: s.config, periodic: true }],
        );
        lambda = sample.lambda;
        baseline = sample.baseline_lambda;
        lastSampleAt = new Date().toISOString();
        lastError = null;
        s.state = baseline > 0 ? nextIntegrityState(s.state, lambda / baseline, s.config) : 'normal';
        if (s.state === 'normal') s.degraded_since = null;
        else s.degraded_since ??= sample.stats.sampled_at;
      } catch (err) {
        // Unwatched, or its table dropped: say so once and stop, rather than fail every interval.
        if (collectionGone(err) && !active && !starting) {
          setCurrentDetails(`stopped: ${goneReason(err)}`);
          return;
        }
        lastError = err instanceof Error ? err.message : String(err);
      }
      if (s.state !== 'normal' && s.state !== 'unknown' && !active && !starting) {
        const gate = healingGate(s, Date.now(), s.config, false);
        if (gate.ok)
          await startAttempt({ by: 'guardian', ...(s.degraded_since ? { detected_at: s.degraded_since } : {}) });
      }
    }
    show();
    if ((workflowInfo().continueAsNewSuggested || i >= MAX_ITERATIONS_PER_RUN) && !active && !starting) {
      await condition(() => !starting);
      await continueAsNew<typeof collectionGuardian>({ collection: input.collection, carried: s });
    }
    // Sleep to the next sample, check_interval after this one began (so a slow sample does not
    // stretch the period), or to the end of a cooldown that holds back a needed attempt;
    // a trigger, a new configuration or a finished attempt wakes it early.
    let waitMs = s.config.check_interval * 1000 - (Date.now() - sampleStartedMs);
    const cd = cooldownUntil(s, s.config);
    const coolingDown = s.state !== 'normal' && cd !== null && cd > Date.now() && cd - Date.now() < waitMs;
    if (coolingDown) waitMs = cd - Date.now();
    wake = false;
    await condition(() => wake, Math.max(1, waitMs), {
      summary: coolingDown
        ? `cooldown: until ${new Date(cd).toISOString()}`
        : `next sample in ${Math.round(Math.max(1, waitMs) / 1000)} s`,
    });
  }
}

function collectionGone(err: unknown): boolean {
  return (
    err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === COLLECTION_GONE
  );
}

function goneReason(err: unknown): string {
  return err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
}
