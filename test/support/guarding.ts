import type { Pool } from '../../src/postgres/pool';
import { listCollections } from '../../src/postgres/collections';
import { databaseKey } from '../../src/postgres/database-key';
import { ensureGuardian, pauseCollection, refreshGuardian, resumeCollection } from '../../src/temporal/guardian-client';
import type { TestWorker } from './test-system';

/** The key of the database's guardian (`<server>/<database>`). */
export async function databaseOf(pool: Pool): Promise<string> {
  return databaseKey(pool);
}

/**
 * The database's guardian runs and has sampled every watched collection (it guards them all). With
 * `only`, every other collection of the database is paused first, before any pass could act on it:
 * earlier tests' collections are not this test's to heal.
 */
export async function guard(sys: { db: { pool: Pool }; w: TestWorker }, only?: readonly string[]): Promise<string> {
  const db = await databaseOf(sys.db.pool);
  await ensureGuardian(sys.w.client, db, sys.w.taskQueue);
  if (only) {
    for (const c of await listCollections(sys.db.pool)) {
      if (!only.includes(c.name)) await pauseCollection(sys.w.client, db, sys.w.taskQueue, c.name, { by: 'test', reason: 'another test runs' });
    }
    for (const c of only) await resumeCollection(sys.w.client, db, sys.w.taskQueue, c, { by: 'test' });
  }
  await refreshGuardian(sys.w.client, db);
  return db;
}

/** Auto-healing of one collection stops (the guardian no longer samples it), as `selfheal pause` does. */
export async function pauseGuarding(sys: { db: { pool: Pool }; w: TestWorker }, collection: string, reason = 'test'): Promise<void> {
  await pauseCollection(sys.w.client, await databaseOf(sys.db.pool), sys.w.taskQueue, collection, { by: 'test', reason });
}

export async function resumeGuarding(sys: { db: { pool: Pool }; w: TestWorker }, collection: string): Promise<void> {
  await resumeCollection(sys.w.client, await databaseOf(sys.db.pool), sys.w.taskQueue, collection, { by: 'test' });
}

