import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { failureFile } from '../setup/hold-until-released';

export interface HeldChild<T> {
  info: T;
  stop(): Promise<void>;
}

/**
 * Runs a server-holding script of test/setup/ in a child process and waits for the JSON it writes.
 * The child stops its servers when its stdin closes: so they go with the test process even when
 * that is killed, which no exit hook in the test process itself could promise.
 */
export async function startHeldChild<T>(
  script: string,
  args: string[],
  what: string,
  timeoutMs = 120_000,
): Promise<HeldChild<T>> {
  const root = resolve(__dirname, '..', '..');
  const dir = mkdtempSync(join(tmpdir(), 'selfheal-held-'));
  // As root the servers run as the system user postgres; where it can reach this directory
  // their data stays in it (else it goes to a stand-in: src/infra/postgres-data-location.ts).
  chmodSync(dir, 0o755);
  const infoFile = join(dir, 'info.json');
  const tsx = require.resolve('tsx/cli', { paths: [root] });
  const child = spawn(process.execPath, [tsx, join(root, 'test', 'setup', script), dir, infoFile, ...args], {
    cwd: root,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(infoFile)) {
    if (child.exitCode !== null) {
      const failed = failureFile(infoFile);
      throw new Error(
        existsSync(failed) ? readFileSync(failed, 'utf8') : `${what} exited with ${child.exitCode} before it was ready`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`${what} not ready after ${timeoutMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    info: JSON.parse(readFileSync(infoFile, 'utf8')) as T,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.stdin!.end();
      }),
  };
}
