import { join } from 'node:path';
import { startStack } from '../../src/infra/stack';
import { writeWorkflowBundle } from '../../src/worker/workflow-bundle';
import { holdUntilReleased, runHolder } from './hold-until-released';

/**
 * The servers every test shares: an in-memory Temporal dev server and a throwaway embedded
 * PostgreSQL (autovacuum wakes every second so maintenance drills are quick). Runs until its
 * stdin closes, then stops both and removes its data.
 */
async function main(dir: string, infoFile: string): Promise<void> {
  const t0 = Date.now();
  const [stack, bundle] = await Promise.all([
    startStack({
      mode: 'ephemeral',
      dataDir: dir,
      postgresSettings: {
        autovacuum_naptime: 1,
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
        max_connections: 300,
      },
    }),
    writeWorkflowBundle(join(dir, 'workflow-bundle.js')),
  ]);
  const info = {
    temporalAddress: stack.temporalAddress,
    uiUrl: stack.uiUrl,
    databaseUrl: stack.databaseUrl,
    postgresPort: Number(new URL(stack.databaseUrl).port),
    workflowBundle: bundle,
    startedInMs: Date.now() - t0,
  };
  holdUntilReleased(dir, infoFile, info, () => stack.stop());
}

runHolder('test stack', main);
