import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { goBinary, isExecutable, onPath } from './executables';

/**
 * promtool checks the worker's exposition text and the alert rules (syntax and unit tests). The Go
 * module's v0.316.0 is Prometheus 3.16's promtool; `go install pkg@version` accepts it (no replace
 * directive) with the Go installed here.
 */
export const PROMTOOL_VERSION = '0.316.0';
export const PROMTOOL_MODULE = 'github.com/prometheus/prometheus/cmd/promtool';

const PROJECT_ROOT = resolve(__dirname, '..', '..');
const PROJECT_TOOLS_BIN = join(PROJECT_ROOT, '.tools', 'bin');

/** Kept outside the clone so a fresh clone (CI, a new checkout) finds the binary built before. */
export function promtoolCacheBin(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'selfheal', `promtool-${PROMTOOL_VERSION}`);
}

export const PROMTOOL_INSTALL_HELP = [
  'promtool (Prometheus) was not found and could not be built.',
  'Install it in one of these ways, then run the tests again:',
  `  - with Go: GOBIN=${promtoolCacheBin()} go install ${PROMTOOL_MODULE}@v${PROMTOOL_VERSION}`,
  '  - or the Debian package `prometheus` (it ships /usr/bin/promtool),',
  '  - or set PROMTOOL=/path/to/promtool.',
].join('\n');

/** A usable promtool without building: PROMTOOL, PATH, .tools/bin, the user cache. */
export function findPromtool(): string | undefined {
  const explicit = process.env.PROMTOOL;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`PROMTOOL=${explicit} is not an executable file`);
    return explicit;
  }
  return (
    onPath('promtool') ?? [join(PROJECT_TOOLS_BIN, 'promtool'), join(promtoolCacheBin(), 'promtool')].find(isExecutable)
  );
}

/** A build that no process finished within this is taken for dead (its lock is stale). */
const BUILD_DEADLINE_MS = 45 * 60_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finds promtool, or builds it with Go into the user cache (minutes the first time, once per
 * machine). Test files run in parallel and may all ask at once: one builds, holding a lock
 * directory, and the others wait for its binary instead of building it again beside it.
 */
export async function ensurePromtool(log: (line: string) => void = (l) => console.error(l)): Promise<string> {
  const found = findPromtool();
  if (found) return found;
  const go = goBinary();
  if (!go) throw new Error(PROMTOOL_INSTALL_HELP);
  const cacheBin = promtoolCacheBin();
  const built = join(cacheBin, 'promtool');
  mkdirSync(join(cacheBin, '..'), { recursive: true });
  const lock = `${cacheBin}.lock`;
  const deadline = Date.now() + BUILD_DEADLINE_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (isExecutable(built)) return built;
    const owner = Number(existsSync(join(lock, 'pid')) ? readFileSync(join(lock, 'pid'), 'utf8') : NaN);
    if (Number.isInteger(owner) && !pidAlive(owner)) {
      rmSync(lock, { recursive: true, force: true }); // its builder died: take over
      continue;
    }
    if (Date.now() > deadline) throw new Error(`promtool: another process has been building it for too long (${lock})`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
  try {
    if (isExecutable(built)) return built;
    log(`Building promtool v${PROMTOOL_VERSION} with Go (first time on this machine; takes minutes on 2 cores)…`);
    const started = Date.now();
    // Into a folder of its own, then renamed: a half-written binary is never found by a later run.
    const staging = `${cacheBin}.building`;
    rmSync(staging, { recursive: true, force: true });
    const code = await new Promise<number | null>((done) => {
      const child = spawn(go, ['install', `${PROMTOOL_MODULE}@v${PROMTOOL_VERSION}`], {
        env: {
          ...process.env,
          GOBIN: staging,
          GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local',
          GOFLAGS: process.env.GOFLAGS ?? '-mod=mod',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', () => done(null));
      child.on('exit', (c) => done(c));
    });
    if (code !== 0 || !isExecutable(join(staging, 'promtool'))) {
      throw new Error(
        `go install ${PROMTOOL_MODULE}@v${PROMTOOL_VERSION} failed (exit ${code}).\n${PROMTOOL_INSTALL_HELP}`,
      );
    }
    rmSync(cacheBin, { recursive: true, force: true });
    renameSync(staging, cacheBin);
    log(`Built promtool in ${Math.round((Date.now() - started) / 1000)} s: ${built}`);
    return built;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function promtoolVersion(bin: string): string {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
}
