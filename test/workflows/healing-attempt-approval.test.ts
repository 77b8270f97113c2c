import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { FinishAttempt } from '../../src/postgres/outcome-store';
import { approveUpdate, attemptStatusQuery, rejectUpdate } from '../../workflows/attempt-messages';
import { healingAttempt } from '../../workflows/healing-attempt';
import {
  bloated,
  executed,
  healthy,
  planOf,
  prepared,
  sandboxPassed,
  statusWhen,
  verdict,
  nothingLearned,
} from '../support/attempt-fixtures';
import { mockActivities, useTimeSkipping } from '../support/time-skipping';

/** compact_indexes waits for a person when the collection's configuration says so. */
const NEEDS_APPROVAL = {
  require_approval_strategies: ['compact_indexes'],
  approval_timeout: 600,
  stabilization_wait: 10,
};
const ACTION = 41;

function attemptMocks() {
  const samples = [bloated('c1'), healthy('c1')];
  return mockActivities({
    prepareAttempt: async () => prepared(ACTION, NEEDS_APPROVAL),
    sampleIntegrity: async () => samples.shift()!,
    loadLearnedSelection: async () => nothingLearned,
    sandboxTest: async () => sandboxPassed,
    planStrategy: async () => planOf('compact_indexes'),
    executeStrategy: async () => executed,
    verifyStrategy: async () => verdict(true),
    recordOutcome: async () => ({ outcome_id: 7 }),
  });
}

describe('healing attempt: approval', () => {
  const ts = useTimeSkipping();

  it('waits for approval without acting; approved, it runs sandbox → plan → execute → verify and records the approval once', async () => {
    const m = attemptMocks();
    await ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(healingAttempt, {
        taskQueue,
        workflowId: 'approve/c1',
        args: [{ collection: 'c1', trigger: 'test' }],
      });
      const waiting = await statusWhen(handle, (s) => s.awaiting_approval);
      expect(waiting).toMatchObject({
        phase: 'approval',
        strategy: 'compact_indexes',
        attempt_id: ACTION,
        approval_reason: 'compact_indexes is in require_approval_strategies',
      });
      // Nothing acted while it waits.
      expect(m.names()).toEqual(['prepareAttempt', 'sampleIntegrity', 'loadLearnedSelection']);

      // A decision for another action, or a malformed one, is refused by the validator.
      await expect(handle.executeUpdate(approveUpdate, { args: [{ action_id: ACTION + 1, by: 'x' }] })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );
      await expect(handle.executeUpdate(approveUpdate, { args: [{ action_id: ACTION, by: '' }] })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );
      const decision = await handle.executeUpdate(approveUpdate, {
        args: [{ action_id: ACTION, by: 'alice', comment: 'looks safe' }],
      });
      expect(decision).toMatchObject({ decision: 'approved', by: 'alice', comment: 'looks safe' });
      // Approving twice is refused: the first decision stands.
      await expect(
        handle.executeUpdate(rejectUpdate, { args: [{ action_id: ACTION, by: 'bob' }] }),
      ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/already approved by alice/) } });

      const outcome = await handle.result();
      expect(outcome).toMatchObject({
        kind: 'Completed',
        strategy: 'compact_indexes',
        verified: true,
        compensated: false,
        attempt_id: ACTION,
        outcome_id: 7,
      });
      expect(m.names()).toEqual([
        'prepareAttempt',
        'sampleIntegrity',
        'loadLearnedSelection',
        'sandboxTest',
        'planStrategy',
        'executeStrategy',
        'sampleIntegrity',
        'verifyStrategy',
        'recordOutcome',
      ]);
      const [recorded] = m.inputsOf('recordOutcome') as FinishAttempt[];
      expect(recorded).toMatchObject({
        attempt_id: ACTION,
        status: 'Completed',
        reason: 'verified',
        approval: { decision: 'approved', by: 'alice', comment: 'looks safe' },
      });
      expect(recorded!.outcome).toMatchObject({
        verified: true,
        success: true,
        strategy_params: { approval: { decision: 'approved', by: 'alice' } },
      });

      // The stabilization wait is a durable timer of stabilization_wait seconds of workflow time.
      const { phases } = await handle.query(attemptStatusQuery);
      expect(phases.map((p) => p.phase)).toEqual([
        'prepare',
        'sense',
        'classify',
        'gate',
        'select',
        'approval',
        'sandbox',
        'execute',
        'stabilize',
        'verify',
        'record',
        'done',
      ]);
      const at = (phase: string) => Date.parse(phases.find((p) => p.phase === phase)!.at);
      expect(at('verify') - at('stabilize')).toBeGreaterThanOrEqual(10_000);
      expect(at('verify') - at('stabilize')).toBeLessThan(11_000);
    });
  });

  it('rejected, it ends Deferred, names who rejected and why, acts on nothing and records once', async () => {
    const m = attemptMocks();
    await ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(healingAttempt, {
        taskQueue,
        workflowId: 'reject/c1',
        args: [{ collection: 'c1', trigger: 'test' }],
      });
      await statusWhen(handle, (s) => s.awaiting_approval);
      await handle.executeUpdate(rejectUpdate, {
        args: [{ action_id: ACTION, by: 'carol', comment: 'not during peak' }],
      });
      expect(await handle.result()).toEqual({
        kind: 'Deferred',
        problem: expect.objectContaining({ class: 'IndexFragmentation' }),
        reason: 'rejected by carol: not during peak',
        attempt_id: ACTION,
      });
      expect(m.names()).toEqual(['prepareAttempt', 'sampleIntegrity', 'loadLearnedSelection', 'recordOutcome']);
      expect(m.inputsOf('recordOutcome')).toEqual([
        expect.objectContaining({
          status: 'Deferred',
          strategy_name: 'compact_indexes',
          reason: 'rejected by carol: not during peak',
          outcome: null,
          approval: expect.objectContaining({ decision: 'rejected', by: 'carol' }),
        }),
      ]);
    });
  });

  it('undecided, it ends Deferred after exactly approval_timeout seconds of workflow time, recorded once without an approval', async () => {
    const m = attemptMocks();
    await ts.withWorker(m, async (taskQueue) => {
      const startedAt = await ts.env.currentTimeMs();
      const handle = await ts.env.client.workflow.start(healingAttempt, {
        taskQueue,
        workflowId: 'timeout/c1',
        args: [{ collection: 'c1', trigger: 'test' }],
      });
      const waiting = await statusWhen(handle, (s) => s.awaiting_approval);
      expect(Date.parse(waiting.approval_deadline!) - startedAt).toBeGreaterThanOrEqual(600_000);
      expect(await handle.result()).toMatchObject({
        kind: 'Deferred',
        reason: 'approval timed out after 600 s',
        attempt_id: ACTION,
      });
      // Measured in workflow time: once the attempt is over the test server's clock runs on freely.
      const { phases } = await handle.query(attemptStatusQuery);
      const waited =
        Date.parse(phases.find((p) => p.phase === 'record')!.at) -
        Date.parse(phases.find((p) => p.phase === 'approval')!.at);
      expect(waited).toBeGreaterThanOrEqual(600_000);
      expect(waited).toBeLessThan(601_000);
      expect(m.names()).toEqual(['prepareAttempt', 'sampleIntegrity', 'loadLearnedSelection', 'recordOutcome']);
      expect(m.inputsOf('recordOutcome')).toEqual([
        expect.objectContaining({ status: 'Deferred', approval: null, outcome: null }),
      ]);
      // Too late now: the attempt is not waiting any more.
      await expect(
        handle.executeUpdate(approveUpdate, { args: [{ action_id: ACTION, by: 'late' }] }),
      ).rejects.toThrow();
    });
  });
});
