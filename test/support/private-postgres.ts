import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
}

/** Starts test/setup/private-postgres.ts in a child process and waits for its URL. */
export async function startPrivatePostgres(settings: Record<string, string | number>): Promise<PrivatePostgres> {
  const root = resolve(__dirname, '..', '..');
  const dir = mkdtempSync(join(tmpdir(), 'selfheal-pg-'));
  // As root the server runs as the system user postgres, which must reach its data directory.
  chmodSync(dir, 0o755);
  const info = join(dir, 'info.json');
  const tsx = require.resolve('tsx/cli', { paths: [root] });
  const child = spawn(process.execPath, [tsx, join(root, 'test', 'setup', 'private-postgres.ts'), dir, info, JSON.stringify(settings)], {
    cwd: root,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 120_000;
  while (!existsSync(info)) {
    if (child.exitCode !== null) throw new Error(`private PostgreSQL exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('private PostgreSQL not ready after 2 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
  const { url } = JSON.parse(readFileSync(info, 'utf8')) as { url: string };
  return {
    url,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.stdin!.end();
      }),
  };
}
