import type { Collection } from '../postgres/collections';
import { withClient, type Pool } from '../postgres/pool';
import { qualifiedName, quoteIdent } from '../postgres/quote-ident';
import { readTableStats } from '../probes/table-stats';
import { requireDrillTarget } from './demo-guard';
import type { DrillRun } from './held-fault';

/**
 * Fault injection for StaleStatistics: autoanalyze is turned off for the table (as it always is for
 * a partitioned parent), then 60 % of its rows change, so the planner's statistics no longer
 * describe the data. The reloption stays: that is the fault a person would have to notice.
 */
export async function drillStaleStatistics(
  pool: Pool,
  c: Collection,
  opts: { force?: boolean } = {},
): Promise<DrillRun> {
  await requireDrillTarget(pool, c, opts.force, 'turns autoanalyze off and rewrites most rows');
  const t = qualifiedName(c.table_schema, c.table_name);
  const changed = await withClient(pool, async (db) => {
    await db.query(`ALTER TABLE ${t} SET (autovacuum_analyze_threshold = 2000000000)`);
    const col = (
      await db.query<{ a: string }>(
        `SELECT a.attname AS a FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND ty.typcategory = 'S' ORDER BY a.attnum
        LIMIT 1`,
        [c.table_oid],
      )
    ).rows[0]?.a;
    if (!col) throw new Error(`${t} has no text column to rewrite`);
    const q = quoteIdent(col);
    const r = await db.query(`UPDATE ${t} SET ${q} = ${q} WHERE random() < 0.6`);
    // Land the counts now, not up to a second later, so the sensor sees them at once.
    await db.query('SELECT pg_stat_force_next_flush()');
    await db.query('SELECT 1');
    return r.rowCount ?? 0;
  });
  const after = await readTableStats(pool, c.table_oid!);
  return {
    problem_class: 'StaleStatistics',
    collection: c.name,
    report: {
      rows_changed: changed,
      mods_since_analyze: after.mods_since_analyze,
      reltuples: after.reltuples,
      autoanalyze: 'off (autovacuum_analyze_threshold=2000000000)',
    },
    held: null,
  };
}
