import pg from 'pg';
import type { Collection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { qualifiedName, quoteIdent } from '../postgres/quote-ident';
import { readStandbySelf, standbyNameOnPrimary } from '../probes/standby-identity';
import { readStandbys } from '../probes/standbys';
import { requireDrillTarget } from './demo-guard';
import { waitUntil, type DrillRun } from './held-fault';

/**
 * Fault injection for ReplicationLag: WAL replay is paused on the standby, then the
 * primary writes a burst (the collection's rows rewritten), so the standby falls tens of MB behind.
 * It stays behind until its replay is resumed.
 */
export async function drillReplicationLag(
  pool: Pool,
  standbyUrl: string,
  c: Collection,
  opts: { force?: boolean } = {},
): Promise<DrillRun> {
  await requireDrillTarget(pool, c, opts.force, 'pauses replay on a standby and rewrites its rows');
  const standby = new pg.Client({ connectionString: standbyUrl });
  standby.on('error', () => undefined);
  await standby.connect();
  let name = '';
  try {
    name = standbyNameOnPrimary(await readStandbySelf(standby), await readStandbys(pool));
    await standby.query('SELECT pg_wal_replay_pause()');
  } finally {
    await standby.end().catch(() => undefined);
  }
  const t = qualifiedName(c.table_schema, c.table_name);
  const cols = (
    await pool.query<{ a: string }>(
      `SELECT a.attname::text AS a FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND ty.typcategory = 'S' ORDER BY a.attnum LIMIT 1`,
      [c.table_oid],
    )
  ).rows[0]?.a;
  if (!cols) throw new Error(`${t} has no text column to rewrite`);
  const col = quoteIdent(cols);
  await pool.query(`UPDATE ${t} SET ${col} = ${col}`);
  await waitUntil(
    'the primary to see the standby behind',
    async () =>
      (await readStandbys(pool)).some((r) => r.application_name === name && r.replay_gap_bytes > 4 * 1024 * 1024),
    30_000,
    200,
  );
  const gap = (await readStandbys(pool)).find((r) => r.application_name === name)?.replay_gap_bytes ?? 0;
  return {
    problem_class: 'ReplicationLag',
    collection: c.name,
    report: { standby: name, replay_paused: true, replay_gap_bytes: gap },
    held: null,
  };
}
