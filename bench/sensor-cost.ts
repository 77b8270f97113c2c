/**
 * The sensor's own cost per sample, side by side in one run: a plain table whose btree is only
 * estimated from the statistics (the usual case), the same with the btree a candidate that
 * pgstatindex reads on every sample (its cached reading dropped first), the same with the cached
 * reading reused, and the IVF-style partitioned collection. Ratios against the estimate-only
 * sample. Waits for load windows are not cost and are excluded by the sampler.
 *
 *   DATABASE_URL=… npx tsx bench/sensor-cost.ts      (or with `npm start` running: its runtime file)
 */
import { readFileSync } from 'node:fs';
import { parseHealingConfig } from '../src/domain/healing-config';
import { ensureDemoCollection } from '../src/demo/demo-collection';
import { ensureVectorCollection } from '../src/demo/vector-collection';
import { migrate } from '../src/postgres/migrate';
import { createPool } from '../src/postgres/pool';
import { sampleCollection } from '../src/probes/sample-collection';
import { testAudit } from '../test/support/test-audit';

const ROUNDS = 15;

function databaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  return (JSON.parse(readFileSync('.data/runtime.json', 'utf8')) as { databaseUrl: string }).databaseUrl;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const pool = createPool(databaseUrl(), 4);
  await migrate(pool);
  const plain = await ensureDemoCollection(pool, testAudit, 'bench_plain', 'public', 'bench_plain_items', 200_000);
  const parts = await ensureVectorCollection(pool, testAudit, 'bench_vectors', 'public', 'bench_vectors', 5000);
  // A threshold of 0 % makes every btree a candidate whatever its estimate says.
  const candidate = parseHealingConfig({ index_candidate_min_bytes: 0, index_fragmentation_threshold_pct: 0 });
  const estimated = parseHealingConfig({ index_candidate_min_bytes: 1024 ** 4 });
  const cases = [
    { name: 'plain table, btree estimated only', c: plain, config: estimated, fresh: false },
    { name: 'plain table, btree read by pgstatindex', c: plain, config: candidate, fresh: true },
    { name: "plain table, btree's cached reading reused", c: plain, config: candidate, fresh: false },
    { name: 'partitioned IVF collection (4 lists)', c: parts, config: estimated, fresh: false },
  ];
  const costs = new Map<string, number[]>(cases.map((k) => [k.name, []]));
  // Interleaved rounds, so drift on the machine hits every case alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of cases) {
      if (k.fresh) await pool.query('DELETE FROM ruvector.index_density WHERE table_oid = $1', [k.c.table_oid]);
      costs.get(k.name)!.push((await sampleCollection(pool, k.c, k.config)).sample_cost_ms);
    }
  }
  const base = median(costs.get(cases[0]!.name)!);
  console.log(`sensor cost per sample, median of ${ROUNDS} interleaved rounds`);
  for (const k of cases) {
    const m = median(costs.get(k.name)!);
    console.log(`  ${k.name.padEnd(52)} ${m.toFixed(1).padStart(7)} ms   ×${(m / base).toFixed(2)}`);
  }
  await pool.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
