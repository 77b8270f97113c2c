/**
 * ruvector_healing_status() on a store with a long history, as migration 15 defined it beside the
 * bounded one of migration 18, in one run on one server: COLLECTIONS collections with DAYS days of
 * attempts (ATTEMPTS_PER_DAY each), then ROUNDS interleaved calls of each, medians compared.
 * The two must answer the same.
 *
 *   npx tsx bench/sql-status.ts      (COLLECTIONS=50 DAYS=90 ATTEMPTS_PER_DAY=48 ROUNDS=15)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../src/infra/embedded-postgres';
import { migrate } from '../src/postgres/migrate';
import { sql as m015 } from '../src/postgres/migrations/015-sql-interface';
import { createPool, type Pool } from '../src/postgres/pool';

const COLLECTIONS = Number(process.env.COLLECTIONS ?? 50);
const DAYS = Number(process.env.DAYS ?? 90);
const PER_DAY = Number(process.env.ATTEMPTS_PER_DAY ?? 48);
const ROUNDS = Number(process.env.ROUNDS ?? 15);

/** Migration 15's function, under another name. */
function before(): string {
  const start = m015.indexOf('CREATE FUNCTION ruvector.ruvector_healing_status()');
  const end = m015.indexOf('$fn$;', start) + '$fn$;'.length;
  return m015.slice(start, end).replace('ruvector.ruvector_healing_status()', 'public.status_before()');
}

async function history(pool: Pool): Promise<number> {
  await pool.query(
    `INSERT INTO ruvector.collections (name, table_schema, table_name)
     SELECT 'c' || g, 'public', 'c' || g FROM generate_series(1, $1::int) g`,
    [COLLECTIONS],
  );
  // Every fourth attempt ran a strategy (an outcome), the rest were deferred; one running per collection.
  await pool.query(
    `WITH a AS (
       SELECT c.id AS collection_id, now() - make_interval(secs => i * 86400.0 / $2::int) AS t, i
         FROM ruvector.collections c, generate_series(1, $1::int * $2::int) i),
     o AS (
       INSERT INTO ruvector.healing_outcomes (collection_id, problem_class, problem_details, strategy_name,
          started_at, completed_at, duration_ms, success, verified, initial_lambda)
       SELECT collection_id, 'IndexFragmentation', '{}', 'compact_indexes', t, t + interval '1 minute', 60000,
              i % 8 <> 0, i % 8 <> 0, 0.5
         FROM a WHERE i % 4 = 0
       RETURNING id, collection_id, started_at)
     INSERT INTO ruvector.healing_attempts (workflow_id, run_id, collection_id, trigger, status, strategy_name, reason,
        outcome_id, started_at, completed_at)
     SELECT 'healing-attempt/x', gen_random_uuid()::text, a.collection_id, 'guardian',
            CASE WHEN o.id IS NULL THEN 'Deferred' ELSE 'Completed' END,
            CASE WHEN o.id IS NULL THEN NULL ELSE 'compact_indexes' END, 'bench', o.id, a.t, a.t + interval '1 minute'
       FROM a LEFT JOIN o ON o.collection_id = a.collection_id AND o.started_at = a.t`,
    [DAYS, PER_DAY],
  );
  await pool.query(
    `INSERT INTO ruvector.healing_attempts (workflow_id, run_id, collection_id, trigger, status, started_at)
     SELECT 'healing-attempt/r', gen_random_uuid()::text, id, 'guardian', 'running', now() FROM ruvector.collections`,
  );
  await pool.query('VACUUM ANALYZE ruvector.healing_attempts, ruvector.healing_outcomes');
  return Number((await pool.query('SELECT count(*) AS n FROM ruvector.healing_attempts')).rows[0].n);
}

async function timed(pool: Pool, fn: string): Promise<{ ms: number; rows: unknown[] }> {
  const t = process.hrtime.bigint();
  const { rows } = await pool.query(`SELECT * FROM ${fn}`);
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, rows };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'selfheal-status-'));
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'postgres'), persistent: false });
  const pool = createPool(pg.url, 2);
  try {
    await migrate(pool);
    await pool.query(before());
    const attempts = await history(pool);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < ROUNDS + 2; r++) {
      const old = await timed(pool, 'public.status_before()');
      const now = await timed(pool, 'ruvector.ruvector_healing_status()');
      if (JSON.stringify(old.rows) !== JSON.stringify(now.rows))
        throw new Error(`the two answer differently:\n${JSON.stringify(old.rows[0])}\n${JSON.stringify(now.rows[0])}`);
      // The first two warm the caches.
      if (r >= 2) {
        a.push(old.ms);
        b.push(now.ms);
      }
    }
    console.log(`${COLLECTIONS} collections, ${attempts} attempts over ${DAYS} days; medians of ${ROUNDS} calls each`);
    console.log(`migration 15 (whole history): ${median(a).toFixed(1)} ms`);
    console.log(`migration 18 (bounded):       ${median(b).toFixed(1)} ms`);
    console.log(`ratio: ${(median(a) / median(b)).toFixed(1)}x`);
  } finally {
    await pool.end();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
