import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { existsSync, readFileSync } from 'node:fs';
import type { Activities } from '../../activities';
import { noticeKey, type Notice } from '../../src/domain/notice';
import { ensureTemporalTestServer } from '../../src/infra/temporal-test-server';
import { SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';
import { WORKFLOWS_PATH } from '../../src/worker/workflow-bundle';

/**
 * Every activity a workflow may call, by name: a mock left out fails at once (non-retryable)
 * instead of being retried with backoff, and a renamed activity breaks the build here.
 */
const ACTIVITY_NAMES = [
  'guardDatabase',
  'prepareAttempt',
  'loadConfig',
  'sampleIntegrity',
  'syncWatchedTables',
  'loadStrategyWeights',
  'sandboxTest',
  'findSharedTarget',
  'planStrategy',
  'executeStrategy',
  'verifyStrategy',
  'compensateStrategy',
  'cleanupStrategy',
  'loadRollbackTarget',
  'loadHoldTarget',
  'recordRollback',
  'recordOutcome',
  'updateStrategyWeights',
  'loadLearnedSelection',
  'deleteExpiredHistory',
  'postNotification',
] as const satisfies readonly (keyof Activities)[];
type Unlisted = Exclude<keyof Activities, (typeof ACTIVITY_NAMES)[number]>;
const everyActivityListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyActivityListed;

export type ActivityName = keyof Activities;
export type MockActivities = {
  [K in ActivityName]?: (...args: Parameters<Activities[K]>) => Promise<Awaited<ReturnType<Activities[K]>>>;
};
/** One call, in the order the workflows made them across all activities. */
export interface ActivityCall {
  name: ActivityName;
  input: unknown;
}

/**
 * Mocks with the real activities' names and types, plus the log of every call in order. Each
 * given implementation is wrapped in jest.fn, so `mocks.x` can be asserted on directly.
 */
export interface Mocks {
  activities: Record<ActivityName, jest.Mock>;
  calls: ActivityCall[];
  /** The workflows' own steps, in order: notices to a person (their own workflows) are left out. */
  names(): ActivityName[];
  /** Every try of a notice to a person (postNotification), in order. */
  notices(): Notice[];
  inputsOf<K extends ActivityName>(name: K): Parameters<Activities[K]>[0][];
  /** Resolves once no mocked activity is running (see withWorker). */
  idle(): Promise<void>;
}

/**
 * Notices run beside every workflow that needs a person: accepted unless a test says otherwise,
 * so a test about something else need not mock them.
 */
const DEFAULTS: MockActivities = {
  postNotification: async (n) => ({ key: noticeKey(n), posted: ['webhook:test'], already: [], refused: [] }),
};

export function mockActivities(impls: MockActivities): Mocks {
  const calls: ActivityCall[] = [];
  const activities = {} as Record<ActivityName, jest.Mock>;
  let running = 0;
  for (const name of ACTIVITY_NAMES) {
    const impl = (impls[name] ?? DEFAULTS[name]) as ((input: unknown) => Promise<unknown>) | undefined;
    activities[name] = jest.fn(async (input: unknown) => {
      calls.push({ name, input });
      if (!impl)
        throw ApplicationFailure.nonRetryable(`activity ${name} was not expected in this test`, 'UnexpectedActivity');
      running++;
      try {
        return await impl(input);
      } finally {
        running--;
      }
    });
  }
  const idle = async (): Promise<void> => {
    const deadline = Date.now() + 5_000;
    // Twice in a row, a moment apart: a reply just handed over may schedule the next activity.
    for (let quiet = 0; quiet < 2 && Date.now() < deadline;) {
      quiet = running === 0 ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 30));
    }
  };
  return {
    activities,
    calls,
    idle,
    names: () => calls.filter((c) => c.name !== 'postNotification').map((c) => c.name),
    notices: () => calls.filter((c) => c.name === 'postNotification').map((c) => c.input as Notice),
    inputsOf: <K extends ActivityName>(name: K) =>
      calls.filter((c) => c.name === name).map((c) => c.input as Parameters<Activities[K]>[0]),
  };
}

let runtimeInstalled = false;
/**
 * Worker lifecycle lines at INFO drown test output. Core's warnings are errors only here: it warns
 * on every worker that the test server does not advertise a capability production servers have.
 */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
  } catch {
    // Installed already by this process: keep it.
  }
}

/**
 * The workflow code, bundled once per run: the shared test stack's bundle when jest's global
 * setup made one, else bundled here (a test file run outside `npm test`'s setup).
 */
let bundle: Promise<string> | undefined;
function workflowCode(): Promise<string> {
  const stackFile = process.env.SELFHEAL_TEST_STACK;
  if (stackFile && existsSync(stackFile)) {
    const { workflowBundle } = JSON.parse(readFileSync(stackFile, 'utf8')) as { workflowBundle: string };
    if (existsSync(workflowBundle)) return Promise.resolve(readFileSync(workflowBundle, 'utf8'));
  }
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }).then(
    (b) => b.code,
  );
  return bundle;
}

let queues = 0;

export interface TimeSkipping {
  readonly env: TestWorkflowEnvironment;
  /**
   * Runs `fn` with a worker on a task queue of its own, serving the workflows with these mock
   * activities. When fn settles, every workflow still running on that queue is terminated (once no
   * activity runs) and the worker stops: a leftover would hold an activity task no worker takes,
   * and an outstanding activity of a closed workflow keeps the test server from skipping time for
   * every later test of the file.
   */
  withWorker<T>(mocks: Mocks, fn: (taskQueue: string) => Promise<T>): Promise<T>;
  /** Replays a history against the workflow code, as a new worker would: no activity runs. */
  replay(history: temporal.api.history.v1.IHistory, workflowId: string): Promise<void>;
}

/**
 * One time-skipping test server per test file (jest's beforeAll/afterAll), shared by its tests
 * (or one per test: serverPerTest).
 * Not one per run: its clock is global, and it skips ahead whenever no test of any file is busy,
 * so tests of two files running at once would move each other's timers.
 */
export function useTimeSkipping(opts: { serverPerTest?: boolean } = {}): TimeSkipping {
  let env: TestWorkflowEnvironment | undefined;
  let code: string | undefined;
  // Timers cost nothing here: a test that needs longer than this is hung.
  jest.setTimeout(30_000);
  // A long-running workflow (the guardian) terminated at the end of its test can leave the shared
  // server's time skipping locked for the next test; such files pay one JVM start (~1 s) per test.
  const [setUp, tearDown] = opts.serverPerTest ? [beforeEach, afterEach] : [beforeAll, afterAll];
  setUp(async () => {
    quietRuntime();
    const path = ensureTemporalTestServer();
    [env, code] = await Promise.all([
      TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } }),
      workflowCode(),
    ]);
    // The workflows set these; the test server refuses search attributes it does not know.
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(
        Object.keys(SEARCH_ATTRIBUTES).map((k) => [
          k,
          temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        ]),
      ),
    });
  }, 120_000);
  tearDown(async () => {
    await env?.teardown();
    env = undefined;
  });
  return {
    get env() {
      if (!env) throw new Error('the time-skipping environment is not up (beforeAll failed)');
      return env;
    },
    async replay(history, workflowId) {
      await Worker.runReplayHistory({ workflowBundle: { code: await workflowCode() } }, history, workflowId);
    },
    async withWorker(mocks, fn) {
      if (!env || !code) throw new Error('the time-skipping environment is not up (beforeAll failed)');
      const e = env;
      const taskQueue = `wf-test-${process.pid}-${++queues}`;
      const worker = await Worker.create({
        connection: e.nativeConnection,
        namespace: 'default',
        taskQueue,
        workflowBundle: { code },
        activities: mocks.activities,
      });
      try {
        return await worker.runUntil(() => fn(taskQueue));
      } finally {
        await mocks.idle();
        await terminateLeftovers(e, taskQueue);
      }
    },
  };
}

/** The test server lacks the visibility list (ListWorkflowExecutions); it has the older list of open ones. */
async function terminateLeftovers(env: TestWorkflowEnvironment, taskQueue: string): Promise<void> {
  const open = await env.connection.workflowService.listOpenWorkflowExecutions({
    namespace: 'default',
    maximumPageSize: 1000,
  });
  for (const wf of open.executions) {
    if (wf.taskQueue !== taskQueue || !wf.execution?.workflowId) continue;
    await env.client.workflow
      .getHandle(wf.execution.workflowId, wf.execution.runId ?? undefined)
      .terminate('left running by its test')
      .catch(() => undefined);
  }
}

/** Polls a workflow's query in real time until `ok`; the test server's clock stands still meanwhile. */
export async function queryWhen<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  what = 'the workflow state',
): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what} never matched; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
