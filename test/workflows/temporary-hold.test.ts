import { Context } from '@temporalio/activity';
import { temporaryHold } from '../../workflows/temporary-hold';
import { rollbackAttempt } from '../../workflows/rollback-attempt';
import { healingAttemptWorkflowId } from '../../src/domain/workflow-ids';
import { pauseMaintenanceTarget, prepared, rollbackActivities } from '../support/attempt-fixtures';
import { mockActivities, useTimeSkipping, type MockActivities } from '../support/time-skipping';

const HELD = 12;
const RESTORE_ID = 91;
const HOLD_S = 1800;

/** When the server scheduled the running activity: workflow time, which the test server skips ahead. */
const scheduledAt = (): number => Number(Context.current().info.currentAttemptScheduledTimestampMs);

describe('temporary hold: a verified stopgap stands for its hold, then is restored', () => {
  const ts = useTimeSkipping();

  function mocks(over: MockActivities = {}, checks: number[] = []): MockActivities {
    // The restore is the rollback workflow aimed at the held action.
    return rollbackActivities(RESTORE_ID, pauseMaintenanceTarget(HELD), {
      loadHoldTarget: async () => {
        checks.push(scheduledAt());
        return { kind: 'standing' };
      },
      ...over,
    });
  }

  it("waits hold_seconds of workflow time, then restores through the rollback workflow under the collection's attempt id", async () => {
    const checks: number[] = [];
    const m = mockActivities(mocks({}, checks));
    const { r, started } = await ts.withWorker(m, async (taskQueue) => {
      const h = await ts.env.client.workflow.start(temporaryHold, {
        taskQueue,
        workflowId: 'hold/c1/12',
        args: [{ collection: 'c1', attempt_id: HELD, strategy: 'pause_maintenance', hold_seconds: HOLD_S }],
      });
      const started = (await h.describe()).startTime.getTime();
      return { r: await h.result(), started };
    });
    expect(r).toEqual({
      kind: 'Restored',
      attempt_id: HELD,
      rollback_attempt_id: RESTORE_ID,
      strategy: 'pause_maintenance',
    });
    // Nothing is looked at before the hold is over.
    expect(checks).toHaveLength(1);
    expect(checks[0]! - started).toBeGreaterThanOrEqual(HOLD_S * 1000);
    expect(m.inputsOf('loadRollbackTarget')).toEqual([{ collection: 'c1', attempt_id: HELD }]);
    expect(m.inputsOf('prepareAttempt')[0]).toMatchObject({
      collection: 'c1',
      trigger: expect.stringContaining(`the temporary hold of action ${HELD}`),
    });
    expect(m.activities.compensateStrategy).toHaveBeenCalledTimes(1);
    expect(m.activities.recordRollback).toHaveBeenCalledTimes(1);
  });

  it('restores nothing when a person undid the change first', async () => {
    const m = mockActivities(
      mocks({ loadHoldTarget: async () => ({ kind: 'undone', reason: 'rolled back by alice (action 15)' }) }),
    );
    const r = await ts.withWorker(m, (taskQueue) =>
      ts.env.client.workflow.execute(temporaryHold, {
        taskQueue,
        workflowId: 'hold-undone/c1/12',
        args: [{ collection: 'c1', attempt_id: HELD, strategy: 'pause_maintenance', hold_seconds: HOLD_S }],
      }),
    );
    expect(r).toEqual({ kind: 'AlreadyRestored', attempt_id: HELD, reason: 'rolled back by alice (action 15)' });
    expect(m.names()).toEqual(['loadHoldTarget']);
  });

  it('while a later change of the same strategy stands on it, waits and tries again; then restores', async () => {
    const checks: number[] = [];
    let n = 0;
    const m = mockActivities(
      mocks(
        {
          loadHoldTarget: async () => {
            checks.push(scheduledAt());
            return ++n === 1 ? { kind: 'covered', by_attempt_id: 14 } : { kind: 'standing' };
          },
        },
        checks,
      ),
    );
    const r = await ts.withWorker(m, (taskQueue) =>
      ts.env.client.workflow.execute(temporaryHold, {
        taskQueue,
        workflowId: 'hold-covered/c1/12',
        args: [{ collection: 'c1', attempt_id: HELD, strategy: 'pause_maintenance', hold_seconds: HOLD_S }],
      }),
    );
    expect(r.kind).toBe('Restored');
    expect(checks).toHaveLength(2);
    // The retry comes after the workflow's wait (at most 30 s), not at once.
    expect(checks[1]! - checks[0]!).toBeGreaterThanOrEqual(30_000);
    expect(m.activities.compensateStrategy).toHaveBeenCalledTimes(1);
  });

  it('while an attempt runs on the collection (its workflow id is taken), waits; restores once it has ended', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let preparations = 0;
    const m = mockActivities(
      mocks({
        // The first rollback stands in for the running attempt: it holds the id until released.
        prepareAttempt: async () => {
          if (++preparations === 1) await gate;
          return prepared(RESTORE_ID + preparations);
        },
      }),
    );
    const r = await ts.withWorker(m, async (taskQueue) => {
      const busy = await ts.env.client.workflow.start(rollbackAttempt, {
        taskQueue,
        workflowId: healingAttemptWorkflowId('c1'),
        args: [{ collection: 'c1', by: 'alice', attempt_id: HELD }],
      });
      const hold = await ts.env.client.workflow.start(temporaryHold, {
        taskQueue,
        workflowId: 'hold-busy/c1/12',
        args: [
          { collection: 'c1', attempt_id: HELD, strategy: 'pause_maintenance', hold_seconds: 1, restore_now: true },
        ],
      });
      // The hold found the id taken at least once before the running one ends.
      for (let i = 0; i < 200 && m.inputsOf('loadHoldTarget').length < 2; i++)
        await new Promise((res) => setTimeout(res, 25));
      release();
      await busy.result();
      return hold.result();
    });
    expect(m.inputsOf('loadHoldTarget').length).toBeGreaterThanOrEqual(2);
    expect(r).toMatchObject({ kind: 'Restored', attempt_id: HELD });
    expect(m.activities.prepareAttempt).toHaveBeenCalledTimes(2);
  });

  it('restore_now (after continue-as-new) skips the hold', async () => {
    const checks: number[] = [];
    const m = mockActivities(mocks({}, checks));
    const { r, started } = await ts.withWorker(m, async (taskQueue) => {
      const h = await ts.env.client.workflow.start(temporaryHold, {
        taskQueue,
        workflowId: 'hold-now/c1/12',
        args: [
          {
            collection: 'c1',
            attempt_id: HELD,
            strategy: 'pause_maintenance',
            hold_seconds: HOLD_S,
            restore_now: true,
          },
        ],
      });
      const started = (await h.describe()).startTime.getTime();
      return { r: await h.result(), started };
    });
    expect(r.kind).toBe('Restored');
    expect(checks[0]! - started).toBeLessThan(HOLD_S * 1000);
  });
});
