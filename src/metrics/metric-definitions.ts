/**
 * Every metric the worker exports beside prom-client's process metrics: names, labels and help in
 * one list, read by the exporter, the dashboard's test and the alert rules' test alike, so a panel
 * or a rule cannot name a series the worker does not serve.
 */

export type MetricType = 'counter' | 'gauge' | 'summary';

export interface MetricDefinition {
  name: string;
  type: MetricType;
  labels: readonly string[];
  help: string;
  /**
   * store: the system as the store and the guardian describe it, served by one worker at a time (the
   * holder of the exporter lock), so several workers never count it twice; process: every worker its own.
   */
  source: 'store' | 'process';
}

/** The quantiles of ruvector_healing_duration_seconds. */
export const DURATION_QUANTILES = [0.5, 0.9, 0.99] as const;

/** Window of the rates, means and quantiles: the last day, as `selfheal status` reports them. */
export const METRICS_WINDOW_HOURS = 24;

/** Reasons a collection waits for a person (ruvector_healing_waiting_for_person's `reason`). */
export const PERSON_REASONS = ['approval', 'healing_stopped', 'deferred'] as const;
export type PersonReason = (typeof PERSON_REASONS)[number];

const def = (
  name: string,
  type: MetricType,
  labels: readonly string[],
  help: string,
  source: MetricDefinition['source'] = 'store',
): MetricDefinition => ({ name, type, labels, help, source });

const C = ['collection'] as const;
const CS = ['collection', 'strategy'] as const;

export const METRICS = {
  attempts: def(
    'ruvector_healing_attempts_total',
    'counter',
    CS,
    'Healing attempts that ended (dry runs and rollbacks aside), counted since this worker began exporting; ' +
      'strategy "none" when none ran (none chosen, or stopped before it acted: a failed check, a rejection)',
  ),
  successes: def(
    'ruvector_healing_success_total',
    'counter',
    CS,
    'Attempts that healed (completed, the strategy succeeded and was verified), counted since this worker ' +
      'began exporting',
  ),
  duration: def(
    'ruvector_healing_duration_seconds',
    'summary',
    CS,
    `Duration of attempts whose strategy acted: quantiles over the last ${METRICS_WINDOW_HOURS} h, sum and ` +
      'count since this worker began exporting',
  ),
  active: def('ruvector_healing_active', 'gauge', C, '1 while an attempt runs on the collection'),
  cooldown: def('ruvector_healing_cooldown', 'gauge', C, '1 while the cooldown after an attempt holds'),
  successRate: def(
    'ruvector_healing_success_rate',
    'gauge',
    C,
    `Healed over attempts that ran a strategy, last ${METRICS_WINDOW_HOURS} h (absent without any)`,
  ),
  avgImprovement: def(
    'ruvector_healing_avg_improvement',
    'gauge',
    C,
    `Mean relative rise of λ, (after - before) / before, over outcomes of the last ${METRICS_WINDOW_HOURS} h`,
  ),
  timeToRecovery: def(
    'ruvector_healing_time_to_recovery_seconds',
    'gauge',
    C,
    `Mean seconds from detection to the verified outcome, last ${METRICS_WINDOW_HOURS} h (absent without any)`,
  ),
  enabled: def(
    'ruvector_healing_enabled',
    'gauge',
    C,
    'Auto-healing on: 0 when disabled by configuration or paused by a person',
  ),
  state: def('ruvector_integrity_state', 'gauge', C, 'Integrity state: 0 normal, 1 stress, 2 critical'),
  lambda: def('ruvector_integrity_lambda', 'gauge', C, "λ, the collection graph's global minimum cut, last sample"),
  baselineLambda: def('ruvector_integrity_baseline_lambda', 'gauge', C, 'λ of the healthy design the state compares'),
  lastSample: def(
    'ruvector_integrity_last_sample_timestamp_seconds',
    'gauge',
    C,
    'When the sensor last sampled the collection (Unix time)',
  ),
  checkInterval: def(
    'ruvector_integrity_check_interval_seconds',
    'gauge',
    C,
    'The configured interval between samples (check_interval)',
  ),
  waitingForPerson: def(
    'ruvector_healing_waiting_for_person',
    'gauge',
    ['collection', 'reason'],
    '1 while the collection waits for a person: approval (an attempt awaits it), healing_stopped (auto-healing ' +
      'stopped, `selfheal resume`), deferred (the last attempt was left to a person and the fault stays)',
  ),
  attemptRunning: def(
    'ruvector_healing_attempt_running_seconds',
    'gauge',
    CS,
    'Age of the running attempt, time waiting for approval left out',
  ),
  attemptExpected: def(
    'ruvector_healing_attempt_expected_seconds',
    'gauge',
    CS,
    "The running attempt's expected duration: its strategy's estimate, the stabilization wait and the sensing",
  ),
  sensorRound: def('selfheal_sensor_round_seconds', 'gauge', [], "Wall time of the guardian's last sensor pass"),
  sensorStatements: def(
    'selfheal_sensor_round_statements',
    'gauge',
    [],
    "SQL statements of the guardian's last sensor pass",
  ),
  guardianRunning: def(
    'selfheal_guardian_running',
    'gauge',
    [],
    "1 when the database's guardian workflow answered its status query",
  ),
  exporter: def(
    'selfheal_metrics_exporter',
    'gauge',
    [],
    "1 on the worker that exports the store's metrics (it holds the exporter lock), 0 on the others",
    'process',
  ),
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

/** The series names a definition produces: a summary's quantiles, _sum and _count. */
export function seriesNames(d: MetricDefinition): string[] {
  return d.type === 'summary' ? [d.name, `${d.name}_sum`, `${d.name}_count`] : [d.name];
}

/** Every series name the worker exports, prom-client's process metrics aside. */
export const EXPORTED_SERIES: readonly string[] = Object.values(METRICS).flatMap(seriesNames);
