import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { retentionScheduleId, updateWeightsScheduleId } from '../../src/domain/workflow-ids';
import { ensureSelfhealSchedules } from '../../src/temporal/selfheal-schedules';
import type { retention } from '../../workflows/retention';
import { HistoryFixture, historyRows, without } from '../support/history-fixtures';
import { useWorkerSystem } from '../support/test-harness';
import { testClient, waitFor } from '../support/test-system';

describe('the retention Schedule on the shared Temporal server', () => {
  // A worker of selfheal on a task queue of its own, on a fresh store.
  const sys = useWorkerSystem('retsched');
  let client: Client;
  let close: () => Promise<void>;
  const scheduleId = () => retentionScheduleId(sys.db.key);
  beforeAll(async () => {
    ({ client, close } = await testClient());
  });
  afterAll(async () => {
    // The server outlives this file: leave no Schedule firing at a task queue nobody serves.
    for (const id of [scheduleId(), updateWeightsScheduleId(sys.db.key)])
      await client?.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await close?.();
  });

  it("ensureSelfhealSchedules creates it, changes nothing when called again, and keeps a person's pause", async () => {
    const { key } = sys.db;
    const ids = [updateWeightsScheduleId(key), scheduleId()];
    expect(await ensureSelfhealSchedules(client, key, sys.w.taskQueue)).toEqual(ids);
    const handle = client.schedule.getHandle(scheduleId());
    const first = await handle.describe();
    expect(first.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'retention',
      workflowId: `retention/${key}`,
      taskQueue: sys.w.taskQueue,
      args: [{ database: key }],
    });
    expect(first.spec.intervals?.map((i) => i.every)).toEqual([6 * 3_600_000]);
    expect(first.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, pauseOnFailure: true });
    expect(first.state).toMatchObject({ paused: false, note: expect.stringMatching(/history_retention_days/) });

    expect(await ensureSelfhealSchedules(client, key, sys.w.taskQueue)).toEqual(ids);
    const again = await handle.describe();
    expect({ spec: again.spec, action: again.action, policies: again.policies, state: again.state }).toEqual({
      spec: first.spec,
      action: first.action,
      policies: first.policies,
      state: first.state,
    });

    await handle.pause('a person is looking at the store');
    await ensureSelfhealSchedules(client, key, sys.w.taskQueue);
    expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'a person is looking at the store' });
    await handle.unpause();
  });

  it("triggering it runs the retention workflow to completion on the worker's store", async () => {
    const f = new HistoryFixture(sys.db.pool);
    const c = await f.collection('orders');
    const old = [
      await f.attempt(c, 40),
      await f.attempt(c, 41, { status: 'Completed', strategy: 'compact_indexes', outcome: true }),
    ];
    const oldOutcome = await f.outcomeOf(old[1]!);
    await f.outcome(c, 3);
    await f.attempt(c, 2);
    const before = await historyRows(sys.db.pool);

    await ensureSelfhealSchedules(client, sys.db.key, sys.w.taskQueue);
    const handle = client.schedule.getHandle(scheduleId());
    await handle.trigger();
    const started = await waitFor('the run the trigger started', async () => {
      const recent = (await handle.describe()).info.recentActions;
      return recent[recent.length - 1]?.action.workflow;
    });
    expect(started.workflowId.startsWith(`retention/${sys.db.key}`)).toBe(true);
    const result = await client.workflow
      .getHandle<typeof retention>(started.workflowId, started.firstExecutionRunId)
      .result();
    expect(result).toMatchObject({
      database: sys.db.key,
      history_retention_days: 30,
      done: true,
      rounds: 1,
      deleted: { attempts: 2, outcomes: 1, placement_snapshots: 0 },
    });
    // The attempts and outcomes only: the update-weights Schedule, due on the hour, may write weights meanwhile.
    const now = await historyRows(sys.db.pool);
    expect({ attempts: now.healing_attempts, outcomes: now.healing_outcomes }).toEqual({
      attempts: without(before.healing_attempts, old),
      outcomes: without(before.healing_outcomes, [oldOutcome]),
    });
  });
});
