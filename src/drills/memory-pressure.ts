import type { Collection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { quoteIdent } from '../postgres/quote-ident';
import { requireDrillTarget } from './demo-guard';
import { drillSession, ensureDrillRole } from './drill-role';
import { waitUntil, type DrillRun } from './held-fault';

/**
 * With work_mem=1MB a sort of 1.2M md5 strings spills 49 MB to temp files; this one spills ~15 MB.
 * Counted, not LIMITed: a LIMIT above it would make it a top-N heapsort that never spills.
 */
const SORT = `EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM (SELECT md5(g::text) AS x
               FROM generate_series(1, 400000) g ORDER BY 1) s`;

function sortMethod(plan: unknown): string {
  const text = JSON.stringify(plan);
  return /"Sort Method":"([^"]+)"/.exec(text)?.[1] ?? 'unknown';
}

/**
 * Fault injection for MemoryPressure: a reporting role is configured with work_mem = 1MB in this
 * database (the misconfiguration), and `sessions` clients keep running a large sort, each on a new
 * connection as a short-lived app would, so every sort spills to temp files. Returns once the first
 * sort has spilled (the fault is there from then on, not from when the sorts began); held until
 * released, and `cleared` resolves once a sort runs in memory again.
 */
export async function drillMemoryPressure(
  pool: Pool,
  databaseUrl: string,
  c: Collection,
  opts: { force?: boolean; sessions?: number } = {},
): Promise<DrillRun> {
  await requireDrillTarget(pool, c, opts.force, 'runs spilling sorts as a drill role');
  const role = await ensureDrillRole(pool, databaseUrl, c);
  const db = (await pool.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
  await pool.query(`ALTER ROLE ${quoteIdent(role.role)} IN DATABASE ${quoteIdent(db)} SET work_mem = '1MB'`);
  let stopped = false;
  let inMemory!: () => void;
  const cleared = new Promise<void>((r) => (inMemory = r));
  let spilled = false;
  const loops = Array.from({ length: opts.sessions ?? 2 }, async (_, i) => {
    while (!stopped) {
      const s = await drillSession(role, `selfheal drill: spilling sort ${i + 1}`).catch(() => null);
      if (!s) return;
      let method = 'none';
      try {
        method = sortMethod((await s.query(SORT)).rows[0]);
      } catch {
        // terminated or cancelled: the next round connects again
      } finally {
        // A backend's temp-file counts reach pg_stat_database by its exit at the latest.
        await s.end().catch(() => undefined);
      }
      if (method.startsWith('external')) spilled = true;
      else if (method !== 'none') inMemory();
    }
  });
  const release = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(loops);
  };
  try {
    await waitUntil('the first sort to spill to temp files', async () => spilled, 60_000);
  } catch (err) {
    await release();
    throw err;
  }
  return {
    problem_class: 'MemoryPressure',
    collection: c.name,
    report: { role: role.role, work_mem: '1MB', sessions: opts.sessions ?? 2 },
    held: { cleared, release },
  };
}
