import { drillRunawayQuery } from '../../src/drills/runaway-query';
import { updateWeightsScheduleId } from '../../src/domain/workflow-ids';
import { getCollection, type Collection } from '../../src/postgres/collections';
import { readRunawayQueries } from '../../src/probes/runaway-queries';
import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { ensureSelfhealSchedules } from '../../src/temporal/selfheal-schedules';
import { testCollection } from '../support/collections';
import { useCliSystem } from '../support/test-harness';
import { waitFor } from '../support/test-system';

interface AttemptRow {
  id: number;
  strategy_name: string | null;
  verified: boolean | null;
  improvement: number | null;
  selection: { rule: string; strategy: string; why: string; estimates: { strategy: string; mean: number }[] } | null;
}

/**
 * A class with two strategies of different real effectiveness on the same fault, a statement that
 * does not end: cancel_runaway_query ends it (λ rises), set_role_timeouts only reaches new sessions
 * (its setting is in place, so verified, but λ stays where it was). What the update-weights
 * Schedule learns from their real outcomes decides the next choice, and a person's feedback moves it.
 */
describe('learned selection on the real servers', () => {
  const sys = useCliSystem('learning');
  let c: Collection;

  beforeAll(async () => {
    const name = await testCollection(sys.db.pool, {
      runaway_query_seconds: 2,
      stabilization_wait: 1,
      min_healing_interval: 0,
    });
    c = await getCollection(sys.db.pool, name);
    await ensureSelfhealSchedules(sys.w.client, sys.db.key, sys.w.taskQueue);
  });
  afterAll(async () => {
    await sys.w.client.schedule
      .getHandle(updateWeightsScheduleId(sys.db.key))
      .delete()
      .catch(() => undefined);
  });

  /** One runaway statement, one attempt at it (the strategy named, or the learned choice), then it is ended. */
  async function attemptAtRunaway(strategy?: string): Promise<AttemptRow> {
    const run = await drillRunawayQuery(sys.db.pool, sys.db.url, c);
    try {
      await waitFor('the statement to count as runaway', async () =>
        (await readRunawayQueries(sys.db.pool, c.table_oid!, 2)).length > 0 ? true : null,
      );
      const h = await startHealingAttempt(sys.w.client, {
        collection: c.name,
        taskQueue: sys.w.taskQueue,
        trigger: strategy ? 'manual execution (test)' : 'test',
        ...(strategy ? { strategy } : {}),
      });
      const outcome = await h.result();
      expect(outcome.kind).toBe('Completed');
      const { rows } = await sys.db.pool.query<AttemptRow>(
        `SELECT a.id::int, a.strategy_name, o.verified, o.improvement_pct::float8 AS improvement, a.selection
           FROM ruvector.healing_attempts a LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
          WHERE a.id = $1`,
        [outcome.attempt_id],
      );
      const row = rows[0]!;
      // The role's statement timeout would stop the next drill's statement: a person undoes it, for real.
      if (row.strategy_name === 'set_role_timeouts' && row.verified) {
        const r = await sys.cli('rollback', c.name);
        expect(r.err).toBe('');
        expect(r.code).toBe(0);
      }
      return row;
    } finally {
      await run.held?.release();
    }
  }

  async function updateNow(): Promise<void> {
    const r = await sys.cli('weights', '--update-now', '--class', 'RunawayQuery');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  }

  const weightOf = async (strategy: string): Promise<number | undefined> =>
    (
      await sys.db.pool.query<{ weight: number }>(
        `SELECT weight::float8 AS weight FROM ruvector.strategy_weights
          WHERE problem_class = 'RunawayQuery' AND strategy_name = $1`,
        [strategy],
      )
    ).rows[0]?.weight;

  it('chooses the strategy that healed, and moves away from it when a person says it was wrong', async () => {
    // People tried both by hand, twice each: only one of them ends the statement.
    for (const s of ['set_role_timeouts', 'cancel_runaway_query', 'set_role_timeouts', 'cancel_runaway_query']) {
      const a = await attemptAtRunaway(s);
      expect(a.strategy_name).toBe(s);
      expect(a.verified).toBe(true);
      // Only ending the statement heals: λ rises by half at least, or stays within noise.
      if (s === 'cancel_runaway_query') expect(a.improvement).toBeGreaterThanOrEqual(0.5);
      else expect(Math.abs(a.improvement!)).toBeLessThan(0.1);
    }
    await updateNow();
    expect(await weightOf('cancel_runaway_query')).toBeGreaterThanOrEqual(1.5);
    expect(await weightOf('set_role_timeouts')).toBeLessThan(1.1);

    const learned = await attemptAtRunaway();
    expect(learned.strategy_name).toBe('cancel_runaway_query');
    expect(learned.verified).toBe(true);
    expect(['seed', 'bandit']).toContain(learned.selection?.rule);
    const mean = (s: string): number => learned.selection!.estimates.find((e) => e.strategy === s)!.mean;
    expect(mean('cancel_runaway_query')).toBeGreaterThan(mean('set_role_timeouts'));

    // A person: cancelling these statements is not acceptable here, whatever it measured.
    const cancels = (
      await sys.db.pool.query<{ id: number }>(
        `SELECT id::int FROM ruvector.healing_attempts WHERE strategy_name = 'cancel_runaway_query' ORDER BY id`,
      )
    ).rows;
    expect(cancels).toHaveLength(3);
    for (const { id } of cancels) {
      const f = await sys.cli('feedback', String(id), '--score', '-1', '--comment', 'the reports must finish');
      expect(f.err).toBe('');
      expect(f.code).toBe(0);
    }
    await updateNow();
    expect(await weightOf('cancel_runaway_query')).toBeLessThan((await weightOf('set_role_timeouts'))!);

    const moved = await attemptAtRunaway();
    expect(moved.strategy_name).toBe('set_role_timeouts');
    expect(moved.selection?.why).toMatch(/set_role_timeouts/);
  });
});
