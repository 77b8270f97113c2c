import { Client as TemporalClient, Connection, type Client } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/infra/free-port';
import { startTemporalDevServer } from '../../src/infra/temporal-dev-server';
import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { attemptStatusQuery } from '../../workflows/attempt-messages';
import { bloat, indexDensity, reloptionsOf, tableUnderSlowAutovacuum, testCollection } from '../support/collections';
import { manualVacuumWithWaiter, openWriter, rebuildsRunning } from '../support/contention';
import { scheduledActivities } from '../support/history-events';
import { startWorkerChild, type WorkerChild } from '../support/worker-child';
import { createTestDatabase, testClient, uniqueName, waitFor, type TestDatabase } from '../support/test-system';

/**
 * The worker dies (SIGKILL) at a step of an attempt; a new worker finishes it. Each side effect
 * must have happened once, as PostgreSQL shows, and no attempt may be left running.
 */
describe('crash safety: a worker killed mid-attempt', () => {
  let db: TestDatabase;
  let client: Client;
  let closeClient: () => Promise<void>;
  const children: WorkerChild[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('crash');
    ({ client, close: closeClient } = await testClient());
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop().catch(() => undefined)));
  });
  afterAll(async () => {
    await closeClient?.();
    await db?.drop();
  });

  async function worker(taskQueue: string): Promise<WorkerChild> {
    const c = await startWorkerChild(taskQueue, db.url);
    children.push(c);
    return c;
  }
  const rebuilds = () => rebuildsRunning(db.pool);

  /**
   * A pause_maintenance attempt on a table under slow autovacuum, run by a worker process, now in its stabilize timer.
   */
  async function pauseAttemptInStabilize(prefix: string, stabilizationWait: number) {
    const taskQueue = uniqueName(prefix);
    const t = await tableUnderSlowAutovacuum(db.pool, {
      maintenance_long_running_seconds: 1,
      stabilization_wait: stabilizationWait,
    });
    const first = await worker(taskQueue);
    const handle = await startHealingAttempt(client, { collection: t.collection, taskQueue, trigger: 'test' });
    await waitFor(
      'the stabilize phase',
      async () => (await handle.query(attemptStatusQuery)).phase === 'stabilize',
      30_000,
    );
    return { t, taskQueue, first, handle };
  }
  const attemptRows = async (collection: string) =>
    (
      await db.pool.query(
        'SELECT a.status FROM ruvector.healing_attempts a ' +
          'JOIN ruvector.collections c ON c.id = a.collection_id WHERE c.name = $1',
        [collection],
      )
    ).rows;

  it('during execute: the new worker waits for the rebuild already running instead of starting another', async () => {
    const taskQueue = uniqueName('crash_exec');
    const collection = await testCollection(db.pool, { stabilization_wait: 0 });
    await bloat(db.pool, collection);
    const writer = await openWriter(db.url, collection);
    try {
      const first = await worker(taskQueue);
      const handle = await startHealingAttempt(client, { collection, taskQueue, trigger: 'test' });
      await waitFor('REINDEX to run', async () => (await rebuilds()) === 1, 30_000);
      await first.kill();
      await worker(taskQueue);
      // The retried execute finds the orphaned rebuild and waits for it: still one REINDEX.
      await new Promise((r) => setTimeout(r, 6000));
      expect(await rebuilds()).toBe(1);
      await writer.release();
      const outcome = await handle.result();
      expect(outcome).toMatchObject({ kind: 'Completed', strategy: 'compact_indexes', verified: true });
      // The orphan either finished the rebuild (then it is taken as done) or died with its lost client
      // (then the retry rebuilt): one rebuild took effect either way.
      if (outcome.kind === 'Completed') {
        const m = outcome.result.metadata as { rebuilt: number; already_healthy: number };
        expect(m.rebuilt + m.already_healthy).toBe(1);
      }
      expect(await indexDensity(db.pool, collection)).toBeGreaterThan(80);
      const { rows: ix } = await db.pool.query(
        `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass($1)`,
        [`public.${collection}`],
      );
      expect(ix).toEqual([{ relname: `${collection}_pkey` }]);
      expect(await attemptRows(collection)).toEqual([{ status: 'Completed' }]);
      expect(await scheduledActivities(handle)).toMatchObject({ executeStrategy: 1, recordOutcome: 1 });
    } finally {
      await writer.release();
    }
  });

  it('during the stabilize timer: the durable timer resumes on the new worker and nothing runs twice', async () => {
    const { t, taskQueue, first, handle } = await pauseAttemptInStabilize('crash_timer', 10);
    await first.kill();
    await worker(taskQueue);
    const outcome = await handle.result();
    expect(outcome).toMatchObject({ kind: 'Completed', strategy: 'pause_maintenance', verified: true });
    expect(await reloptionsOf(db.pool, t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);
    expect(await attemptRows(t.collection)).toEqual([{ status: 'Completed' }]);
    expect(await scheduledActivities(handle)).toMatchObject({ planStrategy: 1, executeStrategy: 1, recordOutcome: 1 });
    const timers = (await handle.fetchHistory()).events!.filter((e) => e.timerStartedEventAttributes).length;
    expect(timers).toBe(1);
  });

  it('during compensation: the new worker finishes it, and reloptions are back exactly', async () => {
    const { t, taskQueue, first, handle } = await pauseAttemptInStabilize('crash_comp', 20);
    // New contention the pause cannot fix (a manual VACUUM with a waiter): verification fails, and the
    // compensation must wait for the table lock, so the worker can be killed in the middle of it.
    const contention = await manualVacuumWithWaiter(db.pool, db.url, t.collection, t.oid);
    await waitFor(
      'the compensate phase',
      async () => (await handle.query(attemptStatusQuery)).phase === 'compensate',
      60_000,
    );
    await first.kill();
    await worker(taskQueue);
    await contention.release();
    const outcome = await handle.result();
    expect(outcome).toMatchObject({ kind: 'Completed', verified: false, compensated: true });
    expect(await reloptionsOf(db.pool, t.oid)).toEqual(t.reloptions);
    expect(await attemptRows(t.collection)).toEqual([{ status: 'Completed' }]);
    expect(await scheduledActivities(handle)).toMatchObject({
      executeStrategy: 1,
      compensateStrategy: 1,
      recordOutcome: 1,
    });
  });

  it('the Temporal server (file-backed) restarts in the middle of an attempt: the attempt resumes and finishes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfheal-restart-'));
    const dbFilename = join(dir, 'temporal.db');
    const port = await freePort();
    const uiPort = await freePort();
    let server = await startTemporalDevServer({ dbFilename, port, uiPort });
    let connection: Connection | undefined;
    try {
      const taskQueue = uniqueName('restart');
      const collection = await testCollection(db.pool, { stabilization_wait: 6 });
      await bloat(db.pool, collection);
      const w = await startWorkerChild(taskQueue, db.url, server.address);
      children.push(w);
      connection = await Connection.connect({ address: server.address });
      const c = new TemporalClient({ connection, namespace: 'default' });
      const handle = await startHealingAttempt(c, { collection, taskQueue, trigger: 'test' });
      await waitFor(
        'the stabilize phase',
        async () => (await handle.query(attemptStatusQuery)).phase === 'stabilize',
        30_000,
      );
      await server.stop();
      server = await startTemporalDevServer({ dbFilename, port, uiPort });
      const outcome = await handle.result();
      expect(outcome).toMatchObject({ kind: 'Completed', strategy: 'compact_indexes', verified: true });
      expect(await attemptRows(collection)).toEqual([{ status: 'Completed' }]);
      expect(await scheduledActivities(handle)).toMatchObject({ executeStrategy: 1, recordOutcome: 1 });
    } finally {
      await Promise.all(children.splice(0).map((ch) => ch.stop().catch(() => undefined)));
      await connection?.close().catch(() => undefined);
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
