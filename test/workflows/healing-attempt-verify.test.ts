import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { FinishAttempt } from '../../src/postgres/outcome-store';
import { healingAttempt } from '../../workflows/healing-attempt';
import { OUTCOME_ID, attemptActivities, bloated, contended, healthy, planOf } from '../support/attempt-fixtures';
import { mockActivities, useTimeSkipping, type MockActivities } from '../support/time-skipping';

const CONFIG = { stabilization_wait: 10 };
const ACTED = [
  'prepareAttempt',
  'sampleIntegrity',
  'loadLearnedSelection',
  'sandboxTest',
  'planStrategy',
  'executeStrategy',
  'sampleIntegrity',
  'verifyStrategy',
];

describe('healing attempt: verify and compensate', () => {
  const ts = useTimeSkipping();

  async function run(mocks: MockActivities, id: string) {
    const m = mockActivities(mocks);
    const outcome = await ts.withWorker(m, async (taskQueue) =>
      ts.env.client.workflow.execute(healingAttempt, {
        taskQueue,
        workflowId: `${id}/c1`,
        args: [{ collection: 'c1', trigger: 'test' }],
      }),
    );
    const records = m.inputsOf('recordOutcome') as FinishAttempt[];
    expect(records).toHaveLength(1);
    return { outcome, m, record: records[0]! };
  }

  it('verified: λ rose, nothing is undone, the outcome row says so', async () => {
    const r = await run(
      attemptActivities({ samples: [bloated('c1'), healthy('c1')], strategy: 'compact_indexes', config: CONFIG }),
      'verified',
    );
    expect(r.outcome).toMatchObject({
      kind: 'Completed',
      verified: true,
      compensated: false,
      initial_lambda: expect.closeTo(0.6, 6),
      final_lambda: 2,
      outcome_id: OUTCOME_ID,
    });
    expect(r.m.names()).toEqual([...ACTED, 'recordOutcome']);
    // Verification samples again with the rates counted from the end of execute.
    expect(r.m.inputsOf('sampleIntegrity')[1]).toMatchObject({ collection: 'c1', rates_after: expect.any(String) });
    expect(r.record).toMatchObject({
      status: 'Completed',
      reason: 'verified',
      compensation: null,
      plan: planOf('compact_indexes'),
    });
    expect(r.record.outcome).toMatchObject({
      verified: true,
      success: true,
      initial_lambda: expect.closeTo(0.6, 6),
      final_lambda: 2,
      improvement_pct: expect.closeTo(2.333, 2),
    });
  });

  it('not verified: λ did not rise and the strategy says no, so the reversible change is compensated from its plan', async () => {
    const r = await run(
      attemptActivities({ samples: [contended('c1')], strategy: 'pause_maintenance', config: CONFIG, verified: false }),
      'unverified',
    );
    expect(r.outcome).toMatchObject({
      kind: 'Completed',
      strategy: 'pause_maintenance',
      verified: false,
      compensated: true,
    });
    expect(r.m.names()).toEqual([...ACTED, 'compensateStrategy', 'recordOutcome']);
    expect(r.m.inputsOf('compensateStrategy')).toEqual([
      expect.objectContaining({ strategy: 'pause_maintenance', plan: planOf('pause_maintenance') }),
    ]);
    expect(r.record).toMatchObject({
      reason: 'not verified: density still 18 %',
      compensation: { ran: true, compensated: true, errors: [], snapshot: planOf('pause_maintenance').snapshot },
      outcome: { verified: false, success: true, error_message: null },
    });
  });

  it('never worse: λ fell, so it is compensated even though the strategy calls itself verified', async () => {
    const worse = { ...contended('c1'), lambda: 0.2 };
    const r = await run(
      attemptActivities({
        samples: [contended('c1'), worse],
        strategy: 'pause_maintenance',
        config: CONFIG,
        verified: true,
      }),
      'worse',
    );
    expect(r.outcome).toMatchObject({ verified: false, compensated: true, final_lambda: 0.2 });
    expect(r.record.reason).toMatch(/^not verified: λ fell from 0\.444 to 0\.200/);
    expect(r.record.outcome?.system_metrics).toMatchObject({
      verification: { lambda_fell: true, strategy_verified: true },
    });
  });

  it('a failing compensation is retried until it succeeds (backoff of workflow time), and counts as compensated', async () => {
    let tries = 0;
    const startedAt = await ts.env.currentTimeMs();
    const r = await run(
      attemptActivities(
        { samples: [contended('c1')], strategy: 'pause_maintenance', config: CONFIG, verified: false },
        {
          compensateStrategy: async () => {
            if (++tries < 4) throw new Error(`lock timeout (try ${tries})`);
            return { compensated: true };
          },
        },
      ),
      'compensation-retried',
    );
    expect(tries).toBe(4);
    expect(r.outcome).toMatchObject({ verified: false, compensated: true });
    expect(r.record.compensation).toMatchObject({ ran: true, compensated: true, errors: [] });
    // mustFinishOptions: 1 s, 2 s, 4 s between the tries, then it succeeded.
    const compensatedAt = Date.parse((r.record.outcome as { completed_at: string }).completed_at);
    expect(compensatedAt - startedAt).toBeGreaterThanOrEqual(10_000 + 7_000);
  });

  it('a compensation that fails for good is recorded with its error, and the attempt is not compensated', async () => {
    const r = await run(
      attemptActivities(
        { samples: [contended('c1')], strategy: 'pause_maintenance', config: CONFIG, verified: false },
        {
          compensateStrategy: async () => {
            throw ApplicationFailure.nonRetryable('the table is gone', 'CollectionGone');
          },
        },
      ),
      'compensation-failed',
    );
    expect(r.outcome).toMatchObject({ verified: false, compensated: false });
    expect(r.record.compensation).toMatchObject({
      ran: true,
      compensated: false,
      errors: [expect.stringMatching(/^undo pause_maintenance: .*the table is gone/)],
    });
    expect(r.record.outcome?.error_message).toMatch(/the table is gone/);
  });

  it('execute failing after its retries: half-done work is cleaned up, then compensated; no stabilization wait', async () => {
    let tries = 0;
    const r = await run(
      attemptActivities(
        { samples: [contended('c1')], strategy: 'pause_maintenance', config: CONFIG },
        {
          executeStrategy: async () => {
            tries++;
            throw new Error('deadlock detected');
          },
          cleanupStrategy: async () => ({ removed: ['ix11_ccnew'] }),
        },
      ),
      'execute-failed',
    );
    expect(tries).toBe(3);
    expect(r.outcome).toMatchObject({
      kind: 'Completed',
      verified: false,
      compensated: true,
      result: { success: false, error: expect.stringMatching(/deadlock detected/) },
    });
    expect(r.m.names()).toEqual([
      'prepareAttempt',
      'sampleIntegrity',
      'loadLearnedSelection',
      'sandboxTest',
      'planStrategy',
      'executeStrategy',
      'executeStrategy',
      'executeStrategy',
      'cleanupStrategy',
      'sampleIntegrity',
      'verifyStrategy',
      'compensateStrategy',
      'recordOutcome',
    ]);
    expect(r.record.outcome).toMatchObject({ success: false, system_metrics: { cleaned_up: ['ix11_ccnew'] } });
  });

  it('an activity that keeps failing fails the workflow, after recording Failed with cleanup and compensation done', async () => {
    const m = mockActivities(
      attemptActivities(
        { samples: [contended('c1')], strategy: 'pause_maintenance', config: CONFIG },
        {
          verifyStrategy: async () => {
            throw ApplicationFailure.nonRetryable('bad plan', 'InvalidInput');
          },
        },
      ),
    );
    await ts.withWorker(m, async (taskQueue) => {
      await expect(
        ts.env.client.workflow.execute(healingAttempt, {
          taskQueue,
          workflowId: 'failed/c1',
          args: [{ collection: 'c1', trigger: 'test' }],
        }),
      ).rejects.toThrow(WorkflowFailedError);
    });
    expect(m.names().slice(-2)).toEqual(['compensateStrategy', 'recordOutcome']);
    expect(m.inputsOf('recordOutcome')).toEqual([
      expect.objectContaining({
        status: 'Failed',
        reason: expect.stringMatching(/^failed during verify: .*bad plan/),
        outcome: expect.objectContaining({ success: true, verified: false }),
      }),
    ]);
    expect(m.activities.cleanupStrategy).not.toHaveBeenCalled();
  });
});
