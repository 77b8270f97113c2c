import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseWorkerEnv } from '../../src/config/worker-env';
import { runWorker } from '../../src/worker/run-worker';

/**
 * The production worker (what `selfheal worker` runs) in a process of its own, configured by its
 * environment; argv: the workflow bundle, so it does not bundle again. Prints READY when it polls.
 */
async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  await runWorker({
    env: parseWorkerEnv(),
    workflowBundlePath: process.argv[2]!,
    log: () => undefined,
    onReady: () => void process.stdout.write('READY\n'),
  });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error('worker process failed:', err);
    process.exit(1);
  },
);
