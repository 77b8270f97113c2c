import type { Collection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { qualifiedName } from '../postgres/quote-ident';
import { readRunawayQueries } from '../probes/runaway-queries';
import { requireDrillTarget } from './demo-guard';
import { drillSession, ensureDrillRole } from './drill-role';
import { waitUntil, type DrillRun } from './held-fault';

/**
 * Fault injection for RunawayQuery: an ordinary session runs a statement on the collection's table
 * that does not end for an hour (it sleeps while holding its lock), like a report gone wrong.
 */
export async function drillRunawayQuery(
  pool: Pool,
  databaseUrl: string,
  c: Collection,
  opts: { force?: boolean; seconds?: number } = {},
): Promise<DrillRun> {
  await requireDrillTarget(pool, c, opts.force, 'runs an endless statement on it');
  const role = await ensureDrillRole(pool, databaseUrl, c);
  const session = await drillSession(role, 'selfheal drill: runaway statement');
  const running = session
    .query(`SELECT count(*) FROM ${qualifiedName(c.table_schema, c.table_name)}, pg_sleep($1::float8)`, [
      opts.seconds ?? 3600,
    ])
    .then(
      () => undefined,
      () => undefined,
    );
  try {
    await waitUntil('the statement to run', async () => (await readRunawayQueries(pool, c.table_oid!, 0)).length > 0);
  } catch (err) {
    await session.end().catch(() => undefined);
    throw err;
  }
  const pid = (session as unknown as { processID: number }).processID;
  let released = false;
  return {
    problem_class: 'RunawayQuery',
    collection: c.name,
    report: { pid, role: role.role },
    held: {
      cleared: running,
      release: async () => {
        if (released) return;
        released = true;
        // A sleeping backend does not notice its client leave: stop the statement first.
        await pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
        await session.end().catch(() => undefined);
      },
    },
  };
}
