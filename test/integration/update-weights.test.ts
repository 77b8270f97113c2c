import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { ProblemClass } from '../../src/domain/problem-class';
import { updateWeightsScheduleId } from '../../src/domain/workflow-ids';
import { loadStoredWeights } from '../../src/postgres/learned-weights';
import { storeHealingConfig } from '../../src/postgres/outcome-store';
import { ensureSelfhealSchedules } from '../../src/temporal/selfheal-schedules';
import type { UpdateWeightsInput } from '../../workflows/update-weights';
import { insertAttempt } from '../support/recovery-fixtures';
import { useWorkerSystem } from '../support/test-harness';
import { uniqueName } from '../support/test-system';

const fragmented: ProblemClass = {
  class: 'IndexFragmentation',
  index_ids: [1],
  index_names: ['public.t_pkey'],
  fragmentation_pct: 60,
};
const blocked: ProblemClass = {
  class: 'BlockingChain',
  root_pids: [1],
  idle_in_transaction_roots: [1],
  blocked_sessions: 3,
  max_depth: 1,
};

/** update-weights on the real servers: what it stores, what learning off leaves, how a drifting pair is reset. */
describe('update-weights', () => {
  const sys = useWorkerSystem('weights');
  const run = (input: UpdateWeightsInput) =>
    sys.w.client.workflow.execute('updateWeights', {
      taskQueue: sys.w.taskQueue,
      workflowId: uniqueName('update-weights'),
      args: [input],
    });
  const hoursAgo = (h: number): Date => new Date(Date.now() - h * 3600_000);

  afterAll(async () => {
    await sys.w.client.schedule
      .getHandle(updateWeightsScheduleId(sys.db.key))
      .delete()
      .catch(() => undefined);
  });

  it('runs on an hourly Schedule that skips an overlapping run and pauses when a run fails', async () => {
    await ensureSelfhealSchedules(sys.w.client, sys.db.key, sys.w.taskQueue);
    const d = await sys.w.client.schedule.getHandle(updateWeightsScheduleId(sys.db.key)).describe();
    expect(d.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
    expect(d.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(d.policies.pauseOnFailure).toBe(true);
    expect(d.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'updateWeights',
      taskQueue: sys.w.taskQueue,
    });
  });

  it('stores the weight rule per class and strategy, with its history; learning off leaves them as they were', async () => {
    const c = uniqueName('w');
    for (const [i, verified] of [true, true, true, false].entries())
      await insertAttempt(sys.db.pool, {
        collection: c,
        started_at: hoursAgo(10 - i),
        problem: fragmented,
        strategy: 'compact_indexes',
        outcome: { success: true, verified, completes_after_s: 30 },
      });
    const first = await run({ database: sys.db.key });
    expect(first).toMatchObject({ skipped_reason: null, outcomes_used: 4, pairs: 1, resets: [] });
    const stored = await loadStoredWeights(sys.db.pool);
    expect(stored.weights).toEqual([
      expect.objectContaining({
        problem_class: 'IndexFragmentation',
        strategy_name: 'compact_indexes',
        weight: 0.75,
        success_rate: 0.75,
        outcomes: 4,
      }),
    ]);
    const history = await sys.db.pool.query(
      'SELECT weight::float8 AS weight FROM ruvector.strategy_weight_history WHERE update_id = $1',
      [first.update_id],
    );
    expect(history.rows).toEqual([{ weight: 0.75 }]);

    // With learning off, new outcomes change nothing until it is on again.
    await storeHealingConfig(sys.db.pool, '*', { learning_enabled: false });
    await insertAttempt(sys.db.pool, {
      collection: c,
      started_at: hoursAgo(2),
      problem: fragmented,
      strategy: 'compact_indexes',
      outcome: { success: false, verified: false, completes_after_s: 30 },
    });
    const off = await run({ database: sys.db.key });
    expect(off).toMatchObject({ skipped_reason: 'learning_enabled is false', pairs: 0 });
    const after = await loadStoredWeights(sys.db.pool);
    expect(after.weights).toEqual(stored.weights);
    expect(after.last_update).toMatchObject({ id: off.update_id, skipped_reason: 'learning_enabled is false' });

    await storeHealingConfig(sys.db.pool, '*', {});
    const on = await run({ database: sys.db.key });
    expect(on.outcomes_used).toBe(5);
    const relearned = (await loadStoredWeights(sys.db.pool)).weights[0]!;
    expect(relearned.outcomes).toBe(5);
    expect(relearned.weight).toBeCloseTo(0.6, 5);
  });

  it('resets a strategy whose outcomes fell in a sustained trend: recorded, and learned again from its prior', async () => {
    const c = uniqueName('d');
    // Worked ten times, then failed five times in a row.
    for (let i = 0; i < 15; i++)
      await insertAttempt(sys.db.pool, {
        collection: c,
        started_at: hoursAgo(30 - i),
        problem: blocked,
        strategy: 'terminate_blocking_root',
        outcome: { success: i < 10, verified: i < 10, completes_after_s: 20 },
      });
    const r = await run({ database: sys.db.key });
    expect(r.resets).toEqual(['terminate_blocking_root for BlockingChain']);
    const stored = await loadStoredWeights(sys.db.pool, 'BlockingChain');
    expect(stored.weights).toEqual([]);
    expect(stored.resets).toEqual([
      expect.objectContaining({
        problem_class: 'BlockingChain',
        strategy_name: 'terminate_blocking_root',
        reason: expect.stringMatching(/mean of the last 5 rewards/),
      }),
    ]);
    // The next run does not learn from the outcomes before the reset again.
    const next = await run({ database: sys.db.key });
    expect(next.resets).toEqual([]);
    expect((await loadStoredWeights(sys.db.pool, 'BlockingChain')).weights).toEqual([]);
  });
});
