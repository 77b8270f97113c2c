import { WorkflowFailedError } from '@temporalio/client';
import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { attemptStatusQuery } from '../../workflows/attempt-messages';
import { reloptionsOf, tableUnderSlowAutovacuum } from '../support/collections';
import { scheduledActivities } from '../support/history-events';
import { useWorkerSystem } from '../support/test-harness';
import { waitFor } from '../support/test-system';

/**
 * An attempt that cannot finish normally still leaves nothing changed without its compensation
 * and still records how it ended: a step that keeps failing, and a cancellation through Temporal.
 */
describe('an attempt that does not reach its verdict', () => {
  /**
   * Collections whose table cannot be reached for now: every try of the strategy's own check and of its compensation
   * fails.
   */
  const unreachable = new Set<string>();
  const fail = (collection: string) => {
    throw new Error(`relation public.${collection} cannot be reached`);
  };
  const sys = useWorkerSystem('unfinished', {
    activityOverrides: (real) => ({
      async verifyStrategy(raw) {
        if (unreachable.has(raw.collection)) fail(raw.collection);
        return real.verifyStrategy(raw);
      },
      async compensateStrategy(raw) {
        if (unreachable.has(raw.collection)) fail(raw.collection);
        return real.compensateStrategy(raw);
      },
    }),
  });

  async function attemptRow(workflowId: string) {
    const { rows } = await sys.db.pool.query(
      `SELECT a.status, a.reason, a.compensation, o.success, o.verified, o.error_message
         FROM ruvector.healing_attempts a LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
        WHERE a.workflow_id = $1 ORDER BY a.id DESC LIMIT 1`,
      [workflowId],
    );
    return rows[0];
  }

  /** pause_maintenance on a table under a slow autovacuum, executed and waiting out its stabilize timer. */
  async function pausedAndStabilizing(stabilizationWait: number) {
    const t = await tableUnderSlowAutovacuum(sys.db.pool);
    const handle = await startHealingAttempt(sys.w.client, {
      collection: t.collection,
      taskQueue: sys.w.taskQueue,
      trigger: 'test',
      config: { maintenance_long_running_seconds: 1, stabilization_wait: stabilizationWait },
    });
    await waitFor(
      'the stabilize phase',
      async () => (await handle.query(attemptStatusQuery)).phase === 'stabilize',
      30_000,
    );
    expect(await reloptionsOf(sys.db.pool, t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);
    return { t, handle };
  }

  it('verification that keeps failing after execute: the change is compensated, the attempt is recorded Failed, and the workflow fails', async () => {
    const { t, handle } = await pausedAndStabilizing(2);

    // The table cannot be reached: verification fails retry after retry.
    unreachable.add(t.collection);
    await waitFor(
      'the compensation to start',
      async () => (await handle.query(attemptStatusQuery)).phase === 'compensate',
      60_000,
      200,
    );
    // The compensation waits (it is retried until done) and the change still stands meanwhile.
    expect(await reloptionsOf(sys.db.pool, t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);
    unreachable.delete(t.collection);

    const err = await handle.result().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(await reloptionsOf(sys.db.pool, t.oid)).toEqual(t.reloptions);
    const row = await attemptRow(handle.workflowId);
    expect(row).toMatchObject({
      status: 'Failed',
      success: true,
      verified: false,
      compensation: { ran: true, compensated: true, errors: [] },
    });
    expect(row.reason).toMatch(/^failed during verify: .*cannot be reached/);
    expect(row.error_message).toBe(row.reason);
    expect((await scheduledActivities(handle)).compensateStrategy).toBeGreaterThanOrEqual(1);
  });

  it('cancelled through Temporal during stabilize: compensated and recorded as Aborted, like `selfheal abort`', async () => {
    const { t, handle } = await pausedAndStabilizing(30);
    await handle.cancel();
    expect(await handle.result()).toMatchObject({
      kind: 'Aborted',
      strategy: 'pause_maintenance',
      compensated: true,
      reason: 'aborted by a Temporal cancellation request during stabilize',
    });
    expect(await reloptionsOf(sys.db.pool, t.oid)).toEqual(t.reloptions);
    expect(await attemptRow(handle.workflowId)).toMatchObject({ status: 'Aborted', success: true, verified: false });
  });
});
