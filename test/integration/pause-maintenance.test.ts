import { Client as PgClient } from 'pg';
import { getCollection } from '../../src/postgres/collections';
import { readMaintenanceJobs } from '../../src/probes/maintenance-jobs';
import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { attemptStatusQuery } from '../../workflows/attempt-messages';
import { reloptionsOf as reloptionsOfTable, tableUnderSlowAutovacuum } from '../support/collections';
import { maybeRecordHistory } from '../support/histories';
import { createTestDatabase, startTestWorker, waitFor, type TestDatabase, type TestWorker } from '../support/test-system';

describe('pause_maintenance', () => {
  let db: TestDatabase;
  let w: TestWorker;
  beforeAll(async () => {
    db = await createTestDatabase('pause');
    w = await startTestWorker(db.pool);
  });
  afterAll(async () => {
    await w?.stop();
    await db?.drop();
  });

  const tableUnderAutovacuum = () => tableUnderSlowAutovacuum(db.pool);
  const reloptionsOf = (oid: number) => reloptionsOfTable(db.pool, oid);

  it('stops contention from a long autovacuum and verifies', async () => {
    const t = await tableUnderAutovacuum();
    const handle = await startHealingAttempt(w.client, {
      collection: t.collection, taskQueue: w.taskQueue, trigger: 'test',
      config: { maintenance_long_running_seconds: 1, stabilization_wait: 1 },
    });
    const outcome = await handle.result();
    expect(outcome).toMatchObject({ kind: 'Completed', strategy: 'pause_maintenance', verified: true, compensated: false });
    if (outcome.kind !== 'Completed') throw new Error('unreachable');
    expect(outcome.problem).toMatchObject({ class: 'MaintenanceContention', job_types: ['autovacuum'] });
    expect(await reloptionsOf(t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);
    expect((await readMaintenanceJobs(db.pool, t.oid)).filter((j) => j.is_autovacuum)).toEqual([]);
  });

  it('that does not verify is compensated: pg_class.reloptions equals its value before the attempt', async () => {
    const t = await tableUnderAutovacuum();
    const c = await getCollection(db.pool, t.collection);
    const handle = await startHealingAttempt(w.client, {
      collection: t.collection, taskQueue: w.taskQueue, trigger: 'test',
      config: { maintenance_long_running_seconds: 1, stabilization_wait: 4 },
    });
    await waitFor('the stabilize phase', async () => (await handle.query(attemptStatusQuery)).phase === 'stabilize', 30_000);
    // Executed: autovacuum is off.
    expect(await reloptionsOf(t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);

    // New contention that pausing autovacuum cannot fix: a slow manual VACUUM with a session queued behind it.
    const vacuum = new PgClient({ connectionString: db.url });
    const waiter = new PgClient({ connectionString: db.url });
    await Promise.all([vacuum.connect(), waiter.connect()]);
    try {
      await vacuum.query('SET vacuum_cost_delay = 100; SET vacuum_cost_limit = 1');
      const vacuumPid = (await vacuum.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const vacuumRun = vacuum.query(`VACUUM (DISABLE_PAGE_SKIPPING) public.${t.collection}`).catch((e: Error) => e);
      await waitFor('the manual VACUUM', async () => (await readMaintenanceJobs(db.pool, c.table_oid!)).some((j) => j.pid === vacuumPid));
      await waiter.query('BEGIN');
      const waiterLock = waiter.query(`LOCK TABLE public.${t.collection} IN SHARE UPDATE EXCLUSIVE MODE`);
      await waitFor('a session blocked by the VACUUM', async () => (await readMaintenanceJobs(db.pool, c.table_oid!)).some((j) => j.pid === vacuumPid && j.blocking > 0));

      // Verification finds the contention; the compensation waits for the table lock (and retries) until we let go.
      await waitFor('the compensate phase', async () => (await handle.query(attemptStatusQuery)).phase === 'compensate', 60_000);
      expect(await reloptionsOf(t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);
      await db.pool.query('SELECT pg_cancel_backend($1)', [vacuumPid]);
      expect(String(await vacuumRun)).toMatch(/canceling statement/);
      await waiterLock;
      await waiter.query('ROLLBACK');
    } finally {
      await vacuum.end();
      await waiter.end();
    }

    const outcome = await handle.result();
    expect(outcome).toMatchObject({ kind: 'Completed', strategy: 'pause_maintenance', verified: false, compensated: true });
    expect(await reloptionsOf(t.oid)).toEqual(t.reloptions);
    const { rows } = await db.pool.query(
      `SELECT o.success, o.verified, a.compensation FROM ruvector.healing_attempts a JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
        WHERE a.id = $1`,
      [outcome.attempt_id],
    );
    expect(rows[0]).toMatchObject({ success: true, verified: false, compensation: { ran: true, compensated: true, errors: [] } });
    expect(rows[0].compensation.snapshot.reloptions).toEqual(t.reloptions);
    await maybeRecordHistory('pause-maintenance-compensated', handle);
  });
});
