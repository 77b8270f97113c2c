import type { Pool } from '../../src/postgres/pool';
import { readBlockingChains } from '../../src/probes/blocking-chains';
import { sessionChains } from '../../src/sensor/parts/lock-chains';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { terminateBlockingRootSpec } from '../../src/domain/strategies/specs/terminate-blocking-root';
import type { StrategyContext } from '../../src/strategies/strategy';
import { sandboxResult } from './sandbox-checks';
import { checkCanSignal, sessionAlive, sessionRefs, signalSession, type SessionRef } from './session-signals';

interface Root extends SessionRef {
  state: string;
  user_name: string;
  superuser: boolean;
}

/** A cancelled statement has this long to release its locks before its session is terminated. */
const CANCEL_GRACE_MS = 2000;
const POLL_MS = 100;

/**
 * terminate_blocking_root: ends the session at the head of each lock chain on the collection. An
 * idle-in-transaction root has no statement to cancel (pg_cancel_backend returns true and does
 * nothing), so it is terminated; an active root's statement is cancelled first, and the session
 * terminated only if it still blocks. Superuser sessions are never signalled. Irreversible: the
 * root's open transaction is rolled back.
 */
export const terminateBlockingRoot = defineStrategy(terminateBlockingRootSpec, {
  async sandbox(ctx) {
    const started = Date.now();
    const roots = await currentRoots(ctx);
    const su = roots.filter((r) => r.superuser);
    return sandboxResult(
      'prerequisites',
      [
        await checkCanSignal(ctx.db),
        {
          name: 'roots_present',
          passed: roots.length > 0,
          detail: roots.length ? roots.map(describe).join(', ') : 'no session blocks the collection any more',
        },
        {
          name: 'roots_not_superuser',
          passed: su.length === 0,
          detail: su.length
            ? `superuser sessions are never signalled: ${su.map(describe).join(', ')}; a person must end them`
            : 'no root is a superuser session',
        },
      ],
      started,
    );
  },

  async plan(ctx) {
    const chains = sessionChains(
      await readBlockingChains(ctx.db, ctx.collection.table_oid, ctx.config.blocked_session_min_seconds),
    );
    const roots = await currentRoots(ctx);
    return {
      params: { roots },
      snapshot: null,
      before: { chains, blocked: chains.reduce((n, c) => n + c.blocked, 0) },
    };
  },

  async execute(ctx, plan) {
    const roots = plan.params.roots.filter((r) => !r.superuser);
    const ended: { pid: number; how: string }[] = [];
    for (const [i, root] of roots.entries()) {
      ctx.heartbeat({ step: 'end blocking root', target: `pid ${root.pid}`, item: i + 1, items: roots.length });
      if (ctx.signal.aborted) break;
      if (!(await sessionAlive(ctx.db, root))) continue;
      if (!root.state.startsWith('idle in transaction')) {
        await signalSession(ctx.db, root, 'cancel');
        if (await stopsBlocking(ctx, root)) {
          ended.push({ pid: root.pid, how: 'statement cancelled' });
          continue;
        }
      }
      if (await signalSession(ctx.db, root, 'terminate')) ended.push({ pid: root.pid, how: 'session terminated' });
    }
    return {
      success: ended.length > 0,
      actions_taken: ended.length,
      improvement: 0,
      ...(ended.length ? {} : { error: 'no root could be signalled (gone, or a superuser session)' }),
      metadata: { ended },
    };
  },

  async verify(ctx, plan) {
    const chains = sessionChains(await readBlockingChains(ctx.db, ctx.collection.table_oid, 0));
    const blocked = chains.reduce((n, c) => n + c.blocked, 0);
    const before = plan.before.blocked ?? 0;
    return {
      verified: chains.length === 0,
      after: { chains, blocked },
      detail:
        `sessions blocked on the collection ${before} → ${blocked}` +
        `${chains.length ? ` (roots ${chains.map((c) => c.root_pid).join(', ')})` : ''}`,
    };
  },
});

async function currentRoots(ctx: StrategyContext<Pool>): Promise<Root[]> {
  const chains = sessionChains(
    await readBlockingChains(ctx.db, ctx.collection.table_oid, ctx.config.blocked_session_min_seconds),
  );
  return sessionRefs(
    ctx.db,
    chains.map((c) => c.root_pid),
  );
}

function describe(r: Root): string {
  return `pid ${r.pid} (${r.user_name}, ${r.state})`;
}

/** Waits a moment for a cancelled root to release its locks: true once nobody waits on it. */
async function stopsBlocking(ctx: StrategyContext<Pool>, root: SessionRef): Promise<boolean> {
  const deadline = Date.now() + CANCEL_GRACE_MS;
  while (Date.now() < deadline) {
    const { rows } = await ctx.db.query(
      'SELECT 1 FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid)) LIMIT 1',
      [root.pid],
    );
    if (rows.length === 0) return true;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return false;
}
