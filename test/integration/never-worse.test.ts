import { startHealingAttempt } from '../../src/temporal/start-attempt';
import type { IntegritySample } from '../../src/sensor/integrity-sample';
import { reloptionsOf, tableUnderSlowAutovacuum } from '../support/collections';
import { scheduledActivities } from '../support/history-events';
import { useWorkerSystem } from '../support/test-harness';

/**
 * "Never worse": an attempt whose strategy says it worked, but after which λ is lower than before,
 * is not verified and is compensated. The real activities run, on the real servers; only the
 * verification sample of the collections in `lowered` reports λ a tenth below the one before.
 */
describe('an attempt after which λ fell', () => {
  const lowered = new Set<string>();
  const sensed = new Map<string, number>();
  const sys = useWorkerSystem('neverworse', {
    activityOverrides: (real) => ({
      async sampleIntegrity(raw): Promise<IntegritySample> {
        const s = await real.sampleIntegrity(raw);
        if (!lowered.has(raw.collection)) return s;
        if (!raw.rates_after) {
          sensed.set(raw.collection, s.lambda);
          return s;
        }
        return { ...s, lambda: Math.min(s.lambda, 0.9 * sensed.get(raw.collection)!) };
      },
    }),
  });

  async function attemptRow(id: number) {
    const { rows } = await sys.db.pool.query(
      `SELECT a.status, a.reason, a.compensation, o.success, o.verified, o.initial_lambda::float8 AS initial_lambda,
              o.final_lambda::float8 AS final_lambda, o.system_metrics
         FROM ruvector.healing_attempts a JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id WHERE a.id = $1`,
      [id],
    );
    return rows[0];
  }

  it("is not verified although the strategy's own measure passed, and its change is compensated", async () => {
    const t = await tableUnderSlowAutovacuum(sys.db.pool);
    lowered.add(t.collection);
    const handle = await startHealingAttempt(sys.w.client, {
      collection: t.collection,
      taskQueue: sys.w.taskQueue,
      trigger: 'test',
      config: { maintenance_long_running_seconds: 1, stabilization_wait: 1 },
    });
    const outcome = await handle.result();
    expect(outcome).toMatchObject({
      kind: 'Completed',
      strategy: 'pause_maintenance',
      verified: false,
      compensated: true,
    });
    if (outcome.kind !== 'Completed') throw new Error('unreachable');
    expect(outcome.final_lambda!).toBeLessThan(outcome.initial_lambda);
    // The compensation put the table's reloptions back exactly.
    expect(await reloptionsOf(sys.db.pool, t.oid)).toEqual(t.reloptions);
    expect((await scheduledActivities(handle)).compensateStrategy).toBe(1);

    const row = await attemptRow(outcome.attempt_id);
    expect(row).toMatchObject({
      status: 'Completed',
      success: true,
      verified: false,
      compensation: { ran: true, compensated: true, errors: [] },
    });
    // The strategy's own measure passed: the fall of λ alone refused the verdict, and the record says so.
    expect(row.system_metrics.verification).toMatchObject({
      strategy_verified: true,
      lambda_fell: true,
      lambda_improved: false,
    });
    expect(row.reason).toMatch(
      /^not verified: λ fell from \d+\.\d{3} to \d+\.\d{3} \(contending maintenance jobs \d+ → 0\)$/,
    );
  });

  it('the same attempt with λ not lower is verified and its change stands (the control)', async () => {
    const t = await tableUnderSlowAutovacuum(sys.db.pool);
    const handle = await startHealingAttempt(sys.w.client, {
      collection: t.collection,
      taskQueue: sys.w.taskQueue,
      trigger: 'test',
      config: { maintenance_long_running_seconds: 1, stabilization_wait: 1 },
    });
    const outcome = await handle.result();
    expect(outcome).toMatchObject({
      kind: 'Completed',
      strategy: 'pause_maintenance',
      verified: true,
      compensated: false,
    });
    if (outcome.kind !== 'Completed') throw new Error('unreachable');
    expect(outcome.final_lambda!).toBeGreaterThanOrEqual(outcome.initial_lambda);
    expect(await reloptionsOf(sys.db.pool, t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);
  });
});
