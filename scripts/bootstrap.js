#!/usr/bin/env node
// Runs before `npm start` and `npm test`: installs what a fresh clone lacks (npm packages, the
// Temporal CLI build, and for the tests Temporal's time-skipping test server), so both commands
// work straight after `git clone`. Plain Node: nothing is installed yet.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, statSync, utimesSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    console.error(`bootstrap: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
};

// npm records the installed tree in node_modules/.package-lock.json; reinstall when the lock is newer.
const marker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
const pkg = path.join(root, 'package.json');
const stale =
  !existsSync(marker) || [lock, pkg].some((f) => existsSync(f) && statSync(f).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  console.error('bootstrap: installing npm packages…');
  // `npm install` rather than `npm ci`: it follows the lock too, and tolerates the lock's missing
  // entries for other platforms' optional binaries, which npm ci refuses.
  run('npm', ['install', '--no-audit', '--no-fund']);
  if (existsSync(marker)) utimesSync(marker, new Date(), new Date());
}

if (!process.env.TEMPORAL_ADDRESS) {
  run(process.execPath, [
    require.resolve('tsx/cli', { paths: [root] }),
    path.join(root, 'src', 'infra', 'ensure-temporal-cli.ts'),
  ]);
}

// The workflow tests' time-skipping server (Java jars from Maven Central): `npm test` only.
if (process.env.npm_lifecycle_event === 'pretest') {
  run(process.execPath, [
    require.resolve('tsx/cli', { paths: [root] }),
    path.join(root, 'src', 'infra', 'ensure-temporal-test-server.ts'),
  ]);
}
