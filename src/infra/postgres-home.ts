import { chmodSync, existsSync, lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canEnter, type ServerUser } from './postgres-server-user';

export const POSTGRES_DIR_ENV = 'SELFHEAL_POSTGRES_DIR';

/**
 * Where, as root, the server's binaries and data go when the checkout is out of the server user's
 * reach: SELFHEAL_POSTGRES_DIR, else `selfheal-postgres` in /var/tmp (kept across reboots, unlike
 * /tmp on many systems) or in os.tmpdir(). Only root may write it, so nobody else can plant
 * binaries there or swap a data directory.
 */
export function postgresHome(user: ServerUser): string {
  const chosen = process.env[POSTGRES_DIR_ENV];
  if (chosen) {
    ensureRootOnlyDir(chosen);
    if (!canEnter(user, chosen)) {
      throw new Error(
        `${POSTGRES_DIR_ENV}=${chosen}, but the system user ${user.name} cannot enter it: choose a directory it can ` +
          `enter (every parent searchable, e.g. mode 0755)`,
      );
    }
    return chosen;
  }
  const bases = [...new Set(['/var/tmp', tmpdir()])];
  for (const base of bases) {
    if (!canEnter(user, base)) continue;
    const home = join(base, 'selfheal-postgres');
    ensureRootOnlyDir(home);
    if (canEnter(user, home)) return home;
  }
  throw new Error(
    `the system user ${user.name} can enter none of ${bases.join(', ')}: set ${POSTGRES_DIR_ENV} to a ` +
      `directory it can enter, for its binaries and data`,
  );
}

function ensureRootOnlyDir(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755); // the umask may have taken bits the server user needs
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) {
    throw new Error(
      `${dir} must be a directory that only root can write (it is ` +
        (st.isSymbolicLink() ? 'a symbolic link' : `owned by uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}`) +
        `): remove it, or set ${POSTGRES_DIR_ENV} to another`,
    );
  }
}
