import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { STAND_IN_PREFIX, standInAt } from './postgres-stand-in';

/** A stand-in younger than this may be between its creation and its link: never swept. */
const MIN_AGE_MS = 60_000;

/**
 * Removes stand-in data directories nobody links to any more: the checkout (or the test run's
 * folder) they stood in for was deleted or killed before it cleaned up. A stand-in whose server is
 * still running is kept, linked or not.
 */
export function sweepOrphanedData(home: string, now = Date.now()): string[] {
  const swept: string[] = [];
  for (const name of existsSync(home) ? readdirSync(home) : []) {
    if (!name.startsWith(STAND_IN_PREFIX)) continue;
    const standIn = standInAt(join(home, name));
    try {
      if (now - statSync(standIn.originFile).mtimeMs < MIN_AGE_MS) continue;
      if (isLinkTo(readFileSync(standIn.originFile, 'utf8').trim(), standIn.dataDir) || serverRunsOn(standIn.dataDir))
        continue;
      rmSync(standIn.dir, { recursive: true, force: true });
      swept.push(standIn.dir);
    } catch {
      // no origin file (not ours, or half made): leave it
    }
  }
  return swept;
}

function isLinkTo(link: string, target: string): boolean {
  try {
    return lstatSync(link).isSymbolicLink() && readlinkSync(link) === target;
  } catch {
    return false;
  }
}

function serverRunsOn(dataDir: string): boolean {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
