import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { noRetentionRows, type RetentionCounts } from '../../src/domain/retention-counts';
import type { RetentionReport } from '../../src/postgres/retention';
import { MAX_RETENTION_ROUNDS, retention } from '../../workflows/retention';
import { mockActivities, useTimeSkipping } from '../support/time-skipping';

const DATABASE = 'pg-7301/app';
const CUTOFF = '2026-01-01T06:00:00.000000Z';

function report(deleted: Partial<RetentionCounts>, done: boolean): RetentionReport {
  return {
    dry_run: false,
    history_retention_days: 30,
    learning_window_days: 30,
    cutoff: CUTOFF,
    learning_cutoff: CUTOFF,
    deleted: { ...noRetentionRows(), ...deleted },
    done,
  };
}

/** What the workflow last showed in the UI (setCurrentDetails), read through the SDK's metadata query. */
async function details(handle: { query<R>(name: string): Promise<R> }): Promise<string> {
  return (await handle.query<{ currentDetails?: string | null }>('__temporal_workflow_metadata')).currentDetails ?? '';
}

describe('retention workflow', () => {
  const ts = useTimeSkipping();

  it('calls the deleting activity until nothing is due, adds up what each call deleted, and shows it', async () => {
    const replies = [
      report({ attempts: 5000, outcomes: 4990, placement_snapshots: 12 }, false),
      report({ attempts: 3, weight_history: 40, weight_updates: 2 }, true),
    ];
    const m = mockActivities({ deleteExpiredHistory: async () => replies.shift()! });
    const { result, shown } = await ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(retention, {
        taskQueue,
        workflowId: `retention/${DATABASE}`,
        args: [{ database: DATABASE }],
      });
      return { result: await handle.result(), shown: await details(handle) };
    });
    expect(result).toEqual({
      database: DATABASE,
      history_retention_days: 30,
      cutoff: CUTOFF,
      deleted: {
        attempts: 5003,
        outcomes: 4990,
        placement_snapshots: 12,
        weight_resets: 0,
        weight_history: 40,
        weight_updates: 2,
        notifications: 0,
        commands: 0,
      },
      rounds: 2,
      done: true,
    });
    expect(m.inputsOf('deleteExpiredHistory')).toEqual([{ database: DATABASE }, { database: DATABASE }]);
    expect(m.names()).toEqual(['deleteExpiredHistory', 'deleteExpiredHistory']);
    expect(shown).toContain(`older than 30 days (ended before ${CUTOFF})`);
    expect(shown).toContain(
      'deleted: 5003 attempts, 4990 outcomes, 12 placement snapshot rows, 40 weight history rows, 2 weight updates ' +
        '(2 calls)',
    );
  });

  it('a store with nothing due is one call that deletes nothing', async () => {
    const m = mockActivities({ deleteExpiredHistory: async () => report({}, true) });
    const r = await ts.withWorker(m, (taskQueue) =>
      ts.env.client.workflow.execute(retention, {
        taskQueue,
        workflowId: `retention-empty/${DATABASE}`,
        args: [{ database: DATABASE }],
      }),
    );
    expect(r).toMatchObject({ rounds: 1, done: true, deleted: noRetentionRows() });
  });

  it(`stops after ${MAX_RETENTION_ROUNDS} calls with rows still due, leaving them to the next run`, async () => {
    const m = mockActivities({ deleteExpiredHistory: async () => report({ attempts: 10 }, false) });
    const { result, shown } = await ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(retention, {
        taskQueue,
        workflowId: `retention-deep/${DATABASE}`,
        args: [{ database: DATABASE }],
      });
      return { result: await handle.result(), shown: await details(handle) };
    });
    expect(result).toMatchObject({ rounds: MAX_RETENTION_ROUNDS, done: false });
    expect(result.deleted.attempts).toBe(10 * MAX_RETENTION_ROUNDS);
    expect(m.activities.deleteExpiredHistory).toHaveBeenCalledTimes(MAX_RETENTION_ROUNDS);
    expect(shown).toMatch(/deleted so far: 1000 attempts \(100 calls\); the rest is left to the next run$/);
  });

  it('retries a failure that may pass (a lock timeout), and fails at once on one that will not (a missing right)', async () => {
    let tries = 0;
    const flaky = mockActivities({
      deleteExpiredHistory: async () => {
        if (++tries < 3) throw ApplicationFailure.retryable('canceling statement due to lock timeout', 'PgError:55P03');
        return report({ attempts: 1 }, true);
      },
    });
    const r = await ts.withWorker(flaky, (taskQueue) =>
      ts.env.client.workflow.execute(retention, {
        taskQueue,
        workflowId: `retention-flaky/${DATABASE}`,
        args: [{ database: DATABASE }],
      }),
    );
    expect(r).toMatchObject({ rounds: 1, done: true, deleted: { attempts: 1 } });
    expect(tries).toBe(3);

    const denied = mockActivities({
      deleteExpiredHistory: async () => {
        throw ApplicationFailure.nonRetryable('permission denied for table healing_attempts', 'PgError:42501');
      },
    });
    await expect(
      ts.withWorker(denied, (taskQueue) =>
        ts.env.client.workflow.execute(retention, {
          taskQueue,
          workflowId: `retention-denied/${DATABASE}`,
          args: [{ database: DATABASE }],
        }),
      ),
    ).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(denied.activities.deleteExpiredHistory).toHaveBeenCalledTimes(1);
  });
});
