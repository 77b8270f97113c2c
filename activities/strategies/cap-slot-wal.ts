import type { Pool } from '../../src/postgres/pool';
import { quoteLiteral } from '../../src/postgres/quote-ident';
import type { Queryable } from '../../src/probes/queryable';
import { readReplicationSlots } from '../../src/probes/replication-slots';
import { retainingSlots } from '../../src/sensor/parts/replication-slots';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { capSlotWalSpec } from '../../src/domain/strategies/specs/cap-slot-wal';
import type { StrategyContext } from '../../src/strategies/strategy';
import { sandboxResult, type Check } from './sandbox-checks';

const RELOAD_WAIT_MS = 5000;

/** A person's cap (execute --param max_slot_wal_keep_size_mb=N), else slot_wal_keep_size_mb. */
function capOf(ctx: StrategyContext<Pool>): number {
  return ctx.params?.max_slot_wal_keep_size_mb ?? ctx.config.slot_wal_keep_size_mb;
}

/**
 * cap_slot_wal: sets max_slot_wal_keep_size (ALTER SYSTEM + reload) so no slot may hold more WAL
 * than slot_wal_keep_size_mb, then CHECKPOINTs so the server acts on it now: a slot past the cap is
 * invalidated and its WAL recycled. The setting is reversible (the compensation restores the exact
 * previous ALTER SYSTEM value, or RESETs it); a slot once lost stays lost even after the RESET, which is
 * why the cap is sized for slots that are already far behind.
 */
export const capSlotWal = defineStrategy(capSlotWalSpec, {
  // Capping and dropping both act on the WAL the slots retain: one of them at a time.
  async sharedTarget() {
    return 'replication_slots';
  },

  async sandbox(ctx) {
    const started = Date.now();
    const slots = retainingSlots(await readReplicationSlots(ctx.db), ctx.config);
    const { rows } = await ctx.db.query<{ alter: boolean; checkpoint: boolean }>(
      `SELECT r.rolsuper OR has_parameter_privilege(current_user, 'max_slot_wal_keep_size', 'ALTER SYSTEM') AS alter,
              r.rolsuper OR pg_has_role(current_user, 'pg_checkpoint', 'MEMBER') AS checkpoint
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    const capMb = capOf(ctx);
    const capBytes = capMb * 1024 * 1024;
    const checks: Check[] = [
      {
        name: 'can_alter_system',
        passed: rows[0]?.alter === true,
        detail: rows[0]?.alter
          ? 'may ALTER SYSTEM SET max_slot_wal_keep_size'
          : 'needs superuser or GRANT ALTER SYSTEM ON PARAMETER max_slot_wal_keep_size',
      },
      {
        name: 'can_checkpoint',
        passed: rows[0]?.checkpoint === true,
        detail: rows[0]?.checkpoint ? 'may CHECKPOINT' : 'needs superuser or pg_checkpoint',
      },
      {
        name: 'cap_below_retention',
        passed: slots.some((s) => s.retained_bytes > capBytes),
        detail: slots.length
          ? `${slots.map((s) => `${s.slot_name} retains ${(s.retained_bytes / 1048576).toFixed(0)} MB`).join(', ')}` +
            `; cap ${capMb} MB`
          : 'no inactive slot retains more than slot_retained_warn_bytes',
      },
    ];
    return sandboxResult('prerequisites', checks, started);
  },

  async plan(ctx) {
    const slots = retainingSlots(await readReplicationSlots(ctx.db), ctx.config);
    return {
      params: { max_slot_wal_keep_size_mb: capOf(ctx) },
      snapshot: { previous: await alterSystemValue(ctx.db) },
      before: { slots },
    };
  },

  async execute(ctx, plan) {
    const mb = Math.trunc(plan.params.max_slot_wal_keep_size_mb);
    await ctx.db.query(`ALTER SYSTEM SET max_slot_wal_keep_size = ${quoteLiteral(`${mb}MB`)}`);
    await reloadUntil(ctx.db, `${mb}`);
    ctx.heartbeat({ step: 'checkpoint' });
    await ctx.db.query('CHECKPOINT');
    const slots = await readReplicationSlots(ctx.db);
    return { success: true, actions_taken: 2, improvement: 0, metadata: { max_slot_wal_keep_size_mb: mb, slots } };
  },

  async verify(ctx, plan) {
    const slots = await readReplicationSlots(ctx.db);
    const left = retainingSlots(slots, ctx.config);
    const before = plan.before.slots;
    return {
      verified: left.length === 0,
      after: { slots },
      detail: before
        .map((b) => {
          const now = slots.find((s) => s.slot_name === b.slot_name);
          return (
            `${b.slot_name}: ${(b.retained_bytes / 1048576).toFixed(0)} MB → ` +
            `${now ? `${(now.retained_bytes / 1048576).toFixed(0)} MB (${now.wal_status ?? '?'})` : 'gone'}`
          );
        })
        .join('; '),
    };
  },

  async compensate(ctx, plan) {
    const snap = plan.snapshot;
    if ((await alterSystemValue(ctx.db)) === snap.previous) return;
    await ctx.db.query(
      snap.previous === null
        ? 'ALTER SYSTEM RESET max_slot_wal_keep_size'
        : `ALTER SYSTEM SET max_slot_wal_keep_size = ${quoteLiteral(snap.previous)}`,
    );
    await ctx.db.query('SELECT pg_reload_conf()');
  },
});

/** The value postgresql.auto.conf gives max_slot_wal_keep_size, or null. */
async function alterSystemValue(db: Queryable): Promise<string | null> {
  const { rows } = await db.query<{ v: string }>(
    `SELECT setting AS v FROM pg_file_settings
      WHERE name = 'max_slot_wal_keep_size' AND sourcefile LIKE '%postgresql.auto.conf' AND applied IS NOT NULL
      ORDER BY seqno DESC LIMIT 1`,
  );
  return rows[0]?.v ?? null;
}

/** pg_reload_conf() signals the postmaster; a new setting shows once it has reloaded. */
async function reloadUntil(db: Queryable, mb: string): Promise<void> {
  await db.query('SELECT pg_reload_conf()');
  const deadline = Date.now() + RELOAD_WAIT_MS;
  while (Date.now() < deadline) {
    const { rows } = await db.query<{ s: string }>(
      "SELECT setting AS s FROM pg_settings WHERE name = 'max_slot_wal_keep_size'",
    );
    if (rows[0]?.s === mb) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`max_slot_wal_keep_size did not become ${mb} MB after pg_reload_conf()`);
}
