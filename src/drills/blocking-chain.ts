import type { Collection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { qualifiedName } from '../postgres/quote-ident';
import { readBlockingChains } from '../probes/blocking-chains';
import { requireDrillTarget } from './demo-guard';
import { drillSession, ensureDrillRole } from './drill-role';
import { waitUntil, type DrillRun } from './held-fault';

/**
 * Fault injection for BlockingChain: an ordinary session locks a row and stays idle in transaction
 * (the classic forgotten BEGIN); two more queue behind it for the same row, the second behind the
 * first. Held until the root is ended or the drill is released.
 */
export async function drillBlockingChain(
  pool: Pool,
  databaseUrl: string,
  c: Collection,
  opts: { force?: boolean } = {},
): Promise<DrillRun> {
  await requireDrillTarget(pool, c, opts.force, 'holds a row lock in an idle transaction');
  const t = qualifiedName(c.table_schema, c.table_name);
  const role = await ensureDrillRole(pool, databaseUrl, c);
  const root = await drillSession(role, 'selfheal drill: idle in transaction');
  const waiters = [
    await drillSession(role, 'selfheal drill: waiter 1'),
    await drillSession(role, 'selfheal drill: waiter 2'),
  ];
  const all = [root, ...waiters];
  try {
    await root.query('BEGIN');
    const { rows } = await root.query<{ ctid: string }>(`SELECT ctid::text AS ctid FROM ${t} LIMIT 1 FOR UPDATE`);
    if (!rows[0]) throw new Error(`${t} is empty: nothing to lock`);
    const waiting = waiters.map((w) =>
      w.query(`SELECT 1 FROM ${t} WHERE ctid = $1::tid FOR UPDATE`, [rows[0]!.ctid]).then(
        () => undefined,
        () => undefined,
      ),
    );
    await waitUntil('two sessions queued behind the root', async () => {
      const chains = await readBlockingChains(pool, c.table_oid!, 0);
      return chains.some((ch) => ch.blocked >= 2);
    });
    const rootPid = (root as unknown as { processID: number }).processID;
    let released = false;
    return {
      problem_class: 'BlockingChain',
      collection: c.name,
      report: { root_pid: rootPid, role: role.role, blocked: 2, locked_row: rows[0].ctid },
      held: {
        cleared: Promise.all(waiting).then(() => undefined),
        release: async () => {
          if (released) return;
          released = true;
          await Promise.all(all.map((s) => s.end().catch(() => undefined)));
        },
      },
    };
  } catch (err) {
    await Promise.all(all.map((s) => s.end().catch(() => undefined)));
    throw err;
  }
}
