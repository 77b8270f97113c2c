import { join } from 'node:path';
import { parseWorkerEnv } from './config/worker-env';
import { ensureDemoCollection } from './demo/demo-collection';
import { ensureVectorCollection } from './demo/vector-collection';
import { devAuditKey } from './infra/dev-audit-key';
import { removeRuntimeInfo, writeRuntimeInfo } from './infra/runtime-file';
import { DATA_DIR, startStack } from './infra/stack';
import { migrate } from './postgres/migrate';
import { createPool } from './postgres/pool';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from './domain/workflow-ids';
import { runWorker } from './worker/run-worker';
import { writeWorkflowBundle } from './worker/workflow-bundle';
import { auditSigner } from './postgres/audit-log';

/**
 * `npm start`: the whole system on embedded defaults. Temporal dev server (with UI) and PostgreSQL
 * keep their data under .data/, so a second start finds the attempts and outcomes again. Only this
 * dev stack creates the demo collections; the production entry is `selfheal worker`.
 */
async function main(): Promise<void> {
  const say = (l: string) => console.log(l);
  say('selfheal: starting Temporal and PostgreSQL…');
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nselfheal: stopping…');
    removeRuntimeInfo();
    await stack?.stop();
    say('selfheal: stopped.');
    process.exit(code);
  };
  try {
    stack = await startStack({
      mode: 'persistent',
      temporalPort: Number(process.env.SELFHEAL_TEMPORAL_PORT ?? 7233),
      uiPort: Number(process.env.SELFHEAL_UI_PORT ?? 8233),
      postgresPort: process.env.SELFHEAL_PG_PORT ? Number(process.env.SELFHEAL_PG_PORT) : 54329,
    });
    const env = parseWorkerEnv({
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? DEFAULT_NAMESPACE,
      SELFHEAL_TASK_QUEUE: process.env.SELFHEAL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
      DATABASE_URL: stack.databaseUrl,
      // The embedded UI, so notices link to it too.
      ...(!process.env.SELFHEAL_UI_URL && stack.uiUrl ? { SELFHEAL_UI_URL: stack.uiUrl } : {}),
      SELFHEAL_AUDIT_KEY: process.env.SELFHEAL_AUDIT_KEY ?? devAuditKey(),
    });
    const uiUrl = process.env.SELFHEAL_UI_URL ?? stack.uiUrl;
    const pool = createPool(stack.databaseUrl, 2);
    try {
      const applied = await migrate(pool);
      if (applied.length) say(`selfheal: applied migrations ${applied.join(', ')}`);
      // Signed with the worker's key, as the worker signs the rest of the trail.
      const audit = { signer: auditSigner(env.SELFHEAL_AUDIT_KEY), by: 'selfheal' };
      const demo = await ensureDemoCollection(pool, audit);
      say(`selfheal: collection "${demo.name}" watches ${demo.table_schema}.${demo.table_name}`);
      const vectors = await ensureVectorCollection(pool, audit);
      say(
        `selfheal: collection "${vectors.name}" watches ${vectors.table_schema}.${vectors.table_name} ` +
          `(kind ivf: 4 partitions, centroids, archive)`,
      );
    } finally {
      await pool.end().catch(() => undefined);
    }
    const bundle = await writeWorkflowBundle(join(DATA_DIR, 'build', 'workflow-bundle.js'));
    await runWorker({
      env,
      workflowBundlePath: bundle,
      log: say,
      onReady: () => {
        writeRuntimeInfo({
          temporalAddress: env.TEMPORAL_ADDRESS,
          namespace: env.TEMPORAL_NAMESPACE,
          taskQueue: env.SELFHEAL_TASK_QUEUE,
          databaseUrl: env.DATABASE_URL,
          uiUrl,
          pid: process.pid,
          startedAt: new Date().toISOString(),
        });
        say('');
        say(`  Temporal UI:      ${uiUrl ?? '(external server: open your Temporal UI)'}`);
        say(
          `  Temporal server:  ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE}, ` +
            `task queue ${env.SELFHEAL_TASK_QUEUE})`,
        );
        say(`  PostgreSQL:       ${env.DATABASE_URL.replace(/:[^:@/]*@/, ':****@')}`);
        // The password stays off the terminal; the runtime file (mode 0600) has it.
        say(`  psql:             psql "$(node -p 'require("./.data/runtime.json").databaseUrl')"`);
        say('');
        say('  Try, in another terminal:');
        say('    npx selfheal list                            # the watched collections');
        say('    npx selfheal drill IndexFragmentation demo   # bloat the demo index for real');
        say('    npx selfheal trigger demo                    # heal now (the guardian would within a check interval)');
        say('    npx selfheal history                         # what was done, and whether it was verified');
        say('    npx selfheal watch public.my_table           # guard a table of your own');
        say('');
        say('  Ctrl-C stops everything.');
      },
    });
    await stop(0);
  } catch (err) {
    console.error(`selfheal: ${err instanceof Error ? err.message : String(err)}`);
    await stop(1);
  }
}

// Whatever escapes main is still said as a reason, never as a stack trace.
main().catch((err) => {
  console.error(`selfheal: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
