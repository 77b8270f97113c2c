/**
 * The per-table sampling path against the database pass, side by side: 10, 100 and 1000 small
 * tables with an index each, all watched, in a scratch database. Per size, the wall time of
 *   - the per-table path as it was (about 13 statements per collection, test/support/per-table-sample.ts),
 *   - sampleCollection once per collection (the pass over one collection, what per-collection guardians do now),
 *   - sampleDatabase once over all of them,
 * as periodic samples (no waiting for counter windows), medians of interleaved rounds.
 *
 *   DATABASE_URL=… npx tsx bench/batched-sensor.ts    (a scratch database is created there and dropped)
 *   npx tsx bench/batched-sensor.ts                   (an embedded PostgreSQL of its own, in a temporary directory)
 *   BENCH_SYNCHRONOUS_COMMIT=off npx tsx bench/…       (the embedded one without waiting for WAL flushes at commit:
 *                                                      the per-table path commits 3 bookkeeping writes per table)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { parseHealingConfig } from '../src/domain/healing-config';
import { startEmbeddedPostgres } from '../src/infra/embedded-postgres';
import { listCollections, type Collection } from '../src/postgres/collections';
import { watchTable } from '../src/postgres/watch-table';
import { migrate } from '../src/postgres/migrate';
import { createPool, type Pool } from '../src/postgres/pool';
import { qualifiedName, quoteIdent } from '../src/postgres/quote-ident';
import { RoundTripCounter } from '../src/probes/round-trip-counter';
import { sampleCollection } from '../src/probes/sample-collection';
import { sampleDatabase } from '../src/probes/sample-database';
import { samplePerTable } from '../test/support/per-table-sample';
import { testAudit } from '../test/support/test-audit';

const SIZES = [10, 100, 1000];
const ROUNDS: Record<number, number> = { 10: 7, 100: 5, 1000: 3 };
const config = parseHealingConfig({});
const periodic = { noWait: true };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function scratchServer(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'selfheal-bench-'));
  const settings: Record<string, string> = process.env.BENCH_SYNCHRONOUS_COMMIT
    ? { synchronous_commit: process.env.BENCH_SYNCHRONOUS_COMMIT }
    : {};
  const pg = await startEmbeddedPostgres({ dataDir: dir, persistent: false, settings });
  return {
    url: pg.url,
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function createTables(pool: Pool, n: number): Promise<Collection[]> {
  const c = await pool.connect();
  try {
    for (let i = 1; i <= n; i++) {
      const name = `bench_t${i}`;
      const t = qualifiedName('public', name);
      await c.query(`CREATE TABLE ${t} (id int PRIMARY KEY, v text NOT NULL)`);
      await c.query(`INSERT INTO ${t} SELECT g, md5(g::text) FROM generate_series(1, 100) g`);
      await c.query(`ANALYZE ${t}`);
      await watchTable(pool, { table: `public.${name}`, name }, testAudit);
    }
  } finally {
    c.release();
  }
  const byNumber = (x: Collection) => Number(x.name.slice('bench_t'.length));
  return (await listCollections(pool))
    .filter((x) => x.name.startsWith('bench_t'))
    .sort((a, b) => byNumber(a) - byNumber(b));
}

async function main(): Promise<void> {
  const server = await scratchServer();
  const dbName = `selfheal_bench_${process.pid}`;
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${quoteIdent(dbName)}`);
  const url = new URL(server.url);
  url.pathname = `/${dbName}`;
  const pool = createPool(url.toString(), 2);
  try {
    await migrate(pool);
    const all = await createTables(pool, Math.max(...SIZES));
    const rows: string[] = [];
    for (const n of SIZES) {
      const cs = all.slice(0, n);
      const times = { perTable: [] as number[], perCollectionPass: [] as number[], database: [] as number[] };
      const trips = { perTable: 0, perCollectionPass: 0, database: 0 };
      // A first pass of each kind stores the counter readings the next ones take rates from.
      await sampleDatabase(pool, cs, config, periodic);
      for (const c of cs) await samplePerTable(pool, c, config, periodic);
      for (let r = 0; r < ROUNDS[n]!; r++) {
        const a = new RoundTripCounter(pool);
        times.perTable.push(
          await timed(async () => {
            for (const c of cs) await samplePerTable(a, c, config, periodic);
          }),
        );
        const b = new RoundTripCounter(pool);
        times.perCollectionPass.push(
          await timed(async () => {
            for (const c of cs) await sampleCollection(b, c, config, periodic);
          }),
        );
        const d = new RoundTripCounter(pool);
        times.database.push(await timed(() => sampleDatabase(d, cs, config, periodic)));
        Object.assign(trips, { perTable: a.round_trips, perCollectionPass: b.round_trips, database: d.round_trips });
      }
      const [p, s, d] = [median(times.perTable), median(times.perCollectionPass), median(times.database)];
      rows.push(
        `| ${String(n).padStart(5)} | ${p.toFixed(1).padStart(9)} (${String(trips.perTable).padStart(5)}) | ` +
          `${s.toFixed(1).padStart(9)} (${String(trips.perCollectionPass).padStart(5)}) ` +
          `| ${d.toFixed(1).padStart(7)} (${String(trips.database).padStart(2)}) | ${(p / d).toFixed(1).padStart(6)}` +
          `× |`,
      );
    }
    const { rows: server } = await pool.query(
      `SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
         current_setting('synchronous_commit') AS synchronous_commit`,
    );
    console.log(
      `PostgreSQL ${server[0].version}, fsync ${server[0].fsync}, synchronous_commit ${server[0].synchronous_commit}`,
    );
    console.log(
      `sensor wall time per sampling of all watched tables, ms (round trips), ` +
        `median of ${SIZES.map((n) => ROUNDS[n]).join('/')} interleaved rounds`,
    );
    console.log('| tables | per-table path    | sampleCollection × N | sampleDatabase | per-table / database |');
    console.log('|-------:|------------------:|------------------:|-------------:|-------:|');
    for (const r of rows) console.log(r);
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(dbName)} WITH (FORCE)`);
    await admin.end();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
