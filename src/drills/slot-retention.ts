import type { Collection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { quoteIdent } from '../postgres/quote-ident';
import { readReplicationSlots } from '../probes/replication-slots';
import { requireDrillTarget } from './demo-guard';
import type { DrillRun } from './held-fault';

/**
 * Fault injection for SlotRetention: a physical replication slot that reserves WAL at once and that
 * no standby ever uses (a decommissioned replica whose slot was left behind), then `mb` MB of WAL
 * written (a table created and dropped), all of it held for the slot. Server-wide: staging only.
 */
export async function drillSlotRetention(
  pool: Pool,
  c: Collection,
  opts: { force?: boolean; mb?: number } = {},
): Promise<DrillRun> {
  await requireDrillTarget(pool, c, opts.force, 'leaves a replication slot holding WAL on its server');
  const slot = `selfheal_drill_${c.name}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 63);
  await pool.query(
    `SELECT pg_create_physical_replication_slot($1, true) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots
      WHERE slot_name = $1)`,
    [slot],
  );
  const scratch = quoteIdent(`${slot}_wal`);
  // About 150 bytes of WAL per row.
  const rows = Math.round(((opts.mb ?? 48) * 1024 * 1024) / 150);
  // CREATE TABLE AS takes no parameters; the row count is a computed integer.
  await pool.query(
    `CREATE TABLE ${scratch} AS SELECT g, md5(g::text) AS a, md5((g + 1)::text) AS b
      FROM generate_series(1, ${Math.trunc(rows)}) g`,
  );
  await pool.query(`DROP TABLE ${scratch}`);
  const held = (await readReplicationSlots(pool)).find((s) => s.slot_name === slot);
  return {
    problem_class: 'SlotRetention',
    collection: c.name,
    report: { slot, retained_bytes: held?.retained_bytes ?? 0 },
    held: null,
  };
}
