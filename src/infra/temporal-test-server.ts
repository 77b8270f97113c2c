import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isExecutable, onPath } from './executables';

/**
 * Temporal's time-skipping test server, the Java build from Maven Central: the workflow tests
 * (test/workflows) run on it. Its native build is a download the SDK makes from GitHub, which a
 * machine with only package registries cannot reach; Maven Central and a JDK it can.
 */
export const TEMPORAL_TEST_SERVER_VERSION = '1.38.0';
export const TEMPORAL_TEST_SERVER_MAIN = 'io.temporal.testserver.TestServer';

const PROJECT_ROOT = resolve(__dirname, '..', '..');
const POM = join(PROJECT_ROOT, 'scripts', 'temporal-test-server.pom.xml');

/** Beside the Temporal CLI build, outside the clone: a fresh clone finds the jars fetched before. */
export function testServerCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'selfheal', `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}`);
}

/** The executable the SDK starts (`existing-path`): it passes the port as the first argument. */
export function testServerWrapper(dir = testServerCacheDir()): string {
  return join(dir, 'temporal-test-server');
}

export const TEST_SERVER_HELP = [
  `Temporal's time-skipping test server (io.temporal:temporal-test-server:${TEMPORAL_TEST_SERVER_VERSION}) is not ` +
    `cached and could not be fetched.`,
  'The workflow tests (test/workflows) need it. Either:',
  '  - install a JDK (17 or newer) and Maven 3, with Maven Central reachable, and run `npm test` again,',
  '  - or set TEMPORAL_TEST_SERVER=/path/to/temporal-test-server (the native build from the sdk-java releases).',
].join('\n');

function javaFound(): boolean {
  const home = process.env.JAVA_HOME;
  return (home !== undefined && isExecutable(join(home, 'bin', 'java'))) || onPath('java') !== undefined;
}

/** The cached server, if complete: the wrapper is written last, inside a directory renamed into place whole. */
export function findTemporalTestServer(): string | undefined {
  const explicit = process.env.TEMPORAL_TEST_SERVER;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_TEST_SERVER=${explicit} is not an executable file`);
    return explicit;
  }
  const wrapper = testServerWrapper();
  return isExecutable(wrapper) && javaFound() ? wrapper : undefined;
}

/**
 * Finds the test server, or fetches its jars with Maven into the user cache (first time only) and
 * writes the wrapper that runs them. Safe to run from two processes at once: each fetches into a
 * directory of its own and the first rename wins.
 */
export function ensureTemporalTestServer(log: (line: string) => void = (l) => console.error(l)): string {
  const found = findTemporalTestServer();
  if (found) return found;
  if (!javaFound()) throw new Error(`Java was not found (JAVA_HOME or java on PATH).\n${TEST_SERVER_HELP}`);
  if (!onPath('mvn')) throw new Error(`Maven (mvn) was not found on PATH.\n${TEST_SERVER_HELP}`);
  const dir = testServerCacheDir();
  mkdirSync(join(dir, '..'), { recursive: true });
  const staging = mkdtempSync(`${dir}.partial-`);
  try {
    log(`Fetching Temporal's test server ${TEMPORAL_TEST_SERVER_VERSION} (Java) with Maven (first time only)…`);
    const started = Date.now();
    const r = spawnSync(
      'mvn',
      [
        '-q',
        '-B',
        '-Dstyle.color=never',
        '-f',
        POM,
        `-Dtemporal.test-server.version=${TEMPORAL_TEST_SERVER_VERSION}`,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${join(staging, 'lib')}`,
      ],
      // Its output only when it fails: a quiet Maven still prints colour codes.
      { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const jar = `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}.jar`;
    if (r.status !== 0 || !existsSync(join(staging, 'lib', jar))) {
      throw new Error(
        `mvn dependency:copy-dependencies failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}\n` +
          `${TEST_SERVER_HELP}`,
      );
    }
    writeWrapper(staging, dir);
    try {
      renameSync(staging, dir);
    } catch (err) {
      // Another process got there first: its copy is as good as this one.
      if (!isExecutable(testServerWrapper())) throw err;
    }
    log(
      `Fetched the test server in ${Math.round((Date.now() - started) / 1000)} s ` +
        `(${readdirSync(join(dir, 'lib')).length} jars): ${dir}`,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return testServerWrapper();
}

/**
 * `exec`, so the process the SDK kills at teardown is the JVM itself, not a shell that would leave
 * it running. Java is looked up when it runs (JAVA_HOME, else PATH), not frozen at install.
 * The serial collector and a small heap: one server per test file, several at once on two cores.
 */
function writeWrapper(staging: string, finalDir: string): void {
  const wrapper = testServerWrapper(staging);
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      `# Temporal's time-skipping test server ${TEMPORAL_TEST_SERVER_VERSION} (Java), ` +
        `written by selfheal's src/infra/temporal-test-server.ts.`,
      '# Usage: temporal-test-server <port> [--enable-time-skipping]',
      'JAVA=java',
      'if [ -n "$JAVA_HOME" ] && [ -x "$JAVA_HOME/bin/java" ]; then JAVA="$JAVA_HOME/bin/java"; fi',
      `exec "$JAVA" -XX:+UseSerialGC -Xmx384m -XX:TieredStopAtLevel=1 -cp '${join(finalDir, 'lib')}/*' ` +
        `${TEMPORAL_TEST_SERVER_MAIN} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(wrapper, 0o755);
}
