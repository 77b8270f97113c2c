import type { Queryable } from './queryable';
import { readPartitionCounters, type PartitionCounters } from './partitions';

/** Backends flush their counters about once a second: a shorter window reads noise. */
export const MIN_LOAD_WINDOW_MS = 2000;
/** An older stored sample says nothing about the load now. */
const MAX_LOAD_WINDOW_MS = 600_000;

export interface PartitionLoad extends PartitionCounters {
  /** Operations per second over the window. */
  ops_per_s: number;
}

/**
 * Load per partition as the rate of its counters between this sample and the one stored by the last
 * sample (postgres-notes: per-partition deltas between two samples). When the stored sample is too
 * recent, waits out the rest of the window; when there is none (or it is stale), measures a window
 * now. The reading that closed the window is stored for the next sample.
 */
export async function measurePartitionLoad(db: Queryable, collectionId: number, tableOid: number): Promise<{ partitions: PartitionLoad[]; window_ms: number; waited_ms: number }> {
  const stored = await db.query<{ relid: number; ops: number; age_ms: number }>(
    `SELECT relid::int8 AS relid, ops::float8 AS ops, (extract(epoch FROM clock_timestamp() - sampled_at) * 1000)::float8 AS age_ms
       FROM ruvector.partition_counters WHERE collection_id = $1`,
    [collectionId],
  );
  let prev = new Map(stored.rows.map((r) => [Number(r.relid), r.ops] as const));
  let ageMs = stored.rows.length ? Math.min(...stored.rows.map((r) => r.age_ms)) : Number.POSITIVE_INFINITY;
  if (!(ageMs <= MAX_LOAD_WINDOW_MS)) {
    prev = new Map((await readPartitionCounters(db, tableOid)).map((p) => [p.oid, p.ops] as const));
    ageMs = 0;
  }
  const waitedMs = Math.max(0, MIN_LOAD_WINDOW_MS - ageMs);
  if (waitedMs > 0) await new Promise((r) => setTimeout(r, waitedMs));
  const windowMs = Math.max(ageMs, MIN_LOAD_WINDOW_MS);
  const now = await readPartitionCounters(db, tableOid);
  await db.query(
    `INSERT INTO ruvector.partition_counters (collection_id, relid, ops, sampled_at)
     SELECT $1, unnest($2::oid[]), unnest($3::int8[]), clock_timestamp()
     ON CONFLICT (collection_id, relid) DO UPDATE SET ops = EXCLUDED.ops, sampled_at = EXCLUDED.sampled_at`,
    [collectionId, now.map((p) => p.oid), now.map((p) => Math.round(p.ops))],
  );
  const partitions = now.map((p) => {
    const before = prev.get(p.oid);
    const delta = before === undefined || p.ops < before ? 0 : p.ops - before;
    return { ...p, ops_per_s: (1000 * delta) / windowMs };
  });
  return { partitions, window_ms: Math.round(windowMs), waited_ms: waitedMs };
}
