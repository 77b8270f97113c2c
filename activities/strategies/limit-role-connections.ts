import type { z } from 'zod';
import type { Pool } from '../../src/postgres/pool';
import { inRolledBackTransaction } from '../../src/postgres/rolled-back';
import { readConnectionLimit } from '../../src/postgres/role-settings';
import { quoteIdent } from '../../src/postgres/quote-ident';
import { readConnectionUsage } from '../../src/probes/connection-usage';
import { connectionUsagePct } from '../../src/sensor/parts/connection-slots';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { limitRoleConnectionsSpec } from '../../src/domain/strategies/specs/limit-role-connections';
import type { StrategyContext } from '../../src/strategies/strategy';
import { sandboxResult, type Check } from './sandbox-checks';
import { checkCanSignal, signalSession, type SessionRef } from './session-signals';

type Snapshot = z.infer<typeof limitRoleConnectionsSpec.snapshot>;

interface Params {
  role: string;
  limit: number;
  /** Idle sessions of the role to close, longest idle first. */
  close: SessionRef[];
}

const POLL_MS = 100;
const SETTLE_MS = 5000;

/**
 * limit_role_connections: the role holding the most client sessions gets a CONNECTION LIMIT that
 * brings the server back under connection_stress_pct, and enough of its long-idle sessions are
 * closed to get there (a pooler reconnects them within the limit). Reversible: the compensation
 * puts the role's previous limit back exactly. The controller's own role and superusers are never
 * chosen.
 */
export const limitRoleConnections = defineStrategy(limitRoleConnectionsSpec, {
  async sharedTarget(ctx) {
    return (await proposal(ctx))?.params.role ?? null;
  },

  async sandbox(ctx) {
    const started = Date.now();
    const p = await proposal(ctx);
    const checks: Check[] = [await checkCanSignal(ctx.db)];
    if (!p) {
      checks.push({
        name: 'role_to_limit',
        passed: false,
        detail: 'no ordinary role other than the controller holds client sessions',
      });
      return sandboxResult('prerequisites', checks, started);
    }
    // read_only: ALTER ROLE … CONNECTION LIMIT really runs, and a rollback really undoes it.
    const level = 'read_only' as const;
    try {
      await inRolledBackTransaction(ctx.db, (c) =>
        c.query(`ALTER ROLE ${quoteIdent(p.params.role)} CONNECTION LIMIT ${p.params.limit}`),
      );
      checks.push({
        name: 'alter_role_rolled_back',
        passed: true,
        detail: `ALTER ROLE ${p.params.role} CONNECTION LIMIT ${p.params.limit} ran and was rolled back`,
      });
    } catch (err) {
      checks.push({
        name: 'alter_role_rolled_back',
        passed: false,
        detail:
          `ALTER ROLE ${p.params.role} failed: ${(err as Error).message} (needs CREATEROLE with ADMIN ` +
          `OPTION on the role, or superuser)`,
      });
    }
    checks.push({
      name: 'enough_idle_sessions',
      passed: p.params.close.length >= p.excess,
      detail:
        `${p.params.close.length} sessions of ${p.params.role} idle ≥ ${ctx.config.idle_connection_seconds}` +
        ` s; ${p.excess} must close to get under ${ctx.config.connection_stress_pct} %`,
    });
    return sandboxResult(level, checks, started);
  },

  async plan(ctx) {
    const p = await proposal(ctx);
    if (!p) throw new Error('no ordinary role other than the controller holds client sessions');
    const usage = await readConnectionUsage(ctx.db);
    return {
      params: { ...p.params },
      snapshot: { ...p.snapshot },
      before: { used: usage.used, usage_pct: connectionUsagePct(usage), top_roles: usage.top_roles },
    };
  },

  async execute(ctx, plan) {
    const p = plan.params;
    ctx.heartbeat({ step: 'limit connections', target: `role ${p.role}` });
    await ctx.db.query(`ALTER ROLE ${quoteIdent(p.role)} CONNECTION LIMIT ${Math.trunc(p.limit)}`);
    const closed: number[] = [];
    for (const s of p.close) {
      if (ctx.signal.aborted) break;
      // Only while still idle: a session that woke up is doing work and is left alone.
      const idle = await ctx.db.query(
        "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND backend_start = $2::timestamptz AND state = 'idle'",
        [s.pid, s.backend_start],
      );
      if (idle.rows.length && (await signalSession(ctx.db, s, 'terminate'))) closed.push(s.pid);
    }
    const deadline = Date.now() + Math.min(SETTLE_MS, ctx.budgetMs);
    while (closed.length && Date.now() < deadline && !ctx.signal.aborted) {
      const { rows } = await ctx.db.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY ($1::int[])', [closed]);
      if (rows.length === 0) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return {
      success: true,
      actions_taken: 1 + closed.length,
      improvement: 0,
      metadata: { role: p.role, limit: p.limit, closed_pids: closed },
    };
  },

  async verify(ctx, plan) {
    const usage = await readConnectionUsage(ctx.db);
    const pct = connectionUsagePct(usage);
    return {
      verified: pct <= ctx.config.connection_stress_pct,
      after: { used: usage.used, usage_pct: pct, top_roles: usage.top_roles },
      detail:
        `connection slots used ${plan.before.usage_pct.toFixed(0)} % → ${pct.toFixed(0)} % ` +
        `(stress above ${ctx.config.connection_stress_pct} %); ${plan.params.role} limited to ${plan.params.limit}`,
    };
  },

  async compensate(ctx, plan) {
    const snap = plan.snapshot;
    const now = await readConnectionLimit(ctx.db, snap.role);
    if (now === null || now === snap.connection_limit) return;
    await ctx.db.query(`ALTER ROLE ${quoteIdent(snap.role)} CONNECTION LIMIT ${Math.trunc(snap.connection_limit)}`);
  },
});

/** The role to limit, its new limit, and which idle sessions to close. */
async function proposal(
  ctx: StrategyContext<Pool>,
): Promise<{ params: Params; snapshot: Snapshot; excess: number } | null> {
  const usage = await readConnectionUsage(ctx.db);
  const me = (await ctx.db.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u;
  const top = usage.top_roles.find((r) => !r.superuser && r.role !== me && r.role !== '');
  if (!top) return null;
  const usable = Math.max(1, usage.max_connections - usage.reserved);
  const target = Math.floor((usable * ctx.config.connection_stress_pct) / 100) - 1;
  const excess = Math.max(0, usage.used - target);
  const limit = Math.max(1, top.sessions - excess);
  const { rows } = await ctx.db.query<SessionRef>(
    `SELECT a.pid, a.backend_start::text AS backend_start FROM pg_stat_activity a
      WHERE a.usename = $1 AND a.backend_type = 'client backend' AND a.state = 'idle'
        AND a.state_change <= now() - make_interval(secs => $2)
      ORDER BY a.state_change LIMIT $3`,
    [top.role, ctx.config.idle_connection_seconds, excess],
  );
  return {
    params: { role: top.role, limit, close: rows },
    snapshot: { role: top.role, connection_limit: (await readConnectionLimit(ctx.db, top.role)) ?? -1 },
    excess,
  };
}
