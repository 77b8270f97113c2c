import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { Client as PgClient } from 'pg';
import { databaseKey } from '../../src/postgres/database-key';
import { migrate } from '../../src/postgres/migrate';
import { createPool, type Pool } from '../../src/postgres/pool';
import { quoteIdent } from '../../src/postgres/quote-ident';
import { leastPrivilegeDatabase } from './least-privilege';
import { createSelfhealWorker, type WorkerOptions } from '../../src/worker/create-worker';

export interface TestStack {
  temporalAddress: string;
  uiUrl: string | null;
  databaseUrl: string;
  workflowBundle: string;
}

export function testStack(): TestStack {
  const file = process.env.SELFHEAL_TEST_STACK;
  if (!file)
    throw new Error(
      'SELFHEAL_TEST_STACK is not set: run the tests with `npm test` (jest globalSetup starts the servers)',
    );
  return JSON.parse(readFileSync(file, 'utf8')) as TestStack;
}

let counter = 0;
/** A name no other test file or run uses: tests are isolated by database, task queue and collection. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${++counter}`.toLowerCase();
}

export interface TestDatabase {
  name: string;
  /** As the superuser: fixtures and fault injection. */
  url: string;
  /** Its guardian's key, `<server>/<name>`. */
  key: string;
  pool: Pool;
  /** As selfheal's least-privilege role (deploy/sql/selfheal-role.sql): what the worker uses. */
  appUrl: string;
  appPool: Pool;
  drop(): Promise<void>;
}

/** A fresh database on the shared PostgreSQL, migrated. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const stack = testStack();
  const name = uniqueName(prefix);
  const admin = new PgClient({ connectionString: stack.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(stack.databaseUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 10);
  const app = await leastPrivilegeDatabase(url.toString());
  // The store is the role's: it migrates it, as the worker does in production.
  await migrate(app.pool);
  return {
    name,
    url: url.toString(),
    key: await databaseKey(pool),
    pool,
    appUrl: app.url,
    appPool: app.pool,
    async drop() {
      await app.pool.end();
      await pool.end();
      const a = new PgClient({ connectionString: stack.databaseUrl });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

export interface TestWorker {
  client: Client;
  taskQueue: string;
  stop(): Promise<void>;
}

/** A worker on its own task queue, running the shared workflow bundle against the test database. */
export async function startTestWorker(
  pool: Pool,
  opts: {
    standbyUrls?: string[];
    activityOverrides?: WorkerOptions['activityOverrides'];
    notify?: WorkerOptions['notify'];
  } = {},
): Promise<TestWorker> {
  quietRuntime();
  const stack = testStack();
  const taskQueue = uniqueName('tq');
  const { worker, connection: nativeConnection } = await createSelfhealWorker({
    address: stack.temporalAddress,
    namespace: 'default',
    taskQueue,
    pool,
    workflowBundlePath: stack.workflowBundle,
    shutdownGraceTime: '2 seconds',
    standbyUrls: opts.standbyUrls ?? [],
    ...(opts.activityOverrides ? { activityOverrides: opts.activityOverrides } : {}),
    ...(opts.notify ? { notify: opts.notify } : {}),
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  return {
    client,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
    },
  };
}

let runtimeInstalled = false;
/** Worker lifecycle lines at INFO drown test output; warnings and errors still show. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by this process: keep it.
  }
}

/**
 * Polls until `check` returns a value, or fails with `what` after the deadline; `seen` describes
 * the state at the deadline, so a timeout says what was there instead.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  everyMs = 100,
  seen?: () => Promise<unknown>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      const state = seen
        ? await seen().then(
            (x) => JSON.stringify(x),
            (e) => `(${String(e)})`,
          )
        : '';
      throw new Error(
        `timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}${state ? `; saw ${state}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A Temporal client on the shared server, for tests whose workers run in child processes. */
export async function testClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: testStack().temporalAddress });
  return { client: new Client({ connection, namespace: 'default' }), close: () => connection.close() };
}
