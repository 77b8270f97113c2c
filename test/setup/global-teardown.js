'use strict';
module.exports = async function globalTeardown() {
  const child = globalThis.__SELFHEAL_STACK__;
  if (!child || child.exitCode !== null) return;
  await new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    // Closing stdin asks the stack to stop cleanly.
    child.stdin.end();
  });
};
