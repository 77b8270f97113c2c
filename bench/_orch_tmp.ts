/**
 * What orchestrating a healing attempt costs: the real healingAttempt workflow, its activities
 * stand-ins that return at once (a no-op IndexFragmentation → compact_indexes attempt, no
 * stabilization wait, no approval), against a bare workflow that runs the same number of no-op
 * activities in sequence. A Temporal dev server of its own (twice: see SETUPS), one worker per
 * workflow on its own task queue, in this process; runs interleaved A/B/A/B after a warm-up. No
 * database.
 *
 *   npx tsx bench/orchestration.ts          (BENCH_RUNS=30 BENCH_WARMUP=5; TEMPORAL_ADDRESS: a server of yours)
 *
 * Per workflow it prints the median and p90 of the time from start to result as the client sees
 * it, the same span as the server recorded it, and from the history: time tasks waited in matching,
 * time workers held workflow and activity tasks; the process CPU per run; the event counts.
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Activities, PreparedAttempt } from '../activities';
import { parseHealingConfig } from '../src/domain/healing-config';
import type { HealingOutcome } from '../src/domain/healing-outcome';
import { startTemporalDevServer } from '../src/infra/temporal-dev-server';
import type { CollectionStats, IndexStats } from '../src/sensor/collection-stats';
import { integrityOf, type IntegritySample } from '../src/sensor/integrity-sample';
import { WORKFLOWS_PATH } from '../src/worker/workflow-bundle';
import { btree, collectionStats } from '../test/support/collection-stats';
import type { HealingAttemptInput } from '../workflows';
import type { BareActivities, Mimic } from './orchestration-workflows';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const ATTEMPT_QUEUE = 'bench-attempt';
const BARE_QUEUE = 'bench-bare';

/** The activities a completed no-op attempt calls; the names and signatures are the real ones'. */
type AttemptStandIns = Pick<
  Activities,
  | 'prepareAttempt'
  | 'sampleIntegrity'
  | 'loadLearnedSelection'
  | 'sandboxTest'
  | 'planStrategy'
  | 'executeStrategy'
  | 'verifyStrategy'
  | 'recordOutcome'
>;

/** One table, its btrees, nothing else wrong. */
const stats = (indexes: IndexStats[]): CollectionStats => collectionStats({ collection: 'bench', indexes });
const index = (oid: number, density: number): IndexStats => btree(oid, density);

function attemptStandIns(calls: Map<string, number>): AttemptStandIns {
  const config = parseHealingConfig({ stabilization_wait: 0 });
  // Computed once: the stand-ins return at once, so only orchestration (and payloads) is timed.
  const degraded: IntegritySample = integrityOf(stats([index(10, 90), index(11, 18), index(12, 40)]), config);
  const healed: IntegritySample = integrityOf(stats([index(10, 90), index(11, 90), index(12, 90)]), config);
  let attemptId = 0;
  const count = (name: keyof AttemptStandIns): void => void calls.set(name, (calls.get(name) ?? 0) + 1);
  return {
    async prepareAttempt(): Promise<PreparedAttempt> {
      count('prepareAttempt');
      return { attempt_id: ++attemptId, collection_id: 1, config, kind: 'table' };
    },
    async sampleIntegrity(input) {
      count('sampleIntegrity');
      // The verifying sample (rates counted after execute) sees the index compacted.
      return input.rates_after ? healed : degraded;
    },
    async loadLearnedSelection() {
      count('loadLearnedSelection');
      return { seed: [], model: null, computed_at: null, attempts_so_far: 1, table_bytes: 8192 };
    },
    async sandboxTest() {
      count('sandboxTest');
      return {
        passed: true,
        level: 'complete',
        checks: [{ name: 'bench', passed: true, detail: 'no-op' }],
        duration_ms: 0,
      };
    },
    async planStrategy(input) {
      count('planStrategy');
      return { strategy: input.strategy, params: {}, snapshot: null, before: { fragmentation_pct: 82 } };
    },
    async executeStrategy() {
      count('executeStrategy');
      return { success: true, actions_taken: 1, improvement: 0.8, metadata: {} };
    },
    async verifyStrategy() {
      count('verifyStrategy');
      return { verified: true, after: { fragmentation_pct: 10 }, detail: 'no-op' };
    },
    async recordOutcome() {
      count('recordOutcome');
      return { outcome_id: attemptId };
    },
  };
}

const bareActivities: BareActivities = {
  async noop() {},
  async echo(_input, resultBytes) {
    return 'x'.repeat(resultBytes);
  },
};

interface Run {
  wallMs: number;
  /** WorkflowExecutionStarted → Completed, by the server's clock. */
  serverMs: number;
  /** Σ WorkflowTaskStarted → Completed: the worker's workflow tasks, their gRPC round trip included. */
  taskMs: number;
  /** Σ ActivityTaskStarted → Completed: the same for the activity tasks. */
  activityMs: number;
  /** Σ Scheduled → Started of both kinds of task: waiting in the server's matching for a poller. */
  dispatchMs: number;
  /** CPU of this process (client and both workers) during the run. */
  cpuMs: number;
  events: Record<string, number>;
  historyBytes: number;
  /** Where its upserts fell and how large its payloads were: what the mimicking baselines copy. */
  shape: Required<Mimic>;
}

const EVENT_TYPE = temporal.api.enums.v1.EventType;

async function measure(start: () => Promise<WorkflowHandle>, check: (result: unknown) => void): Promise<Run> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const handle = await start();
  const result: unknown = await handle.result();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  check(result);
  const history = await handle.fetchHistory();
  const events: Record<string, number> = {};
  const at = (e: temporal.api.history.v1.IHistoryEvent): number => tsToMs(e.eventTime);
  // Started and Completed events name the Scheduled event they follow.
  const byId = new Map<string, number>();
  let taskMs = 0;
  let activityMs = 0;
  let dispatchMs = 0;
  const since = (id: unknown, e: temporal.api.history.v1.IHistoryEvent): number =>
    at(e) - (byId.get(String(id)) ?? at(e));
  const bytes = (p: temporal.api.common.v1.IPayloads | null | undefined): number =>
    (p?.payloads ?? []).reduce((a, x) => a + (x.data?.length ?? 0), 0);
  const shape: Required<Mimic> = { upserts: [0], payloads: [] };
  for (const e of history.events ?? []) {
    // Upserts are commands of the workflow task that schedules the next activity (or completes).
    if (e.upsertWorkflowSearchAttributesEventAttributes) shape.upserts[shape.upserts.length - 1]! += 1;
    if (e.activityTaskScheduledEventAttributes) {
      shape.upserts.push(0);
      // Less the quotes of the string echo takes.
      shape.payloads.push({ input: Math.max(0, bytes(e.activityTaskScheduledEventAttributes.input) - 2), result: 0 });
    }
    if (e.activityTaskCompletedEventAttributes)
      shape.payloads[shape.payloads.length - 1]!.result = Math.max(
        0,
        bytes(e.activityTaskCompletedEventAttributes.result) - 2,
      );
    const type = (EVENT_TYPE[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
    events[type] = (events[type] ?? 0) + 1;
    byId.set(String(e.eventId), at(e));
    if (e.workflowTaskStartedEventAttributes)
      dispatchMs += since(e.workflowTaskStartedEventAttributes.scheduledEventId, e);
    if (e.workflowTaskCompletedEventAttributes)
      taskMs += since(e.workflowTaskCompletedEventAttributes.startedEventId, e);
    if (e.activityTaskStartedEventAttributes)
      dispatchMs += since(e.activityTaskStartedEventAttributes.scheduledEventId, e);
    if (e.activityTaskCompletedEventAttributes)
      activityMs += since(e.activityTaskCompletedEventAttributes.startedEventId, e);
  }
  const all = history.events ?? [];
  return {
    wallMs,
    serverMs: at(all[all.length - 1]!) - at(all[0]!),
    taskMs,
    activityMs,
    dispatchMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    events,
    historyBytes: temporal.api.history.v1.History.encode(history).finish().length,
    shape,
  };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const quiet = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  log: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

interface Setup {
  name: string;
  dynamicConfig: Record<string, number>;
}

/**
 * The dev server reads its history transfer queue (which hands workflow and activity tasks to
 * matching) at most 20 times a second: every task waits for the next 50 ms tick, which hides up
 * to 50 ms of work per step. So both: as selfheal starts it, and with that limit lifted.
 */
const SETUPS: Setup[] = [
  {
    name: 'dev server, history.transferProcessorMaxPollRPS=10000',
    dynamicConfig: { 'history.transferProcessorMaxPollRPS': 10_000 },
  },
];

interface Measured {
  setup: string;
  perAttempt: number;
  attempt: Run[];
  bare: Run[];
  /** The bare workflow with the attempt's upserts, then with its payloads: one trait each. */
  upserts: Run[];
  payloads: Run[];
}

async function benchOn(
  address: string,
  setup: string,
  attemptCode: { code: string },
  bareCode: { code: string },
): Promise<Measured> {
  const native = await NativeConnection.connect({ address });
  const calls = new Map<string, number>();
  const attemptWorker = await Worker.create({
    connection: native,
    namespace: 'default',
    taskQueue: ATTEMPT_QUEUE,
    workflowBundle: attemptCode,
    activities: attemptStandIns(calls),
  });
  const bareWorker = await Worker.create({
    connection: native,
    namespace: 'default',
    taskQueue: BARE_QUEUE,
    workflowBundle: bareCode,
    activities: bareActivities,
  });
  const running = Promise.all([attemptWorker.run(), bareWorker.run()]);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  // Unique across setups too, for a TEMPORAL_ADDRESS server that keeps its histories.
  const prefix = `bench-${Date.now()}`;
  let seq = 0;
  const attemptInput: HealingAttemptInput = {
    collection: 'bench',
    trigger: 'bench',
    config: { stabilization_wait: 0 },
  };
  const runAttempt = (): Promise<Run> =>
    measure(
      () =>
        client.workflow.start('healingAttempt', {
          taskQueue: ATTEMPT_QUEUE,
          workflowId: `${prefix}-attempt-${++seq}`,
          args: [attemptInput],
        }),
      (r) => {
        const o = r as HealingOutcome;
        if (o.kind !== 'Completed' || !o.verified)
          throw new Error(`the no-op attempt did not heal: ${JSON.stringify(o).slice(0, 300)}`);
      },
    );
  try {
    // How many activities one attempt runs, counted by the stand-ins: the bare workflow runs as many.
    const first = await runAttempt();
    const perAttempt = [...calls.values()].reduce((a, b) => a + b, 0);
    const scheduled = first.events.ACTIVITY_TASK_SCHEDULED ?? 0;
    if (scheduled !== perAttempt)
      throw new Error(`stand-ins counted ${perAttempt} calls, the history ${scheduled} activities`);
    process.stderr.write(
      `bench: ${setup}: one attempt runs ${perAttempt} activities ` +
        `(${[...calls].map(([k, v]) => `${k}×${v}`).join(', ')})\n`,
    );
    const runBare = (mimic: Mimic): Promise<Run> =>
      measure(
        () =>
          client.workflow.start('bareSequence', {
            taskQueue: BARE_QUEUE,
            workflowId: `${prefix}-bare-${++seq}`,
            args: [perAttempt, mimic],
          }),
        (r) => {
          if (r !== perAttempt) throw new Error(`bare workflow returned ${String(r)}`);
        },
      );
    // Interleaved, so the load of the machine's other work falls on all alike.
    const m: Measured = { setup, perAttempt, attempt: [], bare: [], upserts: [], payloads: [] };
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const a = await runAttempt();
      const b = await runBare({});
      const u = await runBare({ upserts: first.shape.upserts });
      const p = await runBare({ payloads: first.shape.payloads });
      if (i >= WARMUP) {
        m.attempt.push(a);
        m.bare.push(b);
        m.upserts.push(u);
        m.payloads.push(p);
      }
    }
    return m;
  } finally {
    attemptWorker.shutdown();
    bareWorker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    await native.close();
  }
}

function report(m: Measured): void {
  const fmt = (x: number): string => x.toFixed(1);
  const med = (rs: Run[], f: (r: Run) => number): number => quantile(rs.map(f), 0.5);
  const row = (name: string, rs: Run[]): string => {
    const col = (f: (r: Run) => number): string => `${fmt(med(rs, f))} / ${fmt(quantile(rs.map(f), 0.9))}`;
    const total = Object.values(rs[0]!.events).reduce((a, b) => a + b, 0);
    return (
      `| ${name} | ${col((r) => r.wallMs)} | ${col((r) => r.serverMs)} | ${col((r) => r.dispatchMs)} | ` +
      `${col((r) => r.taskMs)} | ${col((r) => r.activityMs)} | ${col((r) => r.cpuMs)} | ` +
      `${rs[0]!.events.WORKFLOW_TASK_COMPLETED ?? 0} | ${total} | ${(rs[0]!.historyBytes / 1024).toFixed(1)} |`
    );
  };
  const ratio = (f: (r: Run) => number): string => `${(med(m.attempt, f) / med(m.bare, f)).toFixed(2)}×`;
  console.log(
    `\n${m.setup}: ${RUNS} runs each after ${WARMUP} warm-up, interleaved A/B; 2 shared cores; median / p90 in ms`,
  );
  console.log(
    '| workflow | start → result | server span | waiting in matching | workflow tasks | activity tasks | ' +
      'process CPU | workflow tasks # | events # | history KiB |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  console.log(row('healingAttempt (no-op strategy)', m.attempt));
  console.log(row(`bareSequence (${m.perAttempt} no-op activities)`, m.bare));
  console.log(
    row(`  + the attempt's ${m.upserts[0]!.events.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ?? 0} upserts`, m.upserts),
  );
  console.log(row(`  + the attempt's payload sizes`, m.payloads));
  console.log(
    `ratio attempt / bare of the medians: start → result ${ratio((r) => r.wallMs)} (goal ≤ 1.2×); ` +
      `server span ${ratio((r) => r.serverMs)}; ` +
      `workflow tasks ${ratio((r) => r.taskMs)}; process CPU ${ratio((r) => r.cpuMs)}`,
  );
  const extra = (rs: Run[]): string => `${fmt(med(rs, (r) => r.wallMs) - med(m.bare, (r) => r.wallMs))} ms`;
  console.log(
    `start → result above bare: attempt ${extra(m.attempt)}; its upserts alone ${extra(m.upserts)}; its payloads ` +
      `alone ${extra(m.payloads)}`,
  );
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(join(tmpdir(), 'selfheal-orchbench-'));
  const [attemptCode, bareCode] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet, ...(process.env.NOSM ? { webpackConfigHook: (c) => ({ ...c, devtool: false }) } : {}) }),
    bundleWorkflowCode({ workflowsPath: resolve(__dirname, "orchestration-workflows.ts"), logger: quiet, ...(process.env.NOSM ? { webpackConfigHook: (c) => ({ ...c, devtool: false }) } : {}) }),
  ]);
  const results: Measured[] = [];
  try {
    if (process.env.TEMPORAL_ADDRESS) {
      // As startStack does: a server of yours (it must know selfheal's search attributes).
      results.push(
        await benchOn(
          process.env.TEMPORAL_ADDRESS,
          `TEMPORAL_ADDRESS ${process.env.TEMPORAL_ADDRESS}`,
          attemptCode,
          bareCode,
        ),
      );
    } else {
      for (const s of SETUPS) {
        // The dev server alone (startStack would start PostgreSQL too): every activity is a stand-in.
        const server = await startTemporalDevServer({
          logFile: join(dir, `temporal-${results.length}.log`),
          log: () => undefined,
          dynamicConfig: s.dynamicConfig,
        });
        try {
          results.push(await benchOn(server.address, s.name, attemptCode, bareCode));
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const m of results) report(m);
  const last = results[results.length - 1]!;
  console.log('\nhistory events per workflow (the same in every run):');
  const types = [...new Set([...Object.keys(last.attempt[0]!.events), ...Object.keys(last.bare[0]!.events)])].sort();
  console.log('| event | healingAttempt | bareSequence |');
  console.log('|---|---:|---:|');
  for (const t of types) console.log(`| ${t} | ${last.attempt[0]!.events[t] ?? 0} | ${last.bare[0]!.events[t] ?? 0} |`);
  const sh = last.attempt[0]!.shape;
  console.log(
    `attempt's upserts per workflow task: ${sh.upserts.join(', ')}; payload bytes in/out per activity: ` +
      `${sh.payloads.map((p) => `${p.input}/${p.result}`).join(', ')}`,
  );
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
