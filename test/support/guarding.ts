import type { Pool } from '../../src/postgres/pool';
import { listCollections } from '../../src/postgres/collections';
import { loadScopeConfig, storeHealingConfig } from '../../src/postgres/outcome-store';
import { databaseKey } from '../../src/postgres/database-key';
import { ensureGuardian, pauseCollection, refreshGuardian, resumeCollection } from '../../src/temporal/guardian-client';
import type { TestWorker } from './test-system';

/** The key of the database's guardian (`<server>/<database>`). */
export async function databaseOf(pool: Pool): Promise<string> {
  return databaseKey(pool);
}

/**
 * The database's guardian runs and has sampled every watched collection it guards. With `only`,
 * every other collection of the database is turned off in the store first (enabled: false), so no
 * pass, not even a new guardian's first, acts on it: earlier tests' collections are not this test's
 * to heal. The collections in `only` are turned on.
 */
export async function guard(sys: { db: { pool: Pool }; w: TestWorker }, only?: readonly string[]): Promise<string> {
  const db = await databaseOf(sys.db.pool);
  if (only) {
    for (const c of await listCollections(sys.db.pool)) {
      await storeHealingConfig(sys.db.pool, c.name, {
        ...(await loadScopeConfig(sys.db.pool, c.name)),
        enabled: only.includes(c.name),
      });
    }
  }
  await ensureGuardian(sys.w.client, db, sys.w.taskQueue);
  await refreshGuardian(sys.w.client, db);
  return db;
}

/** Auto-healing of one collection stops (the guardian no longer samples it), as `selfheal pause` does. */
export async function pauseGuarding(
  sys: { db: { pool: Pool }; w: TestWorker },
  collection: string,
  reason = 'test',
): Promise<void> {
  await pauseCollection(sys.w.client, await databaseOf(sys.db.pool), sys.w.taskQueue, collection, {
    by: 'test',
    reason,
  });
}

export async function resumeGuarding(sys: { db: { pool: Pool }; w: TestWorker }, collection: string): Promise<void> {
  await resumeCollection(sys.w.client, await databaseOf(sys.db.pool), sys.w.taskQueue, collection, { by: 'test' });
}
