import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isExecutable, onPath } from './executables';

/** CLI 1.5.1 = server 1.29.1 + UI 2.42.1: the newest release that `go install pkg@version` accepts. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const PROJECT_TOOLS_BIN = join(PROJECT_ROOT, '.tools', 'bin');

/** Kept outside the clone so a fresh clone (CI, a new checkout) finds the binary built before. */
export function userCacheBin(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'selfheal', `temporal-cli-${TEMPORAL_CLI_VERSION}`);
}

export const INSTALL_HELP = [
  'The Temporal CLI (`temporal`) was not found and could not be built.',
  'Install it in one of these ways, then run the command again:',
  `  - with Go 1.25 or newer: GOBIN=${PROJECT_TOOLS_BIN} go install ${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION}`,
  '  - or download a release from https://github.com/temporalio/cli/releases and put `temporal` on PATH,',
  '  - or set TEMPORAL_CLI=/path/to/temporal, or TEMPORAL_ADDRESS=host:port to use a server you already run.',
].join('\n');

/** Where a usable `temporal` binary is, without building: TEMPORAL_CLI, PATH, .tools/bin, the user cache. */
export function findTemporalCli(): string | undefined {
  const explicit = process.env.TEMPORAL_CLI;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI=${explicit} is not an executable file`);
    return explicit;
  }
  return (
    onPath('temporal') ?? [join(PROJECT_TOOLS_BIN, 'temporal'), join(userCacheBin(), 'temporal')].find(isExecutable)
  );
}

/** Finds the CLI, or builds it with Go into the user cache; either way .tools/bin/temporal works after. */
export function ensureTemporalCli(log: (line: string) => void = (l) => console.error(l)): string {
  const found = findTemporalCli();
  if (found) {
    const local = join(PROJECT_TOOLS_BIN, 'temporal');
    if (found !== local && !isExecutable(local) && found.startsWith(userCacheBin())) linkIntoProject(found);
    return found;
  }
  if (!onPath('go')) throw new Error(INSTALL_HELP);
  const cacheBin = userCacheBin();
  mkdirSync(cacheBin, { recursive: true });
  log(`Building the Temporal CLI v${TEMPORAL_CLI_VERSION} with Go (first time only; takes minutes on 2 cores)…`);
  const started = Date.now();
  const r = spawnSync('go', ['install', `${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION}`], {
    env: {
      ...process.env,
      GOBIN: cacheBin,
      GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local',
      GOFLAGS: process.env.GOFLAGS ?? '-mod=mod',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const built = join(cacheBin, 'temporal');
  if (r.status !== 0 || !isExecutable(built)) {
    throw new Error(
      `go install ${TEMPORAL_CLI_MODULE}@v${TEMPORAL_CLI_VERSION} failed (exit ${r.status ?? r.signal}).\n` +
        `${INSTALL_HELP}`,
    );
  }
  log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s: ${built}`);
  linkIntoProject(built);
  return built;
}

/** .tools/bin/temporal points at the cached build (a 250 MB binary is not copied into every clone). */
function linkIntoProject(bin: string): void {
  const local = join(PROJECT_TOOLS_BIN, 'temporal');
  mkdirSync(PROJECT_TOOLS_BIN, { recursive: true });
  rmSync(local, { force: true }); // a dangling link from a removed cache
  symlinkSync(bin, local);
}

export function temporalCliVersion(bin: string): string {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
}
