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
    `WITH ix AS (
        SELECT i.indrelid, i.indexrelid, i.indnatts, i.indkey, i.indisvalid, i.indisready, c.relkind, c.relfilenode,
          c.relpages, c.reltuples,
               a.amname = 'btree' AS is_btree
          FROM pg_index i
          JOIN pg_class c ON c.oid = i.indexrelid
          JOIN pg_am a ON a.oid = c.relam
         WHERE i.indrelid = ANY ($1::oid[])
           AND (i.indisvalid OR i.indrelid NOT IN (SELECT relid FROM pg_stat_progress_create_index
           WHERE datname = current_database()))
     ), cols AS MATERIALIZED (
        -- Each column of each btree with storage (key and INCLUDE), by the names pg_stats knows it
        -- by: an attribute number of 0 is an expression, whose statistics are the index's own.
        -- (unnest, not generate_series: the planner takes a few rows per index from it, not 1000.)
        -- (The attribute by a lookup per column: the planner, taking few columns for many, would
        -- hash all of pg_attribute.)
        SELECT ix.indexrelid, sn.nspname, sc.relname, att.attname
          FROM ix
          CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos)
          CROSS JOIN LATERAL (SELECT CASE WHEN k.attnum <> 0 THEN ix.indrelid ELSE ix.indexrelid END AS relid,
                                     CASE WHEN k.attnum <> 0 THEN k.attnum ELSE k.pos END AS attnum) src
          CROSS JOIN LATERAL (SELECT a.attname FROM pg_attribute a
          WHERE a.attrelid = src.relid AND a.attnum = src.attnum OFFSET 0) att
          JOIN pg_class sc ON sc.oid = src.relid
          JOIN pg_namespace sn ON sn.oid = sc.relnamespace
         WHERE ix.is_btree AND ix.relkind = 'i'
     ), st AS MATERIALIZED (
        -- pg_stats (it shows only the columns this role may read) of the relations in question,
        -- read once: joined on names directly, it is scanned whole for every column. The column
        -- names narrow it too (both filters are leakproof, so they reach into the view): without
        -- them every attribute of every table, system columns included, has its privilege checked.
        SELECT schemaname, tablename, attname, null_frac, avg_width FROM pg_stats
         WHERE tablename = ANY ((SELECT array_agg(DISTINCT relname) FROM cols)::name[])
           AND attname = ANY ((SELECT array_agg(DISTINCT attname) FROM cols)::name[]) AND NOT inherited
     ), widths AS (
        SELECT cols.indexrelid,
               sum((1 - coalesce(st.null_frac, 0)) * st.avg_width)::float8 AS data_width,
               bool_or(coalesce(st.null_frac, 0) > 0) AS has_nulls,
               count(st.avg_width) = count(*) AS complete
          FROM cols LEFT JOIN st ON st.schemaname = cols.nspname AND st.tablename = cols.relname
            AND st.attname = cols.attname
         GROUP BY cols.indexrelid
     ), server AS (
        -- Once, not per index.
        SELECT current_setting('block_size')::int AS block_size,
               CASE WHEN version() ~ '64-bit|x86_64|ppc64|ia64|amd64|aarch64' THEN 8 ELSE 4 END AS maxalign
     )
     SELECT ix.indrelid::int8 AS table_oid, ix.indexrelid::int8 AS oid, ix.indexrelid::regclass::text AS name,
            pg_relation_size(ix.indexrelid)::float8 AS size_bytes,
            ix.is_btree, ix.indisvalid AS is_valid,
            (ix.is_btree AND ix.relkind = 'i' AND ix.indisvalid AND ix.indisready) AS measurable,
            ix.relfilenode::int8 AS relfilenode, ix.relpages::float8 AS relpages, ix.reltuples::float8 AS reltuples,
            ix.reltuples::float8 AS index_tuples,
            server.block_size, server.maxalign,
            (pg_stat_get_vacuum_count(ix.indrelid) + pg_stat_get_autovacuum_count(ix.indrelid))::float8 AS
              table_vacuums,
            (pg_stat_get_tuples_inserted(ix.indrelid) + pg_stat_get_tuples_updated(ix.indrelid) +
              pg_stat_get_tuples_deleted(ix.indrelid))::float8 AS table_writes,
            w.data_width, coalesce(w.has_nulls, false) AS has_nulls, coalesce(w.complete, false) AS complete
       FROM ix CROSS JOIN server LEFT JOIN widths w ON w.indexrelid = ix.indexrelid
      ORDER BY ix.indrelid, ix.indexrelid`,
    [tableOids],
  );
  return rows;
}
