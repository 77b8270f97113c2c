import { counterWindow, type WindowOptions } from './counter-window';
import type { Queryable } from './queryable';
import { readPartitionCounters, type PartitionCounters } from './partitions';

export interface PartitionLoad extends PartitionCounters {
  /** Operations per second over the window. */
  ops_per_s: number;
}

/**
 * Load per partition as the rate of its row-operation counters between two samples
 * (postgres-notes: per-partition deltas between two samples).
 */
export async function measurePartitionLoad(
  db: Queryable,
  collectionId: number,
  tableOid: number,
  opts: WindowOptions = {},
): Promise<{ partitions: PartitionLoad[]; window_ms: number; waited_ms: number }> {
  let now: PartitionCounters[] = [];
  const rates = await counterWindow(db, collectionId, 'partition_ops', async () => {
    now = await readPartitionCounters(db, tableOid);
    return Object.fromEntries(now.map((p) => [String(p.oid), p.ops]));
  }, opts);
  const partitions = now.map((p) => ({ ...p, ops_per_s: rates.per_s.get(String(p.oid)) ?? 0 }));
  return { partitions, window_ms: rates.window_ms, waited_ms: rates.waited_ms };
}
