import type pg from 'pg';
import type { Collection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { qualifiedName, quoteIdent } from '../postgres/quote-ident';
import { readPartitionCounters, readPartitionLayout } from '../probes/partitions';
import { requireDrillTarget } from './demo-guard';
import { drillSession, ensureDrillRole } from './drill-role';
import { waitUntil, type DrillRun } from './held-fault';

const HOT_ROWS = 500;
const BATCH = 20;
/** Pause between statements, so the drill loads the server without taking both cores. */
const PAUSE_MS = 10;

/**
 * Fault injection for HotspotCongestion: `sessions` ordinary sessions keep updating a fixed set of
 * rows that all live in one partition (a pgbench load weighted 9:1 gave that partition a 0.93
 * share). The load follows the rows: when they move, the hotspot spreads. Held until released;
 * `cleared` resolves once the hot rows no longer sit in one partition.
 */
export async function drillHotspotCongestion(
  pool: Pool,
  databaseUrl: string,
  c: Collection,
  opts: { force?: boolean; sessions?: number } = {},
): Promise<DrillRun> {
  await requireDrillTarget(pool, c, opts.force, 'runs a write load on one of its partitions');
  const layout = await readPartitionLayout(pool, c.table_oid!);
  if (!layout?.key)
    throw new Error(`${c.table_schema}.${c.table_name} is not LIST-partitioned: a hotspot needs partitions`);
  const t = qualifiedName(c.table_schema, c.table_name);
  const key = quoteIdent(layout.key);
  const idCol = (
    await pool.query<{ col: string }>(
      `SELECT a.attname::text AS col FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1 AND i.indisprimary AND a.attname <> $2 LIMIT 1`,
      [c.table_oid, layout.key],
    )
  ).rows[0]?.col;
  if (!idCol) throw new Error('the primary key must be a row id plus the partition key');
  const id = quoteIdent(idCol);
  const hotPartition = (await pool.query<{ p: number }>(`SELECT min(${key})::int AS p FROM ${t}`)).rows[0]!.p;
  const ids = (
    await pool.query<{ id: string }>(`SELECT ${id}::text AS id FROM ${t} WHERE ${key} = $1 ORDER BY ${id} LIMIT $2`, [
      hotPartition,
      HOT_ROWS,
    ])
  ).rows.map((r) => r.id);
  const role = await ensureDrillRole(pool, databaseUrl, c);
  const sessions: pg.Client[] = [];
  for (let i = 0; i < (opts.sessions ?? 2); i++)
    sessions.push(await drillSession(role, `selfheal drill: hot writer ${i + 1}`));
  let stopped = false;
  const loops = sessions.map(async (s) => {
    while (!stopped) {
      // Sorted, so two writers never lock the same rows in opposite orders.
      const batch = Array.from({ length: BATCH }, () => ids[Math.floor(Math.random() * ids.length)]!).sort();
      try {
        // A no-op write of the key: counted as an update where the row lives, and moves nothing.
        await s.query(`UPDATE ${t} SET ${key} = ${key} WHERE ${id} = ANY ($1::int8[])`, [batch]);
      } catch (err) {
        // A row moved by a strategy under our UPDATE (40001) or a deadlock with it (40P01): go on.
        const code = (err as { code?: string }).code;
        if (code !== '40001' && code !== '40P01') return; // terminated (throttled): this writer is gone
      }
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
  });
  // Live once the server's counters show the writes (backends report about once a second).
  const opsOf = async () =>
    (await readPartitionCounters(pool, c.table_oid!)).find((p) => p.value === hotPartition)?.ops ?? 0;
  const startOps = await opsOf();
  try {
    await waitUntil(
      'the hot writes to show in the statistics',
      async () => (await opsOf()) > startOps + 100,
      15_000,
      200,
    );
  } catch (err) {
    stopped = true;
    await Promise.all(loops);
    await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
    throw err;
  }
  const cleared = (async () => {
    while (!stopped) {
      const share = await pool
        .query<{ share: number }>(
          `SELECT max(n)::float8 / sum(n) AS share FROM (SELECT count(*) AS n FROM ${t} WHERE ${id} = ANY ($1::int8[])
            GROUP BY ${key}) x`,
          [ids],
        )
        .then(
          (r) => r.rows[0]?.share ?? 1,
          () => 0,
        );
      if (share < 0.5) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    problem_class: 'HotspotCongestion',
    collection: c.name,
    report: { partition: hotPartition, hot_rows: ids.length, sessions: sessions.length, role: role.role },
    held: {
      cleared,
      release: async () => {
        if (stopped) return;
        stopped = true;
        await Promise.all(loops);
        await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
      },
    },
  };
}
