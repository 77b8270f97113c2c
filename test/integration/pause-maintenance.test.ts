import { getCollection } from '../../src/postgres/collections';
import { readMaintenanceJobs } from '../../src/probes/maintenance-jobs';
import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { attemptStatusQuery } from '../../workflows/attempt-messages';
import { reloptionsOf as reloptionsOfTable, tableUnderSlowAutovacuum, testCollection } from '../support/collections';
import { manualVacuumWithWaiter } from '../support/contention';
import { maybeRecordHistory } from '../support/histories';
import { useWorkerSystem } from '../support/test-harness';
import { waitFor } from '../support/test-system';

describe('pause_maintenance', () => {
  const sys = useWorkerSystem('pause');

  const tableUnderAutovacuum = () => tableUnderSlowAutovacuum(sys.db.pool);
  const reloptionsOf = (oid: number) => reloptionsOfTable(sys.db.pool, oid);

  it('stops contention from a long autovacuum and verifies', async () => {
    const t = await tableUnderAutovacuum();
    const handle = await startHealingAttempt(sys.w.client, {
      collection: t.collection, taskQueue: sys.w.taskQueue, trigger: 'test',
      config: { maintenance_long_running_seconds: 1, stabilization_wait: 1 },
    });
    const outcome = await handle.result();
    expect(outcome).toMatchObject({ kind: 'Completed', strategy: 'pause_maintenance', verified: true, compensated: false });
    if (outcome.kind !== 'Completed') throw new Error('unreachable');
    expect(outcome.problem).toMatchObject({ class: 'MaintenanceContention', job_types: ['autovacuum'] });
    expect(await reloptionsOf(t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);
    expect((await readMaintenanceJobs(sys.db.pool, t.oid)).filter((j) => j.is_autovacuum)).toEqual([]);
  });

  it('cancels only the autovacuum of its own table: a manual VACUUM elsewhere keeps running', async () => {
    const other = await testCollection(sys.db.pool, { check_interval: 3600 });
    const bystander = await manualVacuumWithWaiter(sys.db.pool, sys.db.url, other, (await getCollection(sys.db.pool, other)).table_oid!);
    try {
      const t = await tableUnderAutovacuum();
      const handle = await startHealingAttempt(sys.w.client, {
        collection: t.collection, taskQueue: sys.w.taskQueue, trigger: 'test',
        config: { maintenance_long_running_seconds: 1, stabilization_wait: 0 },
      });
      expect(await handle.result()).toMatchObject({ kind: 'Completed', strategy: 'pause_maintenance', verified: true });
      const otherOid = (await getCollection(sys.db.pool, other)).table_oid!;
      expect((await readMaintenanceJobs(sys.db.pool, otherOid)).map((j) => j.job_type)).toEqual(['vacuum']);
    } finally {
      await bystander.release();
    }
  });

  it('that does not verify is compensated: pg_class.reloptions equals its value before the attempt', async () => {
    const t = await tableUnderAutovacuum();
    const c = await getCollection(sys.db.pool, t.collection);
    const handle = await startHealingAttempt(sys.w.client, {
      collection: t.collection, taskQueue: sys.w.taskQueue, trigger: 'test',
      config: { maintenance_long_running_seconds: 1, stabilization_wait: 20 },
    });
    await waitFor('the stabilize phase', async () => (await handle.query(attemptStatusQuery)).phase === 'stabilize', 30_000);
    // Executed: autovacuum is off.
    expect(await reloptionsOf(t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);

    // New contention that pausing autovacuum cannot fix: a slow manual VACUUM with a session queued behind it.
    const contention = await manualVacuumWithWaiter(sys.db.pool, sys.db.url, t.collection, c.table_oid!);
    // Verification finds the contention; the compensation waits for the table lock (and retries) until we let go.
    await waitFor('the compensate phase', async () => (await handle.query(attemptStatusQuery)).phase === 'compensate', 60_000, 100, async () => ({
      attempt: (await handle.query(attemptStatusQuery)).phases.map((p) => p.phase),
      jobs: await readMaintenanceJobs(sys.db.pool, t.oid),
      pending: (await handle.describe()).raw.pendingActivities?.map((a) => [a.activityType?.name, a.attempt, a.lastFailure?.message]),
    }));
    expect(await reloptionsOf(t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);
    await contention.release();

    const outcome = await handle.result();
    expect(outcome).toMatchObject({ kind: 'Completed', strategy: 'pause_maintenance', verified: false, compensated: true });
    expect(await reloptionsOf(t.oid)).toEqual(t.reloptions);
    const { rows } = await sys.db.pool.query(
      `SELECT o.success, o.verified, a.compensation FROM ruvector.healing_attempts a JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
        WHERE a.id = $1`,
      [outcome.attempt_id],
    );
    expect(rows[0]).toMatchObject({ success: true, verified: false, compensation: { ran: true, compensated: true, errors: [] } });
    expect(rows[0].compensation.snapshot.reloptions).toEqual(t.reloptions);
    await maybeRecordHistory('pause-maintenance-compensated', handle);
  });
});
