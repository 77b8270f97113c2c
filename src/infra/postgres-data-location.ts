import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { sweepOrphanedData } from './orphaned-data-sweep';
import { canEnter, firstBlockedDir, type ServerUser } from './postgres-server-user';
import { standInAt, standInFor } from './postgres-stand-in';

export interface DataLocation {
  /** The data directory the server runs on: the one asked for, or its stand-in. */
  dataDir: string;
  /** Deletes the data of a throwaway server, stand-in and link included. */
  remove(): void;
}

/**
 * Where the server keeps the data asked for at `requested`. As ourselves, there. As root the
 * server runs as another user: there too when that user can enter its parent, else in a stand-in
 * under `home` (owned by that user, mode 0700), with `requested` made a symbolic link to it, so
 * the next start finds it, and so does anyone looking in the checkout.
 */
export function placeDataDir(requested: string, user: ServerUser | undefined, home: () => string): DataLocation {
  const asked = resolve(requested);
  mkdirSync(dirname(asked), { recursive: true, mode: 0o755 });
  if (!user) return inPlace(asked);
  const st = lstatOrUndefined(asked);
  if (st?.isSymbolicLink()) {
    const target = resolve(dirname(asked), readlinkSync(asked));
    if (existsSync(target)) return linked(asked, target, user);
    unlinkSync(asked); // its data is gone (removed, or /var/tmp cleaned): start afresh
  } else if (canEnter(user, dirname(asked))) {
    const here = inPlace(asked);
    chownSync(asked, user.uid, user.gid);
    return here;
  } else if (st) {
    if (!st.isDirectory() || readdirSync(asked).length > 0) {
      const blocked = firstBlockedDir(user, dirname(asked));
      const to = standInFor(home(), asked);
      throw new Error(
        `the system user ${user.name} cannot reach the PostgreSQL data in ${asked} (it cannot enter ${blocked}): ` +
          `\`chmod o+x ${blocked}\`, or move the data where it can: \`mkdir -p ${to.dir} && mv ${asked} ` +
          `${to.dataDir} && chown -R ${user.name}: ${to.dir} && ln -s ${to.dataDir} ${asked}\``,
      );
    }
    rmdirSync(asked); // left empty by a start that failed here before
  }
  const where = home();
  sweepOrphanedData(where);
  const standIn = standInFor(where, asked);
  for (const d of [standIn.dir, standIn.dataDir]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    chownSync(d, user.uid, user.gid);
  }
  writeFileSync(standIn.originFile, `${asked}\n`);
  symlinkSync(standIn.dataDir, asked);
  return linked(asked, standIn.dataDir, user);
}

function inPlace(dataDir: string): DataLocation {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return { dataDir, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

function linked(link: string, dataDir: string, user: ServerUser): DataLocation {
  if (!canEnter(user, dirname(dataDir))) {
    throw new Error(
      `${link} links to ${dataDir}, which the system user ${user.name} cannot reach (it cannot enter ` +
        `${firstBlockedDir(user, dirname(dataDir))}): remove the link to start afresh, or move the data where it can`,
    );
  }
  const standIn = standInAt(dirname(dataDir));
  const isStandIn = basename(dataDir) === basename(standIn.dataDir) && existsSync(standIn.originFile);
  return {
    dataDir,
    remove() {
      rmSync(isStandIn ? standIn.dir : dataDir, { recursive: true, force: true });
      rmSync(link, { force: true });
    },
  };
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
