import type { BtreeEstimateInputs, IndexChangeMarker } from '../../sensor/index-bloat';
import type { Queryable } from '../queryable';

/** An index as the catalog and statistics describe it: no page of it is read. */
export interface IndexCatalogRow extends BtreeEstimateInputs, IndexChangeMarker {
  oid: number;
  name: string;
  size_bytes: number;
  is_btree: boolean;
  is_valid: boolean;
  /** A valid, ready btree with storage of its own: pgstatindex can read it (a partitioned index has no pages). */
  measurable: boolean;
}

/**
 * Every index of the given tables with its size, validity, the inputs of the bloat estimate
 * (pg_class relpages/reltuples, fillfactor, pg_stats avg_width and null_frac of each indexed
 * column: the table's, or for an expression the index's own) and what marks it as changed.
 * An index still being built is invalid on purpose and left out, as readIndexStats does.
 */
export async function readIndexesOf(db: Queryable, tableOids: readonly number[]): Promise<IndexCatalogRow[]> {
  if (tableOids.length === 0) return [];
  const { rows } = await db.query<IndexCatalogRow>(
    `SELECT i.indrelid::int8 AS table_oid, c.oid::int8 AS oid, c.oid::regclass::text AS name,
            pg_relation_size(c.oid)::float8 AS size_bytes,
            a.amname = 'btree' AS is_btree, i.indisvalid AS is_valid,
            (a.amname = 'btree' AND c.relkind = 'i' AND i.indisvalid AND i.indisready) AS measurable,
            c.relfilenode::int8 AS relfilenode, c.relpages::float8 AS relpages, c.reltuples::float8 AS reltuples,
            c.reltuples::float8 AS index_tuples,
            current_setting('block_size')::int AS block_size,
            CASE WHEN version() ~ '64-bit|x86_64|ppc64|ia64|amd64|aarch64' THEN 8 ELSE 4 END AS maxalign,
            coalesce(s.vacuum_count + s.autovacuum_count, 0)::float8 AS table_vacuums,
            coalesce(s.n_tup_ins + s.n_tup_upd + s.n_tup_del, 0)::float8 AS table_writes,
            w.data_width, coalesce(w.has_nulls, false) AS has_nulls, coalesce(w.complete, false) AS complete
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_am a ON a.oid = c.relam
       LEFT JOIN pg_stat_all_tables s ON s.relid = i.indrelid
       LEFT JOIN LATERAL (
         SELECT sum((1 - coalesce(st.null_frac, 0)) * st.avg_width)::float8 AS data_width,
                bool_or(coalesce(st.null_frac, 0) > 0) AS has_nulls,
                count(st.avg_width) = i.indnatts AS complete
           FROM generate_series(0, i.indnatts - 1) AS k(pos)
           -- indkey is 0-based; 0 there means an expression, whose statistics are the index's own.
           CROSS JOIN LATERAL (SELECT CASE WHEN i.indkey[k.pos] <> 0 THEN i.indrelid ELSE i.indexrelid END AS relid,
                                      CASE WHEN i.indkey[k.pos] <> 0 THEN i.indkey[k.pos] ELSE k.pos + 1 END AS attnum) src
           JOIN pg_class sc ON sc.oid = src.relid
           JOIN pg_namespace sn ON sn.oid = sc.relnamespace
           JOIN pg_attribute att ON att.attrelid = src.relid AND att.attnum = src.attnum
           LEFT JOIN pg_stats st ON st.schemaname = sn.nspname AND st.tablename = sc.relname AND st.attname = att.attname AND NOT st.inherited
       ) w ON a.amname = 'btree' AND c.relkind = 'i'
      WHERE i.indrelid = ANY ($1::oid[])
        AND (i.indisvalid OR i.indrelid NOT IN (SELECT relid FROM pg_stat_progress_create_index WHERE datname = current_database()))
      ORDER BY i.indrelid, c.oid`,
    [tableOids],
  );
  return rows;
}
