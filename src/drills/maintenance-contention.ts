import type { Collection } from '../postgres/collections';
import { withClient, type Pool } from '../postgres/pool';
import { analyzeAfterWrites } from '../postgres/analyze-after-writes';
import { qualifiedName } from '../postgres/quote-ident';
import { readMaintenanceJobs } from '../probes/maintenance-jobs';
import { requireDrillTarget } from './demo-guard';
import { waitUntil, type DrillRun } from './held-fault';

/** These reloptions make autovacuum start at once and crawl, so it is still running when sampled. */
export const CRAWLING_AUTOVACUUM = [
  'autovacuum_vacuum_threshold=0',
  'autovacuum_vacuum_scale_factor=0',
  'autovacuum_vacuum_cost_delay=100',
  'autovacuum_vacuum_cost_limit=1',
];

/**
 * Fault injection for MaintenanceContention: a tenth of the rows become dead and the table's
 * autovacuum is throttled to a crawl, so a vacuum runs on it for a long time. It counts as
 * contention once it has run maintenance_long_running_seconds. The statistics are refreshed, so
 * the vacuum is the only weak part. The reloptions stay: that is the fault.
 */
export async function drillMaintenanceContention(
  pool: Pool,
  c: Collection,
  opts: { force?: boolean } = {},
): Promise<DrillRun> {
  await requireDrillTarget(pool, c, opts.force, 'throttles its autovacuum to a crawl and deletes rows');
  const t = qualifiedName(c.table_schema, c.table_name);
  const deleted = await withClient(pool, async (db) => {
    // Held off while the rows die, so it starts (and crawls) only once the statistics are fresh.
    await db.query(`ALTER TABLE ${t} SET (autovacuum_enabled = false, ${CRAWLING_AUTOVACUUM.join(', ')})`);
    const r = await db.query(
      `DELETE FROM ${t} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${t} TABLESAMPLE BERNOULLI (10)))`,
    );
    await analyzeAfterWrites(db, t);
    await db.query(`ALTER TABLE ${t} RESET (autovacuum_enabled)`);
    return r.rowCount ?? 0;
  });
  await waitUntil(
    'autovacuum to start on the table',
    async () => (await readMaintenanceJobs(pool, c.table_oid!)).some((j) => j.is_autovacuum),
    60_000,
    200,
  );
  return {
    problem_class: 'MaintenanceContention',
    collection: c.name,
    report: { rows_deleted: deleted, reloptions: CRAWLING_AUTOVACUUM },
    held: null,
  };
}
