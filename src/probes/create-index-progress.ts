import type { StrategyProgress } from '../domain/strategy-progress';
import type { Queryable } from './queryable';

interface ProgressRow {
  phase: string;
  blocks_total: number;
  blocks_done: number;
  tuples_total: number;
  tuples_done: number;
  lockers_total: number;
  lockers_done: number;
}

/**
 * What the phase counts: sessions waited for while it waits, blocks while it scans, tuples while it
 * loads or sorts; PostgreSQL leaves the other counters at zero or at their last phase's values.
 */
export function createIndexProgress(r: ProgressRow): Pick<StrategyProgress, 'phase' | 'done' | 'total' | 'unit'> {
  const count = (done: number, total: number, unit: string) => ({ phase: r.phase, done, total, unit });
  if (r.phase.startsWith('waiting') && r.lockers_total > 0)
    return count(r.lockers_done, r.lockers_total, 'sessions waited for');
  if (r.phase.includes('scanning') && r.blocks_total > 0) return count(r.blocks_done, r.blocks_total, 'blocks');
  if (r.tuples_total > 0) return count(r.tuples_done, r.tuples_total, 'tuples');
  if (r.blocks_total > 0) return count(r.blocks_done, r.blocks_total, 'blocks');
  return { phase: r.phase };
}

/** The phase and counters of a CREATE INDEX or REINDEX running in session `pid`; null once it is not. */
export async function readCreateIndexProgress(
  db: Queryable,
  pid: number,
): Promise<Pick<StrategyProgress, 'phase' | 'done' | 'total' | 'unit'> | null> {
  const { rows } = await db.query<ProgressRow>(
    `SELECT phase, blocks_total::float8 AS blocks_total, blocks_done::float8 AS blocks_done,
            tuples_total::float8 AS tuples_total, tuples_done::float8 AS tuples_done,
            lockers_total::float8 AS lockers_total, lockers_done::float8 AS lockers_done
       FROM pg_stat_progress_create_index WHERE pid = $1`,
    [pid],
  );
  return rows[0] ? createIndexProgress(rows[0]) : null;
}
