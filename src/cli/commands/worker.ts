import { parseWorkerEnv } from '../../config/worker-env';
import { runWorker } from '../../worker/run-worker';

/** `selfheal worker`: the production worker, configured by its environment alone. */
export async function workerCommand(
  argv: string[],
  io: { out: (l: string) => void; err: (l: string) => void },
): Promise<number> {
  if (argv.length) {
    io.err(
      'usage: selfheal worker (configured by the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ' +
        'DATABASE_URL, …; see README, Production)',
    );
    return 2;
  }
  try {
    await runWorker({ env: parseWorkerEnv(), log: io.out });
    return 0;
  } catch (err) {
    io.err(`selfheal worker: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
