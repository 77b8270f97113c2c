import { counted } from './counted';

/** Rows a retention pass deleted (or, in a dry run, would delete), by table. */
export interface RetentionCounts {
  attempts: number;
  outcomes: number;
  placement_snapshots: number;
  weight_resets: number;
  weight_history: number;
  weight_updates: number;
  /** Notices sent to a person (their delivery record), once their attempt has ended. */
  notifications: number;
  /** SQL commands relayed long ago (each is in the audit trail, which retention never touches). */
  commands: number;
}

/** Each table's rows as one and as many: "1 attempt", "3 attempts". */
const LABELS: Record<keyof RetentionCounts, readonly [string, string]> = {
  attempts: ['attempt', 'attempts'],
  outcomes: ['outcome', 'outcomes'],
  placement_snapshots: ['placement snapshot row', 'placement snapshot rows'],
  weight_resets: ['weight reset', 'weight resets'],
  weight_history: ['weight history row', 'weight history rows'],
  weight_updates: ['weight update', 'weight updates'],
  notifications: ['notice', 'notices'],
  commands: ['relayed SQL command', 'relayed SQL commands'],
};

export function noRetentionRows(): RetentionCounts {
  return {
    attempts: 0,
    outcomes: 0,
    placement_snapshots: 0,
    weight_resets: 0,
    weight_history: 0,
    weight_updates: 0,
    notifications: 0,
    commands: 0,
  };
}

export function addRetentionCounts(a: RetentionCounts, b: RetentionCounts): RetentionCounts {
  const out = noRetentionRows();
  // A count an older worker's activity did not report is 0, not NaN.
  for (const k of Object.keys(LABELS) as (keyof RetentionCounts)[]) out[k] = (a[k] ?? 0) + (b[k] ?? 0);
  return out;
}

/** "12 attempts, 3 outcomes", naming only the tables with rows; "nothing" when none has. */
export function describeRetentionCounts(c: RetentionCounts): string {
  const parts = (Object.keys(LABELS) as (keyof RetentionCounts)[])
    .filter((k) => c[k] > 0)
    .map((k) => counted(c[k], ...LABELS[k]));
  return parts.length ? parts.join(', ') : 'nothing';
}
