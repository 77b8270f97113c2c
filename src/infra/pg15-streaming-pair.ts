import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port';
import { postgresHome } from './postgres-home';
import { postgresServerUser } from './postgres-server-user';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const PASSWORD = 'selfheal';

export interface StreamingPair {
  primaryUrl: string;
  standbyUrl: string;
  /** The standby's application_name in pg_stat_replication. */
  standbyName: string;
  startedInMs: number;
  stop(): Promise<void>;
}

/**
 * Runs a PostgreSQL binary as the system user postgres when we are root (it refuses to run as
 * root), from `cwd`, a directory that user can enter: from the checkout's it may not be able to.
 */
async function asPostgres(cwd: string, bin: string, args: string[]): Promise<void> {
  const root = userInfo().uid === 0;
  await run(root ? 'runuser' : join(BIN, bin), root ? ['-u', 'postgres', '--', join(BIN, bin), ...args] : args, {
    cwd,
    env: { ...process.env, PGPASSWORD: PASSWORD },
  });
}

/**
 * A fresh directory for the pair that the server user owns and reaches, whatever TMPDIR or the checkout's folder allow.
 */
function pairDir(): string {
  const user = postgresServerUser();
  if (!user) return mkdtempSync(join(tmpdir(), 'selfheal-pg15-'));
  const dir = mkdtempSync(join(postgresHome(user), 'pg15-'));
  chownSync(dir, user.uid, user.gid);
  return dir;
}

async function waitReady(url: string, check: (c: pg.Client) => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      if (await check(c)) return;
    } catch {
      // not up yet
    } finally {
      await c.end().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`PostgreSQL 15 at ${url.replace(/:[^:@/]*@/, ':****@')} not ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * A real PostgreSQL 15 primary (Debian's binaries) and a streaming standby made from it with
 * `pg_basebackup -R -C -S` (so a physical slot holds its WAL), both on loopback ports, in a fresh
 * temp directory. The standby reports every second, so the primary's view of its gap is fresh.
 * Embedded PostgreSQL 17 cannot be copied by pg_basebackup 15: the pair is all PostgreSQL 15.
 */
export async function startStreamingPair(): Promise<StreamingPair> {
  const t0 = Date.now();
  const dir = pairDir();
  const primary = join(dir, 'primary');
  const standby = join(dir, 'standby');
  const [pPort, sPort] = [await freePort(), await freePort()];
  const standbyName = 'selfheal_standby';
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${PASSWORD}\n`);
  chmodSync(pwfile, 0o644);
  await asPostgres(dir, 'initdb', [
    '-D',
    primary,
    '-U',
    'postgres',
    '--auth=scram-sha-256',
    `--pwfile=${pwfile}`,
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const common = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${dir}`,
    '-c',
    'fsync=off',
    '-c',
    'max_connections=50',
  ];
  const startServer = (data: string, port: number, extra: string[]) =>
    asPostgres(dir, 'pg_ctl', [
      '-D',
      data,
      '-l',
      `${data}.log`,
      '-w',
      '-t',
      '60',
      '-o',
      [...common, '-c', `port=${port}`, ...extra].join(' '),
      'start',
    ]);
  await startServer(primary, pPort, [
    '-c',
    'wal_level=replica',
    '-c',
    'max_wal_senders=5',
    '-c',
    'max_replication_slots=5',
  ]);
  const primaryUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${pPort}/postgres`;
  await waitReady(primaryUrl, async () => true);
  await asPostgres(dir, 'pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(pPort),
    '-U',
    'postgres',
    '-D',
    standby,
    '-R',
    '-C',
    '-S',
    standbyName,
    '-X',
    'stream',
    '--no-sync',
  ]);
  // -R wrote primary_conninfo; name the standby so the primary can tell it apart. Its cluster_name
  // differs on purpose: selfheal must find it by its slot, not by what it calls itself.
  await asPostgres(dir, 'pg_ctl', [
    '-D',
    standby,
    '-l',
    `${standby}.log`,
    '-w',
    '-t',
    '60',
    '-o',
    [
      ...common,
      '-c',
      `port=${sPort}`,
      '-c',
      'hot_standby=on',
      '-c',
      'wal_receiver_status_interval=1',
      '-c',
      'cluster_name=pg15_standby',
      '-c',
      `primary_conninfo='host=127.0.0.1 port=${pPort} user=postgres password=${PASSWORD} application_name=` +
        `${standbyName}'`,
    ].join(' '),
    'start',
  ]);
  const standbyUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${sPort}/postgres`;
  await waitReady(
    primaryUrl,
    async (c) =>
      (
        await c.query("SELECT 1 FROM pg_stat_replication WHERE state = 'streaming' AND application_name = $1", [
          standbyName,
        ])
      ).rows.length > 0,
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const d of [standby, primary])
      await asPostgres(dir, 'pg_ctl', ['-D', d, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  return { primaryUrl, standbyUrl, standbyName, startedInMs: Date.now() - t0, stop };
}
