import type { HealingConfig } from '../domain/healing-config';
import type { Collection } from '../postgres/collections';
import { withClient, type Pool } from '../postgres/pool';
import { readTableStats } from '../probes/table-stats';
import { requireDrillTarget } from './demo-guard';
import type { DrillRun } from './held-fault';

/** Burning more than this would take minutes; a drill asks for low thresholds instead. */
const MAX_BURN = 20_000_000;
const CHUNK = 100_000;

/**
 * Fault injection for WraparoundRisk: consumes transaction IDs (subtransactions that each write, so
 * each takes an XID; about 120k in 0.39 s) until the table's age(relfrozenxid) sits between
 * the collection's xid_age_warn and xid_age_critical. Nothing is kept: every subtransaction rolls
 * back. Real thresholds are hundreds of millions, so a drill needs them configured low first.
 */
export async function drillWraparoundRisk(
  pool: Pool,
  c: Collection,
  config: HealingConfig,
  opts: { force?: boolean } = {},
): Promise<DrillRun> {
  await requireDrillTarget(pool, c, opts.force, 'ages every table of the server by consuming transaction IDs');
  const before = await readTableStats(pool, c.table_oid!);
  const target = Math.round((config.xid_age_warn + config.xid_age_critical) / 2);
  const burn = Math.max(0, target - before.xid_age);
  if (burn > MAX_BURN) {
    throw new Error(
      `the table is ${before.xid_age} XIDs old; reaching ${target} would burn ${burn} XIDs. For a drill, ` +
        `lower the thresholds first: ` +
        `selfheal configure ${c.name} '{"xid_age_warn":100000,"xid_age_critical":1000000}'`,
    );
  }
  const started = Date.now();
  await withClient(pool, async (db) => {
    await db.query('CREATE TEMP TABLE IF NOT EXISTS selfheal_xid_burn (i int)');
    for (let left = burn; left > 0; left -= CHUNK) {
      await db.query(
        `DO $$ BEGIN
           FOR i IN 1..${Math.min(CHUNK, left)} LOOP
             BEGIN INSERT INTO selfheal_xid_burn VALUES (i); RAISE EXCEPTION USING ERRCODE = 'P0001';
             EXCEPTION WHEN raise_exception THEN NULL; END;
           END LOOP;
         END $$`,
      );
    }
    await db.query('DROP TABLE IF EXISTS selfheal_xid_burn');
  });
  const after = await readTableStats(pool, c.table_oid!);
  return {
    problem_class: 'WraparoundRisk',
    collection: c.name,
    report: {
      xids_burned: burn,
      xid_age_before: before.xid_age,
      xid_age_after: after.xid_age,
      xid_age_warn: config.xid_age_warn,
      burn_ms: Date.now() - started,
    },
    held: null,
  };
}
