import type { TableStats } from '../sensor/table-stats';
import type { Queryable } from './queryable';

export type { PartAnalysis, TableStats } from '../sensor/table-stats';

/** One catalog row and one statistics row: cheap, no scan of the table. */
export async function readTableStats(db: Queryable, tableOid: number): Promise<TableStats> {
  // A partitioned parent has no storage: its age, row estimate and changes are its leaves'.
  const { rows } = await db.query<TableStats>(
    `WITH leaves AS (
        -- pg_partition_tree has no rows for a table outside any partition tree: add the table itself.
        SELECT l.oid, l.reltuples, l.relfrozenxid, l.reltoastrelid, coalesce(s.n_mod_since_analyze,
          0) AS n_mod_since_analyze,
               greatest(s.last_analyze, s.last_autoanalyze) AS analyzed_at,
               -- Autovacuum's own rule for an ANALYZE of this leaf (reloptions over server settings).
               current_setting('autovacuum')::bool AND current_setting('track_counts')::bool
                 AND coalesce((SELECT option_value::bool FROM pg_options_to_table(l.reloptions)
                 WHERE option_name = 'autovacuum_enabled'), true)
                 AND coalesce(s.n_mod_since_analyze, 0) >
                     coalesce((SELECT option_value FROM pg_options_to_table(l.reloptions)
                     WHERE option_name = 'autovacuum_analyze_threshold'),
                              current_setting('autovacuum_analyze_threshold'))::float8
                     + coalesce((SELECT option_value FROM pg_options_to_table(l.reloptions)
                     WHERE option_name = 'autovacuum_analyze_scale_factor'),
                                current_setting('autovacuum_analyze_scale_factor'))::float8 * greatest(l.reltuples,
                                  0) AS autoanalyze_due
          FROM (SELECT relid FROM pg_partition_tree($1) WHERE isleaf UNION SELECT $1::oid) pt
          JOIN pg_class l ON l.oid = pt.relid
          LEFT JOIN pg_stat_all_tables s ON s.relid = l.oid
         WHERE l.relkind IN ('r', 'm'))
     SELECT c.oid::int8 AS oid, c.oid::regclass::text AS name,
            coalesce(s.n_live_tup, 0)::float8 AS live_tuples, coalesce(s.n_dead_tup, 0)::float8 AS dead_tuples,
            c.reloptions,
            CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(greatest(reltuples, 0)), 0) FROM leaves)
            ELSE c.reltuples END::float8 AS reltuples,
            CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(n_mod_since_analyze), 0) FROM leaves)
                 ELSE coalesce(s.n_mod_since_analyze, 0) END::float8 AS mods_since_analyze,
            to_char(greatest(s.last_analyze, s.last_autoanalyze) AT TIME ZONE 'UTC',
              'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_analyzed_at,
            (SELECT coalesce(json_agg(json_build_object(
                       'name', oid::regclass::text, 'reltuples', greatest(reltuples, -1)::float8, 'mods_since_analyze',
                         n_mod_since_analyze::float8,
                       'analyzed_age_seconds', extract(epoch FROM now() - analyzed_at)::float8,
                       'autoanalyze_due', autoanalyze_due, 'stale_for_seconds', NULL) ORDER BY oid), '[]'::json)
                       FROM leaves) AS analysis,
            coalesce((SELECT max(greatest(age(l.relfrozenxid), coalesce(age(lt.relfrozenxid), 0)))
                        FROM leaves l LEFT JOIN pg_class lt ON lt.oid = l.reltoastrelid), 0)::float8 AS xid_age,
            coalesce((SELECT split_part(o, '=', 2) FROM unnest(c.reloptions) o
            WHERE o LIKE 'autovacuum_freeze_max_age=%'),
                     current_setting('autovacuum_freeze_max_age'))::float8 AS freeze_max_age
       FROM pg_class c
       LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
      WHERE c.oid = $1`,
    [tableOid],
  );
  if (!rows[0]) throw new Error(`table with oid ${tableOid} no longer exists`);
  return rows[0];
}
