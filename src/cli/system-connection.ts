import { Client, Connection } from '@temporalio/client';
import { readDevAuditKey } from '../infra/dev-audit-key';
import { readRuntimeInfo } from '../infra/runtime-file';
import { pendingMigrations, StoreNotMigratedError } from '../postgres/migrate';
import { databaseKey } from '../postgres/database-key';
import { createPool, type Pool } from '../postgres/pool';
import { temporalUiLink } from '../domain/ui-link';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from '../domain/workflow-ids';

export interface SystemSettings {
  /** Null when only the database is known (enough for `migrate`); temporal() then says what is missing. */
  temporalAddress: string | null;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  uiUrl: string | null;
  /** Signs what the CLI records itself (configure) and checks the trail (audit verify); null: unsigned. */
  auditKey: string | null;
}

/** Where the running system is: environment first, else what `npm start` wrote into .data/runtime.json. */
export function systemSettings(env: NodeJS.ProcessEnv = process.env): SystemSettings {
  const rt = readRuntimeInfo();
  const temporalAddress = env.TEMPORAL_ADDRESS ?? rt?.temporalAddress;
  const databaseUrl = env.DATABASE_URL ?? rt?.databaseUrl;
  if (!databaseUrl) {
    throw new Error('selfheal is not running: start it with `npm start`, or set TEMPORAL_ADDRESS and DATABASE_URL');
  }
  return {
    temporalAddress: temporalAddress ?? null,
    databaseUrl,
    namespace: env.TEMPORAL_NAMESPACE ?? rt?.namespace ?? DEFAULT_NAMESPACE,
    taskQueue: env.SELFHEAL_TASK_QUEUE ?? rt?.taskQueue ?? DEFAULT_TASK_QUEUE,
    uiUrl: env.SELFHEAL_UI_URL ?? rt?.uiUrl ?? null,
    auditKey: env.SELFHEAL_AUDIT_KEY ?? (rt ? readDevAuditKey() : undefined) ?? null,
  };
}

export interface SystemHandles {
  settings: SystemSettings;
  pool(): Promise<Pool>;
  /** The watched database as `<server>/<name>`: its guardian is `guardian/<server>/<name>`. */
  database(): Promise<string>;
  temporal(): Promise<Client>;
  close(): Promise<void>;
}

/** Lazily opened connections, so a command opens only what it uses. */
export function connectSystem(settings: SystemSettings): SystemHandles {
  let pool: Pool | undefined;
  let connection: Connection | undefined;
  let client: Client | undefined;
  let database: string | undefined;
  const handles: SystemHandles = {
    settings,
    async database() {
      database ??= await databaseKey(await handles.pool());
      return database;
    },
    async pool() {
      if (!pool) {
        pool = createPool(settings.databaseUrl, 4);
        // The worker (or `selfheal migrate`) changes the store; a command only checks it is current.
        const pending = await pendingMigrations(pool);
        if (pending.length) throw new StoreNotMigratedError(pending);
      }
      return pool;
    },
    async temporal() {
      if (!client) {
        if (!settings.temporalAddress)
          throw new Error(
            'no Temporal server is known: set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE), or start the dev ' +
              'system with `npm start`',
          );
        try {
          connection = await Connection.connect({ address: settings.temporalAddress, connectTimeout: 5000 });
        } catch (err) {
          throw new Error(
            `cannot reach Temporal at ${settings.temporalAddress} (${(err as Error).message}): is selfheal running ` +
              `(\`npm start\`)? Otherwise check TEMPORAL_ADDRESS`,
          );
        }
        client = new Client({ connection, namespace: settings.namespace });
      }
      return client;
    },
    async close() {
      await pool?.end().catch(() => undefined);
      await connection?.close().catch(() => undefined);
    },
  };
  return handles;
}

export function workflowUiLink(s: SystemSettings, workflowId: string, runId: string): string | null {
  return temporalUiLink(s.uiUrl, s.namespace, workflowId, runId);
}
