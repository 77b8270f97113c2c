import { Client, Connection } from '@temporalio/client';
import { temporalConnectionOptions } from '../config/temporal-connection';
import type { WorkerEnv } from '../config/worker-env';
import { migrate, pendingMigrations, StoreNotMigratedError } from '../postgres/migrate';
import { createPool, type Pool } from '../postgres/pool';
import { listCollections } from '../postgres/collections';
import { databaseKey } from '../postgres/database-key';
import { adoptCollectionGuardians } from '../temporal/adopt-collection-guardians';
import { ensureSelfhealSchedules } from '../temporal/selfheal-schedules';
import { auditSigner } from '../postgres/audit-log';
import { startCommandRelay } from './command-relay';
import { createSelfhealWorker } from './create-worker';
import { routeAlertmanager } from './alertmanager-route';
import { registerMetrics } from './metrics-route';
import { createWorkerHttp } from './worker-http';

export interface RunWorkerOptions {
  env: WorkerEnv;
  /** A bundle written once (the embedded stack); without it the worker bundles at start. */
  workflowBundlePath?: string;
  log?: (line: string) => void;
  /** Called once the worker polls its task queue. */
  onReady?: (info: { database: string; pool: Pool; httpPort: number }) => void | Promise<void>;
}

/** Says what to do when the database cannot be reached, instead of the driver's bare error. */
async function connectDatabase(url: string, size: number): Promise<{ pool: Pool; database: string }> {
  const pool = createPool(url, size);
  try {
    const database = (await pool.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
    return { pool, database };
  } catch (err) {
    await pool.end().catch(() => undefined);
    const safe = url.replace(/:[^:@/]*@/, ':****@');
    throw new Error(
      `cannot reach the database at ${safe} (${(err as Error).message}): check DATABASE_URL, ` +
        `that the server runs and that the role may connect`,
    );
  }
}

/**
 * The production worker: migrations (unless SELFHEAL_MIGRATE=false), the database's guardian (one
 * sensor pass per interval over every watched collection; per-collection guardians of an earlier
 * version handed over), then workflows and activities on the task queue until SIGINT or SIGTERM.
 * It creates no tables of its own beyond the store.
 */
export async function runWorker(opts: RunWorkerOptions): Promise<void> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const { env } = opts;
  const temporal = temporalConnectionOptions(env);
  const { pool, database } = await connectDatabase(env.DATABASE_URL, env.SELFHEAL_DB_POOL_SIZE);
  try {
    if (env.SELFHEAL_MIGRATE) {
      const applied = await migrate(pool);
      if (applied.length) log(`selfheal: applied migrations ${applied.join(', ')}`);
    } else {
      const pending = await pendingMigrations(pool);
      if (pending.length) throw new StoreNotMigratedError(pending);
    }
    const { worker, connection: native } = await createSelfhealWorker({
      address: temporal.address,
      temporal,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.SELFHEAL_TASK_QUEUE,
      pool,
      standbyUrls: env.SELFHEAL_STANDBY_URLS,
      notify: {
        webhooks: env.SELFHEAL_WEBHOOK_URLS,
        slack: env.SELFHEAL_SLACK_WEBHOOK_URLS,
        uiUrl: env.SELFHEAL_UI_URL ?? null,
        namespace: env.TEMPORAL_NAMESPACE,
      },
      audit: auditSigner(env.SELFHEAL_AUDIT_KEY),
      shutdownGraceTime: `${env.SELFHEAL_SHUTDOWN_GRACE_SECONDS} seconds`,
      ...(opts.workflowBundlePath ? { workflowBundlePath: opts.workflowBundlePath } : {}),
    });
    // Kept for every signal, not once: Ctrl-C reaches this process twice (from the terminal and
    // relayed by tsx), and the second must not kill it before it has stopped what it started.
    let shuttingDown = false;
    const stop = () => {
      if (shuttingDown) return;
      shuttingDown = true;
      worker.shutdown();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const http = createWorkerHttp(log);
    const metrics = registerMetrics(http, {
      pool,
      databaseUrl: env.DATABASE_URL,
      temporal,
      namespace: env.TEMPORAL_NAMESPACE,
      log,
    });
    const alertmanager = routeAlertmanager(http, { env, pool, log });
    const { port: httpPort } = await http.listen(env.SELFHEAL_HTTP_PORT, env.SELFHEAL_HTTP_HOST).catch(async (err) => {
      // Nothing runs yet: what was opened for it is closed before saying why.
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await Promise.allSettled([metrics.close(), alertmanager.close(), native.close()]);
      throw new Error(
        `cannot listen on ${env.SELFHEAL_HTTP_HOST}:${env.SELFHEAL_HTTP_PORT} (${(err as Error).message}): set ` +
          'SELFHEAL_HTTP_PORT to a free port (0 picks one)',
      );
    });
    // The SQL interface's commands (ruvector_healing_trigger, …) reach Temporal through this worker.
    const relay = startCommandRelay({ env, pool, log });
    const running = worker.run().finally(() => {
      // The process may go on (a test, an embedding): what this run added to it goes with it.
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      return Promise.all([http.close(), metrics.close(), relay.stop(), alertmanager.close()]);
    });
    http.setReady(true);
    // The hand-over waits for the database guardian to take it: the worker must be running.
    const connection = await Connection.connect({ ...temporal, connectTimeout: 10_000 });
    try {
      const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
      const names = (await listCollections(pool)).map((c) => c.name);
      const key = await databaseKey(pool);
      const adopted = await adoptCollectionGuardians(client, key, env.SELFHEAL_TASK_QUEUE, names);
      if (adopted.length)
        log(
          `selfheal: per-collection guardians of ${adopted.join(', ')} handed their state to guardian/${key} and ended`,
        );
      const schedules = await ensureSelfhealSchedules(client, key, env.SELFHEAL_TASK_QUEUE);
      if (schedules.length) log(`selfheal: Schedules ${schedules.join(', ')}`);
    } catch (err) {
      stop();
      await running.catch(() => undefined);
      throw err;
    } finally {
      await connection.close();
    }
    log(
      `selfheal worker: database ${database}, Temporal ${temporal.address} (namespace ${env.TEMPORAL_NAMESPACE}, ` +
        `task queue ${env.SELFHEAL_TASK_QUEUE})`,
    );
    log(`selfheal worker: http on ${env.SELFHEAL_HTTP_HOST}:${httpPort} (/healthz, /readyz, /metrics)`);
    await opts.onReady?.({ database, pool, httpPort });
    await running;
    await native.close().catch(() => undefined);
  } finally {
    await pool.end().catch(() => undefined);
  }
}
