import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { abortUpdate, attemptStatusQuery } from '../../workflows/attempt-messages';
import { bloat, reloptionsOf, tableUnderSlowAutovacuum, testCollection } from '../support/collections';
import { maybeRecordHistory } from '../support/histories';
import { scheduledActivities } from '../support/history-events';
import { useCliSystem } from '../support/test-harness';
import { openWriter, rebuildsRunning } from '../support/contention';
import { waitFor } from '../support/test-system';

describe('abort', () => {
  const sys = useCliSystem('abort');
  const db = () => sys.db;

  it('during execute: the running REINDEX stops within seconds, its leftovers are cleaned, the outcome says aborted', async () => {
    const collection = await testCollection(db().pool, { stabilization_wait: 0 });
    await bloat(db().pool, collection);
    // An open writer makes REINDEX CONCURRENTLY wait: the execute step runs as long as we like.
    const writer = await openWriter(db().url, collection);
    try {
      const handle = await startHealingAttempt(sys.w.client, {
        collection,
        taskQueue: sys.w.taskQueue,
        trigger: 'test',
      });
      await waitFor(
        'REINDEX to be running',
        async () =>
          (await handle.query(attemptStatusQuery)).phase === 'execute' && (await rebuildsRunning(db().pool)) === 1,
        30_000,
      );
      const actionId = (await handle.query(attemptStatusQuery)).attempt_id!;

      const t0 = Date.now();
      const r = await sys.cli('abort', String(actionId), '--comment', 'maintenance window over', '--by', 'dave');
      expect(r).toMatchObject({ code: 0, out: expect.stringMatching(/aborted by dave/) });
      await waitFor('the REINDEX backend to stop', async () => (await rebuildsRunning(db().pool)) === 0, 10_000, 50);
      const stoppedMs = Date.now() - t0;
      expect(stoppedMs).toBeLessThan(5000);
      console.log(`abort → REINDEX stopped in ${stoppedMs} ms`);

      // Aborting twice is refused.
      await expect(handle.executeUpdate(abortUpdate, { args: [{ action_id: actionId, by: 'eve' }] })).rejects.toThrow();
      // The cleanup waits for the writer like the rebuild did; let it go.
      await writer.release();
      const outcome = await handle.result();
      expect(outcome).toMatchObject({
        kind: 'Aborted',
        strategy: 'compact_indexes',
        reason: expect.stringMatching(/^aborted by dave: maintenance window over during execute/),
      });
      const { rows: ix } = await db().pool.query(
        `SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          WHERE i.indrelid = to_regclass($1)`,
        [`public.${collection}`],
      );
      expect(ix).toEqual([{ relname: `${collection}_pkey`, indisvalid: true }]);
      const { rows } = await db().pool.query(
        'SELECT a.status, a.reason, o.success, o.verified, o.error_message FROM ruvector.healing_attempts a ' +
          'JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id WHERE a.id = $1',
        [actionId],
      );
      expect(rows[0]).toMatchObject({ status: 'Aborted', success: false, verified: false });
      expect(rows[0].error_message).toMatch(/aborted by dave/);
      expect((await scheduledActivities(handle)).executeStrategy).toBe(1);
    } finally {
      await writer.release();
    }
  });

  it('during the stabilize timer: the compensation runs once and reloptions are back exactly', async () => {
    const t = await tableUnderSlowAutovacuum(db().pool, {
      maintenance_long_running_seconds: 1,
      stabilization_wait: 120,
    });
    const handle = await startHealingAttempt(sys.w.client, {
      collection: t.collection,
      taskQueue: sys.w.taskQueue,
      trigger: 'test',
    });
    await waitFor(
      'the stabilize phase',
      async () => (await handle.query(attemptStatusQuery)).phase === 'stabilize',
      30_000,
    );
    expect(await reloptionsOf(db().pool, t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);
    const actionId = (await handle.query(attemptStatusQuery)).attempt_id!;
    await handle.executeUpdate(abortUpdate, { args: [{ action_id: actionId, by: 'frank' }] });
    const outcome = await handle.result();
    expect(outcome).toMatchObject({
      kind: 'Aborted',
      strategy: 'pause_maintenance',
      compensated: true,
      reason: 'aborted by frank during stabilize',
    });
    expect(await reloptionsOf(db().pool, t.oid)).toEqual(t.reloptions);
    expect(await scheduledActivities(handle)).toMatchObject({ executeStrategy: 1, compensateStrategy: 1 });
    await maybeRecordHistory('pause-maintenance-aborted', handle);
  });
});
