import type { Pool } from '../../src/postgres/pool';
import { databaseGuardianStatus, ensureGuardian, pauseCollection, refreshGuardian, resumeCollection } from '../../src/temporal/guardian-client';
import type { TestWorker } from './test-system';

export async function databaseOf(pool: Pool): Promise<string> {
  return (await pool.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
}

/** The database's guardian runs and knows the collection (every watched collection of the database is guarded). */
export async function guard(sys: { db: { pool: Pool }; w: TestWorker }): Promise<string> {
  const db = await databaseOf(sys.db.pool);
  await ensureGuardian(sys.w.client, db, sys.w.taskQueue);
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

/** Every other collection the guardian guards stops, so a server-wide fault is this collection's to heal. */
export async function pauseAllBut(sys: { db: { pool: Pool }; w: TestWorker }, collection: string): Promise<void> {
  const view = await databaseGuardianStatus(sys.w.client, await databaseOf(sys.db.pool));
  for (const c of view?.collections ?? []) if (c.collection !== collection && c.enabled) await pauseGuarding(sys, c.collection, 'another test runs');
}
