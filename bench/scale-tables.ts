import type { Pool } from '../src/postgres/pool';

/** 1,000 tables like these, each with an index over 1 MiB, is the database the scale benches guard. */
export async function makeTables(pool: Pool, n: number): Promise<void> {
  for (let i = 0; i < n; i += 25) {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      for (let j = i; j < Math.min(n, i + 25); j++) {
        // 8,000 rows of 128-character keys: an index of about 1.3 MiB.
        await c.query(
          `CREATE TABLE public.t_${j} AS SELECT g AS id, repeat(md5(g::text), 4) AS v FROM generate_series(1, 8000) g`,
        );
        await c.query(`CREATE INDEX ON public.t_${j} (v)`);
      }
      await c.query('COMMIT');
    } finally {
      c.release();
    }
  }
  await pool.query('ANALYZE');
}

/** One statement over the catalog and statistics of every table: what a pass cannot go below. */
export const FLOOR = `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid LEFT JOIN pg_index i ON i.indrelid = c.oid
  LEFT JOIN pg_class ic ON ic.oid = i.indexrelid LEFT JOIN pg_stat_all_indexes si ON si.indexrelid = i.indexrelid
 WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'
   AND (SELECT count(*) FROM pg_stat_activity) >= 0 AND (SELECT count(*) FROM pg_locks) >= 0
   AND (SELECT count(*) FROM pg_stat_progress_vacuum) >= 0 AND (SELECT count(*) FROM pg_replication_slots) >= 0`;
