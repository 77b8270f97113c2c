import type { Pool } from '../../src/postgres/pool';
import { readRunawayQueries } from '../../src/probes/runaway-queries';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { cancelRunawayQuerySpec } from '../../src/domain/strategies/specs/cancel-runaway-query';
import { sandboxResult } from './sandbox-checks';
import { checkCanSignal, signalSession } from './session-signals';

interface Target {
  pid: number;
  backend_start: string;
  query_start: string;
  user_name: string;
  superuser: boolean;
}

const POLL_MS = 100;
const SETTLE_MS = 5000;

/**
 * cancel_runaway_query: cancels the statements on the collection that have run past
 * runaway_query_seconds (pg_cancel_backend: the session stays, its statement ends). Only the exact
 * statement the plan saw is cancelled (same pid, session and query start); never a superuser's.
 * Irreversible: the work the statement did is lost.
 */
export const cancelRunawayQuery = defineStrategy(cancelRunawayQuerySpec, {
  async sandbox(ctx) {
    const started = Date.now();
    const targets = await readTargets(ctx.db, ctx.collection.table_oid, ctx.config.runaway_query_seconds);
    const su = targets.filter((t) => t.superuser);
    return sandboxResult(
      'prerequisites',
      [
        await checkCanSignal(ctx.db),
        {
          name: 'runaway_present',
          passed: targets.length > 0,
          detail: targets.length
            ? targets.map((t) => `pid ${t.pid} (${t.user_name})`).join(', ')
            : 'no runaway statement is left',
        },
        {
          name: 'not_superuser',
          passed: targets.length > su.length,
          detail: su.length
            ? `superuser statements are never cancelled: ${su.map((t) => `pid ${t.pid}`).join(', ')}`
            : 'no target is a superuser session',
        },
      ],
      started,
    );
  },

  async plan(ctx) {
    const targets = await readTargets(ctx.db, ctx.collection.table_oid, ctx.config.runaway_query_seconds);
    return { params: { targets }, snapshot: null, before: { runaway: targets.length } };
  },

  async execute(ctx, plan) {
    const targets = plan.params.targets.filter((t) => !t.superuser);
    const cancelled: number[] = [];
    for (const [i, t] of targets.entries()) {
      ctx.heartbeat({ step: 'cancel statement', target: `pid ${t.pid}`, item: i + 1, items: targets.length });
      // Only while the same statement runs: a new one in that session is not the runaway one.
      const still = await ctx.db.query(
        'SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND query_start = $2::timestamptz AND state = $3',
        [t.pid, t.query_start, 'active'],
      );
      if (still.rows.length === 0) continue;
      if (await signalSession(ctx.db, t, 'cancel')) cancelled.push(t.pid);
    }
    // Cancellation is asynchronous: wait until the statements have ended.
    const deadline = Date.now() + Math.min(SETTLE_MS, ctx.budgetMs);
    while (Date.now() < deadline && !ctx.signal.aborted) {
      const { rows } = await ctx.db.query(
        'SELECT 1 FROM pg_stat_activity ' +
          'WHERE pid = ANY ($1::int[]) AND state = $2 AND query_start = ANY ($3::timestamptz[])',
        [cancelled, 'active', targets.map((t) => t.query_start)],
      );
      if (rows.length === 0) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return {
      success: cancelled.length > 0,
      actions_taken: cancelled.length,
      improvement: 0,
      ...(cancelled.length
        ? {}
        : { error: 'no runaway statement could be cancelled (finished, or a superuser session)' }),
      metadata: { cancelled_pids: cancelled },
    };
  },

  async verify(ctx, plan) {
    const left = await readRunawayQueries(ctx.db, ctx.collection.table_oid, ctx.config.runaway_query_seconds);
    return {
      verified: left.length === 0,
      after: { runaway: left.length, left },
      detail: `runaway statements on the collection ${plan.before.runaway ?? 0} → ${left.length}`,
    };
  },
});

async function readTargets(db: Pool, tableOid: number, minSeconds: number): Promise<Target[]> {
  const runaway = await readRunawayQueries(db, tableOid, minSeconds);
  if (runaway.length === 0) return [];
  const { rows } = await db.query<Target>(
    `SELECT a.pid, a.backend_start::text AS backend_start, a.query_start::text AS query_start,
            coalesce(a.usename::text, '') AS user_name, coalesce(r.rolsuper, false) AS superuser
       FROM pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid WHERE a.pid = ANY ($1::int[])
       ORDER BY a.query_start`,
    [runaway.map((q) => q.pid)],
  );
  return rows;
}
