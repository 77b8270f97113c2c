import { getCollection } from '../../src/postgres/collections';
import { readMaintenanceJobs } from '../../src/probes/maintenance-jobs';
import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { healingAttemptWorkflowId, temporaryHoldWorkflowId } from '../../src/domain/workflow-ids';
import type { rollbackAttempt } from '../../workflows/rollback-attempt';
import type { temporaryHold } from '../../workflows/temporary-hold';
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
      collection: t.collection,
      taskQueue: sys.w.taskQueue,
      trigger: 'test',
      config: { maintenance_long_running_seconds: 1, stabilization_wait: 1 },
    });
    const outcome = await handle.result();
    expect(outcome).toMatchObject({
      kind: 'Completed',
      strategy: 'pause_maintenance',
      verified: true,
      compensated: false,
    });
    if (outcome.kind !== 'Completed') throw new Error('unreachable');
    expect(outcome.problem).toMatchObject({ class: 'MaintenanceContention', job_types: ['autovacuum'] });
    expect(await reloptionsOf(t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);
    expect((await readMaintenanceJobs(sys.db.pool, t.oid)).filter((j) => j.is_autovacuum)).toEqual([]);
  });

  /** A verified pause with a short temporary hold; returns the attempt and its hold's handle. */
  async function verifiedPause(holdSeconds: number) {
    const t = await tableUnderAutovacuum();
    const handle = await startHealingAttempt(sys.w.client, {
      collection: t.collection,
      taskQueue: sys.w.taskQueue,
      trigger: 'test',
      config: { maintenance_long_running_seconds: 1, stabilization_wait: 0, temporary_hold: holdSeconds },
    });
    const outcome = await handle.result();
    expect(outcome).toMatchObject({
      kind: 'Completed',
      strategy: 'pause_maintenance',
      verified: true,
      compensated: false,
      temporary_until: expect.any(String),
    });
    const hold = sys.w.client.workflow.getHandle<typeof temporaryHold>(
      temporaryHoldWorkflowId(t.collection, outcome.attempt_id),
    );
    return { t, handle, attemptId: outcome.attempt_id, hold };
  }
  const rollbacksOf = async (attemptId: number) =>
    (
      await sys.db.pool.query(
        "SELECT id, trigger, reason FROM ruvector.healing_attempts WHERE rollback_of = $1 AND status = 'RolledBack'",
        [attemptId],
      )
    ).rows;

  it('is temporary: after temporary_hold a durable hold restores the reloptions exactly and records it; the attempt does not wait for it', async () => {
    const { t, handle, attemptId, hold } = await verifiedPause(6);
    // The attempt is over (its guardian is free for other problems) while the hold runs and the pause stands.
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect((await hold.describe()).status.name).toBe('RUNNING');
    expect(await reloptionsOf(t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);

    const r = await hold.result();
    expect(r).toMatchObject({ kind: 'Restored', attempt_id: attemptId, strategy: 'pause_maintenance' });
    if (r.kind !== 'Restored') throw new Error('unreachable');
    expect(await reloptionsOf(t.oid)).toEqual(t.reloptions);
    // Recorded as `selfheal rollback` records it: its own action, pointing at the attempt it undid.
    expect(await rollbacksOf(attemptId)).toEqual([
      {
        id: r.rollback_attempt_id,
        trigger: `rollback by the temporary hold of action ${attemptId} (6 s)`,
        reason:
          `rolled back action ${attemptId} (pause_maintenance) for the temporary hold of action ${attemptId}` +
          ` (6 s)`,
      },
    ]);
    const { rows } = await sys.db.pool.query('SELECT rolled_back_by FROM ruvector.healing_attempts WHERE id = $1', [
      attemptId,
    ]);
    expect(rows[0].rolled_back_by).toBe(r.rollback_attempt_id);
  });

  it("a person's rollback before the hold ends: the hold then ends without failing and restores nothing twice", async () => {
    const { t, attemptId, hold } = await verifiedPause(10);
    const rb = await sys.w.client.workflow.start<typeof rollbackAttempt>('rollbackAttempt', {
      taskQueue: sys.w.taskQueue,
      workflowId: healingAttemptWorkflowId(t.collection),
      workflowIdConflictPolicy: 'FAIL',
      args: [{ collection: t.collection, by: 'alice' }],
    });
    expect(await rb.result()).toMatchObject({ kind: 'RolledBack', rolled_back: attemptId });
    expect(await reloptionsOf(t.oid)).toEqual(t.reloptions);
    // The person then tunes the table: a second restore from the old snapshot would undo this.
    await sys.db.pool.query(`ALTER TABLE public.${t.collection} SET (autovacuum_vacuum_cost_delay = 5)`);
    const tuned = await reloptionsOf(t.oid);
    expect(tuned).not.toEqual(t.reloptions);

    expect(await hold.result()).toEqual({
      kind: 'AlreadyRestored',
      attempt_id: attemptId,
      reason: expect.stringMatching(new RegExp(`^action ${attemptId} was rolled back already, by action \\d+$`)),
    });
    expect(await reloptionsOf(t.oid)).toEqual(tuned);
    expect((await rollbacksOf(attemptId)).map((x) => x.trigger)).toEqual(['rollback by alice']);
  });

  it('cancels only the autovacuum of its own table: a manual VACUUM elsewhere keeps running', async () => {
    const other = await testCollection(sys.db.pool, { check_interval: 3600 });
    const bystander = await manualVacuumWithWaiter(
      sys.db.pool,
      sys.db.url,
      other,
      (await getCollection(sys.db.pool, other)).table_oid!,
    );
    try {
      const t = await tableUnderAutovacuum();
      const handle = await startHealingAttempt(sys.w.client, {
        collection: t.collection,
        taskQueue: sys.w.taskQueue,
        trigger: 'test',
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
      collection: t.collection,
      taskQueue: sys.w.taskQueue,
      trigger: 'test',
      config: { maintenance_long_running_seconds: 1, stabilization_wait: 20 },
    });
    await waitFor(
      'the stabilize phase',
      async () => (await handle.query(attemptStatusQuery)).phase === 'stabilize',
      30_000,
    );
    // Executed: autovacuum is off.
    expect(await reloptionsOf(t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);

    // New contention that pausing autovacuum cannot fix: a slow manual VACUUM with a session queued behind it.
    const contention = await manualVacuumWithWaiter(sys.db.pool, sys.db.url, t.collection, c.table_oid!);
    // Verification finds the contention; the compensation waits for the table lock (and retries) until we let go.
    await waitFor(
      'the compensate phase',
      async () => (await handle.query(attemptStatusQuery)).phase === 'compensate',
      60_000,
      100,
      async () => ({
        attempt: (await handle.query(attemptStatusQuery)).phases.map((p) => p.phase),
        jobs: await readMaintenanceJobs(sys.db.pool, t.oid),
        pending: (await handle.describe()).raw.pendingActivities?.map((a) => [
          a.activityType?.name,
          a.attempt,
          a.lastFailure?.message,
        ]),
      }),
    );
    expect(await reloptionsOf(t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);
    await contention.release();

    const outcome = await handle.result();
    expect(outcome).toMatchObject({
      kind: 'Completed',
      strategy: 'pause_maintenance',
      verified: false,
      compensated: true,
    });
    expect(await reloptionsOf(t.oid)).toEqual(t.reloptions);
    const { rows } = await sys.db.pool.query(
      `SELECT o.success, o.verified, a.compensation FROM ruvector.healing_attempts a
        JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
        WHERE a.id = $1`,
      [outcome.attempt_id],
    );
    expect(rows[0]).toMatchObject({
      success: true,
      verified: false,
      compensation: { ran: true, compensated: true, errors: [] },
    });
    expect(rows[0].compensation.snapshot.reloptions).toEqual(t.reloptions);
    await maybeRecordHistory('pause-maintenance-compensated', handle);
  });
});
