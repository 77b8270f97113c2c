// Starts one Temporal dev server and one PostgreSQL for the whole run, in a child process (the
// stack module is ESM-dependent TypeScript, run by tsx), and bundles the workflow code once.
'use strict';
const { spawn } = require('node:child_process');
const { mkdirSync, readFileSync, existsSync, rmSync } = require('node:fs');
const path = require('node:path');

module.exports = async function globalSetup() {
  const root = path.resolve(__dirname, '..', '..');
  const dir = path.join(root, '.data', `test-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const infoFile = path.join(dir, 'stack.json');
  // Drill measurements of this run only: the drill table is rebuilt from them.
  rmSync(path.join(root, '.data', 'drills'), { recursive: true, force: true });
  rmSync(infoFile, { force: true });
  rmSync(`${infoFile}.failed`, { force: true });
  const tsx = require.resolve('tsx/cli', { paths: [root] });
  const child = spawn(process.execPath, [tsx, path.join(__dirname, 'test-stack.ts'), dir, infoFile], {
    cwd: root,
    stdio: ['pipe', 'inherit', 'inherit'],
    detached: false,
  });
  globalThis.__SELFHEAL_STACK__ = child;
  const started = Date.now();
  await new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (existsSync(infoFile)) {
        clearInterval(t);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(t);
        // The holder wrote its reason (one line, saying what to do) to the failure file.
        const failed = `${infoFile}.failed`;
        const reason = existsSync(failed)
          ? readFileSync(failed, 'utf8')
          : `test stack exited with ${child.exitCode} before it was ready`;
        rmSync(dir, { recursive: true, force: true });
        reject(oneLine(reason));
      } else if (Date.now() - started > 600_000) {
        clearInterval(t);
        reject(oneLine('test stack not ready after 10 minutes: see the lines above'));
      }
    }, 200);
  });
  const info = JSON.parse(readFileSync(infoFile, 'utf8'));
  process.env.SELFHEAL_TEST_STACK = infoFile;
  console.log(
    `\ntest stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s: Temporal ${info.temporalAddress}, ` +
      `PostgreSQL port ${info.postgresPort}`,
  );
};

/** An error jest prints as its message alone: the reason is the news, not this file's stack. */
function oneLine(message) {
  const err = new Error(message);
  err.stack = message;
  return err;
}
