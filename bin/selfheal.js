#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx selfheal` works straight from a clone with no build step.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const tsx = require.resolve('tsx/cli', { paths: [root] });
const r = spawnSync(process.execPath, [tsx, path.join(root, 'src', 'cli', 'main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
