import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseWorkerEnv } from '../../src/config/worker-env';
import { runWorker } from '../../src/worker/run-worker';

/**
 * The production worker (runWorker, configured by its environment) in a process of its own, so a
 * test can stop it with SIGTERM or kill it with SIGKILL. argv: the workflow bundle. Prints
 * `READY <http port>` once it polls.
 */
async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  await runWorker({
    env: parseWorkerEnv(),
    workflowBundlePath: process.argv[2]!,
    log: (l) => process.stderr.write(`${l}\n`),
    onReady: ({ httpPort }) => void process.stdout.write(`READY ${httpPort}\n`),
  });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error('production worker failed:', err);
    process.exit(1);
  },
);
