import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Outside the clone, so every checkout and CI run on this machine shares what was built or fetched once. */
export function selfhealCache(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'selfheal');
}

export function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** `go` from PATH, else where the official archive unpacks: non-login shells (CI's) often lack it on PATH. */
export function goBinary(): string | undefined {
  return onPath('go') ?? ['/usr/local/go/bin/go'].find(isExecutable);
}
