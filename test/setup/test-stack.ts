import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStack } from '../../src/infra/stack';
import { writeWorkflowBundle } from '../../src/worker/workflow-bundle';

/**
 * The servers every test shares: an in-memory Temporal dev server and a throwaway embedded
 * PostgreSQL (autovacuum wakes every second so maintenance drills are quick). Runs until its
 * stdin closes, then stops both and removes its data.
 */
async function main(): Promise<void> {
  const [dir, infoFile] = process.argv.slice(2) as [string, string];
  const t0 = Date.now();
  const [stack, bundle] = await Promise.all([
    startStack({
      mode: 'ephemeral',
      dataDir: dir,
      postgresSettings: { autovacuum_naptime: 1, fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: 300 },
    }),
    writeWorkflowBundle(join(dir, 'workflow-bundle.js')),
  ]);
  const stop = async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  process.on('SIGTERM', () => void stop());
  // Written whole, then renamed: the setup polls for this file and must never read half of it.
  writeFileSync(
    `${infoFile}.tmp`,
    JSON.stringify({
      temporalAddress: stack.temporalAddress,
      uiUrl: stack.uiUrl,
      databaseUrl: stack.databaseUrl,
      postgresPort: Number(new URL(stack.databaseUrl).port),
      workflowBundle: bundle,
      startedInMs: Date.now() - t0,
    }),
  );
  renameSync(`${infoFile}.tmp`, infoFile);
}

main().catch((err) => {
  console.error('test stack failed:', err);
  process.exit(1);
});
