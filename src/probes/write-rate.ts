import type { Queryable } from './queryable';

/** Rows inserted, updated or deleted in the table or any of its partitions, since the statistics reset. */
async function writes(db: Queryable, tableOid: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT coalesce(sum(s.n_tup_ins + s.n_tup_upd + s.n_tup_del), 0)::float8 AS n
       FROM (SELECT relid FROM pg_partition_tree($1) UNION SELECT $1::oid) pt
       JOIN pg_stat_all_tables s ON s.relid = pt.relid`,
    [tableOid],
  );
  return rows[0]?.n ?? 0;
}

/** Rows written per second over a window of `windowMs` (backends report about once a second). */
export async function measureWriteRate(
  db: Queryable,
  tableOid: number,
  windowMs = 2000,
  signal?: AbortSignal,
): Promise<number> {
  const a = await writes(db, tableOid);
  await new Promise((r) => setTimeout(r, windowMs));
  if (signal?.aborted) throw new Error('cancelled');
  return ((await writes(db, tableOid)) - a) / (windowMs / 1000);
}
