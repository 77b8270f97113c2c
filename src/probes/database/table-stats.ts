import type { Queryable } from '../queryable';
import type { TableStats } from '../table-stats';

export interface NamedTableStats extends TableStats {
  /** Where the OID points now: a collection whose table was renamed or re-created no longer matches. */
  schema_name: string;
  table_name: string;
}

/**
 * readTableStats for many tables in one statement: per table its catalog row, statistics row and
 * per-leaf analysis (the table itself, or each leaf partition). Tables that no longer exist are
 * absent from the map.
 */
export async function readTablesStats(db: Queryable, tableOids: readonly number[]): Promise<Map<number, NamedTableStats>> {
  if (tableOids.length === 0) return new Map();
  // A partitioned parent has no storage: its age, row estimate and changes are its leaves'. The
  // leaves of all tables are gathered and aggregated in one go, not per table (a join per table
  // made the statement quadratic in the number of tables), and their counters come from the
  // statistics functions, not pg_stat_all_tables, which aggregates over the whole database.
  const { rows } = await db.query<NamedTableStats>(
    `WITH t AS (
        SELECT c.oid, c.relkind FROM (SELECT DISTINCT u.oid FROM unnest($1::oid[]) AS u(oid)) x JOIN pg_class c ON c.oid = x.oid
     ), leaves AS (
        -- A partitioned table's leaves; any other table is its own (its own leaf within a tree).
        SELECT t.oid AS table_oid, t.oid AS relid FROM t WHERE t.relkind <> 'p'
        UNION ALL
        SELECT t.oid, pt.relid FROM t CROSS JOIN LATERAL pg_partition_tree(t.oid) pt WHERE t.relkind = 'p' AND pt.isleaf
     ), leaf AS (
        SELECT lv.table_oid, l.oid, l.reltuples, l.relfrozenxid, l.reltoastrelid,
               pg_stat_get_mod_since_analyze(l.oid) AS n_mod_since_analyze,
               greatest(pg_stat_get_last_analyze_time(l.oid), pg_stat_get_last_autoanalyze_time(l.oid)) AS analyzed_at,
               -- Autovacuum's own rule for an ANALYZE of this leaf (reloptions over server settings).
               current_setting('autovacuum')::bool AND current_setting('track_counts')::bool
                 AND coalesce((SELECT option_value::bool FROM pg_options_to_table(l.reloptions) WHERE option_name = 'autovacuum_enabled'), true)
                 AND pg_stat_get_mod_since_analyze(l.oid) >
                     coalesce((SELECT option_value FROM pg_options_to_table(l.reloptions) WHERE option_name = 'autovacuum_analyze_threshold'),
                              current_setting('autovacuum_analyze_threshold'))::float8
                     + coalesce((SELECT option_value FROM pg_options_to_table(l.reloptions) WHERE option_name = 'autovacuum_analyze_scale_factor'),
                                current_setting('autovacuum_analyze_scale_factor'))::float8 * greatest(l.reltuples, 0) AS autoanalyze_due
          FROM leaves lv JOIN pg_class l ON l.oid = lv.relid
         WHERE l.relkind IN ('r', 'm')
     ), per_table AS (
        SELECT leaf.table_oid,
               sum(greatest(leaf.reltuples, 0)) AS reltuples,
               sum(leaf.n_mod_since_analyze) AS mods,
               json_agg(json_build_object(
                 'name', leaf.oid::regclass::text, 'reltuples', greatest(leaf.reltuples, -1)::float8, 'mods_since_analyze', leaf.n_mod_since_analyze::float8,
                 'analyzed_age_seconds', extract(epoch FROM now() - leaf.analyzed_at)::float8,
                 'autoanalyze_due', leaf.autoanalyze_due, 'stale_for_seconds', NULL) ORDER BY leaf.oid) AS analysis,
               max(greatest(age(leaf.relfrozenxid), coalesce(age(lt.relfrozenxid), 0))) AS xid_age
          FROM leaf LEFT JOIN pg_class lt ON lt.oid = leaf.reltoastrelid
         GROUP BY leaf.table_oid
     )
     SELECT c.oid::int8 AS oid, c.oid::regclass::text AS name, n.nspname::text AS schema_name, c.relname::text AS table_name,
            pg_stat_get_live_tuples(c.oid)::float8 AS live_tuples, pg_stat_get_dead_tuples(c.oid)::float8 AS dead_tuples,
            c.reloptions,
            CASE WHEN c.relkind = 'p' THEN coalesce(p.reltuples, 0) ELSE c.reltuples END::float8 AS reltuples,
            CASE WHEN c.relkind = 'p' THEN coalesce(p.mods, 0) ELSE pg_stat_get_mod_since_analyze(c.oid) END::float8 AS mods_since_analyze,
            to_char(greatest(pg_stat_get_last_analyze_time(c.oid), pg_stat_get_last_autoanalyze_time(c.oid)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_analyzed_at,
            coalesce(p.analysis, '[]'::json) AS analysis,
            coalesce(p.xid_age, 0)::float8 AS xid_age,
            coalesce((SELECT split_part(o, '=', 2) FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum_freeze_max_age=%'),
                     current_setting('autovacuum_freeze_max_age'))::float8 AS freeze_max_age
       FROM t JOIN pg_class c ON c.oid = t.oid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN per_table p ON p.table_oid = c.oid`,
    [tableOids],
  );
  return new Map(rows.map((r) => [r.oid, r]));
}
