import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { SandboxResult } from '../../src/strategies/strategy';
import { approveUpdate } from '../../workflows/attempt-messages';
import { databaseGuardian } from '../../workflows/database-guardian';
import { collectionResumeUpdate } from '../../workflows/database-guardian-messages';
import { healingAttempt } from '../../workflows/healing-attempt';
import { ACTION_ID, attemptActivities, bloated, contended, healthy, statusWhen } from '../support/attempt-fixtures';
import { blocker } from '../support/blocker';
import { degraded, guardedDatabase, normal } from '../support/guardian-fixtures';
import { mockActivities, queryWhen, useTimeSkipping, type Mocks } from '../support/time-skipping';

const MIN = 60_000;

/** The StartChildWorkflowExecutionInitiated events of a history, by the child's workflow id. */
async function noticesStarted(handle: WorkflowHandle): Promise<string[]> {
  const h = await handle.fetchHistory();
  return (h.events ?? []).flatMap((e) => {
    const id = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    return id ? [id] : [];
  });
}

const superuserRoot: SandboxResult = {
  passed: false,
  level: 'prerequisites',
  checks: [
    { name: 'can_signal_backends', passed: true, detail: 'pg_signal_backend' },
    {
      name: 'roots_not_superuser',
      passed: false,
      detail: 'superuser sessions are never signalled: pid 7 (postgres, idle in transaction); a person must end them',
    },
  ],
  duration_ms: 2,
};

describe('a person is told, beside the workflows', () => {
  const ts = useTimeSkipping({ serverPerTest: true });

  it('approval: one notice, started beside the wait: the attempt is decided and done while the notice still runs; a replay of its history tells nobody again', async () => {
    const gate = blocker();
    const m = mockActivities(
      attemptActivities(
        {
          samples: [bloated('c1'), healthy('c1')],
          strategy: 'compact_indexes',
          config: { require_approval_strategies: ['compact_indexes'], stabilization_wait: 0 },
        },
        {
          postNotification: async (n) => {
            await gate.hold();
            return { key: `${n.action_id}:${n.event}`, posted: ['webhook:x'], already: [], refused: [] };
          },
        },
      ),
    );
    let handle!: WorkflowHandleWithFirstExecutionRunId<typeof healingAttempt>;
    await ts.withWorker(m, async (taskQueue) => {
      handle = await ts.env.client.workflow.start(healingAttempt, {
        taskQueue,
        workflowId: 'healing-attempt/c1',
        args: [{ collection: 'c1', trigger: 'test' }],
      });
      const waiting = await statusWhen(handle, (s) => s.awaiting_approval);
      await gate.started;
      await handle.executeUpdate(approveUpdate, { args: [{ action_id: ACTION_ID, by: 'alice' }] });
      // The webhook has not answered yet: the attempt went on regardless.
      expect(await handle.result()).toMatchObject({ kind: 'Completed', verified: true });
      expect(m.notices()).toEqual([
        {
          event: 'approval',
          action_id: ACTION_ID,
          collection: 'c1',
          problem_class: 'IndexFragmentation',
          strategy: 'compact_indexes',
          reason: 'compact_indexes is in require_approval_strategies',
          workflow_id: 'healing-attempt/c1',
          run_id: handle.firstExecutionRunId,
          at: expect.any(String),
          deadline: waiting.approval_deadline,
        },
      ]);
      gate.release();
      await gate.done;
    });
    expect(await noticesStarted(handle)).toEqual([`healing-notice/c1/${ACTION_ID}/approval`]);
    const tries = m.notices().length;
    await ts.replay(await handle.fetchHistory(), handle.workflowId);
    expect(m.notices()).toHaveLength(tries);
  });

  it('approval: a webhook that keeps failing is retried with backoff in its own workflow; the attempt never waits for it', async () => {
    let tries = 0;
    const m = mockActivities(
      attemptActivities(
        {
          samples: [bloated('c1'), healthy('c1')],
          strategy: 'compact_indexes',
          config: { require_approval_strategies: ['compact_indexes'], stabilization_wait: 0 },
        },
        {
          postNotification: async (n) => {
            if (++tries < 4) throw ApplicationFailure.retryable(`answered 500 (try ${tries})`, 'WebhookFailed');
            return { key: `${n.action_id}:${n.event}`, posted: ['webhook:x'], already: [], refused: [] };
          },
        },
      ),
    );
    await ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(healingAttempt, {
        taskQueue,
        workflowId: 'healing-attempt/c1',
        args: [{ collection: 'c1', trigger: 'test' }],
      });
      await statusWhen(handle, (s) => s.awaiting_approval);
      await handle.executeUpdate(approveUpdate, { args: [{ action_id: ACTION_ID, by: 'alice' }] });
      expect(await handle.result()).toMatchObject({ kind: 'Completed' });
      const notice = ts.env.client.workflow.getHandle(`healing-notice/c1/${ACTION_ID}/approval`);
      expect(await notice.result()).toMatchObject({ posted: ['webhook:x'] });
    });
    expect(tries).toBe(4);
    expect(new Set(m.notices().map((n) => `${n.action_id}:${n.event}`))).toEqual(new Set([`${ACTION_ID}:approval`]));
  });

  it('a compensation that keeps failing is told once, while it goes on trying until it is compensated', async () => {
    let tries = 0;
    const m = mockActivities(
      attemptActivities(
        {
          samples: [contended('c1')],
          strategy: 'pause_maintenance',
          config: { stabilization_wait: 10 },
          verified: false,
        },
        {
          compensateStrategy: async () => {
            if (++tries < 8) throw new Error(`lock timeout (try ${tries})`);
            return { compensated: true };
          },
        },
      ),
    );
    const outcome = await ts.withWorker(m, async (taskQueue) =>
      ts.env.client.workflow.execute(healingAttempt, {
        taskQueue,
        workflowId: 'healing-attempt/c1',
        args: [{ collection: 'c1', trigger: 'test' }],
      }),
    );
    expect(tries).toBe(8);
    expect(outcome).toMatchObject({ kind: 'Completed', verified: false, compensated: true });
    expect(m.notices()).toEqual([
      expect.objectContaining({
        event: 'compensation_failed',
        action_id: ACTION_ID,
        strategy: 'pause_maintenance',
        problem_class: 'MaintenanceContention',
        reason: expect.stringMatching(
          /^undo pause_maintenance keeps failing after 5 tries \(.*lock timeout.*\); selfheal goes on trying$/,
        ),
      }),
    ]);
  });

  it('a compensation that fails for good is told once; the undo is not tried again', async () => {
    const m = mockActivities(
      attemptActivities(
        {
          samples: [contended('c1')],
          strategy: 'pause_maintenance',
          config: { stabilization_wait: 10 },
          verified: false,
        },
        {
          compensateStrategy: async () => {
            throw ApplicationFailure.nonRetryable('the table is gone', 'CollectionGone');
          },
        },
      ),
    );
    const outcome = await ts.withWorker(m, async (taskQueue) =>
      ts.env.client.workflow.execute(healingAttempt, {
        taskQueue,
        workflowId: 'healing-attempt/c1',
        args: [{ collection: 'c1', trigger: 'test' }],
      }),
    );
    expect(outcome).toMatchObject({ compensated: false });
    expect(m.activities.compensateStrategy).toHaveBeenCalledTimes(1);
    expect(m.notices()).toEqual([
      expect.objectContaining({
        event: 'compensation_failed',
        reason: expect.stringMatching(/^undo pause_maintenance failed for good: .*the table is gone/),
      }),
    ]);
  });

  async function guard(m: Mocks, fn: (h: WorkflowHandle<typeof databaseGuardian>) => Promise<void>): Promise<void> {
    await ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(databaseGuardian, {
        taskQueue,
        workflowId: `guardian/${taskQueue}`,
        args: [{ database: 'db' }],
      });
      await fn(handle);
    });
  }

  it('the guardian tells a person once when healing stops working, with the action that ended the streak', async () => {
    const db = guardedDatabase({
      gate: { check_interval: 60, min_healing_interval: 60, ineffective_after: 2 },
      readings: { c1: degraded() },
      attempt: (c) => ({ samples: [bloated(c)], strategy: 'compact_indexes', verified: false }),
    });
    const m = mockActivities(db.mocks);
    await guard(m, async () => {
      await ts.env.sleep(30 * MIN);
      expect(db.attempts).toHaveLength(2);
    });
    expect(m.notices()).toEqual([
      {
        event: 'ineffective',
        action_id: 2,
        collection: 'c1',
        problem_class: 'IndexFragmentation',
        strategy: null,
        reason: expect.stringMatching(
          /^healing ineffective: the last 2 attempts did not raise λ; .*selfheal resume c1/,
        ),
        workflow_id: 'healing-attempt/c1',
        run_id: expect.any(String),
        at: expect.any(String),
      },
    ]);
  });

  it('the guardian tells a person once of a deferral only a person can resolve, not at every backoff; again after the collection recovered', async () => {
    const db = guardedDatabase({
      gate: { check_interval: 60, min_healing_interval: 240, ineffective_after: 100, max_attempts_per_window: 100 },
      readings: { c1: degraded() },
      attempt: (c) => ({
        samples: [bloated(c)],
        strategy: 'compact_indexes',
        over: { sandboxTest: async () => superuserRoot },
      }),
    });
    const m = mockActivities(db.mocks);
    await guard(m, async (h) => {
      await ts.env.sleep(20 * MIN);
      // Deferred again and again (backoff 1, 2, 4 min…): told once.
      expect(db.attempts.length).toBeGreaterThanOrEqual(4);
      expect(m.notices()).toHaveLength(1);
      db.state.readings = { c1: normal };
      await ts.env.sleep(5 * MIN);
      db.state.readings = { c1: degraded() };
      const before = db.attempts.length;
      await queryWhen(
        async () => db.attempts.length,
        (n) => n > before,
        'an attempt after the fault came back',
      );
      await queryWhen(
        async () => m.notices().length,
        (n) => n === 2,
        'a second notice',
      );
      // A person's resume clears what was told too (nothing new is posted by it).
      await h.executeUpdate(collectionResumeUpdate, { args: [{ collection: 'c1', request: { by: 'alice' } }] });
    });
    const [first, second] = m.notices();
    expect(first).toMatchObject({
      event: 'deferred',
      action_id: 1,
      collection: 'c1',
      problem_class: 'IndexFragmentation',
      reason: expect.stringMatching(
        /^a superuser session is involved, and selfheal never signals one: a person must end it; sandbox test failed: roots_not_superuser: superuser sessions are never signalled: pid 7/,
      ),
    });
    expect(second).toMatchObject({ event: 'deferred', action_id: expect.any(Number) });
    expect(second!.action_id).toBeGreaterThan(4);
  });
});
