import type { Queryable } from './queryable';

export interface TableStats {
  oid: number;
  name: string;
  live_tuples: number;
  dead_tuples: number;
  reloptions: string[] | null;
}

export async function readTableStats(db: Queryable, tableOid: number): Promise<TableStats> {
  const { rows } = await db.query<TableStats>(
    `SELECT c.oid::int8 AS oid, c.oid::regclass::text AS name,
            coalesce(s.n_live_tup, 0)::float8 AS live_tuples, coalesce(s.n_dead_tup, 0)::float8 AS dead_tuples,
            c.reloptions
       FROM pg_class c LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
      WHERE c.oid = $1`,
    [tableOid],
  );
  if (!rows[0]) throw new Error(`table with oid ${tableOid} no longer exists`);
  return rows[0];
}
