import { join } from 'node:path';
import { ensureDemoCollection } from './demo/demo-collection';
import { ensureVectorCollection } from './demo/vector-collection';
import { removeRuntimeInfo, writeRuntimeInfo } from './infra/runtime-file';
import { DATA_DIR, startStack, type Stack } from './infra/stack';
import { Client, Connection } from '@temporalio/client';
import { listCollections } from './postgres/collections';
import { migrate } from './postgres/migrate';
import { ensureGuardian } from './temporal/guardian-client';
import { createPool } from './postgres/pool';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from './temporal/task-queue';
import { createSelfhealWorker } from './worker/create-worker';
import { writeWorkflowBundle } from './worker/workflow-bundle';

/**
 * `npm start`: the whole system on embedded defaults. Temporal dev server (with UI) and PostgreSQL
 * keep their data under .data/, so a second start finds the attempts and outcomes again.
 */
async function main(): Promise<void> {
  const say = (l: string) => console.log(l);
  say('selfheal: starting Temporal and PostgreSQL…');
  let stack: Stack;
  try {
    stack = await startStack({
      mode: 'persistent',
      temporalPort: Number(process.env.SELFHEAL_TEMPORAL_PORT ?? 7233),
      uiPort: Number(process.env.SELFHEAL_UI_PORT ?? 8233),
      postgresPort: process.env.SELFHEAL_PG_PORT ? Number(process.env.SELFHEAL_PG_PORT) : 54329,
    });
  } catch (err) {
    // startStack stopped whatever it had started; the reason says what to change.
    console.error(`selfheal: ${reasonOf(err)}`);
    process.exit(1);
  }
  const namespace = process.env.TEMPORAL_NAMESPACE ?? DEFAULT_NAMESPACE;
  const taskQueue = process.env.SELFHEAL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  const pool = createPool(stack.databaseUrl);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nselfheal: stopping…');
    removeRuntimeInfo();
    await pool.end().catch(() => undefined);
    await stack.stop();
    say('selfheal: stopped.');
    process.exit(code);
  };
  try {
    const applied = await migrate(pool);
    if (applied.length) say(`selfheal: applied migrations ${applied.join(', ')}`);
    const demo = await ensureDemoCollection(pool);
    say(`selfheal: collection "${demo.name}" watches ${demo.table_schema}.${demo.table_name}`);
    const vectors = await ensureVectorCollection(pool);
    say(`selfheal: collection "${vectors.name}" watches ${vectors.table_schema}.${vectors.table_name} (IVF-style: 4 partitions, centroids, archive)`);
    const bundle = await writeWorkflowBundle(join(DATA_DIR, 'build', 'workflow-bundle.js'));
    const { worker } = await createSelfhealWorker({ address: stack.temporalAddress, namespace, taskQueue, pool, workflowBundlePath: bundle });
    // One guardian per collection; an existing one (from the last run) is kept.
    const connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection, namespace });
    for (const c of await listCollections(pool)) await ensureGuardian(client, c.name, taskQueue);
    await connection.close();
    writeRuntimeInfo({
      temporalAddress: stack.temporalAddress, namespace, taskQueue, databaseUrl: stack.databaseUrl,
      uiUrl: process.env.SELFHEAL_UI_URL ?? stack.uiUrl, pid: process.pid, startedAt: new Date().toISOString(),
    });
    say('');
    say(`  Temporal UI:      ${process.env.SELFHEAL_UI_URL ?? stack.uiUrl ?? '(external server: open your Temporal UI)'}`);
    say(`  Temporal server:  ${stack.temporalAddress} (namespace ${namespace}, task queue ${taskQueue})`);
    say(`  PostgreSQL:       ${stack.databaseUrl.replace(/:[^:@/]*@/, ':****@')}`);
    say('');
    say('  Try, in another terminal:');
    say('    npx selfheal drill IndexFragmentation demo   # bloat the demo index for real');
    say('    npx selfheal trigger demo                    # heal now (the guardian would within a check interval)');
    say('    npx selfheal history                         # what was done, and whether it was verified');
    say('');
    say('  Ctrl-C stops everything.');
    // Kept for every signal, not once: Ctrl-C reaches this process twice (from the terminal and
    // relayed by tsx), and the second must not kill it before it has stopped what it started.
    let shuttingDown = false;
    const shutdown = () => {
      if (shuttingDown) return;
      shuttingDown = true;
      worker.shutdown();
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
    await worker.run();
    await stop(0);
  } catch (err) {
    console.error(`selfheal: ${reasonOf(err)}`);
    await stop(1);
  }
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Whatever escapes main is still said as a reason, never as a stack trace.
main().catch((err) => {
  console.error(`selfheal: ${reasonOf(err)}`);
  process.exit(1);
});
