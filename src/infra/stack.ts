import { join, resolve } from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres';
import { startTemporalDevServer, type DevServer } from './temporal-dev-server';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const DATA_DIR = join(PROJECT_ROOT, '.data');

export interface StackOptions {
  /** persistent: the main command (data under .data/, found again on the next start); ephemeral: tests. */
  mode: 'persistent' | 'ephemeral';
  dataDir?: string;
  temporalPort?: number;
  uiPort?: number;
  postgresPort?: number;
  postgresSettings?: Record<string, string | number>;
  namespaces?: string[];
  log?: (line: string) => void;
}

export interface Stack {
  temporalAddress: string;
  /** null when TEMPORAL_ADDRESS named a server we did not start. */
  uiUrl: string | null;
  databaseUrl: string;
  /** Which parts this process started (and will stop). */
  started: { temporal: boolean; postgres: boolean };
  stop(): Promise<void>;
}

/**
 * Temporal and PostgreSQL for selfheal: the servers named by TEMPORAL_ADDRESS and DATABASE_URL
 * when set, else a Temporal CLI dev server and an embedded PostgreSQL started here.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const dataDir = opts.dataDir ?? DATA_DIR;
  let temporal: DevServer | undefined;
  let postgres: RunningPostgres | undefined;
  try {
    const pgPromise = process.env.DATABASE_URL
      ? Promise.resolve(undefined)
      : startEmbeddedPostgres({
          dataDir: join(dataDir, 'postgres'),
          persistent: opts.mode === 'persistent',
          port: opts.postgresPort,
          settings: opts.postgresSettings,
          logFile: join(dataDir, 'logs', 'postgres.log'),
        });
    const tPromise = process.env.TEMPORAL_ADDRESS
      ? Promise.resolve(undefined)
      : startTemporalDevServer({
          dbFilename: opts.mode === 'persistent' ? join(dataDir, 'temporal', 'temporal.db') : undefined,
          port: opts.temporalPort,
          uiPort: opts.uiPort,
          namespaces: opts.namespaces,
          logFile: join(dataDir, 'logs', 'temporal.log'),
          log,
        });
    const [pg, t] = await Promise.allSettled([pgPromise, tPromise]);
    if (pg.status === 'fulfilled') postgres = pg.value;
    if (t.status === 'fulfilled') temporal = t.value;
    if (pg.status === 'rejected') throw pg.reason;
    if (t.status === 'rejected') throw t.reason;
  } catch (err) {
    await temporal?.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
    throw err;
  }
  return {
    temporalAddress: temporal?.address ?? process.env.TEMPORAL_ADDRESS!,
    uiUrl: temporal?.uiUrl ?? null,
    databaseUrl: postgres?.url ?? process.env.DATABASE_URL!,
    started: { temporal: temporal !== undefined, postgres: postgres !== undefined },
    async stop() {
      await Promise.allSettled([temporal?.stop(), postgres?.stop()]);
    },
  };
}
