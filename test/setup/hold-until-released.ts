import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * For a child process that holds servers for tests: publishes what the parent needs, then keeps
 * them until its stdin closes (the parent ended, however it ended) or SIGTERM; then stops them,
 * removes `dir` and exits.
 */
export function holdUntilReleased(dir: string, infoFile: string, info: unknown, stop: () => Promise<void>): void {
  const release = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.stdin.on('end', () => void release());
  process.stdin.resume();
  process.on('SIGTERM', () => void release());
  // Written whole, then renamed: the parent polls for this file and must never read half of it.
  writeFileSync(`${infoFile}.tmp`, JSON.stringify(info));
  renameSync(`${infoFile}.tmp`, infoFile);
}

/** Runs a holder's main, and exits non-zero with the reason when it fails. */
export function runHolder(what: string, main: () => Promise<void>): void {
  main().catch((err) => {
    console.error(`${what} failed:`, err);
    process.exit(1);
  });
}
