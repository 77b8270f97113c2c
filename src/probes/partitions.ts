import type { Queryable } from './queryable';

export interface PartitionLayout {
  /** The LIST partition key column (one column), or null when the table is not list-partitioned. */
  key: string | null;
  /** `<table>_centroids` (partition_id → centroid) when the collection is IVF-style. */
  centroids_table: string | null;
  /** `<table>_archive`, where evict_cold_data moves cold rows. */
  archive_table: string | null;
}

export interface PartitionCounters {
  oid: number;
  name: string;
  /** The partition's list value (its centroid id), or null for a bound that is not one integer. */
  value: number | null;
  reltuples: number;
  live_tuples: number;
  /** Rows written or fetched by index since the statistics reset: load is its rate. */
  ops: number;
}

/** Layout of a partitioned collection, from the catalog; null for a plain table. */
export async function readPartitionLayout(db: Queryable, tableOid: number): Promise<PartitionLayout | null> {
  const { rows } = await db.query<PartitionLayout & { partitioned: boolean }>(
    `SELECT c.relkind = 'p' AS partitioned,
            (SELECT a.attname::text FROM pg_partitioned_table p
            JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
              WHERE p.partrelid = c.oid AND p.partstrat = 'l' AND p.partnatts = 1) AS key,
            to_regclass(format('%I.%I', n.nspname, c.relname || '_centroids'))::text AS centroids_table,
            to_regclass(format('%I.%I', n.nspname, c.relname || '_archive'))::text AS archive_table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1`,
    [tableOid],
  );
  const r = rows[0];
  if (!r?.partitioned) return null;
  return { key: r.key, centroids_table: r.centroids_table, archive_table: r.archive_table };
}

/** The leaves of the partition tree with their row estimates and operation counters. */
export async function readPartitionCounters(db: Queryable, tableOid: number): Promise<PartitionCounters[]> {
  const { rows } = await db.query<PartitionCounters & { bound: string | null }>(
    `SELECT c.oid::int8 AS oid, c.oid::regclass::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
            greatest(c.reltuples, 0)::float8 AS reltuples, coalesce(s.n_live_tup, 0)::float8 AS live_tuples,
            (coalesce(s.n_tup_ins, 0) + coalesce(s.n_tup_upd, 0) + coalesce(s.n_tup_del, 0) + coalesce(s.idx_tup_fetch,
              0))::float8 AS ops
       FROM pg_partition_tree($1) pt JOIN pg_class c ON c.oid = pt.relid
       LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
      WHERE pt.isleaf ORDER BY c.relname`,
    [tableOid],
  );
  return rows.map(({ bound, ...r }) => {
    const m = bound ? /^FOR VALUES IN \((-?\d+)\)$/.exec(bound) : null;
    return { ...r, value: m ? Number(m[1]) : null };
  });
}
