import type { Queryable } from '../queryable';
import type { PartitionCounters, PartitionLayout } from '../partitions';

export interface PartitionedTable extends PartitionLayout {
  table_oid: number;
  /** Its leaves with their row estimates and operation counters, by name. */
  leaves: PartitionCounters[];
}

/**
 * readPartitionLayout and readPartitionCounters for many tables in one statement: the partitioned
 * ones among them (plain tables are absent from the map), each with its layout and its leaves'
 * counters. Read again after a counter window's wait; the layout comes along, it costs nothing.
 */
export async function readPartitionedTables(
  db: Queryable,
  tableOids: readonly number[],
): Promise<Map<number, PartitionedTable>> {
  if (tableOids.length === 0) return new Map();
  const { rows } = await db.query<
    Omit<PartitionedTable, 'leaves'> & { leaves: (Omit<PartitionCounters, 'value'> & { bound: string | null })[] }
  >(
    `SELECT c.oid::int8 AS table_oid,
            (SELECT a.attname::text FROM pg_partitioned_table p
            JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
              WHERE p.partrelid = c.oid AND p.partstrat = 'l' AND p.partnatts = 1) AS key,
            to_regclass(format('%I.%I', n.nspname, c.relname || '_centroids'))::text AS centroids_table,
            to_regclass(format('%I.%I', n.nspname, c.relname || '_archive'))::text AS archive_table,
            coalesce((
              SELECT json_agg(json_build_object(
                       'oid', l.oid::int8, 'name', l.oid::regclass::text, 'bound', pg_get_expr(l.relpartbound, l.oid),
                       'reltuples', greatest(l.reltuples, 0)::float8,
                       'live_tuples', pg_stat_get_live_tuples(l.oid)::float8,
                       -- n_tup_ins + n_tup_upd + n_tup_del + idx_tup_fetch as pg_stat_all_tables has them
                       -- (idx_tup_fetch null without an index); its statistics functions, as the view
                       -- aggregates over the whole database.
                       'ops', (pg_stat_get_tuples_inserted(l.oid) + pg_stat_get_tuples_updated(l.oid)
                               + pg_stat_get_tuples_deleted(l.oid)
                               + coalesce((SELECT sum(pg_stat_get_tuples_fetched(i.indexrelid))
                                             FROM pg_index i WHERE i.indrelid = l.oid)::int8
                                          + pg_stat_get_tuples_fetched(l.oid), 0))::float8)
                     ORDER BY l.relname)
                FROM pg_partition_tree(c.oid) pt JOIN pg_class l ON l.oid = pt.relid
               WHERE pt.isleaf), '[]'::json) AS leaves
       FROM (SELECT DISTINCT u.oid FROM unnest($1::oid[]) AS u(oid)) t
       JOIN pg_class c ON c.oid = t.oid AND c.relkind = 'p'
       JOIN pg_namespace n ON n.oid = c.relnamespace`,
    [tableOids],
  );
  return new Map(
    rows.map((r) => [
      r.table_oid,
      {
        ...r,
        leaves: r.leaves.map(({ bound, ...leaf }) => {
          const m = bound ? /^FOR VALUES IN \((-?\d+)\)$/.exec(bound) : null;
          return { ...leaf, value: m ? Number(m[1]) : null };
        }),
      },
    ]),
  );
}
