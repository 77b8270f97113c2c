import type { FinishAttempt } from '../../src/postgres/outcome-store';
import type { IntegritySample } from '../../src/sensor/integrity-sample';
import { abortUpdate, attemptStatusQuery, type AttemptPhase } from '../../workflows/attempt-messages';
import { healingAttempt } from '../../workflows/healing-attempt';
import {
  ACTION_ID,
  OUTCOME_ID,
  attemptActivities,
  bloated,
  contended,
  healthy,
  planOf,
  prepared,
  statusWhen,
  nothingLearned,
} from '../support/attempt-fixtures';
import { blocker, runUntilCancelled } from '../support/blocker';
import { mockActivities, useTimeSkipping, type ActivityName, type MockActivities } from '../support/time-skipping';

const ABORT = { action_id: ACTION_ID, by: 'dave', comment: 'stop' };
const CONFIG = { stabilization_wait: 10 };
const refusal = (re: RegExp) => ({ cause: { message: expect.stringMatching(re) } });

describe('healing attempt: abort', () => {
  const ts = useTimeSkipping();

  /**
   * Starts an attempt whose `over` activities hold it in `phase`, aborts it there, and returns
   * the outcome, the calls made and the one outcome record.
   */
  async function abortIn(
    phase: AttemptPhase,
    o: {
      samples: IntegritySample[];
      strategy: string;
      config?: object;
      over: (hold: () => Promise<void>) => MockActivities;
      held?: boolean;
      during?: (h: { abortAgain: () => Promise<unknown> }) => Promise<void>;
    },
  ) {
    const gate = blocker();
    const held = o.held !== false;
    const base = attemptActivities({ samples: o.samples, strategy: o.strategy, config: { ...CONFIG, ...o.config } });
    const m = mockActivities({
      ...base,
      // The abandoned activity ends before the attempt does (see Blocker).
      recordOutcome: async (f) => (held && (await gate.done), base.recordOutcome!(f)),
      ...o.over(gate.hold),
    });
    return ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(healingAttempt, {
        taskQueue,
        workflowId: `abort-${phase}/c1`,
        args: [{ collection: 'c1', trigger: 'test' }],
      });
      try {
        await statusWhen(handle, (s) => s.phase === phase && (phase !== 'approval' || s.awaiting_approval));
        // The held activity has begun, so the calls made are the same on every run.
        if (held) await gate.started;
        expect(await handle.query(attemptStatusQuery)).toMatchObject({ phase });
        const decision = await handle.executeUpdate(abortUpdate, { args: [ABORT] });
        expect(decision).toMatchObject({ decision: 'aborted', by: 'dave', comment: 'stop' });
        await o.during?.({ abortAgain: () => handle.executeUpdate(abortUpdate, { args: [{ ...ABORT, by: 'erin' }] }) });
        gate.release();
        const outcome = await handle.result();
        const records = m.inputsOf('recordOutcome') as FinishAttempt[];
        // Recorded once, whatever the phase: no outcome lost, none written twice.
        expect(records).toHaveLength(1);
        return { outcome, names: m.names(), record: records[0]!, m };
      } finally {
        gate.release();
      }
    });
  }

  const upTo = (...names: ActivityName[]): ActivityName[] => ['prepareAttempt', 'sampleIntegrity', ...names];

  it('during sense: nothing chosen, nothing to undo; Aborted with the reason and recorded once', async () => {
    const r = await abortIn('sense', {
      samples: [bloated('c1')],
      strategy: 'compact_indexes',
      over: (hold) => ({ sampleIntegrity: async () => (await hold(), bloated('c1')) }),
    });
    expect(r.outcome).toEqual({
      kind: 'Aborted',
      problem: null,
      strategy: null,
      reason: 'aborted by dave: stop during sense',
      compensated: false,
      attempt_id: ACTION_ID,
      outcome_id: null,
    });
    expect(r.names).toEqual(upTo('recordOutcome'));
    expect(r.record).toMatchObject({ status: 'Aborted', strategy_name: null, compensation: null, outcome: null });
  });

  it('during select: the problem is known, no strategy yet', async () => {
    const r = await abortIn('select', {
      samples: [bloated('c1')],
      strategy: 'compact_indexes',
      over: (hold) => ({ loadLearnedSelection: async () => (await hold(), nothingLearned) }),
    });
    expect(r.outcome).toMatchObject({
      kind: 'Aborted',
      problem: { class: 'IndexFragmentation' },
      strategy: null,
      reason: 'aborted by dave: stop during select',
      compensated: false,
    });
    expect(r.names).toEqual(upTo('loadLearnedSelection', 'recordOutcome'));
    expect(r.record).toMatchObject({ status: 'Aborted', problem_class: 'IndexFragmentation', outcome: null });
  });

  it('while waiting for approval: it stops waiting at once, and its decision is the abort', async () => {
    const r = await abortIn('approval', {
      samples: [bloated('c1')],
      strategy: 'compact_indexes',
      config: { require_approval_strategies: ['compact_indexes'] },
      over: () => ({}),
      held: false,
    });
    expect(r.outcome).toMatchObject({
      kind: 'Aborted',
      strategy: 'compact_indexes',
      reason: 'aborted by dave: stop during approval',
      compensated: false,
    });
    expect(r.names).toEqual(upTo('loadLearnedSelection', 'recordOutcome'));
    expect(r.record).toMatchObject({
      status: 'Aborted',
      strategy_name: 'compact_indexes',
      approval: null,
      outcome: null,
    });
  });

  it('during sandbox: the test is abandoned, nothing acted', async () => {
    const r = await abortIn('sandbox', {
      samples: [bloated('c1')],
      strategy: 'compact_indexes',
      over: (hold) => ({
        sandboxTest: async () => (await hold(), { passed: true, level: 'complete', checks: [], duration_ms: 1 }),
      }),
    });
    expect(r.outcome).toMatchObject({
      kind: 'Aborted',
      strategy: 'compact_indexes',
      reason: 'aborted by dave: stop during sandbox',
      compensated: false,
    });
    expect(r.names).toEqual(upTo('loadLearnedSelection', 'sandboxTest', 'recordOutcome'));
    expect(r.record).toMatchObject({ sandbox: null, outcome: null });
  });

  it('while planning (execute phase, before acting): no compensation was registered, none runs', async () => {
    const r = await abortIn('execute', {
      samples: [contended('c1')],
      strategy: 'pause_maintenance',
      over: (hold) => ({ planStrategy: async () => (await hold(), planOf('pause_maintenance')) }),
    });
    expect(r.outcome).toMatchObject({
      kind: 'Aborted',
      strategy: 'pause_maintenance',
      reason: 'aborted by dave: stop during execute',
      compensated: false,
    });
    expect(r.names).toEqual(upTo('loadLearnedSelection', 'sandboxTest', 'planStrategy', 'recordOutcome'));
    expect(r.record).toMatchObject({ compensation: null, outcome: null });
  });

  it('while executing: the step is cancelled and waited for, its half-done work cleaned up, then compensated; an outcome row records it', async () => {
    const r = await abortIn('execute', {
      samples: [contended('c1')],
      strategy: 'pause_maintenance',
      over: (hold) => ({
        // Runs until the abort cancels it (WAIT_CANCELLATION_COMPLETED: the workflow waits for it to stop).
        executeStrategy: () => runUntilCancelled(() => void hold()),
      }),
      during: async ({ abortAgain }) => {
        // A second abort while the first is being carried out is refused, naming the first.
        await expect(abortAgain()).rejects.toMatchObject(refusal(/already aborted by dave/));
      },
    });
    expect(r.outcome).toEqual({
      kind: 'Aborted',
      problem: expect.objectContaining({ class: 'MaintenanceContention' }),
      strategy: 'pause_maintenance',
      reason: 'aborted by dave: stop during execute',
      compensated: true,
      attempt_id: ACTION_ID,
      outcome_id: OUTCOME_ID,
    });
    expect(r.names).toEqual(
      upTo(
        'loadLearnedSelection',
        'sandboxTest',
        'planStrategy',
        'executeStrategy',
        'cleanupStrategy',
        'compensateStrategy',
        'recordOutcome',
      ),
    );
    // Cleanup and compensation work from the plan the attempt took before acting.
    expect(r.m.inputsOf('cleanupStrategy')[0]).toMatchObject({
      strategy: 'pause_maintenance',
      plan: planOf('pause_maintenance'),
    });
    expect(r.m.inputsOf('compensateStrategy')[0]).toMatchObject({
      strategy: 'pause_maintenance',
      plan: planOf('pause_maintenance'),
    });
    expect(r.record).toMatchObject({
      status: 'Aborted',
      compensation: { ran: true, compensated: true, errors: [], snapshot: planOf('pause_maintenance').snapshot },
      outcome: {
        strategy_name: 'pause_maintenance',
        success: false,
        verified: false,
        error_message: 'aborted by dave: stop during execute',
        strategy_params: { abort: expect.objectContaining({ by: 'dave' }) },
      },
    });
  });

  it('while stabilizing: the durable wait ends early; the change that succeeded is compensated, with no cleanup', async () => {
    const r = await abortIn('stabilize', {
      samples: [contended('c1'), healthy('c1')],
      strategy: 'pause_maintenance',
      over: () => ({}),
      held: false,
    });
    expect(r.outcome).toMatchObject({
      kind: 'Aborted',
      strategy: 'pause_maintenance',
      reason: 'aborted by dave: stop during stabilize',
      compensated: true,
    });
    expect(r.names).toEqual(
      upTo(
        'loadLearnedSelection',
        'sandboxTest',
        'planStrategy',
        'executeStrategy',
        'compensateStrategy',
        'recordOutcome',
      ),
    );
    expect(r.record.outcome).toMatchObject({ success: true, verified: false });
  });

  it('while verifying: compensated, the second sample abandoned', async () => {
    let samples = 0;
    const r = await abortIn('verify', {
      samples: [contended('c1')],
      strategy: 'pause_maintenance',
      // No stabilization wait: the test server's clock moves only while a result is awaited.
      config: { stabilization_wait: 0 },
      over: (hold) => ({ sampleIntegrity: async () => (++samples === 2 && (await hold()), contended('c1')) }),
    });
    expect(r.outcome).toMatchObject({
      kind: 'Aborted',
      reason: 'aborted by dave: stop during verify',
      compensated: true,
    });
    expect(r.names).toEqual(
      upTo(
        'loadLearnedSelection',
        'sandboxTest',
        'planStrategy',
        'executeStrategy',
        'sampleIntegrity',
        'compensateStrategy',
        'recordOutcome',
      ),
    );
  });

  it('once compensating it is too late: the abort is refused and the compensation finishes', async () => {
    const gate = blocker();
    const m = mockActivities(
      attemptActivities(
        { samples: [contended('c1')], strategy: 'pause_maintenance', config: CONFIG, verified: false },
        { compensateStrategy: async () => (await gate.hold(), { compensated: true }) },
      ),
    );
    await ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(healingAttempt, {
        taskQueue,
        workflowId: 'abort-late/c1',
        args: [{ collection: 'c1', trigger: 'test' }],
      });
      // Verification fails after the stabilization wait, which only passes while the result is awaited.
      const result = handle.result();
      await gate.started;
      await expect(handle.executeUpdate(abortUpdate, { args: [ABORT] })).rejects.toMatchObject(
        refusal(/is finishing \(compensate\): too late to abort/),
      );
      gate.release();
      expect(await result).toMatchObject({ kind: 'Completed', verified: false, compensated: true });
      expect(m.inputsOf('recordOutcome')).toEqual([expect.objectContaining({ status: 'Completed' })]);
    });
  });

  it('before the attempt has its action id, an abort is refused (there is nothing to name yet)', async () => {
    const gate = blocker();
    const m = mockActivities(
      attemptActivities(
        { samples: [healthy('c1')], strategy: 'compact_indexes', config: CONFIG },
        { prepareAttempt: async () => (await gate.hold(), prepared(ACTION_ID, CONFIG)) },
      ),
    );
    await ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(healingAttempt, {
        taskQueue,
        workflowId: 'abort-early/c1',
        args: [{ collection: 'c1', trigger: 'test' }],
      });
      await gate.started;
      await expect(handle.executeUpdate(abortUpdate, { args: [ABORT] })).rejects.toMatchObject(
        refusal(/no action id yet/),
      );
      gate.release();
      expect(await handle.result()).toMatchObject({
        kind: 'Deferred',
        reason: expect.stringMatching(/^integrity is normal/),
      });
    });
  });

  it('a Temporal cancellation (UI or CLI) is an abort all the same, recorded as such', async () => {
    const gate = blocker();
    const base = attemptActivities({ samples: [bloated('c1')], strategy: 'compact_indexes', config: CONFIG });
    const m = mockActivities({
      ...base,
      sandboxTest: async () => (await gate.hold(), { passed: true, level: 'complete', checks: [], duration_ms: 1 }),
      recordOutcome: async (f) => (await gate.done, base.recordOutcome!(f)),
    });
    await ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(healingAttempt, {
        taskQueue,
        workflowId: 'abort-cancel/c1',
        args: [{ collection: 'c1', trigger: 'test' }],
      });
      await gate.started;
      await handle.cancel();
      // Released once the attempt has taken the cancellation in (its activity cancelled): a reply
      // racing the cancellation command would not be the branch under test.
      await statusWhen(handle, (s) => s.phase === 'record');
      gate.release();
      expect(await handle.result()).toMatchObject({
        kind: 'Aborted',
        reason: 'aborted by a Temporal cancellation request during sandbox',
      });
      expect(m.inputsOf('recordOutcome')).toEqual([expect.objectContaining({ status: 'Aborted' })]);
    });
  });
});
