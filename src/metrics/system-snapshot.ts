import { integrityStateLevel } from '../domain/integrity-state';
import { strategyByName } from '../strategies/registry';
import type { DatabaseGuardianStatus } from '../../workflows/database-guardian-messages';
import type { AttemptStatus } from '../../workflows/attempt-messages';
import type { PairCounts } from './attempt-counters';
import { PERSON_REASONS, type MetricKey, type PersonReason } from './metric-definitions';
import { leftToPerson } from './person-needed';
import type { CollectionReading } from './store-readings';

export type Labels = Record<string, string>;
export interface Sample {
  labels: Labels;
  value: number;
}
export interface SummarySample {
  labels: Labels;
  /** Per quantile, NaN when the window holds no observation (as a summary with none reports it). */
  quantiles: readonly number[];
  sum: number;
  count: number;
}

/** The store's metrics at one moment: gauges and counters by key, the duration summary apart. */
export interface SystemValues {
  samples: Partial<Record<MetricKey, Sample[]>>;
  duration: SummarySample[];
}

export interface SnapshotInput {
  now_ms: number;
  collections: readonly CollectionReading[];
  counts: readonly (PairCounts & { collection: string; strategy: string })[];
  /** null: the guardian did not answer (not running, or Temporal unreachable). */
  guardian: DatabaseGuardianStatus | null;
  /** The running attempts that answered their status query, by collection. */
  attempts: ReadonlyMap<string, AttemptStatus>;
}

/**
 * Before and after its strategy an attempt senses, classifies, selects, verifies and records: a
 * minute is ample on any store this size of system (the sensor pass itself takes milliseconds).
 */
export const ATTEMPT_OVERHEAD_SECONDS = 60;

/** Seconds the attempt has worked: from its first phase to now, the time it waited for approval left out. */
export function workingSeconds(status: AttemptStatus | undefined, startedAtMs: number, nowMs: number): number {
  const phases = status?.phases ?? [];
  const start = phases.length ? Date.parse(phases[0]!.at) : startedAtMs;
  let waited = 0;
  phases.forEach((p, i) => {
    if (p.phase !== 'approval') return;
    const next = phases[i + 1];
    waited += (next ? Date.parse(next.at) : nowMs) - Date.parse(p.at);
  });
  return Math.max(0, (nowMs - start - waited) / 1000);
}

/**
 * The values of every store metric from what the store, the guardian and the running attempts said:
 * pure, so every rule of what is exported when is tested without servers. A figure nobody knows is
 * left out rather than guessed (an alert on a missing series is explicit; one on a made-up 0 is wrong).
 */
export function systemValues(input: SnapshotInput): SystemValues {
  const samples: Partial<Record<MetricKey, Sample[]>> = {};
  const add = (key: MetricKey, labels: Labels, value: number | null | undefined): void => {
    if (value === null || value === undefined || Number.isNaN(value)) return;
    (samples[key] ??= []).push({ labels, value });
  };
  const watched = new Set(input.collections.map((c) => c.name));
  const guardians = new Map((input.guardian?.collections ?? []).map((g) => [g.collection, g]));
  const b = (v: boolean): number => (v ? 1 : 0);

  for (const p of input.counts) {
    if (!watched.has(p.collection)) continue;
    const labels = { collection: p.collection, strategy: p.strategy };
    add('attempts', labels, p.attempts);
    // An attempt without a strategy never heals: no success series for "none".
    if (p.strategy !== 'none') add('successes', labels, p.successes);
  }

  const duration: SummarySample[] = [];
  const countsOf = new Map(input.counts.map((p) => [`${p.collection}\u0000${p.strategy}`, p]));
  for (const c of input.collections) {
    const strategies = new Set([
      ...c.durations.keys(),
      ...input.counts.filter((p) => p.collection === c.name && p.duration_count > 0).map((p) => p.strategy),
    ]);
    for (const s of [...strategies].sort()) {
      const counted = countsOf.get(`${c.name}\u0000${s}`);
      duration.push({
        labels: { collection: c.name, strategy: s },
        quantiles: c.durations.get(s) ?? [NaN, NaN, NaN],
        sum: counted?.duration_sum ?? 0,
        count: counted?.duration_count ?? 0,
      });
    }
  }

  for (const c of input.collections) {
    const L = { collection: c.name };
    const g = guardians.get(c.name) ?? null;
    const known = input.guardian !== null;
    const runningId = g?.active ?? (known ? null : c.running);
    const attempt = input.attempts.get(c.name);

    add('successRate', L, c.ran > 0 ? c.healed / c.ran : null);
    add('avgImprovement', L, c.avg_improvement);
    add('timeToRecovery', L, c.recovery_seconds);
    add('lastSample', L, c.last_sample_at);
    add('checkInterval', L, c.config.check_interval);
    // Disabled by configuration is known from the store alone; a pause only the guardian knows.
    add('enabled', L, !c.config.enabled ? 0 : g ? b(g.enabled) : null);
    add('active', L, known ? b(g?.active != null) : b(c.running !== null));
    if (g) {
      add('cooldown', L, b(g.cooldown_until !== null));
      if (g.state !== 'unknown') add('state', L, integrityStateLevel(g.state));
      add('lambda', L, g.lambda);
      add('baselineLambda', L, g.baseline_lambda);
    }

    const waiting: Record<PersonReason, boolean> = {
      approval: attempt?.awaiting_approval === true,
      healing_stopped: g?.needs_person != null,
      // Left to a person by the last attempt, and the fault is still there with nothing else under way.
      deferred:
        g !== null &&
        g.state !== 'normal' &&
        g.state !== 'unknown' &&
        g.active === null &&
        c.last_end !== null &&
        leftToPerson(c.last_end.status, c.last_end.reason),
    };
    // Without the guardian only an attempt's own answer is known: its approval.
    const reasons = known ? PERSON_REASONS : attempt ? (['approval'] as const) : [];
    for (const r of reasons) add('waitingForPerson', { ...L, reason: r }, b(waiting[r]));

    if (runningId) {
      const strategy = attempt?.strategy ?? 'none';
      const labels = { collection: c.name, strategy };
      const startedAt = c.running ? c.running.started_at * 1000 : input.now_ms;
      add('attemptRunning', labels, workingSeconds(attempt, startedAt, input.now_ms));
      const estimate = strategyByName(strategy)?.estimated_duration_seconds;
      add(
        'attemptExpected',
        labels,
        (estimate === undefined ? 0 : estimate + c.config.stabilization_wait) + ATTEMPT_OVERHEAD_SECONDS,
      );
    }
  }

  if (input.guardian) {
    const cost = input.guardian.last_pass_cost;
    add('sensorRound', {}, cost ? cost.cost_ms / 1000 : null);
    add('sensorStatements', {}, cost?.round_trips);
  }
  add('guardianRunning', {}, b(input.guardian !== null));
  return { samples, duration };
}
