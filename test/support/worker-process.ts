import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createPool } from '../../src/postgres/pool';
import { createSelfhealWorker } from '../../src/worker/create-worker';

/**
 * A selfheal worker in its own process, so a test can kill it with SIGKILL at any step.
 * argv: temporal address, task queue, database url, workflow bundle path. Prints READY when polling.
 */
async function main(): Promise<void> {
  const [address, taskQueue, databaseUrl, bundle] = process.argv.slice(2) as [string, string, string, string];
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const pool = createPool(databaseUrl, 5);
  const { worker } = await createSelfhealWorker({
    address,
    namespace: 'default',
    taskQueue,
    pool,
    workflowBundlePath: bundle,
    shutdownGraceTime: '1 second',
  });
  const running = worker.run();
  process.stdout.write('READY\n');
  await running;
  await pool.end();
}

main().catch((err) => {
  console.error('worker process failed:', err);
  process.exit(1);
});
