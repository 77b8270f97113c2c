import type { Queryable } from './queryable';

/** Backends flush their counters about once a second: a shorter window reads noise. */
export const MIN_WINDOW_MS = 2000;
const MAX_WINDOW_MS = 600_000;

/**
 * The rate of a cumulative server counter between this sample and the one the last sample stored
 * for the collection; waits out the rest of the window when that one is too recent, measures a
 * fresh window when there is none. Stores the reading that closed the window.
 */
export async function counterRate(
  db: Queryable,
  collectionId: number,
  counter: string,
  read: () => Promise<number>,
): Promise<{ per_s: number; window_ms: number; waited_ms: number }> {
  const stored = (await db.query<{ value: number; age_ms: number }>(
    `SELECT value, (extract(epoch FROM clock_timestamp() - sampled_at) * 1000)::float8 AS age_ms
       FROM ruvector.sensor_counters WHERE collection_id = $1 AND counter = $2`,
    [collectionId, counter],
  )).rows[0];
  let prev: number;
  let ageMs: number;
  if (stored && stored.age_ms <= MAX_WINDOW_MS) {
    prev = stored.value;
    ageMs = stored.age_ms;
  } else {
    prev = await read();
    ageMs = 0;
  }
  const waited = Math.max(0, MIN_WINDOW_MS - ageMs);
  if (waited > 0) await new Promise((r) => setTimeout(r, waited));
  const now = await read();
  await db.query(
    `INSERT INTO ruvector.sensor_counters (collection_id, counter, value, sampled_at) VALUES ($1, $2, $3, clock_timestamp())
     ON CONFLICT (collection_id, counter) DO UPDATE SET value = EXCLUDED.value, sampled_at = EXCLUDED.sampled_at`,
    [collectionId, counter, now],
  );
  const windowMs = Math.max(ageMs, MIN_WINDOW_MS);
  return { per_s: now >= prev ? ((now - prev) * 1000) / windowMs : 0, window_ms: Math.round(windowMs), waited_ms: waited };
}
