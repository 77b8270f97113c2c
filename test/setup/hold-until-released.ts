import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * For a child process that holds servers for tests: publishes what the parent needs, then keeps
 * them until its stdin closes (the parent ended, however it ended), SIGTERM or SIGINT (Ctrl-C
 * reaches the whole process group); then stops them, removes `dir` and exits.
 */
export function holdUntilReleased(dir: string, infoFile: string, info: unknown, stop: () => Promise<void>): void {
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.stdin.on('end', () => void release());
  process.stdin.resume();
  process.on('SIGTERM', () => void release());
  process.on('SIGINT', () => void release());
  // Written whole, then renamed: the parent polls for this file and must never read half of it.
  writeFileSync(`${infoFile}.tmp`, JSON.stringify(info));
  renameSync(`${infoFile}.tmp`, infoFile);
}

/** Where a holder that failed leaves its one-line reason, for the parent to report. */
export function failureFile(infoFile: string): string {
  return `${infoFile}.failed`;
}

/**
 * Runs a holder's main with its arguments (`<dir> <infoFile> …rest`); when it fails, writes why in
 * one line to the failure file, which the parent reports (and to stderr when run by hand), and
 * exits non-zero.
 */
export function runHolder(what: string, main: (dir: string, infoFile: string, rest: string[]) => Promise<void>): void {
  const [dir, infoFile, ...rest] = process.argv.slice(2) as [string, string, ...string[]];
  main(dir, infoFile, rest).catch((err) => {
    const reason = `${what} did not start: ${err instanceof Error ? err.message : String(err)}`;
    writeFileSync(failureFile(infoFile), reason);
    if (process.stdin.isTTY) console.error(reason);
    process.exit(1);
  });
}
