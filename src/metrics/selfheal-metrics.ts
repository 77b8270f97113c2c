import type { Client } from '@temporalio/client';
import { collectDefaultMetrics, Counter, Gauge, Registry, Summary } from 'prom-client';
import { databaseKey } from '../postgres/database-key';
import type { Pool } from '../postgres/pool';
import { databaseGuardianStatus } from '../temporal/guardian-client';
import { attemptStatusQuery, type AttemptStatus } from '../../workflows/attempt-messages';
import type { DatabaseGuardianStatus } from '../../workflows/database-guardian-messages';
import { AttemptCounters } from './attempt-counters';
import { ExporterLock } from './exporter-lock';
import { DURATION_QUANTILES, METRICS, type MetricDefinition, type MetricKey } from './metric-definitions';
import { readCollections } from './store-readings';
import { systemValues, type Sample, type SummarySample, type SystemValues } from './system-snapshot';

export interface SelfhealMetricsDeps {
  pool: Pool;
  /** The database's URL: the exporter lock holds a session of its own on it. */
  databaseUrl: string;
  /** A Temporal client for the guardian's and the attempts' status queries; it may reject (Temporal unreachable). */
  temporal: () => Promise<Client>;
  log: (line: string) => void;
  /** How long one reading of the store serves scrapes: Prometheus' and a person's curl at once cost one. */
  maxAgeMs?: number;
  lockKey?: number;
}

export interface SelfhealMetrics {
  registry: Registry;
  /** The exposition text of every metric, read on the spot (within maxAgeMs). */
  text(): Promise<string>;
  close(): Promise<void>;
}

interface Snapshot {
  exporter: boolean;
  values: SystemValues | null;
}

/** Well under a 15 s scrape interval: each scrape sees fresh figures, a burst of scrapes costs one reading. */
const DEFAULT_MAX_AGE_MS = 4_000;

/**
 * A query waits for a worker to answer it (after a crash, until Temporal moves it off the dead worker's
 * queue): the scrape answers without that figure rather than past Prometheus' scrape timeout.
 */
const QUERY_TIMEOUT_MS = 3_000;

async function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`${what}: no answer within ${QUERY_TIMEOUT_MS} ms`)), QUERY_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The store's metrics, read on scrape, by the worker holding the exporter lock; process metrics on every worker. */
export function createSelfhealMetrics(deps: SelfhealMetricsDeps): SelfhealMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which Prometheus' lint refuses; each is the sum of the same metric by type.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(name);
  const lock = new ExporterLock(deps.databaseUrl, deps.lockKey);
  const maxAge = deps.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  let counters = new AttemptCounters();
  let generation = -1;
  let key: string | null = null;
  let lastProblem = '';
  let cached: { at: number; snapshot: Promise<Snapshot>; done: boolean } | null = null;

  /** Says a failure once, and that it ended: a scrape every 15 s must not repeat the same line forever. */
  const problem = (what: string): void => {
    if (what !== lastProblem) deps.log(what ? `selfheal metrics: ${what}` : 'selfheal metrics: reading again');
    lastProblem = what;
  };

  async function guardianOf(): Promise<{ client: Client | null; status: DatabaseGuardianStatus | null }> {
    try {
      const client = await deps.temporal();
      key ??= await databaseKey(deps.pool);
      return { client, status: await within(databaseGuardianStatus(client, key), "the guardian's status") };
    } catch (err) {
      problem(`the guardian's status is not available (${(err as Error).message})`);
      return { client: null, status: null };
    }
  }

  async function read(): Promise<Snapshot> {
    if (!(await lock.holds())) return { exporter: false, values: null };
    // Taken anew: another worker may have exported meanwhile, so counting starts again from 0.
    if (lock.generation !== generation) {
      generation = lock.generation;
      counters = new AttemptCounters();
    }
    try {
      const collections = await readCollections(deps.pool);
      await counters.refresh(
        deps.pool,
        collections.map((c) => c.name),
      );
      const { client, status } = await guardianOf();
      const attempts = new Map<string, AttemptStatus>();
      if (client) {
        const active = new Map(status?.collections.map((g) => [g.collection, g.active]) ?? []);
        await Promise.all(
          collections.map(async (c) => {
            const run = status ? active.get(c.name) : c.running;
            if (!run) return;
            const answer = await within(
              client.workflow.getHandle(run.workflow_id, run.run_id).query(attemptStatusQuery),
              `${run.workflow_id}'s status`,
            ).catch(() => null);
            if (answer) attempts.set(c.name, answer);
          }),
        );
      }
      const values = systemValues({
        now_ms: Date.now(),
        collections,
        counts: counters.snapshot(),
        guardian: status,
        attempts,
      });
      if (client) problem('');
      return { exporter: true, values };
    } catch (err) {
      problem(`the store could not be read (${(err as Error).message}); its metrics are left out until it can`);
      return { exporter: true, values: null };
    }
  }

  const snapshot = (): Promise<Snapshot> => {
    const now = Date.now();
    // One reading at a time, however slow (a busy store, a guardian that does not answer): two would
    // refresh the counters at once, and both would count an attempt that just ended.
    if (cached && (!cached.done || now - cached.at < maxAge)) return cached.snapshot;
    const c = { at: now, snapshot: read(), done: false };
    const done = (): void => void (c.done = true);
    c.snapshot.then(done, done);
    cached = c;
    return c.snapshot;
  };
  const samplesOf = async (k: MetricKey): Promise<Sample[]> => (await snapshot()).values?.samples[k] ?? [];

  for (const [k, d] of Object.entries(METRICS) as [MetricKey, MetricDefinition][]) {
    const config = { name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry] };
    if (k === 'exporter') {
      new Gauge({
        ...config,
        async collect() {
          this.set((await snapshot()).exporter ? 1 : 0);
        },
      });
    } else if (d.type === 'gauge') {
      new Gauge({
        ...config,
        async collect() {
          const samples = await samplesOf(k);
          this.reset();
          for (const s of samples) this.set(s.labels, s.value);
        },
      });
    } else if (d.type === 'counter') {
      new Counter({
        ...config,
        async collect() {
          const samples = await samplesOf(k);
          this.reset();
          // Set from the tracker's totals, which only rise while this worker exports.
          for (const s of samples) this.inc(s.labels, s.value);
        },
      });
    } else {
      new StoreSummary(config, async () => (await snapshot()).values?.duration ?? []);
    }
  }

  return {
    registry,
    text: () => registry.metrics(),
    async close() {
      await cached?.snapshot.catch(() => undefined);
      await lock.close();
    },
  };
}

/**
 * A summary whose quantiles come from the store (the outcomes of the window, whichever worker
 * recorded them) and whose sum and count come from the counters: prom-client's own summary only
 * knows what this process observed.
 */
class StoreSummary extends Summary<string> {
  constructor(
    config: ConstructorParameters<typeof Summary<string>>[0],
    private readonly rows: () => Promise<SummarySample[]>,
  ) {
    super({ ...config, percentiles: [...DURATION_QUANTILES] });
  }

  override async get(): ReturnType<Summary<string>['get']> {
    const base = await super.get();
    const rows = await this.rows();
    return {
      ...base,
      values: rows.flatMap((r) => [
        ...DURATION_QUANTILES.map((q, i) => ({ labels: { ...r.labels, quantile: q }, value: r.quantiles[i]! })),
        { metricName: `${base.name}_sum`, labels: r.labels, value: r.sum },
        { metricName: `${base.name}_count`, labels: r.labels, value: r.count },
      ]),
    };
  }
}
