import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHealingConfig, type HealingConfigInput } from '../../src/domain/healing-config';
import { drillBlockingChain } from '../../src/drills/blocking-chain';
import { formatDrillTable, type DrillMeasurement } from '../../src/drills/drill-table';
import type { DrillRun } from '../../src/drills/held-fault';
import { drillRunawayQuery } from '../../src/drills/runaway-query';
import { drillStaleStatistics } from '../../src/drills/stale-statistics';
import { drillWraparoundRisk } from '../../src/drills/wraparound-risk';
import { getCollection, type Collection } from '../../src/postgres/collections';
import { ensureGuardian } from '../../src/temporal/guardian-client';
import { testCollection } from '../support/collections';
import { useWorkerSystem } from '../support/test-harness';
import { waitFor } from '../support/test-system';

const CHECK_INTERVAL = 2;
/** Sampling, classifying and starting the attempt, on a busy 2-core machine. */
const START_SLACK_MS = 2500;

/**
 * One drill per class, healed by the guardian on its own: the fault is injected for real, the
 * guardian notices it within one check interval, classifies it, heals it through the whole
 * workflow, verifies by measuring again and records the outcome. The run writes the drill table.
 */
describe('drills: the guardian detects, classifies, heals and verifies every class', () => {
  const sys = useWorkerSystem('drills');
  const table: DrillMeasurement[] = [];

  afterAll(() => {
    if (table.length === 0) return;
    const text = formatDrillTable(table);
    mkdirSync('.data', { recursive: true });
    writeFileSync(join('.data', 'drill-table.md'), `${text}\n`);
    process.stdout.write(`\ndrill table (.data/drill-table.md)\n${text}\n`);
  });

  async function drill(
    expected: { class: string; strategy: string },
    config: HealingConfigInput,
    inject: (c: Collection) => Promise<DrillRun>,
    /** The fault counts only after this long (a lock wait, a statement's run time). */
    detectableAfterMs = 0,
  ): Promise<void> {
    const name = await testCollection(sys.db.pool, { check_interval: CHECK_INTERVAL, stabilization_wait: 1, min_healing_interval: 0, ...config });
    const c = await getCollection(sys.db.pool, name);
    await ensureGuardian(sys.w.client, name, sys.w.taskQueue);
    const run = await inject(c);
    const detectableAt = Date.now() + detectableAfterMs;
    try {
      const attempt = await waitFor(
        `the guardian to heal the ${expected.class} drill`,
        async () => {
          const { rows } = await sys.db.pool.query(
            `SELECT a.status, a.problem_class, a.strategy_name, a.reason, a.started_at, a.completed_at, o.verified, o.initial_lambda, o.final_lambda
               FROM ruvector.healing_attempts a JOIN ruvector.collections c ON c.id = a.collection_id
               LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
              WHERE c.name = $1 AND a.status <> 'running' ORDER BY a.id LIMIT 1`,
            [name],
          );
          return rows[0];
        },
        60_000,
        100,
      );
      const m: DrillMeasurement = {
        problem_class: expected.class,
        classified_as: attempt.problem_class,
        strategy: attempt.strategy_name,
        verified: attempt.verified === true,
        // 0 when the guardian caught the fault while the drill was still injecting it.
        detect_s: Math.max(0, (attempt.started_at.getTime() - detectableAt) / 1000),
        recover_s: (attempt.completed_at.getTime() - detectableAt) / 1000,
        initial_lambda: attempt.initial_lambda,
        final_lambda: attempt.final_lambda,
        check_interval_s: CHECK_INTERVAL,
      };
      table.push(m);
      expect({ status: attempt.status, class: attempt.problem_class, strategy: attempt.strategy_name, verified: attempt.verified, reason: attempt.reason }).toEqual({
        status: 'Completed', class: expected.class, strategy: expected.strategy, verified: true, reason: 'verified',
      });
      expect(m.detect_s * 1000).toBeLessThanOrEqual(CHECK_INTERVAL * 1000 + START_SLACK_MS);
      expect(attempt.final_lambda).toBeGreaterThan(attempt.initial_lambda);
      // A held fault's sessions end by themselves once healed.
      if (run.held) await run.held.cleared;
    } finally {
      await run.held?.release();
    }
  }

  it('BlockingChain: an idle-in-transaction root with two sessions queued behind it → terminate_blocking_root', async () => {
    await drill({ class: 'BlockingChain', strategy: 'terminate_blocking_root' }, { blocked_session_min_seconds: 1 }, (c) => drillBlockingChain(sys.db.pool, sys.db.url, c), 1000);
  });

  it('RunawayQuery: an endless statement on the table → cancel_runaway_query', async () => {
    await drill({ class: 'RunawayQuery', strategy: 'cancel_runaway_query' }, { runaway_query_seconds: 2 }, (c) => drillRunawayQuery(sys.db.pool, sys.db.url, c), 2000);
  });

  it('WraparoundRisk: transaction IDs consumed past the warning age → freeze_table', async () => {
    const config = { xid_age_warn: 100_000, xid_age_critical: 400_000 };
    await drill({ class: 'WraparoundRisk', strategy: 'freeze_table' }, config, (c) => drillWraparoundRisk(sys.db.pool, c, parseHealingConfig(config)));
  });

  it('StaleStatistics: autoanalyze off and 60 % of the rows changed → analyze_table', async () => {
    await drill({ class: 'StaleStatistics', strategy: 'analyze_table' }, {}, (c) => drillStaleStatistics(sys.db.pool, c));
  });
});
