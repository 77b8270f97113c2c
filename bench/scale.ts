/**
 * Guarding 10, 100 and 1,000 tables (each with an index over 1 MiB) of one database at a 30 s
 * interval, side by side in one run: CPU of the worker, of Temporal and of PostgreSQL, database time
 * per round (pg_stat_statements), the same for one bare catalog pass over all the tables (the
 * floor), and how long `selfheal list` and `selfheal status` take. For 10 and 100 tables the
 * per-table guardians of the earlier version run too, as the baseline.
 *
 *   npx tsx bench/scale.ts                 (BENCH_SIZES=10,100,1000 BENCH_WINDOW_S=60 BENCH_BASELINE_MAX=100)
 *
 * It starts its own Temporal dev server and PostgreSQL, and removes them when it ends.
 */
import { Client, Connection } from '@temporalio/client';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli/main';
import { startStack } from '../src/infra/stack';
import { migrate } from '../src/postgres/migrate';
import { storeHealingConfig } from '../src/postgres/outcome-store';
import { createPool, type Pool } from '../src/postgres/pool';
import { syncWatchedTables } from '../src/postgres/sync-watched';
import { saveWatchRule } from '../src/postgres/watch-rules';
import { databaseGuardianStatus, databaseGuardianWorkflowId, ensureGuardian } from '../src/temporal/guardian-client';
import { collectionGuardianWorkflowId } from '../src/domain/workflow-ids';
import { createSelfhealWorker } from '../src/worker/create-worker';
import { writeWorkflowBundle } from '../src/worker/workflow-bundle';
import { FLOOR, makeTables } from './scale-tables';
import { testAudit } from '../test/support/test-audit';

const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 60);
const BASELINE_MAX = Number(process.env.BENCH_BASELINE_MAX ?? 100);
const INTERVAL_S = 30;
const TICKS = 100;

/** utime+stime (and, for the postmaster, its exited children's) of a process and its descendants, in seconds. */
function cpuSeconds(rootPid: number, withExitedChildren: boolean): number {
  const stats = new Map<number, { ppid: number; t: number; c: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(d), { ppid: Number(f[1]), t: Number(f[11]) + Number(f[12]), c: Number(f[13]) + Number(f[14]) });
    } catch {
      // Gone meanwhile.
    }
  }
  let total = 0;
  const walk = (pid: number, root: boolean) => {
    const s = stats.get(pid);
    if (!s) return;
    total += s.t + (root && withExitedChildren ? s.c : 0);
    for (const [p, x] of stats) if (x.ppid === pid) walk(p, false);
  };
  walk(rootPid, true);
  return total / TICKS;
}

function pidOf(match: (cmd: string) => boolean): number {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (match(readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' '))) return Number(d);
    } catch {
      // Gone meanwhile.
    }
  }
  throw new Error('process not found');
}

async function dbTimeMs(admin: Pool, database: string, exclude?: string): Promise<{ ms: number; calls: number }> {
  const { rows } = await admin.query<{ ms: number; calls: number }>(
    `SELECT coalesce(sum(total_exec_time), 0)::float8 AS ms, coalesce(sum(calls), 0)::float8 AS calls
      FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = $1 AND ($2::text IS NULL OR s.query NOT LIKE $2)`,
    [database, exclude ?? null],
  );
  return rows[0]!;
}

/** BENCH_TOP=1: the statements of the window, heaviest first, per round (stderr, so the table stays clean). */
async function printTop(admin: Pool, database: string, rounds: number, label: string): Promise<void> {
  const limit = Number(process.env.BENCH_TOP) > 1 ? Number(process.env.BENCH_TOP) : 40;
  const { rows } = await admin.query<{ ms: number; calls: number; rows: number; query: string }>(
    `SELECT total_exec_time::float8 AS ms, calls::float8 AS calls, rows::float8 AS rows, query FROM pg_stat_statements s
      JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = $1 AND s.query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT $2`,
    [database, limit],
  );
  process.stderr.write(`\nbench: top statements, ${label} (per round over ${rounds.toFixed(2)} rounds)\n`);
  process.stderr.write('| ms/round | calls/round | rows/call | query |\n|---|---|---|---|\n');
  for (const r of rows) {
    const q = r.query.replace(/\s+/g, ' ').slice(0, 160).replace(/\|/g, '\\|');
    process.stderr.write(
      `| ${(r.ms / rounds).toFixed(2)} | ${(r.calls / rounds).toFixed(1)} | ` +
        `${(r.rows / Math.max(1, r.calls)).toFixed(0)} | ${q} |\n`,
    );
  }
}

interface Row {
  n: number;
  mode: string;
  worker: number;
  temporal: number;
  postgres: number;
  dbPerRound: number;
  floor: number;
  list_s: number | null;
  status_s: number | null;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'selfheal-bench-'));
  const stack = await startStack({ mode: 'ephemeral', dataDir: dir, log: () => undefined });
  const bundle = await writeWorkflowBundle(join(dir, 'bundle.js'));
  const temporalPid = pidOf((c) => c.includes('start-dev') && c.includes(stack.temporalAddress.split(':')[1]!));
  const admin = createPool(stack.databaseUrl, 2);
  // The postmaster is the parent of any backend.
  const backend = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const postmasterPid = Number(readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const rows: Row[] = [];
  try {
    for (const n of SIZES) {
      const database = `bench_${n}`;
      await admin.query(`CREATE DATABASE ${database}`);
      const url = new URL(stack.databaseUrl);
      url.pathname = `/${database}`;
      const pool = createPool(url.toString(), 10);
      await migrate(pool);
      process.stderr.write(`bench: ${n} tables…\n`);
      await makeTables(pool, n);
      await saveWatchRule(pool, {}, testAudit);
      await syncWatchedTables(pool, testAudit.signer);
      await storeHealingConfig(pool, '*', { check_interval: INTERVAL_S });
      const modes = n <= BASELINE_MAX ? ['per-table guardians (before)', 'database guardian'] : ['database guardian'];
      for (const mode of modes) {
        const taskQueue = `bench-${n}-${mode.startsWith('per') ? 'old' : 'new'}`;
        const { worker, connection: native } = await createSelfhealWorker({
          address: stack.temporalAddress,
          namespace: 'default',
          taskQueue,
          pool,
          workflowBundlePath: bundle,
        });
        const running = worker.run();
        const names = (
          await pool.query<{ name: string }>('SELECT name FROM ruvector.collections ORDER BY name')
        ).rows.map((r) => r.name);
        if (mode.startsWith('per')) {
          for (const c of names)
            await client.workflow.start('collectionGuardian', {
              taskQueue,
              workflowId: collectionGuardianWorkflowId(c),
              args: [{ collection: c }],
            });
        } else {
          await ensureGuardian(client, database, taskQueue);
        }
        // One interval to settle (first samples, counter windows), then the measured window.
        await new Promise((r) => setTimeout(r, INTERVAL_S * 1000 + 5000));
        await admin.query('SELECT pg_stat_statements_reset()');
        const before = {
          w: process.cpuUsage(),
          t: cpuSeconds(temporalPid, false),
          p: cpuSeconds(postmasterPid, true),
          at: Date.now(),
        };
        await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
        const w = process.cpuUsage(before.w);
        const secs = (Date.now() - before.at) / 1000;
        const db = await dbTimeMs(admin, database, '%pg_stat_statements%');
        if (process.env.BENCH_TOP) await printTop(admin, database, secs / INTERVAL_S, `${n} tables, ${mode}`);
        const share = (x: number) => (100 * x) / secs;
        let list: number | null = null;
        let status: number | null = null;
        if (!mode.startsWith('per')) {
          const env = {
            TEMPORAL_ADDRESS: stack.temporalAddress,
            DATABASE_URL: url.toString(),
            SELFHEAL_TASK_QUEUE: taskQueue,
          };
          const saved = { ...process.env };
          Object.assign(process.env, env);
          const quiet = { out: () => undefined, err: (l: string) => process.stderr.write(`${l}\n`) };
          let t0 = Date.now();
          await runCli(['list', '--json'], quiet);
          list = (Date.now() - t0) / 1000;
          t0 = Date.now();
          await runCli(['status', '--json'], quiet);
          status = (Date.now() - t0) / 1000;
          process.env = saved;
          const view = await databaseGuardianStatus(client, database);
          process.stderr.write(`bench: last pass ${JSON.stringify(view?.last_pass_cost)}\n`);
        }
        // The floor: the bare catalog pass, timed by the server the same way.
        // Each run read alone (their mean is the floor), so that BENCH_TOP shows how much they vary.
        const floors: number[] = [];
        for (let i = 0; i < 5; i++) {
          await admin.query('SELECT pg_stat_statements_reset()');
          await pool.query(FLOOR);
          floors.push((await dbTimeMs(admin, database, '%pg_stat_statements%')).ms);
        }
        const floor = floors.reduce((a, b) => a + b, 0) / floors.length;
        if (process.env.BENCH_TOP)
          process.stderr.write(`bench: floor runs ${floors.map((f) => f.toFixed(1)).join(', ')} ms\n`);
        rows.push({
          n,
          mode,
          worker: share((w.user + w.system) / 1e6),
          temporal: share(cpuSeconds(temporalPid, false) - before.t),
          postgres: share(cpuSeconds(postmasterPid, true) - before.p),
          dbPerRound: db.ms / (secs / INTERVAL_S),
          floor,
          list_s: list,
          status_s: status,
        });
        if (mode.startsWith('per')) {
          for (const c of names)
            await client.workflow
              .getHandle(collectionGuardianWorkflowId(c))
              .terminate('bench')
              .catch(() => undefined);
        } else {
          await client.workflow
            .getHandle(databaseGuardianWorkflowId(database))
            .terminate('bench')
            .catch(() => undefined);
        }
        worker.shutdown();
        await running;
        await native.close();
      }
      await pool.end();
    }
  } finally {
    await connection.close();
    await admin.end();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\n${WINDOW_S} s measured per row after one settling interval; check_interval ${INTERVAL_S}` +
      ` s; CPU in % of one core`,
  );
  console.log(
    '| tables | guarding | worker | Temporal | PostgreSQL | total | DB ms / round | floor ms | ratio to floor | ' +
      'list s | status s |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const total = r.worker + r.temporal + r.postgres;
    console.log(
      `| ${r.n} | ${r.mode} | ${r.worker.toFixed(1)} | ${r.temporal.toFixed(1)} | ${r.postgres.toFixed(1)} | ` +
        `${total.toFixed(1)} | ${r.dbPerRound.toFixed(1)} | ${r.floor.toFixed(1)} | ` +
        `${(r.dbPerRound / r.floor).toFixed(1)}× | ${r.list_s?.toFixed(2) ?? '-'} | ${r.status_s?.toFixed(2) ?? '-'} |`,
    );
  }
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
