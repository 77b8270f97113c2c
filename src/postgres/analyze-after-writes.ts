import type { Queryable } from './queryable';

/**
 * ANALYZE on the session that did the writes, after flushing its pending statistics: a backend
 * reports its row counts up to a second late, and counts that land after the ANALYZE would show the
 * table as stale again (n_mod_since_analyze).
 */
export async function analyzeAfterWrites(session: Queryable, qualifiedTable: string): Promise<void> {
  await session.query('SELECT pg_stat_force_next_flush()');
  await session.query(`ANALYZE ${qualifiedTable}`);
}
