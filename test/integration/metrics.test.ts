import { createServer, type AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseGuardianWorkflowId, healingAttemptWorkflowId } from '../../src/domain/workflow-ids';
import { ensurePromtool } from '../../src/infra/ensure-promtool';
import { EXPORTED_SERIES, METRICS } from '../../src/metrics/metric-definitions';
import { approveUpdate, attemptStatusQuery } from '../../workflows/attempt-messages';
import type { healingAttempt } from '../../workflows/healing-attempt';
import { bloat, testCollection } from '../support/collections';
import { parseExposition, samplesOf, valueOf, type ExposedSample } from '../support/exposition';
import { startProductionWorker, type ProductionWorkerChild } from '../support/production-worker-child';
import { createTestDatabase, testClient, uniqueName, waitFor, type TestDatabase } from '../support/test-system';

/** The first build of promtool compiles Prometheus' dependencies: about 17 minutes on 2 busy cores. */
const PROMTOOL_BUILD_MS = 40 * 60_000;

async function scrape(w: ProductionWorkerChild): Promise<{ text: string; samples: ExposedSample[] }> {
  const res = await fetch(`${w.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

describe('GET /metrics on the production worker', () => {
  let db: TestDatabase;
  let promtool: string;
  let collection: string;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const workers: ProductionWorkerChild[] = [];
  const taskQueue = uniqueName('tq');
  const start = async () => {
    const w = await startProductionWorker({ DATABASE_URL: db.appUrl, SELFHEAL_TASK_QUEUE: taskQueue });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    promtool = await ensurePromtool();
    db = await createTestDatabase('metrics');
    temporal = await testClient();
    // The guardian samples every 2 s, and compact_indexes waits for a person's approval.
    collection = await testCollection(db.pool, {
      require_approval_strategies: ['compact_indexes'],
      stabilization_wait: 2,
      check_interval: 2,
    });
  }, PROMTOOL_BUILD_MS);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await temporal?.client.workflow
      .getHandle(databaseGuardianWorkflowId(db.key))
      .terminate('test over')
      .catch(() => undefined);
    await temporal?.close();
    await db?.drop();
  });

  /**
   * Attempts that ended and those that healed, per strategy, as the store has them: the exporting
   * worker began with an empty store, so its counters must say exactly this.
   */
  async function storeCounts(): Promise<Map<string, { ended: number; healed: number }>> {
    const { rows } = await db.pool.query<{ strategy: string; ended: number; healed: number }>(
      `SELECT CASE WHEN a.outcome_id IS NULL THEN 'none' ELSE a.strategy_name END AS strategy,
              count(*) FILTER (WHERE a.status NOT IN ('running', 'DryRun', 'RolledBack'))::int AS ended,
              count(*) FILTER (WHERE a.status = 'Completed' AND o.success AND o.verified)::int AS healed
         FROM ruvector.healing_attempts a LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
        GROUP BY 1`,
    );
    return new Map(rows.map((r) => [r.strategy, r]));
  }

  /** `promtool check metrics`: the exposition parses and passes Prometheus' own lint. */
  function checkWithPromtool(text: string): void {
    const file = join(tmpdir(), `${uniqueName('scrape')}.prom`);
    writeFileSync(file, text);
    const r = spawnSync('sh', ['-c', `"$0" check metrics < "$1"`, promtool, file], { encoding: 'utf8' });
    rmSync(file, { force: true });
    expect({ status: r.status, out: `${r.stdout}${r.stderr}` }).toEqual({ status: 0, out: '' });
  }

  it('exports every metric with its labels after a real attempt, once, and another worker takes over when it dies', async () => {
    const a = await start();
    const L = { collection };

    // Before any fault: the guardian's first passes, healthy.
    const first = await waitFor('the guardian to have sampled the collection', async () => {
      const s = (await scrape(a)).samples;
      return samplesOf(s, 'ruvector_integrity_state', L).length ? s : undefined;
    });
    expect(valueOf(first, 'selfheal_metrics_exporter')).toBe(1);
    expect(valueOf(first, 'selfheal_guardian_running')).toBe(1);
    expect(valueOf(first, 'ruvector_integrity_state', L)).toBe(0);
    expect(valueOf(first, 'ruvector_integrity_lambda', L)).toBeGreaterThan(0);
    expect(valueOf(first, 'ruvector_integrity_baseline_lambda', L)).toBeGreaterThan(0);
    expect(valueOf(first, 'ruvector_healing_enabled', L)).toBe(1);
    expect(valueOf(first, 'ruvector_healing_active', L)).toBe(0);
    expect(valueOf(first, 'ruvector_healing_cooldown', L)).toBe(0);
    expect(valueOf(first, 'ruvector_integrity_check_interval_seconds', L)).toBe(2);
    expect(Date.now() / 1000 - valueOf(first, 'ruvector_integrity_last_sample_timestamp_seconds', L)).toBeLessThan(60);
    expect(valueOf(first, 'ruvector_healing_attempts_total', { collection, strategy: 'none' })).toBe(
      (await storeCounts()).get('none')?.ended ?? 0,
    );
    for (const reason of ['approval', 'healing_stopped', 'deferred'])
      expect(valueOf(first, 'ruvector_healing_waiting_for_person', { collection, reason })).toBe(0);
    expect(valueOf(first, 'selfheal_sensor_round_seconds')).toBeGreaterThan(0);
    expect(valueOf(first, 'selfheal_sensor_round_statements')).toBeGreaterThan(0);
    // No attempt yet: no rate, no mean, rather than a made-up 0.
    expect(samplesOf(first, 'ruvector_healing_success_rate', L)).toEqual([]);
    expect(samplesOf(first, 'ruvector_healing_time_to_recovery_seconds', L)).toEqual([]);
    expect(samplesOf(first, 'process_cpu_seconds_total').length).toBe(1);

    // A second worker on the same database and task queue: it exports its process, not the system.
    const b = await start();
    const other = (await scrape(b)).samples;
    expect(valueOf(other, 'selfheal_metrics_exporter')).toBe(0);
    expect(other.filter((s) => s.name.startsWith('ruvector_'))).toEqual([]);
    expect(samplesOf(other, 'process_resident_memory_bytes').length).toBe(1);

    // A real fault: the guardian sees it and starts an attempt that waits for approval.
    await bloat(db.pool, collection);
    const waiting = await waitFor(
      'the attempt to wait for approval, as scraped',
      async () => {
        const got = await scrape(a);
        return valueOf(got.samples, 'ruvector_healing_waiting_for_person', { collection, reason: 'approval' }) === 1
          ? got
          : undefined;
      },
      120_000,
      500,
    );
    expect(valueOf(waiting.samples, 'ruvector_healing_active', L)).toBe(1);
    expect(valueOf(waiting.samples, 'ruvector_integrity_state', L)).toBeGreaterThan(0);
    const C = { collection, strategy: 'compact_indexes' };
    // compact_indexes' estimate (120 s), the stabilization wait (2 s), a minute of sensing and recording.
    expect(valueOf(waiting.samples, 'ruvector_healing_attempt_expected_seconds', C)).toBe(182);
    expect(valueOf(waiting.samples, 'ruvector_healing_attempt_running_seconds', C)).toBeLessThan(60);
    checkWithPromtool(waiting.text);

    const handle = temporal.client.workflow.getHandle<typeof healingAttempt>(healingAttemptWorkflowId(collection));
    const actionId = (await handle.query(attemptStatusQuery)).attempt_id!;
    await handle.executeUpdate(approveUpdate, { args: [{ action_id: actionId, by: 'metrics-test' }] });
    expect(await handle.result()).toMatchObject({ kind: 'Completed', strategy: 'compact_indexes', verified: true });

    // What the store recorded, to compare the metrics with.
    const { rows } = await db.pool.query(
      `SELECT o.duration_ms::float8 / 1000 AS seconds, o.improvement_pct::float8 AS improvement,
              extract(epoch FROM o.completed_at - coalesce(a.detected_at, a.started_at))::float8 AS recovery
         FROM ruvector.healing_attempts a JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id WHERE a.id = $1`,
      [actionId],
    );
    const stored = rows[0] as { seconds: number; improvement: number; recovery: number };

    const healed = await waitFor(
      'the ended attempt to be counted, and the guardian to see it healthy again',
      async () => {
        const s = await scrape(a);
        return samplesOf(s.samples, 'ruvector_healing_attempts_total', C)[0]?.value === 1 &&
          valueOf(s.samples, 'ruvector_integrity_state', L) === 0
          ? s
          : undefined;
      },
    );
    const after = healed.samples;
    // Each ended attempt once, by its strategy (the guardian may have deferred some while the drill ran).
    const counts = await storeCounts();
    expect(counts.get('compact_indexes')).toEqual({ strategy: 'compact_indexes', ended: 1, healed: 1 });
    for (const s of samplesOf(after, 'ruvector_healing_attempts_total', L))
      expect([s.labels.strategy, s.value]).toEqual([s.labels.strategy, counts.get(s.labels.strategy!)?.ended ?? 0]);
    for (const s of samplesOf(after, 'ruvector_healing_success_total', L))
      expect([s.labels.strategy, s.value]).toEqual([s.labels.strategy, counts.get(s.labels.strategy!)?.healed ?? 0]);
    expect(valueOf(after, 'ruvector_healing_success_total', C)).toBe(1);
    expect(valueOf(after, 'ruvector_healing_duration_seconds_count', C)).toBe(1);
    expect(valueOf(after, 'ruvector_healing_duration_seconds_sum', C)).toBeCloseTo(stored.seconds, 3);
    for (const quantile of ['0.5', '0.9', '0.99'])
      expect(valueOf(after, 'ruvector_healing_duration_seconds', { ...C, quantile })).toBeCloseTo(stored.seconds, 3);
    expect(valueOf(after, 'ruvector_healing_success_rate', L)).toBe(1);
    expect(valueOf(after, 'ruvector_healing_avg_improvement', L)).toBeCloseTo(stored.improvement, 5);
    expect(stored.improvement).toBeGreaterThan(0);
    expect(valueOf(after, 'ruvector_healing_time_to_recovery_seconds', L)).toBeCloseTo(stored.recovery, 3);
    expect(valueOf(after, 'ruvector_healing_active', L)).toBe(0);
    // min_healing_interval (300 s) holds after an attempt that acted.
    expect(valueOf(after, 'ruvector_healing_cooldown', L)).toBe(1);
    expect(valueOf(after, 'ruvector_healing_waiting_for_person', { collection, reason: 'approval' })).toBe(0);
    expect(samplesOf(after, 'ruvector_healing_attempt_running_seconds')).toEqual([]);

    // Every metric of the list is served, with exactly its labels (those of a running attempt were, above).
    const whileRunning = new Set([METRICS.attemptRunning.name, METRICS.attemptExpected.name]);
    for (const d of Object.values(METRICS)) {
      const got = samplesOf(whileRunning.has(d.name) ? waiting.samples : after, d.name);
      expect([d.name, got.length > 0]).toEqual([d.name, true]);
      const want = d.type === 'summary' ? [...d.labels, 'quantile'] : [...d.labels];
      for (const s of got) expect([d.name, Object.keys(s.labels).sort()]).toEqual([d.name, want.sort()]);
    }
    const served = new Set([...waiting.samples, ...after].map((s) => s.name));
    for (const name of EXPORTED_SERIES) expect([name, served.has(name)]).toEqual([name, true]);
    checkWithPromtool(healed.text);
    checkWithPromtool((await scrape(b)).text);

    // The exporting worker dies; its session goes with it, and the other one's next scrape takes over.
    await a.kill();
    const taken = await waitFor('the other worker to export the system', async () => {
      const s = (await scrape(b)).samples;
      return valueOf(s, 'selfheal_metrics_exporter') === 1 && samplesOf(s, 'ruvector_integrity_state', L).length
        ? s
        : undefined;
    });
    // It counts from when it began: the attempt ended before, so its pair starts at 0 (never a double count).
    expect(valueOf(taken, 'ruvector_healing_attempts_total', C)).toBe(0);
    expect(valueOf(taken, 'ruvector_healing_success_total', C)).toBe(0);
    expect(valueOf(taken, 'ruvector_healing_duration_seconds_count', C)).toBe(0);
    // The store's figures are the same whoever reads them.
    expect(valueOf(taken, 'ruvector_healing_success_rate', L)).toBe(1);
    expect(valueOf(taken, 'ruvector_healing_duration_seconds', { ...C, quantile: '0.5' })).toBeCloseTo(
      stored.seconds,
      3,
    );
    checkWithPromtool((await scrape(b)).text);
  }, 600_000);

  it('a worker whose HTTP port is taken says so and exits, without starting', async () => {
    const taken = createServer();
    await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
    const port = (taken.address() as AddressInfo).port;
    try {
      await expect(
        startProductionWorker({
          DATABASE_URL: db.appUrl,
          SELFHEAL_TASK_QUEUE: taskQueue,
          SELFHEAL_HTTP_PORT: String(port),
        }),
      ).rejects.toThrow(
        new RegExp(
          `exited with 1 before it was ready: [^]*cannot listen on 127\\.0\\.0\\.1:${port} [^]*` +
            'set SELFHEAL_HTTP_PORT to a free port',
        ),
      );
    } finally {
      await new Promise((ok) => taken.close(ok));
    }
  });
});
