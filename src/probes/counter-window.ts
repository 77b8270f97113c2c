import type { Queryable } from './queryable';

/** Backends flush their counters about once a second: a shorter window reads noise. */
export const MIN_WINDOW_MS = 2000;
/** An older reading says nothing about the rate now. */
const MAX_WINDOW_MS = 600_000;

export interface WindowOptions {
  /** Count only readings taken after this (ISO): a verification counts nothing from before the change. */
  after?: string;
  /**
   * A periodic sample: never wait. With no stored reading at least half a window old the rates are
   * unknown (0, window 0) until the next sample; the next sample is one check interval away.
   */
  noWait?: boolean;
  /** A look only (`selfheal status`): the sensor's bookkeeping is read, never written. */
  readOnly?: boolean;
}

export interface CounterRates {
  /** Per key: increase per second over the window (0 for a key new or reset since the base reading). */
  per_s: Map<string, number>;
  window_ms: number;
  /** Time spent waiting for the window to reach MIN_WINDOW_MS: not the sensor's cost. */
  waited_ms: number;
}

export interface Reading {
  values: Record<string, number>;
  age_ms: number;
  at: string;
}

/** The two readings stored for one collection and counter family. */
export interface StoredReadings {
  latest: Reading | null;
  older: Reading | null;
}

/**
 * The stored reading a rate is taken from: the youngest at least MIN_WINDOW_MS old, else the
 * oldest usable one (to be waited on). Null when there is none usable, or (periodic samples)
 * when the best is under half a window old. Readings from before `after` are not usable.
 */
export function chooseBase(stored: StoredReadings | undefined, opts: WindowOptions): Reading | null {
  const after = opts.after ? Date.parse(opts.after) : Number.NEGATIVE_INFINITY;
  const usable = [stored?.latest, stored?.older].filter(
    (r): r is Reading => !!r && r.age_ms <= MAX_WINDOW_MS && Date.parse(r.at) >= after,
  );
  const oldest = [...usable].sort((a, b) => b.age_ms - a.age_ms)[0];
  const base = usable.filter((r) => r.age_ms >= MIN_WINDOW_MS).sort((a, b) => a.age_ms - b.age_ms)[0] ?? oldest ?? null;
  if (opts.noWait && base && base.age_ms < MIN_WINDOW_MS / 2) return null;
  return base;
}

/**
 * Whether the new reading pushes the latest one down to `older`: only when the latest is half a
 * window old, so frequent samples keep refreshing the latest while the older one ages into a
 * usable base.
 */
export function shiftsLatest(stored: StoredReadings | undefined): boolean {
  const latest = stored?.latest;
  return !!latest && latest.age_ms >= MIN_WINDOW_MS / 2 && latest.age_ms <= MAX_WINDOW_MS;
}

/** Per key, increase per second from `base` to `now` over `windowMs`: 0 for a key new or reset since. */
export function ratesBetween(
  base: Record<string, number> | undefined,
  now: Record<string, number>,
  windowMs: number,
): Map<string, number> {
  const per_s = new Map<string, number>();
  for (const [k, v] of Object.entries(now)) {
    const before = base?.[k];
    per_s.set(k, before === undefined || v < before || windowMs <= 0 ? 0 : ((v - before) * 1000) / windowMs);
  }
  return per_s;
}

/**
 * Rates of a family of cumulative server counters (temp bytes, per-partition row operations)
 * between now and a reading a previous sample stored. Two readings are kept per collection and
 * family, so a sample taken soon after another still finds one at least MIN_WINDOW_MS old and
 * need not wait: the sensor's period stays its check interval. It waits only when no stored
 * reading is old enough, or none was taken after `after` (a verification must not count what
 * happened before the change it verifies), and never when `noWait`. One collection and family;
 * the sampling pass windows all of its collections at once (src/probes/sample-database.ts).
 */
export async function counterWindow(
  db: Queryable,
  collectionId: number,
  family: string,
  read: () => Promise<Record<string, number>>,
  opts: WindowOptions = {},
): Promise<CounterRates> {
  const stored = (
    await db.query<StoredReadings>(
      `SELECT json_build_object('values', latest, 'at', latest_at, 'age_ms',
         extract(epoch FROM clock_timestamp() - latest_at) * 1000) AS latest,
            CASE WHEN older IS NOT NULL
            THEN json_build_object('values', older, 'at', older_at, 'age_ms',
              extract(epoch FROM clock_timestamp() - older_at) * 1000) END AS older
       FROM ruvector.counter_windows WHERE collection_id = $1 AND family = $2`,
      [collectionId, family],
    )
  ).rows[0];
  const clock = Date.now();
  // The youngest reading old enough; else the oldest there is, waited on; else one taken now.
  let base = chooseBase(stored, opts);
  if (!base && !opts.noWait) base = { values: await read(), age_ms: 0, at: '' };
  const waited = base && !opts.noWait ? Math.max(0, MIN_WINDOW_MS - base.age_ms - (Date.now() - clock)) : 0;
  if (waited > 0) await new Promise((r) => setTimeout(r, waited));
  const now = await read();
  const windowMs = base ? base.age_ms + (Date.now() - clock) : 0;
  await db.query(
    `INSERT INTO ruvector.counter_windows (collection_id, family, latest, latest_at, older, older_at)
     VALUES ($1, $2, $3, clock_timestamp(), NULL, NULL)
     ON CONFLICT (collection_id, family) DO UPDATE SET
       older = CASE WHEN $4 THEN counter_windows.latest ELSE counter_windows.older END,
       older_at = CASE WHEN $4 THEN counter_windows.latest_at ELSE counter_windows.older_at END,
       latest = EXCLUDED.latest, latest_at = EXCLUDED.latest_at`,
    [collectionId, family, JSON.stringify(now), shiftsLatest(stored)],
  );
  return {
    per_s: ratesBetween(base?.values, now, windowMs),
    window_ms: Math.round(windowMs),
    waited_ms: Math.round(waited),
  };
}
