import { ensureDemoCollection } from '../../src/demo/demo-collection';
import { drillIndexFragmentation } from '../../src/drills/index-fragmentation';
import { getCollection } from '../../src/postgres/collections';
import { storeHealingConfig } from '../../src/postgres/outcome-store';
import type { Pool } from '../../src/postgres/pool';
import type { HealingConfigInput } from '../../src/domain/healing-config';
import { uniqueName } from './test-system';

export const TEST_ROWS = 100_000;

/** A demo-shaped table with a btree primary key, registered as a collection, with its own stored config. */
export async function testCollection(pool: Pool, config: HealingConfigInput = {}): Promise<string> {
  const name = uniqueName('c');
  await ensureDemoCollection(pool, name, 'public', name, TEST_ROWS);
  await storeHealingConfig(pool, name, config as Record<string, unknown>);
  return name;
}

/** Bloats the collection's index for real; returns the leaf density after. */
export async function bloat(pool: Pool, collection: string): Promise<number> {
  const report = await drillIndexFragmentation(pool, await getCollection(pool, collection), { refillTo: TEST_ROWS });
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
