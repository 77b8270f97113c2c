import type { FinishAttempt } from '../../src/postgres/outcome-store';
import { rollbackAttempt } from '../../workflows/rollback-attempt';
import { sharedTargetLease } from '../../workflows/shared-target-lease';
import { pauseMaintenanceTarget, planOf, rollbackActivities } from '../support/attempt-fixtures';
import { mockActivities, queryWhen, useTimeSkipping, type MockActivities } from '../support/time-skipping';

const ROLLBACK_ID = 90;
const TARGET = pauseMaintenanceTarget(12);

describe('rollback workflow', () => {
  const ts = useTimeSkipping();

  const mocks = (over: MockActivities = {}): MockActivities => rollbackActivities(ROLLBACK_ID, TARGET, over);

  it('undoes the last standing change from its recorded plan and records the rollback once', async () => {
    const m = mockActivities(mocks());
    const r = await ts.withWorker(m, (taskQueue) =>
      ts.env.client.workflow.execute(rollbackAttempt, {
        taskQueue,
        workflowId: 'rollback/c1',
        args: [{ collection: 'c1', by: 'alice' }],
      }),
    );
    expect(r).toEqual({ kind: 'RolledBack', attempt_id: ROLLBACK_ID, rolled_back: 12, strategy: 'pause_maintenance' });
    expect(m.names()).toEqual(['prepareAttempt', 'loadRollbackTarget', 'compensateStrategy', 'recordRollback']);
    expect(m.inputsOf('loadRollbackTarget')).toEqual([{ collection: 'c1' }]);
    expect(m.inputsOf('compensateStrategy')[0]).toMatchObject({
      strategy: 'pause_maintenance',
      collection: 'c1',
      plan: planOf('pause_maintenance'),
      problem: TARGET.problem_details,
    });
    expect(m.inputsOf('recordRollback')).toEqual([
      {
        attempt_id: ROLLBACK_ID,
        target_attempt_id: 12,
        strategy_name: 'pause_maintenance',
        reason: 'rolled back action 12 (pause_maintenance) for alice',
      },
    ]);
  });

  it('a compensation that fails is retried until it succeeds (it must finish)', async () => {
    let tries = 0;
    const m = mockActivities(
      mocks({
        compensateStrategy: async () =>
          ++tries < 3 ? Promise.reject(new Error('lock timeout')) : { compensated: true },
      }),
    );
    const r = await ts.withWorker(m, (taskQueue) =>
      ts.env.client.workflow.execute(rollbackAttempt, {
        taskQueue,
        workflowId: 'rollback-retried/c1',
        args: [{ collection: 'c1', by: 'alice', attempt_id: 12 }],
      }),
    );
    expect(r.kind).toBe('RolledBack');
    expect(tries).toBe(3);
    expect(m.inputsOf('loadRollbackTarget')).toEqual([{ collection: 'c1', attempt_id: 12 }]);
    expect(m.activities.recordRollback).toHaveBeenCalledTimes(1);
  });

  it('nothing to undo (or an irreversible change) is Refused and recorded as a deferred action, not retried', async () => {
    const m = mockActivities(
      mocks({
        loadRollbackTarget: async () => ({
          ok: false,
          reason: 'the last attempt (action 12) ran compact_indexes, which is irreversible: it cannot be rolled back',
        }),
      }),
    );
    const r = await ts.withWorker(m, (taskQueue) =>
      ts.env.client.workflow.execute(rollbackAttempt, {
        taskQueue,
        workflowId: 'rollback-refused/c1',
        args: [{ collection: 'c1', by: 'alice' }],
      }),
    );
    expect(r).toEqual({ kind: 'Refused', attempt_id: ROLLBACK_ID, reason: expect.stringMatching(/irreversible/) });
    expect(m.names()).toEqual(['prepareAttempt', 'loadRollbackTarget', 'recordOutcome']);
    expect(m.inputsOf('recordOutcome') as FinishAttempt[]).toEqual([
      expect.objectContaining({
        status: 'Deferred',
        reason: expect.stringMatching(/^rollback refused: .*irreversible/),
      }),
    ]);
  });

  it("a change to a shared target takes the target's lease; while another holds it, Refused for now (retry)", async () => {
    const lease = { lease_id: 'healing-lease/srv/role/app', target: 'role app' };
    const withLease = () =>
      mocks({
        loadRollbackTarget: async () => ({
          ok: true,
          reversible: true,
          target: { ...TARGET, strategy_name: 'tune_work_mem', plan: { ...planOf('tune_work_mem'), lease } },
        }),
      });
    const m = mockActivities(withLease());
    await ts.withWorker(m, async (taskQueue) => {
      // Someone else holds it.
      const holder = await ts.env.client.workflow.start(sharedTargetLease, {
        taskQueue,
        workflowId: lease.lease_id,
        args: [{ workflow_id: 'other', collection: 'c2', attempt_id: 5, target: lease.target }],
      });
      // Waited for without result(): awaiting a result lets the test server skip time, and a skip to
      // the holder's 24 h lease cap would end it before the release below.
      const first = await ts.env.client.workflow.start(rollbackAttempt, {
        taskQueue,
        workflowId: 'rollback-leased/c1',
        args: [{ collection: 'c1', by: 'alice' }],
      });
      await queryWhen(
        async () => (await first.describe()).status.name,
        (status) => status !== 'RUNNING',
        'the refused rollback to end',
      );
      const refused = await first.result();
      expect(refused).toMatchObject({
        kind: 'Refused',
        retry: true,
        reason: expect.stringMatching(/another attempt is changing role app/),
      });
      expect(m.activities.compensateStrategy).not.toHaveBeenCalled();
      await holder.signal('release');
      await holder.result();
      // Free: it takes the lease, undoes, and releases it (the lease workflow has ended).
      const done = await ts.env.client.workflow.execute(rollbackAttempt, {
        taskQueue,
        workflowId: 'rollback-leased-2/c1',
        args: [{ collection: 'c1', by: 'alice' }],
      });
      expect(done).toMatchObject({ kind: 'RolledBack', strategy: 'tune_work_mem' });
      const { status } = await ts.env.client.workflow.getHandle(lease.lease_id).describe();
      expect(status.name).toBe('COMPLETED');
    });
  });
});
