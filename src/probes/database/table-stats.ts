import type { Queryable } from '../queryable';
import type { PartAnalysis, TableStats } from '../table-stats';

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
export async function readTablesStats(
  db: Queryable,
  tableOids: readonly number[],
): Promise<Map<number, NamedTableStats>> {
  if (tableOids.length === 0) return new Map();
  // A partitioned parent has no storage: its age, row estimate and changes are its leaves'. The
  // leaves of all partitioned tables are gathered and aggregated in one go, not per table (a join
  // per table made the statement quadratic in the number of tables), and their counters come from
  // the statistics functions, not pg_stat_all_tables, which aggregates over the whole database.
  // Any other table is its own one leaf, described from its own row: no partition tree walked, no
  // aggregate, no JSON (its part comes back as columns, made into its analysis here), and what the
  // table and its part share (name, changes, analyze time) computed once.
  const { rows } = await db.query<
    Omit<NamedTableStats, 'analysis'> & {
      analysis: PartAnalysis[] | null;
      part_reltuples: number | null;
      part_analyzed_age_seconds: number | null;
      part_autoanalyze_due: boolean | null;
    }
  >(
    `WITH settings AS (
        -- The server's side of autovacuum's rule, once, not per part.
        SELECT current_setting('autovacuum')::bool AND current_setting('track_counts')::bool AS autovacuum,
               current_setting('autovacuum_analyze_threshold') AS analyze_threshold,
               current_setting('autovacuum_analyze_scale_factor') AS analyze_scale_factor,
               current_setting('autovacuum_freeze_max_age') AS freeze_max_age
     ), t AS (
        SELECT c.oid, c.relkind, c.oid::regclass::text AS name, c.reltuples, c.relfrozenxid, c.reltoastrelid,
          c.reloptions,
               pg_stat_get_mod_since_analyze(c.oid) AS mods,
               greatest(pg_stat_get_last_analyze_time(c.oid), pg_stat_get_last_autoanalyze_time(c.oid)) AS analyzed_at
          FROM (SELECT DISTINCT u.oid FROM unnest($1::oid[]) AS u(oid)) x JOIN pg_class c ON c.oid = x.oid
     ), leaf AS (
        SELECT t.oid AS table_oid, l.oid, l.oid::regclass::text AS name, l.reltuples, l.relfrozenxid, l.reltoastrelid,
          l.reloptions,
               pg_stat_get_mod_since_analyze(l.oid) AS mods,
               greatest(pg_stat_get_last_analyze_time(l.oid), pg_stat_get_last_autoanalyze_time(l.oid)) AS analyzed_at
          FROM t CROSS JOIN LATERAL pg_partition_tree(t.oid) pt JOIN pg_class l ON l.oid = pt.relid
         WHERE t.relkind = 'p' AND pt.isleaf AND l.relkind IN ('r', 'm')
     ), per_table AS (
        SELECT leaf.table_oid,
               sum(greatest(leaf.reltuples, 0)) AS reltuples,
               sum(leaf.mods) AS mods,
               json_agg(json_build_object(
                 'name', leaf.name, 'reltuples', greatest(leaf.reltuples, -1)::float8, 'mods_since_analyze',
                   leaf.mods::float8,
                 'analyzed_age_seconds', ${analyzedAge('leaf')}, 'autoanalyze_due', ${autoanalyzeDue('leaf')},
                 'stale_for_seconds', NULL) ORDER BY leaf.oid) AS analysis,
               max(${xidAge('leaf', 'lt')}) AS xid_age
          FROM leaf CROSS JOIN settings LEFT JOIN pg_class lt ON lt.oid = leaf.reltoastrelid
         GROUP BY leaf.table_oid
     )
     SELECT t.oid::int8 AS oid, t.name, n.nspname::text AS schema_name, c.relname::text AS table_name,
            pg_stat_get_live_tuples(t.oid)::float8 AS live_tuples,
              pg_stat_get_dead_tuples(t.oid)::float8 AS dead_tuples,
            c.reloptions,
            CASE WHEN t.relkind = 'p' THEN coalesce(p.reltuples, 0) ELSE t.reltuples END::float8 AS reltuples,
            CASE WHEN t.relkind = 'p' THEN coalesce(p.mods, 0) ELSE t.mods END::float8 AS mods_since_analyze,
            to_char(t.analyzed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_analyzed_at,
            CASE WHEN t.relkind = 'p' THEN coalesce(p.analysis, '[]'::json) WHEN t.relkind NOT IN ('r', 'm')
            THEN '[]'::json END AS analysis,
            -- A table that is its own part: the part, by columns (its name and changes are the table's).
            greatest(t.reltuples, -1)::float8 AS part_reltuples,
            ${analyzedAge('t')} AS part_analyzed_age_seconds,
            ${autoanalyzeDue('t')} AS part_autoanalyze_due,
            CASE WHEN t.relkind = 'p' THEN coalesce(p.xid_age, 0)
                 WHEN t.relkind IN ('r', 'm') THEN ${xidAge('t', 'tt')}
                 ELSE 0 END::float8 AS xid_age,
            CASE WHEN c.reloptions IS NULL THEN settings.freeze_max_age
                 ELSE coalesce((SELECT split_part(o, '=', 2) FROM unnest(c.reloptions) o
                 WHERE o LIKE 'autovacuum_freeze_max_age=%'),
                               settings.freeze_max_age) END::float8 AS freeze_max_age
       FROM t CROSS JOIN settings JOIN pg_class c ON c.oid = t.oid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class tt ON tt.oid = t.reltoastrelid
       LEFT JOIN per_table p ON p.table_oid = t.oid`,
    [tableOids],
  );
  return new Map(
    rows.map(({ part_reltuples, part_analyzed_age_seconds, part_autoanalyze_due, analysis, ...r }) => [
      r.oid,
      {
        ...r,
        analysis: analysis ?? [
          {
            name: r.name,
            reltuples: part_reltuples!,
            mods_since_analyze: r.mods_since_analyze,
            analyzed_age_seconds: part_analyzed_age_seconds,
            autoanalyze_due: part_autoanalyze_due!,
            stale_for_seconds: null,
          },
        ],
      },
    ]),
  );
}

function analyzedAge(r: string): string {
  return `extract(epoch FROM now() - ${r}.analyzed_at)::float8`;
}

/**
 * Autovacuum's own rule for an ANALYZE of a part (its reloptions over the server's settings), for a
 * row of reloptions, mods and reltuples; a part without reloptions, the usual case, is not looked
 * through for them.
 */
function autoanalyzeDue(r: string): string {
  const option = (name: string) =>
    `CASE WHEN ${r}.reloptions IS NOT NULL THEN (SELECT option_value FROM pg_options_to_table(${r}.reloptions)
      WHERE option_name = '${name}') END`;
  return (
    `(settings.autovacuum
                   AND coalesce((${option('autovacuum_enabled')})::bool, true)
                   AND ${r}.mods > coalesce(${option('autovacuum_analyze_threshold')}, ` +
    `settings.analyze_threshold)::float8
                       + coalesce(${option('autovacuum_analyze_scale_factor')}, ` +
    `settings.analyze_scale_factor)::float8 * greatest(${r}.reltuples, 0))`
  );
}

/** Wraparound distance of a part: its own relfrozenxid or its TOAST table's, whichever is older. */
function xidAge(r: string, toast: string): string {
  return `greatest(age(${r}.relfrozenxid), coalesce(age(${toast}.relfrozenxid), 0))`;
}
