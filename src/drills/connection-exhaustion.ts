import type pg from 'pg';
import type { Collection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { readConnectionUsage } from '../probes/connection-usage';
import { requireDrillTarget } from './demo-guard';
import { drillSession, ensureDrillRole } from './drill-role';
import type { DrillRun } from './held-fault';

/**
 * Fault injection for ConnectionExhaustion: an ordinary role opens idle sessions (a pool sized for a
 * bigger server) until the server's usable slots are `targetPct` taken. Server-wide: use it on a
 * staging server, never on one others share. Held until healed or released.
 */
export async function drillConnectionExhaustion(
  pool: Pool,
  databaseUrl: string,
  c: Collection,
  opts: { force?: boolean; targetPct?: number } = {},
): Promise<DrillRun> {
  await requireDrillTarget(pool, c, opts.force, "fills the server's connection slots");
  const role = await ensureDrillRole(pool, databaseUrl, c);
  const usage = await readConnectionUsage(pool);
  const usable = usage.max_connections - usage.reserved;
  const want = Math.ceil((usable * (opts.targetPct ?? 95)) / 100) - usage.used;
  const sessions: pg.Client[] = [];
  let firstEnded!: () => void;
  const cleared = new Promise<void>((r) => (firstEnded = r));
  try {
    for (let i = 0; i < want; i++) {
      const s = await drillSession(role, `selfheal drill: idle session ${i + 1}`);
      s.on('end', () => firstEnded());
      sessions.push(s);
    }
  } catch (err) {
    await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
    throw err;
  }
  const after = await readConnectionUsage(pool);
  let released = false;
  return {
    problem_class: 'ConnectionExhaustion',
    collection: c.name,
    report: { role: role.role, opened: sessions.length, used: after.used, usable },
    held: {
      cleared,
      release: async () => {
        if (released) return;
        released = true;
        await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
      },
    },
  };
}
