import type { z } from 'zod';
import type { Pool } from '../../src/postgres/pool';
import {
  currentDatabase,
  readRoleSetting,
  restoreRoleSetting,
  setRoleSettingSql,
} from '../../src/postgres/role-settings';
import { inRolledBackTransaction } from '../../src/postgres/rolled-back';
import { readBlockingChains } from '../../src/probes/blocking-chains';
import { readRunawayQueries } from '../../src/probes/runaway-queries';
import { sessionChains } from '../../src/sensor/parts/lock-chains';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { setRoleTimeoutsSpec } from '../../src/domain/strategies/specs/set-role-timeouts';
import type { StrategyContext } from '../../src/strategies/strategy';
import { sandboxResult, type Check } from './sandbox-checks';

type Snapshot = z.infer<typeof setRoleTimeoutsSpec.snapshot>;

/**
 * set_role_timeouts: the reversible lever for BlockingChain and RunawayQuery. The role behind the
 * chain's root gets idle_in_transaction_session_timeout and lock_timeout in this database (the role
 * of a runaway statement, statement_timeout), so its next sessions cannot hold locks idle, queue on
 * them, or run, past it.
 * Preventive: sessions already running keep their settings, so it does not end the incident at hand;
 * its own measure is a new session of the role seeing the timeout. The previous setting is restored
 * exactly on rollback.
 */
export const setRoleTimeouts = defineStrategy(setRoleTimeoutsSpec, {
  async sharedTarget(ctx) {
    return (await findTarget(ctx))?.role ?? null;
  },

  async sandbox(ctx) {
    const started = Date.now();
    const target = await findTarget(ctx);
    const checks: Check[] = [];
    if (!target) {
      checks.push({
        name: 'offending_role',
        passed: false,
        detail: `no ordinary role behind a ${ctx.problem.class} now`,
      });
      return sandboxResult('prerequisites', checks, started);
    }
    try {
      await inRolledBackTransaction(ctx.db, async (c) => {
        for (const [name, v] of target.settings)
          await c.query(setRoleSettingSql(target.role, target.database, name, v));
      });
      checks.push({
        name: 'alter_role_rolled_back',
        passed: true,
        detail:
          `ALTER ROLE ${target.role} SET ${target.settings.map(([n, v]) => `${n} = ${v}`).join(', ')}` +
          ` ran and was rolled back`,
      });
    } catch (err) {
      checks.push({
        name: 'alter_role_rolled_back',
        passed: false,
        detail: `ALTER ROLE ${target.role} failed: ${(err as Error).message}`,
      });
    }
    return sandboxResult('read_only', checks, started);
  },

  async plan(ctx) {
    const target = await findTarget(ctx);
    if (!target) throw new Error(`no ordinary role behind a ${ctx.problem.class} now`);
    const settings: Snapshot['settings'] = [];
    for (const [name, v] of target.settings)
      settings.push({ name, value: v, previous: await readRoleSetting(ctx.db, target.role, target.database, name) });
    const snapshot: Snapshot = { role: target.role, database: target.database, settings };
    return {
      params: { role: target.role, settings: settings.map((x) => [x.name, x.value]) },
      snapshot: { ...snapshot },
      before: { settings },
    };
  },

  async execute(ctx, plan) {
    const snap = plan.snapshot;
    for (const x of snap.settings) await ctx.db.query(setRoleSettingSql(snap.role, snap.database, x.name, x.value));
    return {
      success: true,
      actions_taken: snap.settings.length,
      improvement: 0,
      metadata: { role: snap.role, settings: snap.settings },
    };
  },

  async verify(ctx, plan) {
    const snap = plan.snapshot;
    const now = await Promise.all(
      snap.settings.map(async (x) => ({
        ...x,
        stored: await readRoleSetting(ctx.db, snap.role, snap.database, x.name),
      })),
    );
    return {
      verified: now.every((x) => x.stored === x.value),
      after: { settings: now },
      detail:
        `${snap.role} in ${snap.database}: ` +
        `${now.map((x) => `${x.name} ${x.previous ?? '(none)'} → ${x.stored ?? '(none)'}`).join(', ')}; ` +
        `takes effect for its new sessions`,
    };
  },

  async compensate(ctx, plan) {
    const snap = plan.snapshot;
    for (const x of snap.settings) await restoreRoleSetting(ctx.db, snap.role, snap.database, x.name, x.previous);
  },
});

/**
 * What each class calls for: a lock chain, idle transactions cut short and waits
 * that give up instead of queueing; a runaway statement, a statement timeout.
 */
function settingsFor(ctx: StrategyContext<Pool>): [string, string][] {
  if (ctx.problem.class === 'RunawayQuery')
    return [['statement_timeout', `${Math.round(ctx.config.runaway_query_seconds)}s`]];
  return [
    ['idle_in_transaction_session_timeout', `${Math.max(1, Math.round(ctx.config.idle_connection_seconds))}s`],
    ['lock_timeout', `${Math.max(1, Math.round(ctx.config.blocked_session_min_seconds))}s`],
  ];
}

/** The ordinary role at the root of the chain, or running the runaway statement, and the settings it needs. */
async function findTarget(
  ctx: StrategyContext<Pool>,
): Promise<{ role: string; database: string; settings: [string, string][] } | null> {
  const database = await currentDatabase(ctx.db);
  if (ctx.problem.class === 'BlockingChain') {
    const roots = sessionChains(
      await readBlockingChains(ctx.db, ctx.collection.table_oid, ctx.config.blocked_session_min_seconds),
    ).filter((c) => !c.root_superuser && c.root_user);
    return roots[0] ? { role: roots[0].root_user, database, settings: settingsFor(ctx) } : null;
  }
  if (ctx.problem.class === 'RunawayQuery') {
    const q = (await readRunawayQueries(ctx.db, ctx.collection.table_oid, ctx.config.runaway_query_seconds)).filter(
      (r) => !r.superuser && r.user_name,
    );
    return q[0] ? { role: q[0].user_name, database, settings: settingsFor(ctx) } : null;
  }
  return null;
}
