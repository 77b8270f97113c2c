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
  // A partitioned parent has no storage: its age, row estimate and changes are its leaves'.
  const { rows } = await db.query<NamedTableStats>(
    `SELECT c.oid::int8 AS oid, c.oid::regclass::text AS name, n.nspname::text AS schema_name, c.relname::text AS table_name,
            coalesce(s.n_live_tup, 0)::float8 AS live_tuples, coalesce(s.n_dead_tup, 0)::float8 AS dead_tuples,
            c.reloptions,
            CASE WHEN c.relkind = 'p' THEN lv.reltuples ELSE c.reltuples END::float8 AS reltuples,
            CASE WHEN c.relkind = 'p' THEN lv.mods ELSE coalesce(s.n_mod_since_analyze, 0) END::float8 AS mods_since_analyze,
            to_char(greatest(s.last_analyze, s.last_autoanalyze) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_analyzed_at,
            lv.analysis,
            lv.xid_age::float8 AS xid_age,
            coalesce((SELECT split_part(o, '=', 2) FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum_freeze_max_age=%'),
                     current_setting('autovacuum_freeze_max_age'))::float8 AS freeze_max_age
       FROM (SELECT DISTINCT u.oid FROM unnest($1::oid[]) AS u(oid)) t
       JOIN pg_class c ON c.oid = t.oid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
       CROSS JOIN LATERAL (
         SELECT coalesce(sum(greatest(l.reltuples, 0)), 0) AS reltuples,
                coalesce(sum(l.n_mod_since_analyze), 0) AS mods,
                coalesce(json_agg(json_build_object(
                   'name', l.oid::regclass::text, 'reltuples', greatest(l.reltuples, -1)::float8, 'mods_since_analyze', l.n_mod_since_analyze::float8,
                   'analyzed_age_seconds', extract(epoch FROM now() - l.analyzed_at)::float8,
                   'autoanalyze_due', l.autoanalyze_due, 'stale_for_seconds', NULL) ORDER BY l.oid), '[]'::json) AS analysis,
                coalesce(max(greatest(age(l.relfrozenxid), coalesce(age(lt.relfrozenxid), 0))), 0) AS xid_age
           FROM (
             -- pg_partition_tree has no rows for a table outside any partition tree: add the table itself.
             SELECT l.oid, l.reltuples, l.relfrozenxid, l.reltoastrelid, coalesce(ls.n_mod_since_analyze, 0) AS n_mod_since_analyze,
                    greatest(ls.last_analyze, ls.last_autoanalyze) AS analyzed_at,
                    -- Autovacuum's own rule for an ANALYZE of this leaf (reloptions over server settings).
                    current_setting('autovacuum')::bool AND current_setting('track_counts')::bool
                      AND coalesce((SELECT option_value::bool FROM pg_options_to_table(l.reloptions) WHERE option_name = 'autovacuum_enabled'), true)
                      AND coalesce(ls.n_mod_since_analyze, 0) >
                          coalesce((SELECT option_value FROM pg_options_to_table(l.reloptions) WHERE option_name = 'autovacuum_analyze_threshold'),
                                   current_setting('autovacuum_analyze_threshold'))::float8
                          + coalesce((SELECT option_value FROM pg_options_to_table(l.reloptions) WHERE option_name = 'autovacuum_analyze_scale_factor'),
                                     current_setting('autovacuum_analyze_scale_factor'))::float8 * greatest(l.reltuples, 0) AS autoanalyze_due
               FROM (SELECT relid FROM pg_partition_tree(c.oid) WHERE isleaf UNION SELECT c.oid) pt
               JOIN pg_class l ON l.oid = pt.relid
               LEFT JOIN pg_stat_all_tables ls ON ls.relid = l.oid
              WHERE l.relkind IN ('r', 'm')
           ) l
           LEFT JOIN pg_class lt ON lt.oid = l.reltoastrelid
       ) lv`,
    [tableOids],
  );
  return new Map(rows.map((r) => [r.oid, r]));
}
