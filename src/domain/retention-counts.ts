/** Rows a retention pass deleted (or, in a dry run, would delete), by table. */
export interface RetentionCounts {
  attempts: number;
  outcomes: number;
  placement_snapshots: number;
  weight_resets: number;
  weight_history: number;
  weight_updates: number;
}

const LABELS: Record<keyof RetentionCounts, string> = {
  attempts: 'attempts',
  outcomes: 'outcomes',
  placement_snapshots: 'placement snapshot rows',
  weight_resets: 'weight resets',
  weight_history: 'weight history rows',
  weight_updates: 'weight updates',
};

export function noRetentionRows(): RetentionCounts {
  return { attempts: 0, outcomes: 0, placement_snapshots: 0, weight_resets: 0, weight_history: 0, weight_updates: 0 };
}

export function addRetentionCounts(a: RetentionCounts, b: RetentionCounts): RetentionCounts {
  const out = noRetentionRows();
  for (const k of Object.keys(LABELS) as (keyof RetentionCounts)[]) out[k] = a[k] + b[k];
  return out;
}

/** "12 attempts, 3 outcomes", naming only the tables with rows; "nothing" when none has. */
export function describeRetentionCounts(c: RetentionCounts): string {
  const parts = (Object.keys(LABELS) as (keyof RetentionCounts)[])
    .filter((k) => c[k] > 0)
    .map((k) => `${c[k]} ${LABELS[k]}`);
  return parts.length ? parts.join(', ') : 'nothing';
}
