import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HealingConfigInput } from '../../src/domain/healing-config';
import { formatDrillTable, type DrillMeasurement } from '../../src/drills/drill-table';
import type { DrillRun } from '../../src/drills/held-fault';
import { getCollection, type Collection } from '../../src/postgres/collections';
import type { Pool } from '../../src/postgres/pool';
import { testCollection } from './collections';
import { guard } from './guarding';
import type { TestWorker } from './test-system';
import { waitFor } from './test-system';

export const DRILL_CHECK_INTERVAL = 2;
/**
 * One sample's own duration and timer lateness on 2 busy cores: the sample that sees the fault ends this long after it
 * began.
 */
const SAMPLE_SLACK_MS = 1500;
const DRILL_DIR = join('.data', 'drills');

export interface DrillExpectation {
  class: string;
  strategy: string;
}

export interface DrillOptions {
  /** The fault counts only this long after the injection returns (a lock wait, a statement's run time). */
  detectableAfterMs?: number;
  /** A collection of another shape than the plain demo table; returns its name. */
  makeCollection?: (pool: Pool, config: HealingConfigInput) => Promise<string>;
  /**
   * Start the guardian only once the fault is in place, for an injection that compresses hours into
   * seconds and keeps moving the fault while it runs; detection is then measured from the start.
   */
  watchAfterInject?: boolean;
}

/** The attempt a drill's guardian started, as the store recorded it. */
export interface DrillAttemptRow {
  id: number;
  status: string;
  problem_class: string | null;
  strategy_name: string | null;
  reason: string | null;
  detected_at: Date;
  started_at: Date;
  completed_at: Date;
  verified: boolean | null;
  initial_lambda: number | null;
  final_lambda: number | null;
  sample_cost_ms: number | null;
}

/**
 * Injects a fault into a fresh collection watched by its guardian and waits for the guardian to heal
 * it on its own; returns what was measured and records it for the drill table.
 */
export async function runGuardianDrill(
  sys: { db: { pool: Pool }; w: TestWorker },
  expected: DrillExpectation,
  config: HealingConfigInput,
  inject: (c: Collection) => Promise<DrillRun>,
  opts: DrillOptions = {},
): Promise<{ measurement: DrillMeasurement; attempt: DrillAttemptRow }> {
  const full: HealingConfigInput = {
    check_interval: DRILL_CHECK_INTERVAL,
    stabilization_wait: 1,
    min_healing_interval: 0,
    ...config,
  };
  const name = opts.makeCollection
    ? await opts.makeCollection(sys.db.pool, full)
    : await testCollection(sys.db.pool, full);
  const c = await getCollection(sys.db.pool, name);
  // The database's guardian guards every watched collection: this one from its next pass (now).
  await guard(sys, opts.watchAfterInject ? [] : [name]);
  const run = await inject(c);
  const detectableAt = Date.now() + (opts.detectableAfterMs ?? 0);
  if (opts.watchAfterInject) await guard(sys, [name]);
  try {
    const attempt = await waitFor(
      `the guardian to heal the ${expected.class} drill`,
      async () => {
        const { rows } = await sys.db.pool.query<DrillAttemptRow>(
          `SELECT a.id, a.status, a.problem_class, a.strategy_name, a.reason, a.detected_at, a.started_at,
             a.completed_at, o.verified, o.initial_lambda, o.final_lambda,
                  (o.system_metrics->>'sample_cost_ms')::float8 AS sample_cost_ms
             FROM ruvector.healing_attempts a JOIN ruvector.collections c ON c.id = a.collection_id
             LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
            WHERE c.name = $1 AND a.status <> 'running' ORDER BY a.id LIMIT 1`,
          [name],
        );
        return rows[0];
      },
      90_000,
      100,
    );
    const m: DrillMeasurement = {
      problem_class: expected.class,
      classified_as: attempt.problem_class,
      strategy: attempt.strategy_name,
      verified: attempt.verified === true,
      // 0 when the guardian caught the fault while the drill was still injecting it.
      detect_s: Math.max(0, (attempt.detected_at.getTime() - detectableAt) / 1000),
      start_s: (attempt.started_at.getTime() - attempt.detected_at.getTime()) / 1000,
      recover_s: Math.max(0, (attempt.completed_at.getTime() - detectableAt) / 1000),
      initial_lambda: attempt.initial_lambda,
      final_lambda: attempt.final_lambda,
      check_interval_s: DRILL_CHECK_INTERVAL,
      sample_cost_ms: attempt.sample_cost_ms,
    };
    recordDrill(m);
    expect({
      status: attempt.status,
      class: attempt.problem_class,
      strategy: attempt.strategy_name,
      verified: attempt.verified,
      reason: attempt.reason,
    }).toEqual({
      status: 'Completed',
      class: expected.class,
      strategy: expected.strategy,
      verified: true,
      reason: 'verified',
    });
    // Within one check interval (plus the sample's own time), and the attempt followed that sample.
    expect(m.detect_s * 1000).toBeLessThanOrEqual(DRILL_CHECK_INTERVAL * 1000 + SAMPLE_SLACK_MS);
    expect(m.start_s).toBeGreaterThanOrEqual(0);
    expect(attempt.final_lambda).toBeGreaterThan(attempt.initial_lambda ?? Number.POSITIVE_INFINITY);
    // A held fault's sessions end by themselves once healed.
    if (run.held) await run.held.cleared;
    return { measurement: m, attempt };
  } finally {
    await run.held?.release();
    // Server-wide faults (slots, connections) of later tests are not this collection's to heal.
    await guard(sys, []).catch(() => undefined);
  }
}

/** Each measurement in its own file; the table is rebuilt from all of this run's files. */
function recordDrill(m: DrillMeasurement): void {
  mkdirSync(DRILL_DIR, { recursive: true });
  writeFileSync(join(DRILL_DIR, `${m.problem_class}.json`), JSON.stringify(m));
  const all = readdirSync(DRILL_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(DRILL_DIR, f), 'utf8')) as DrillMeasurement);
  writeFileSync(join('.data', 'drill-table.md'), `${formatDrillTable(all)}\n`);
}
