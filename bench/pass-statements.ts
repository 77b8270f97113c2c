/**
 * The database time of one guardian pass (guardDatabase, the activity alone, no Temporal), per
 * statement: N tables (each with an index over 1 MiB, as bench/scale.ts makes them), a few passes
 * to settle, then PASSES measured ones, from pg_stat_statements, beside the floor of scale.ts.
 *
 *   npx tsx bench/pass-statements.ts      (PASS_TABLES=1000 PASSES=5; DATABASE_URL to use a running server)
 *
 * Quicker than scale.ts for finding which statements dominate; scale.ts remains the measure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabasePassActivities } from '../activities/database-pass';
import { startEmbeddedPostgres } from '../src/infra/embedded-postgres';
import { migrate } from '../src/postgres/migrate';
import { storeHealingConfig } from '../src/postgres/outcome-store';
import { createPool } from '../src/postgres/pool';
import { syncWatchedTables } from '../src/postgres/sync-watched';
import { saveWatchRule } from '../src/postgres/watch-rules';
import { FLOOR, makeTables } from './scale-tables';
import { testAudit } from '../test/support/test-audit';

const N = Number(process.env.PASS_TABLES ?? 1000);
const PASSES = Number(process.env.PASSES ?? 5);

async function main(): Promise<void> {
  let stop = async () => undefined as void;
  let url = process.env.DATABASE_URL;
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), 'selfheal-pass-'));
    const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'postgres'), persistent: false });
    url = pg.url;
    stop = async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const admin = createPool(url, 2);
  try {
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const database = `pass_${N}`;
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount;
    const u = new URL(url);
    u.pathname = `/${database}`;
    if (!exists) await admin.query(`CREATE DATABASE ${database}`);
    const pool = createPool(u.toString(), 4);
    try {
      if (!exists) {
        await migrate(pool);
        process.stderr.write(`pass: ${N} tables…\n`);
        await makeTables(pool, N);
        await saveWatchRule(pool, {}, testAudit);
        await syncWatchedTables(pool, testAudit.signer);
        await storeHealingConfig(pool, '*', { check_interval: 30 });
      } else {
        await migrate(pool);
      }
      const acts = createDatabasePassActivities(pool, testAudit.signer);
      const names = (
        await pool.query<{ name: string }>(
          'SELECT name FROM ruvector.collections WHERE unwatched_at IS NULL ORDER BY name',
        )
      ).rows.map((r) => r.name);
      const pass = () => acts.guardDatabase({ due: 'all', known: names });
      for (let i = 0; i < 3; i++) await pass();
      // Each pass read alone too: on a busy machine the median says more than the mean.
      const totals: number[] = [];
      const byQuery = new Map<string, { ms: number; calls: number; rows: number; min: number; max: number }>();
      let last;
      for (let i = 0; i < PASSES; i++) {
        await admin.query('SELECT pg_stat_statements_reset()');
        last = await pass();
        const { rows } = await admin.query<{ ms: number; calls: number; rows: number; query: string }>(
          `SELECT total_exec_time::float8 AS ms, calls::float8 AS calls, rows::float8 AS rows, query
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname = $1 AND s.query NOT LIKE '%pg_stat_statements%'`,
          [database],
        );
        totals.push(rows.reduce((n, r) => n + r.ms, 0));
        for (const r of rows) {
          const b = byQuery.get(r.query) ?? { ms: 0, calls: 0, rows: 0, min: Infinity, max: 0 };
          byQuery.set(r.query, {
            ms: b.ms + r.ms,
            calls: b.calls + r.calls,
            rows: b.rows + r.rows,
            min: Math.min(b.min, r.ms),
            max: Math.max(b.max, r.ms),
          });
        }
      }
      const rows = [...byQuery].map(([query, b]) => ({ query, ...b })).sort((a, b) => b.ms - a.ms);
      const median = [...totals].sort((a, b) => a - b)[Math.floor(totals.length / 2)]!;
      const total = rows.reduce((n, r) => n + r.ms, 0) / PASSES;
      // The floor as scale.ts times it (five runs, mean), and its median run.
      const floors: number[] = [];
      for (let i = 0; i < 5; i++) {
        await admin.query('SELECT pg_stat_statements_reset()');
        await pool.query(FLOOR);
        floors.push(
          (
            await admin.query<{ ms: number }>(
              `SELECT coalesce(sum(total_exec_time), 0)::float8 AS ms FROM pg_stat_statements s
                JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 AND s.query NOT LIKE '%pg_stat_statements%'`,
              [database],
            )
          ).rows[0]!.ms,
        );
      }
      const floor = floors.reduce((a, b) => a + b, 0) / floors.length;
      const floorMedian = [...floors].sort((a, b) => a - b)[2]!;
      console.log(
        `${N} tables, ${PASSES} passes: ${total.toFixed(1)} ms DB time per pass (median ${median.toFixed(1)}, min ` +
          `${Math.min(...totals).toFixed(1)}), floor ${floor.toFixed(1)} ms (median ${floorMedian.toFixed(1)}; ` +
          `${(total / floor).toFixed(1)}×, medians ${(median / floorMedian).toFixed(1)}×), ` +
          `${rows.reduce((n, r) => n + r.calls, 0) / PASSES} statements per pass, ` +
          `round_trips ${last?.cost.round_trips}`,
      );
      console.log('| ms/pass | calls/pass | rows/call | min–max ms/pass | query |\n|---|---|---|---|---|');
      for (const r of rows) {
        const q = r.query
          .replace(/\s+/g, ' ')
          .slice(0, Number(process.env.PASS_QUERY_CHARS ?? 140))
          .replace(/\|/g, '\\|');
        console.log(
          `| ${(r.ms / PASSES).toFixed(2)} | ${(r.calls / PASSES).toFixed(1)} | ` +
            `${(r.rows / Math.max(1, r.calls)).toFixed(0)} | ${r.min.toFixed(1)}–${r.max.toFixed(1)} | ${q} |`,
        );
      }
    } finally {
      await pool.end();
    }
  } finally {
    await admin.end();
    await stop();
  }
}

main().catch((err) => {
  console.error(`pass: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
