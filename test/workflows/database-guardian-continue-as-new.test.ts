import { databaseGuardian } from '../../workflows/database-guardian';
import { collectionPauseUpdate, collectionStatusQuery } from '../../workflows/database-guardian-messages';
import { bloated, healthy } from '../support/attempt-fixtures';
import { degraded, guardedDatabase, normal } from '../support/guardian-fixtures';
import { mockActivities, queryWhen, useTimeSkipping } from '../support/time-skipping';

describe('database guardian: history bound', () => {
  const ts = useTimeSkipping();

  it('continues as new after 500 passes, carrying every collection: pauses, attempts, cooldowns', async () => {
    const db = guardedDatabase({
      gate: { check_interval: 1, min_healing_interval: 3600, ineffective_after: 100 },
      readings: { c1: degraded(), c2: normal },
      attempt: (c) => ({ samples: [bloated(c), healthy(c)], strategy: 'compact_indexes' }),
    });
    const m = mockActivities(db.mocks);
    await ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(databaseGuardian, {
        taskQueue,
        workflowId: 'guardian/can',
        args: [{ database: 'db' }],
      });
      await queryWhen(
        async () => db.attempts.length,
        (n) => n === 1,
        'the first attempt',
      );
      await handle.executeUpdate(collectionPauseUpdate, { args: [{ collection: 'c2', request: { by: 'bob' } }] });
      const firstRun = (await handle.describe()).runId;
      // A pass a second: 500 of them in a little over 8 minutes of workflow time.
      await ts.env.sleep(9 * 60_000);
      const now = await ts.env.client.workflow.getHandle(handle.workflowId).describe();
      expect(now.runId).not.toBe(firstRun);
      expect(now.status.name).toBe('RUNNING');
      expect(db.passes.length).toBeGreaterThan(500);
      // The new run knows what the old one knew: c2 paused, c1's attempt and its cooldown (no second attempt).
      const latest = ts.env.client.workflow.getHandle<typeof databaseGuardian>(handle.workflowId);
      expect(await latest.query(collectionStatusQuery, 'c2')).toMatchObject({ enabled: false, paused_by: 'bob' });
      expect(await latest.query(collectionStatusQuery, 'c1')).toMatchObject({
        last_healing: { outcome: 'Completed' },
        cooldown_until: expect.any(String),
      });
      expect(db.attempts).toHaveLength(1);
      expect(db.passes.at(-1)!.input).toMatchObject({ known: ['c1', 'c2'], paused: ['c2'] });
    });
  }, 60_000);
});
