import type { Pool } from '../../src/postgres/pool';
import {
  currentDatabase,
  readRoleSetting,
  restoreRoleSetting,
  setRoleSettingSql,
} from '../../src/postgres/role-settings';
import { inRolledBackTransaction } from '../../src/postgres/rolled-back';
import { readTempConsumers, readWorkMemBytes, tempSpillRate } from '../../src/probes/temp-spill';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { tuneWorkMemSpec } from '../../src/domain/strategies/specs/tune-work-mem';
import type { StrategyContext } from '../../src/strategies/strategy';
import { sandboxResult, type Check } from './sandbox-checks';

const POLLS = 20;
const POLL_MS = 100;
/** A sort needs a few times its spilled size in memory; give it that much. */
const HEADROOM = 4;

/**
 * tune_work_mem: the role whose sorts and hashes spill most gets a larger work_mem in this database
 * (ALTER ROLE … IN DATABASE … SET), sized from what its statements spilled and capped by
 * max_work_mem_bytes (it applies per sort node, per session). New sessions of the role take it.
 * Reversible: the role's previous setting (pg_db_role_setting) is restored exactly, or RESET.
 */
export const tuneWorkMem = defineStrategy(tuneWorkMemSpec, {
  async sharedTarget(ctx) {
    return (await topSpiller(ctx))?.role ?? null;
  },

  async sandbox(ctx) {
    const started = Date.now();
    const top = await topSpiller(ctx);
    const checks: Check[] = [];
    if (!top) {
      checks.push({
        name: 'spilling_role',
        passed: false,
        detail:
          'no ordinary role other than the controller is spilling to temp files now (or pg_ls_tmpdir is not ' +
          'allowed: grant pg_monitor)',
      });
      return sandboxResult('prerequisites', checks, started);
    }
    const target = await targetBytes(ctx, top.bytes);
    try {
      await inRolledBackTransaction(ctx.db, async (c) =>
        c.query(setRoleSettingSql(top.role, await currentDatabase(c), 'work_mem', `${Math.floor(target / 1024)}kB`)),
      );
      checks.push({
        name: 'alter_role_rolled_back',
        passed: true,
        detail: `ALTER ROLE ${top.role} SET work_mem = ${Math.floor(target / 1024)}kB ran and was rolled back`,
      });
    } catch (err) {
      checks.push({
        name: 'alter_role_rolled_back',
        passed: false,
        detail: `ALTER ROLE ${top.role} failed: ${(err as Error).message}`,
      });
    }
    return sandboxResult('read_only', checks, started);
  },

  async plan(ctx) {
    const top = await topSpiller(ctx);
    if (!top) throw new Error('no ordinary role is spilling to temp files now');
    const database = await currentDatabase(ctx.db);
    const rate = await tempSpillRate(ctx.db, ctx.collection.id);
    return {
      params: { role: top.role, work_mem_kb: Math.floor((await targetBytes(ctx, top.bytes)) / 1024) },
      snapshot: { role: top.role, database, previous: await readRoleSetting(ctx.db, top.role, database, 'work_mem') },
      before: { temp_bytes_per_s: rate.per_s, largest_spill_bytes: top.bytes },
    };
  },

  async execute(ctx, plan) {
    const snap = plan.snapshot;
    const kb = Math.trunc(plan.params.work_mem_kb);
    await ctx.db.query(setRoleSettingSql(snap.role, snap.database, 'work_mem', `${kb}kB`));
    // Statements already running keep the old work_mem and go on spilling: the verification must
    // not count them against the change, so execute ends once they have (within a bound).
    const waited = await untilOldStatementsEnd(ctx, snap.role, snap.database);
    return {
      success: true,
      actions_taken: 1,
      improvement: 0,
      metadata: { role: snap.role, work_mem_kb: kb, previous: snap.previous, ...waited },
    };
  },

  async verify(ctx, plan) {
    // Only what was written since the new setting took effect.
    const rate = await tempSpillRate(ctx.db, ctx.collection.id, { after: new Date().toISOString() });
    const before = plan.before.temp_bytes_per_s;
    return {
      verified: rate.per_s <= ctx.config.temp_spill_warn_bytes_per_s,
      after: { temp_bytes_per_s: rate.per_s },
      detail:
        `temp-file writes ${mb(before)} → ${mb(rate.per_s)} MB/s ` +
        `(warning above ${mb(ctx.config.temp_spill_warn_bytes_per_s)}); ${plan.params.role} work_mem ` +
        `${plan.params.work_mem_kb} kB`,
    };
  },

  async compensate(ctx, plan) {
    const snap = plan.snapshot;
    await restoreRoleSetting(ctx.db, snap.role, snap.database, 'work_mem', snap.previous);
  },
});

/** At most this long (or half the budget) for the statements that began under the old setting. */
const OLD_STATEMENTS_MAX_MS = 30_000;

async function untilOldStatementsEnd(
  ctx: StrategyContext<Pool>,
  role: string,
  database: string,
): Promise<{ waited_ms: number; old_statements_left: number }> {
  const started = Date.now();
  const changedAt = (await ctx.db.query<{ t: Date }>('SELECT clock_timestamp() AS t')).rows[0]!.t;
  const deadline = started + Math.min(OLD_STATEMENTS_MAX_MS, ctx.budgetMs / 2);
  for (;;) {
    const { rows } = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE usename = $1 AND datname = $2 AND state = 'active' AND query_start < $3 AND pid <> pg_backend_pid()`,
      [role, database, changedAt],
    );
    const left = rows[0]!.n;
    if (left === 0 || Date.now() >= deadline || ctx.signal.aborted)
      return { waited_ms: Date.now() - started, old_statements_left: left };
    ctx.heartbeat({
      step: 'wait for statements begun before the change',
      target: `role ${role}`,
      detail: `${left} left`,
    });
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function mb(b: number): string {
  return (b / 1048576).toFixed(1);
}

async function targetBytes(ctx: StrategyContext<Pool>, spilled: number): Promise<number> {
  const current = await readWorkMemBytes(ctx.db);
  return Math.min(ctx.config.max_work_mem_bytes, Math.max(current * HEADROOM, spilled * HEADROOM));
}

/** The ordinary role (not the controller's) seen holding the most temp-file bytes over a short window. */
async function topSpiller(ctx: StrategyContext<Pool>): Promise<{ role: string; bytes: number } | null> {
  const me = (await ctx.db.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u;
  const best = new Map<string, number>();
  for (let i = 0; i < POLLS; i++) {
    for (const c of await readTempConsumers(ctx.db)) {
      if (c.superuser || c.role === me || c.role === '') continue;
      best.set(c.role, Math.max(best.get(c.role) ?? 0, c.bytes));
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const top = [...best.entries()].sort((a, b) => b[1] - a[1])[0];
  return top ? { role: top[0], bytes: top[1] } : null;
}
