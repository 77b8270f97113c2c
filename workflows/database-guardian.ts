import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  DRY_RUN_UNGATED_PATCH,
  REJECTION_HOLD_PATCH,
  RELEASE_WAKE_PATCH,
  VERIFIED_READING_PATCH,
} from './guardian-patches';
import type { DatabasePass } from '../activities/database-pass';
import { DEFAULT_HEALING_CONFIG } from '../src/domain/healing-config';
import type { IntegrityState } from '../src/domain/integrity-state';
import type { ProblemClassName } from '../src/domain/problem-class';
import type { FaultScope } from '../src/guardian/fault-scope';
import { gateConfigOf, type GateConfig } from '../src/guardian/gate-config';
import {
  acted,
  attemptsInWindow,
  cooldownUntil,
  deferralBackoffUntil,
  healingGate,
  ineffectiveStreak,
  type AttemptRecord,
} from '../src/guardian/healing-gate';
import { personNeeded, personNeededSignature } from '../src/guardian/person-needed';
import { noticeReason, type NoticeEvent } from '../src/domain/notice';
import { nextIntegrityState } from '../src/guardian/hysteresis';
import { COLLECTION_SA } from '../src/domain/search-attributes';
import { healingAttemptWorkflowId } from '../src/domain/workflow-ids';
import { quickOptions } from './activity-options';
import {
  adoptSchema,
  adoptUpdate,
  collectionPauseSchema,
  collectionPauseUpdate,
  collectionResumeUpdate,
  collectionStatusQuery,
  collectionTriggerSchema,
  collectionTriggerUpdate,
  databaseStatusQuery,
  refreshUpdate,
  type DatabaseGuardianStatus,
} from './database-guardian-messages';
import type { GuardianStatus, TriggerAnswer, TriggerRequest } from './guardian-messages';
import { healingAttempt } from './healing-attempt';
import { tellPerson } from './notify-person';

/** How an attempt ended, as far as a notice to a person needs it. */
interface EndFacts {
  attempt_id: number | null;
  reason: string | null;
  problem_class: string | null;
}

/** What the guardian keeps of one collection between passes (and across continue-as-new). */
export interface CollectionSlot {
  enabled: boolean;
  paused_by: string | null;
  state: IntegrityState | 'unknown';
  attempts: AttemptRecord[];
  needs_person: string | null;
  /** When a sample first saw the state leave normal; null while normal. */
  degraded_since: string | null;
  /**
   * The cause a person was last told of (person-needed.ts signature), so the backoff's next attempt,
   * deferred the same way, is not told again; cleared when the collection recovers, an attempt acts,
   * or a person resumes it. Absent in slots carried from before.
   */
  told_person?: string | null;
  active: {
    workflow_id: string;
    run_id: string;
    trigger: string;
    problem: ProblemClassName | null;
    scope: FaultScope | null;
  } | null;
  last_sampled_ms: number | null;
}

export interface DatabaseGuardianInput {
  database: string;
  carried?: { slots: Record<string, CollectionSlot>; base: GateConfig | null; own: Record<string, GateConfig> };
}

const acts = proxyActivities<Activities>({
  ...quickOptions,
  startToCloseTimeout: '5 minutes',
  retry: { ...quickOptions.retry, maximumAttempts: 2 },
});

const MAX_REMEMBERED_ATTEMPTS = 20;
const MAX_PASSES_PER_RUN = 500;
/** Continue as new well before Temporal's 50 MB history limit: a pass over many collections is a large event. */
const MAX_HISTORY_BYTES = 8 * 1024 * 1024;
/** A collection counts as due a little early, so collections sampled together stay together. */
const DUE_SLACK_MS = 250;

function newSlot(): CollectionSlot {
  return {
    enabled: true,
    paused_by: null,
    state: 'unknown',
    attempts: [],
    needs_person: null,
    degraded_since: null,
    active: null,
    last_sampled_ms: null,
  };
}

/**
 * One per watched database, long-running. Every interval one pass samples every due collection
 * (a fixed number of statements, whatever their number); per collection it keeps the state with
 * hysteresis, the cooldown, the attempts per window, the backoff and the ineffective-healing stop,
 * and starts a healing attempt (one workflow per attempt) only for a degraded collection. A fault
 * of the server (connection or replication slots, standbys, a role's sort memory) is healed by one
 * attempt, whatever the number of collections that see it.
 */
export async function databaseGuardian(input: DatabaseGuardianInput): Promise<void> {
  const slots = new Map<string, CollectionSlot>(Object.entries(input.carried?.slots ?? {}));
  let base: GateConfig | null = input.carried?.base ?? null;
  let own: Record<string, GateConfig> = input.carried?.own ?? {};
  const live = new Map<
    string,
    {
      lambda: number | null;
      baseline: number | null;
      last_sample_at: string | null;
      last_error: string | null;
      covered_by: string | null;
    }
  >();
  const starting = new Set<string>();
  let lastPass: { at: string; cost: DatabasePass['cost'] } | null = null;
  let lastPassError: string | null = null;
  let passes = 0;
  let wake = false;

  const gateOf = (name: string): GateConfig => own[name] ?? base ?? gateConfigOf(DEFAULT_HEALING_CONFIG);
  const liveOf = (name: string) =>
    live.get(name) ?? { lambda: null, baseline: null, last_sample_at: null, last_error: null, covered_by: null };

  const statusOf = (name: string): GuardianStatus | null => {
    const s = slots.get(name);
    if (!s) return null;
    const config = gateOf(name);
    const l = liveOf(name);
    const cd = cooldownUntil(s, config);
    const bo = deferralBackoffUntil(s, config);
    const degraded = s.enabled && !s.active && (s.state === 'stress' || s.state === 'critical');
    const gate = degraded ? healingGate(s, Date.now(), config, false) : null;
    return {
      collection: name,
      enabled: s.enabled,
      paused_by: s.paused_by,
      state: s.state,
      lambda: l.lambda,
      baseline_lambda: l.baseline,
      last_sample_at: l.last_sample_at,
      last_error: l.last_error,
      active: s.active
        ? {
            workflow_id: s.active.workflow_id,
            run_id: s.active.run_id,
            trigger: s.active.trigger,
            problem: s.active.problem,
            scope: s.active.scope,
          }
        : null,
      last_healing: s.attempts.length ? s.attempts[s.attempts.length - 1]! : null,
      cooldown_until: cd !== null && cd > Date.now() ? new Date(cd).toISOString() : null,
      backoff_until: bo !== null && bo > Date.now() ? new Date(bo).toISOString() : null,
      attempts_in_window: attemptsInWindow(s, Date.now(), config).length,
      needs_person: s.needs_person,
      held:
        gate && !gate.ok
          ? {
              reason: gate.reason,
              until: gate.until_ms === null ? null : new Date(gate.until_ms).toISOString(),
              trigger_ok: healingGate(s, Date.now(), config, true).ok,
            }
          : null,
      covered_by: l.covered_by,
      config,
    };
  };

  const show = (): void => {
    const all = [...slots.values()];
    const count = (st: string) => all.filter((s) => s.state === st).length;
    const running = all.filter((s) => s.active).length;
    const people = [...slots].filter(([, s]) => s.needs_person).map(([n]) => n);
    setCurrentDetails(
      `**${input.database}**: ${slots.size} collections — ${count('normal')} normal, ${count('stress')} stress, ` +
        `${count('critical')} critical` +
        `${running ? ` — ${running} attempts running` : ''}` +
        `${people.length ? ` — needs a person: ${people.join(', ')}` : ''}` +
        (lastPass
          ? ` — last pass ${lastPass.at}: ${lastPass.cost.sampled} sampled in ` +
            `${lastPass.cost.round_trips} statements, ${lastPass.cost.cost_ms.toFixed(1)} ms`
          : '') +
        `${lastPassError ? ` — the last pass failed: ${lastPassError}` : ''}`,
    );
  };

  /** Notices being started (notify-person.ts): a continue-as-new waits for them, or they would never start. */
  const notices = new Set<Promise<void>>();
  const tell = (name: string, rec: AttemptRecord, event: NoticeEvent, end: EndFacts, reason: string): void => {
    if (end.attempt_id === null) return;
    const p = tellPerson({
      event,
      action_id: end.attempt_id,
      collection: name,
      problem_class: end.problem_class,
      // The attempt's row has it; the notice fills it in from there.
      strategy: null,
      reason: noticeReason(reason),
      workflow_id: rec.workflow_id,
      run_id: rec.run_id,
      at: new Date().toISOString(),
    });
    notices.add(p);
    void p.then(() => notices.delete(p));
  };

  /** Once per attempt: from its result when this run started it, else from the store at a pass. */
  const finish = (
    name: string,
    s: CollectionSlot,
    outcome: string,
    initial: number | null,
    final: number | null,
    end: EndFacts = { attempt_id: null, reason: null, problem_class: null },
  ): void => {
    const rec = s.attempts.find((a) => a.workflow_id === s.active?.workflow_id && a.run_id === s.active?.run_id);
    const problem = end.problem_class ?? s.active?.problem ?? null;
    s.active = null;
    if (!rec) return;
    rec.finished_at_ms = Date.now();
    rec.outcome = outcome;
    if (outcome === 'Deferred' && /^rejected by /.test(end.reason ?? '') && patched(REJECTION_HOLD_PATCH))
      rec.rejected = true;
    rec.raised_lambda =
      outcome === 'Completed' && initial !== null
        ? final !== null && final >= gateOf(name).min_lambda_improvement * initial
        : null;
    const streak = ineffectiveStreak(s.attempts);
    if (streak >= gateOf(name).ineffective_after && !s.needs_person) {
      s.needs_person =
        `healing ineffective: the last ${streak} attempts did not raise λ; ` +
        `auto-healing stopped until \`selfheal resume ${name}\``;
      tell(name, rec, 'ineffective', { ...end, problem_class: problem }, s.needs_person);
    }
    if (acted(rec)) s.told_person = null;
    const person = personNeeded({ status: outcome, reason: end.reason });
    if (person) {
      const signature = personNeededSignature(problem, person);
      if (s.told_person !== signature) {
        s.told_person = signature;
        tell(name, rec, 'deferred', { ...end, problem_class: problem }, person.reason);
      }
    }
  };

  /** A reading taken by an attempt's verify step: the collection's λ and state as a pass would set them. */
  const adoptReading = (name: string, s: CollectionSlot, lambda: number): void => {
    const l = liveOf(name);
    if (l.baseline === null || l.baseline <= 0) return;
    s.state = nextIntegrityState(s.state, lambda / l.baseline, gateOf(name));
    if (s.state === 'normal') s.degraded_since = null;
    live.set(name, { ...l, lambda, last_sample_at: new Date().toISOString(), last_error: null, covered_by: null });
  };

  const startAttempt = async (
    name: string,
    req: TriggerRequest & { by: string; detected_at?: string },
    problem: ProblemClassName | null,
    scope: FaultScope | null,
  ): Promise<TriggerAnswer> => {
    const s = slots.get(name)!;
    starting.add(name);
    try {
      const workflowId = healingAttemptWorkflowId(name);
      let child;
      try {
        child = await startChild(healingAttempt, {
          workflowId,
          args: [
            {
              collection: name,
              trigger: req.by,
              ...(req.detected_at ? { detected_at: req.detected_at } : {}),
              ...(req.strategy ? { strategy: req.strategy } : {}),
              ...(req.params ? { params: req.params } : {}),
              ...(req.dry_run ? { dry_run: true } : {}),
            },
          ],
          // The attempt finishes (and compensates) even if its guardian is stopped.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [{ key: COLLECTION_SA, value: name }],
          staticSummary:
            `healing attempt for ${name} (${req.by}${req.strategy ? `: ${req.strategy}` : ''}` +
            `${req.dry_run ? ', dry run' : ''})`,
        });
      } catch (err) {
        return {
          kind: 'Deferred',
          reason: `could not start the attempt: ${(err as Error).message}`,
          cooldown_until: null,
        };
      }
      const runId = child.firstExecutionRunId;
      s.attempts.push({
        workflow_id: workflowId,
        run_id: runId,
        trigger: req.by,
        started_at_ms: Date.now(),
        finished_at_ms: null,
        outcome: null,
        raised_lambda: null,
      });
      if (s.attempts.length > MAX_REMEMBERED_ATTEMPTS)
        s.attempts.splice(0, s.attempts.length - MAX_REMEMBERED_ATTEMPTS);
      s.active = { workflow_id: workflowId, run_id: runId, trigger: req.by, problem, scope };
      // After a continue-as-new the outcome is read from the store at a pass instead.
      const ended = (
        kind: string,
        initial: number | null,
        final: number | null,
        end?: EndFacts,
        verified = false,
      ): void => {
        const now = slots.get(name);
        if (now?.active?.run_id === runId) {
          finish(name, now, kind, initial, final, end);
          // The verify sample is a reading like any pass's: status shows the healed λ at once, not a
          // check interval later. (Guardians begun before this keep waiting for the next pass.)
          if (verified && final !== null && patched(VERIFIED_READING_PATCH)) adoptReading(name, now, final);
        }
        wake = true;
      };
      child.result().then(
        (o) =>
          ended(
            o.kind,
            o.kind === 'Completed' ? o.initial_lambda : null,
            o.kind === 'Completed' ? o.final_lambda : null,
            {
              attempt_id: o.attempt_id,
              reason: 'reason' in o ? o.reason : null,
              problem_class: o.problem?.class ?? null,
            },
            o.kind === 'Completed' && o.verified,
          ),
        () => ended('Failed', null, null),
      );
      show();
      return { kind: 'Started', workflow_id: workflowId, run_id: runId, action: 'started' };
    } finally {
      starting.delete(name);
    }
  };

  /** Waits for the next pass to finish, so an answer reflects what the store says now. */
  let passesDone = 0;
  const nextPass = async (): Promise<void> => {
    const n = passesDone;
    wake = true;
    await condition(() => passesDone > n);
  };
  const watchedSlot = async (name: string): Promise<CollectionSlot> => {
    if (!slots.has(name)) await nextPass();
    const s = slots.get(name);
    if (!s) throw new Error(`collection ${name} is not watched in database ${input.database}`);
    return s;
  };

  setHandler(collectionStatusQuery, (name) => statusOf(name));
  setHandler(databaseStatusQuery, (): DatabaseGuardianStatus => ({
    database: input.database,
    last_pass_at: lastPass?.at ?? null,
    last_pass_error: lastPassError,
    last_pass_cost: lastPass?.cost ?? null,
    collections: [...slots.keys()].sort().map((n) => statusOf(n)!),
  }));
  setHandler(
    collectionTriggerUpdate,
    async (raw) => {
      const { collection: name, request } = collectionTriggerSchema.parse(raw);
      const s = await watchedSlot(name);
      // Many triggers at once: the first starts the attempt, the others join it.
      if (starting.has(name)) await condition(() => !starting.has(name));
      if (s.active) {
        // A plain trigger joins the running attempt; a request for a particular strategy or a dry run is not what runs.
        if (request.strategy || request.dry_run)
          return {
            kind: 'Deferred',
            reason:
              `an attempt is already running (${s.active.workflow_id}, ${s.active.trigger}): ` +
              `wait for it or abort it`,
            cooldown_until: null,
          };
        return {
          kind: 'Joined',
          workflow_id: s.active.workflow_id,
          run_id: s.active.run_id,
          action: 'joined the running attempt',
        };
      }
      // A dry run changes nothing: no cooldown or window holds it back.
      const ungated = request.dry_run === true && patched(DRY_RUN_UNGATED_PATCH);
      const gate = ungated ? ({ ok: true } as const) : healingGate(s, Date.now(), gateOf(name), true);
      if (!gate.ok)
        return {
          kind: 'Deferred',
          reason: gate.reason,
          cooldown_until: gate.until_ms === null ? null : new Date(gate.until_ms).toISOString(),
        };
      return startAttempt(name, { ...request, by: request.by }, null, null);
    },
    { validator: (raw) => void collectionTriggerSchema.parse(raw) },
  );
  setHandler(
    collectionPauseUpdate,
    (raw) => {
      const { collection: name, request } = collectionPauseSchema.parse(raw);
      // Paused from now, before any pass samples it: a collection just watched is not acted on first.
      // (One that is not watched after all is dropped by the next pass.)
      const s = slots.get(name) ?? newSlot();
      slots.set(name, s);
      s.enabled = false;
      s.paused_by = `${request.by}${request.reason ? `: ${request.reason}` : ''}`;
      show();
      return statusOf(name)!;
    },
    { validator: (raw) => void collectionPauseSchema.parse(raw) },
  );
  setHandler(
    collectionResumeUpdate,
    (raw) => {
      const { collection: name } = collectionPauseSchema.parse(raw);
      const s = slots.get(name) ?? newSlot();
      slots.set(name, s);
      s.enabled = true;
      s.paused_by = null;
      s.needs_person = null;
      s.told_person = null;
      wake = true;
      show();
      return statusOf(name)!;
    },
    { validator: (raw) => void collectionPauseSchema.parse(raw) },
  );
  setHandler(refreshUpdate, async () => {
    await nextPass();
    return { collections: slots.size };
  });
  setHandler(
    adoptUpdate,
    (raw) => {
      const { collections } = adoptSchema.parse(raw);
      const adopted: string[] = [];
      for (const [name, c] of Object.entries(collections)) {
        const s = slots.get(name) ?? newSlot();
        s.enabled = c.enabled;
        s.paused_by = c.paused_by;
        s.needs_person = c.needs_person;
        s.attempts = [...c.attempts, ...s.attempts].slice(-MAX_REMEMBERED_ATTEMPTS);
        slots.set(name, s);
        adopted.push(name);
      }
      wake = true;
      return { adopted };
    },
    { validator: (raw) => void adoptSchema.parse(raw) },
  );

  const applyPass = (p: DatabasePass): void => {
    base = p.base;
    own = p.own;
    const now = Date.now();
    for (const g of p.gone) {
      // An attempt still running finishes on its own; the collection is no longer guarded.
      slots.delete(g.collection);
      live.delete(g.collection);
    }
    for (const name of p.collections) if (!slots.has(name)) slots.set(name, newSlot());
    for (const e of p.ended) {
      for (const [name, s] of slots) {
        if (s.active?.workflow_id === e.workflow_id && s.active.run_id === e.run_id)
          finish(name, s, e.status, e.initial_lambda, e.final_lambda, {
            attempt_id: e.attempt_id ?? null,
            reason: e.reason ?? null,
            problem_class: e.problem_class ?? null,
          });
      }
    }
    for (const [name, r] of Object.entries(p.readings)) {
      const s = slots.get(name);
      if (!s) continue;
      s.last_sampled_ms = now;
      s.state = r.baseline > 0 ? nextIntegrityState(s.state, r.lambda / r.baseline, gateOf(name)) : 'normal';
      if (s.state === 'normal') {
        s.degraded_since = null;
        s.told_person = null;
      } else s.degraded_since ??= p.sampled_at;
      live.set(name, {
        lambda: r.lambda,
        baseline: r.baseline,
        last_sample_at: p.sampled_at,
        last_error: null,
        covered_by: null,
      });
    }
    for (const [name, message] of Object.entries(p.errors)) {
      const s = slots.get(name);
      if (s) s.last_sampled_ms = now;
      live.set(name, { ...liveOf(name), last_error: message });
    }
  };

  /** Starts the attempts the pass calls for, one per server fault. */
  const startNeeded = async (p: DatabasePass): Promise<void> => {
    const serverFaults = new Map<ProblemClassName, string>();
    for (const [name, s] of slots)
      if (s.active?.scope === 'server' && s.active.problem) serverFaults.set(s.active.problem, name);
    for (const name of [...slots.keys()].sort()) {
      const s = slots.get(name)!;
      const r = p.readings[name];
      if (!r || !s.enabled || s.state === 'normal' || s.state === 'unknown' || s.active || starting.has(name)) continue;
      if (r.scope === 'server' && r.problem) {
        const holder = serverFaults.get(r.problem);
        if (holder && holder !== name) {
          live.set(name, { ...liveOf(name), covered_by: `${r.problem} of the server: healed by ${holder}'s attempt` });
          continue;
        }
      }
      if (!healingGate(s, Date.now(), gateOf(name), false).ok) continue;
      const answer = await startAttempt(
        name,
        { by: 'guardian', ...(s.degraded_since ? { detected_at: s.degraded_since } : {}) },
        r.problem,
        r.scope,
      );
      if (answer.kind === 'Started' && r.scope === 'server' && r.problem) serverFaults.set(r.problem, name);
    }
  };

  const dueNames = (): 'all' | string[] => {
    const now = Date.now();
    const candidates = [...slots].filter(([, s]) => s.enabled);
    // A degraded collection whose cooldown or backoff ended since its last sample needs a reading now:
    // the pass that wakes for it would otherwise find nothing to start the attempt on.
    const released = (n: string, s: CollectionSlot): boolean => {
      if (s.state === 'normal' || s.state === 'unknown' || s.active || s.last_sampled_ms === null) return false;
      if (!patched(RELEASE_WAKE_PATCH)) return false;
      const until = Math.max(cooldownUntil(s, gateOf(n)) ?? 0, deferralBackoffUntil(s, gateOf(n)) ?? 0);
      return until > s.last_sampled_ms && until <= now + DUE_SLACK_MS;
    };
    const due = candidates.filter(
      ([n, s]) =>
        s.last_sampled_ms === null ||
        now + DUE_SLACK_MS >= s.last_sampled_ms + gateOf(n).check_interval * 1000 ||
        released(n, s),
    );
    return due.length === candidates.length ? 'all' : due.map(([n]) => n);
  };

  /** Until the next collection is due, or a cooldown that holds back a needed attempt ends. */
  const sleepMs = (): { ms: number; why: string } => {
    const now = Date.now();
    let ms = (base ?? gateConfigOf(DEFAULT_HEALING_CONFIG)).check_interval * 1000;
    let why = `next pass in ${Math.round(ms / 1000)} s`;
    for (const [n, s] of slots) {
      if (!s.enabled) continue;
      if (s.last_sampled_ms !== null) ms = Math.min(ms, s.last_sampled_ms + gateOf(n).check_interval * 1000 - now);
      const cd = cooldownUntil(s, gateOf(n));
      if (s.state !== 'normal' && s.state !== 'unknown' && cd !== null && cd > now && cd - now < ms) {
        ms = cd - now;
        why = `cooldown of ${n}: until ${new Date(cd).toISOString()}`;
      }
      const bo = deferralBackoffUntil(s, gateOf(n));
      const wakeForBackoff = s.state !== 'normal' && s.state !== 'unknown' && !s.active && bo !== null && bo > now;
      if (wakeForBackoff && bo - now < ms && patched(RELEASE_WAKE_PATCH)) {
        ms = bo - now;
        why = `backoff of ${n}: until ${new Date(bo).toISOString()}`;
      }
    }
    ms = Math.max(1, ms);
    if (!why.startsWith('cooldown') && !why.startsWith('backoff')) why = `next pass in ${Math.round(ms / 1000)} s`;
    return { ms, why };
  };

  for (;;) {
    try {
      const active = [...slots.values()]
        .filter((s) => s.active)
        .map((s) => ({ workflow_id: s.active!.workflow_id, run_id: s.active!.run_id }));
      const paused = [...slots].filter(([, s]) => !s.enabled).map(([n]) => n);
      const p = await acts.guardDatabase.executeWithOptions(
        {
          ...quickOptions,
          startToCloseTimeout: '5 minutes',
          retry: { ...quickOptions.retry, maximumAttempts: 2 },
          summary: `sense: one pass over ${slots.size || 'the'} collections of ${input.database}`,
        },
        [{ due: dueNames(), paused, known: [...slots.keys()], active }],
      );
      applyPass(p);
      lastPass = { at: p.sampled_at, cost: p.cost };
      lastPassError = null;
      await startNeeded(p);
    } catch (err) {
      lastPassError = err instanceof Error ? err.message : String(err);
    }
    passes++;
    passesDone++;
    show();
    const info = workflowInfo();
    if (
      (info.continueAsNewSuggested || info.historySize > MAX_HISTORY_BYTES || passes >= MAX_PASSES_PER_RUN) &&
      starting.size === 0
    ) {
      await condition(allHandlersFinished);
      await Promise.all(notices);
      await continueAsNew<typeof databaseGuardian>({
        database: input.database,
        carried: { slots: Object.fromEntries(slots), base, own },
      });
    }
    const { ms, why } = sleepMs();
    wake = false;
    await condition(() => wake, ms, { summary: why });
  }
}
