import type { Pool } from '../../src/postgres/pool';
import { quoteIdent } from '../../src/postgres/quote-ident';
import { inRolledBackTransaction } from '../../src/postgres/rolled-back';
import { readConnectionLimit } from '../../src/postgres/role-settings';
import { measureWriteRate } from '../../src/probes/write-rate';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { throttleIngestionSpec } from '../../src/domain/strategies/specs/throttle-ingestion';
import type { StrategyContext } from '../../src/strategies/strategy';
import { sandboxResult, type Check } from './sandbox-checks';
import { checkCanSignal, signalSession, type SessionRef } from './session-signals';

/** Throttle 50 % under stress, 90 % when critical. */
export function throttlePct(state: string): number {
  return state === 'critical' ? 90 : state === 'stress' ? 50 : 0;
}

/**
 * throttle_ingestion: the role writing to the collection with the most sessions may keep
 * only (100 − throttle) % of them: its CONNECTION LIMIT is lowered and its newest sessions beyond it
 * are closed (a pooler reconnects within the limit). Preventive: the load falls,
 * the data stays where it is. Reversible: the compensation restores the role's exact previous limit.
 */
export const throttleIngestion = defineStrategy(throttleIngestionSpec, {
  async sharedTarget(ctx) {
    return (await topWriter(ctx))?.role ?? null;
  },

  async sandbox(ctx) {
    const started = Date.now();
    const w = await topWriter(ctx);
    const checks: Check[] = [await checkCanSignal(ctx.db)];
    if (!w) {
      checks.push({
        name: 'ingest_role',
        passed: false,
        detail: 'no ordinary role other than the controller writes to the collection',
      });
      return sandboxResult('prerequisites', checks, started);
    }
    const limit = newLimit(w.sessions.length, throttlePct(ctx.state));
    try {
      await inRolledBackTransaction(ctx.db, (c) =>
        c.query(`ALTER ROLE ${quoteIdent(w.role)} CONNECTION LIMIT ${limit}`),
      );
      checks.push({
        name: 'alter_role_rolled_back',
        passed: true,
        detail: `ALTER ROLE ${w.role} CONNECTION LIMIT ${limit} ran and was rolled back`,
      });
    } catch (err) {
      checks.push({
        name: 'alter_role_rolled_back',
        passed: false,
        detail: `ALTER ROLE ${w.role} failed: ${(err as Error).message}`,
      });
    }
    return sandboxResult('read_only', checks, started);
  },

  async plan(ctx) {
    const w = await topWriter(ctx);
    if (!w) throw new Error('no ordinary role other than the controller writes to the collection');
    const pct = throttlePct(ctx.state);
    const limit = newLimit(w.sessions.length, pct);
    const rate = await measureWriteRate(ctx.db, ctx.collection.table_oid, 2000, ctx.signal);
    return {
      // Newest sessions close first: the oldest are likeliest to be mid-batch.
      params: { role: w.role, throttle_pct: pct, limit, close: w.sessions.slice(limit) },
      snapshot: { role: w.role, connection_limit: (await readConnectionLimit(ctx.db, w.role)) ?? -1 },
      before: { sessions: w.sessions.length, writes_per_s: rate },
    };
  },

  async execute(ctx, plan) {
    const pct = plan.params.throttle_pct;
    if (pct === 0)
      return {
        success: true,
        actions_taken: 0,
        improvement: 0,
        metadata: { throttle_pct: 0, note: 'integrity is normal: nothing to throttle' },
      };
    const role = plan.params.role;
    await ctx.db.query(`ALTER ROLE ${quoteIdent(role)} CONNECTION LIMIT ${Math.trunc(plan.params.limit)}`);
    const closed: number[] = [];
    for (const [i, s] of plan.params.close.entries()) {
      ctx.heartbeat({ step: 'close session', target: `pid ${s.pid}`, item: i + 1, items: plan.params.close.length });
      if (await signalSession(ctx.db, s, 'terminate')) closed.push(s.pid);
    }
    return {
      success: true,
      actions_taken: 1 + closed.length,
      improvement: 0,
      metadata: { role, throttle_pct: pct, limit: plan.params.limit, closed_pids: closed },
    };
  },

  async verify(ctx, plan) {
    const role = plan.params.role;
    const { rows } = await ctx.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND backend_type = 'client backend'",
      [role],
    );
    const rate = await measureWriteRate(ctx.db, ctx.collection.table_oid, 2000, ctx.signal);
    const before = plan.before.writes_per_s;
    const pct = plan.params.throttle_pct;
    // Half the throttle must show in the write rate: noise and reconnects do not fake that.
    const fell = before > 0 && rate <= before * (1 - pct / 200);
    return {
      verified: pct > 0 && rows[0]!.n <= plan.params.limit && fell,
      after: { sessions: rows[0]!.n, writes_per_s: rate },
      detail:
        `${role}: sessions ${plan.before.sessions} → ${rows[0]!.n} (limit ${plan.params.limit}), ` +
        `writes ${before.toFixed(0)}/s → ${rate.toFixed(0)}/s (throttle ${pct} %)`,
    };
  },

  async compensate(ctx, plan) {
    const snap = plan.snapshot;
    if (((await readConnectionLimit(ctx.db, snap.role)) ?? -1) === snap.connection_limit) return;
    await ctx.db.query(`ALTER ROLE ${quoteIdent(snap.role)} CONNECTION LIMIT ${Math.trunc(snap.connection_limit)}`);
  },
});

function newLimit(sessions: number, pct: number): number {
  return Math.max(1, Math.floor((sessions * (100 - pct)) / 100));
}

/** Polls over this window: a writer holds its lock only while a statement runs. */
const WRITER_POLLS = 20;
const WRITER_POLL_MS = 50;

/**
 * The ingest role: the non-superuser role (not the controller's) seen most often holding a write lock
 * on the collection over a short window; all its client sessions in this database.
 */
async function topWriter(ctx: StrategyContext<Pool>): Promise<{ role: string; sessions: SessionRef[] } | null> {
  const seen = new Map<string, number>();
  // First the sessions whose current or last statement writes to the table: no timing involved.
  const { rows: writers } = await ctx.db.query<{ role: string; n: number }>(
    `SELECT a.usename::text AS role, count(*)::int AS n
       FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid
      WHERE a.datname = current_database() AND a.backend_type = 'client backend' AND NOT r.rolsuper
        AND a.usename <> current_user
        AND a.query ~* '^\\s*(insert|update|delete|copy|merge)\\M' AND position($1 IN a.query) > 0
      GROUP BY a.usename`,
    [ctx.collection.table_name],
  );
  for (const r of writers) seen.set(r.role, r.n * WRITER_POLLS);
  for (let i = 0; i < WRITER_POLLS && seen.size === 0; i++) {
    const { rows } = await ctx.db.query<{ role: string; n: number }>(
      `SELECT a.usename::text AS role, count(DISTINCT a.pid)::int AS n
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_roles r ON r.oid = a.usesysid
        WHERE l.relation IN (SELECT relid FROM pg_partition_tree($1)
        UNION SELECT $1::oid) AND l.mode = 'RowExclusiveLock' AND l.granted
          AND NOT r.rolsuper AND a.usename <> current_user AND a.datname = current_database()
        GROUP BY a.usename`,
      [ctx.collection.table_oid],
    );
    for (const r of rows) seen.set(r.role, (seen.get(r.role) ?? 0) + r.n);
    await new Promise((r) => setTimeout(r, WRITER_POLL_MS));
  }
  const role = [...seen.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  if (!role) return null;
  const { rows } = await ctx.db.query<SessionRef>(
    `SELECT pid, backend_start::text AS backend_start FROM pg_stat_activity
      WHERE usename = $1 AND backend_type = 'client backend' AND datname = current_database()
      ORDER BY backend_start, pid`,
    [role],
  );
  return { role, sessions: rows };
}
