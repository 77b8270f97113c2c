import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

/**
 * A stand-in: a data directory kept where the server user can reach it, for one that was asked for
 * where it cannot. `<home>/data-<hash of the asked path>/` holds `pgdata/` (the data) and `origin`
 * (the asked path, which becomes a symbolic link to `pgdata/`).
 */
export interface StandIn {
  dir: string;
  dataDir: string;
  originFile: string;
}

export const STAND_IN_PREFIX = 'data-';

/** Keyed by the asked path, so the same checkout finds its data again on its next start. */
export function standInFor(home: string, asked: string): StandIn {
  return standInAt(
    join(home, `${STAND_IN_PREFIX}${createHash('sha256').update(resolve(asked)).digest('hex').slice(0, 16)}`),
  );
}

export function standInAt(dir: string): StandIn {
  return { dir, dataDir: join(dir, 'pgdata'), originFile: join(dir, 'origin') };
}
