import { ensureVectorCollection } from '../../src/demo/vector-collection';
import { ensureDemoCollection } from '../../src/demo/demo-collection';
import { drillRoleName } from '../../src/drills/drill-role';
import { drillIndexFragmentation } from '../../src/drills/index-fragmentation';
import { getCollection } from '../../src/postgres/collections';
import { watchTable } from '../../src/postgres/watch-table';
import { readMaintenanceJobs } from '../../src/probes/maintenance-jobs';
import { storeHealingConfig } from '../../src/postgres/outcome-store';
import { withClient, type Pool } from '../../src/postgres/pool';
import { analyzeAfterWrites } from '../../src/postgres/analyze-after-writes';
import type { HealingConfigInput } from '../../src/domain/healing-config';
import { grantRoleLevers } from './least-privilege';
import { uniqueName, waitFor } from './test-system';
import { testAudit } from './test-audit';

export const TEST_ROWS = 100_000;

/** A demo-shaped table with a btree primary key, registered as a collection, with its own stored config. */
export async function testCollection(pool: Pool, config: HealingConfigInput = {}): Promise<string> {
  const name = uniqueName('c');
  await ensureDemoCollection(pool, testAudit, name, 'public', name, TEST_ROWS);
  await storeHealingConfig(pool, name, config as Record<string, unknown>);
  await grantRoleLevers(pool, drillRoleName(name));
  return name;
}

/** Bloats the collection's index for real; returns the leaf density after. */
export async function bloat(pool: Pool, collection: string): Promise<number> {
  const report = await drillIndexFragmentation(pool, await getCollection(pool, collection), { refillTo: TEST_ROWS });
  // The tests that follow assume a fragmented index: say so here if it is not.
  expect(report.indexes[0]).toMatchObject({ density_after: expect.any(Number) });
  expect(report.indexes[0]!.density_after!).toBeLessThan(40);
  return report.indexes[0]!.density_after!;
}

export async function indexDensity(pool: Pool, collection: string): Promise<number> {
  const { rows } = await pool.query(
    `SELECT s.avg_leaf_density::float8 AS d FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      CROSS JOIN LATERAL pgstatindex(c.oid::regclass) s WHERE i.indrelid = to_regclass($1) AND i.indisvalid`,
    [`public.${collection}`],
  );
  return rows[0].d;
}

/** Reloptions that make autovacuum start at once (naptime is 1 s in tests) and crawl: a long-running job. */
export const SLOW_AUTOVACUUM = [
  'fillfactor=90',
  'autovacuum_vacuum_threshold=0',
  'autovacuum_vacuum_scale_factor=0',
  'autovacuum_vacuum_cost_delay=100',
  'autovacuum_vacuum_cost_limit=1',
];

/** A collection whose table has dead rows and a slow autovacuum running on it for at least a second. */
export async function tableUnderSlowAutovacuum(
  pool: Pool,
  config: HealingConfigInput = {},
): Promise<{ collection: string; oid: number; reloptions: string[] }> {
  const name = uniqueName('jobs');
  // Autovacuum waits until the statistics are fresh, so the only weak part is the vacuum itself.
  await withClient(pool, async (db) => {
    await db.query(
      `CREATE TABLE public.${name} (id bigint PRIMARY KEY, body text) WITH (autovacuum_enabled = false,
         ${SLOW_AUTOVACUUM.join(', ')})`,
    );
    await db.query(`INSERT INTO public.${name} SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 60000) g`);
    await db.query(`DELETE FROM public.${name} WHERE id % 2 = 0`);
    await analyzeAfterWrites(db, `public.${name}`);
    await db.query(`ALTER TABLE public.${name} RESET (autovacuum_enabled)`);
  });
  const { collection: c } = await watchTable(pool, { table: `public.${name}`, name }, testAudit);
  await storeHealingConfig(pool, name, config as Record<string, unknown>);
  const oid = c.table_oid!;
  await waitFor(
    'a slow autovacuum on the table',
    async () => (await readMaintenanceJobs(pool, oid)).some((j) => j.is_autovacuum && j.running_seconds >= 1),
    60_000,
    200,
  );
  const { rows } = await pool.query('SELECT reloptions FROM pg_class WHERE oid = $1', [oid]);
  return { collection: name, oid, reloptions: rows[0].reloptions };
}

export async function reloptionsOf(pool: Pool, oid: number): Promise<string[] | null> {
  return (await pool.query('SELECT reloptions FROM pg_class WHERE oid = $1', [oid])).rows[0].reloptions;
}

/**
 * An IVF-style partitioned collection (4 lists of `perList` vectors, centroids, archive) with its own stored config.
 */
export async function vectorCollection(pool: Pool, config: HealingConfigInput = {}, perList = 5000): Promise<string> {
  const name = uniqueName('v');
  await ensureVectorCollection(pool, testAudit, name, 'public', name, perList);
  await storeHealingConfig(pool, name, config as Record<string, unknown>);
  await grantRoleLevers(pool, drillRoleName(name));
  return name;
}
