import pg from 'pg';
import type { Pool } from '../../src/postgres/pool';
import { readStandbySelf, standbyNameOnPrimary } from '../../src/probes/standby-identity';
import { readStandbys } from '../../src/probes/standbys';
import { replicaHealth } from '../../src/sensor/parts/standbys';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { resumeWalReplaySpec } from '../../src/domain/strategies/specs/resume-wal-replay';
import type { StrategyContext } from '../../src/strategies/strategy';
import { sandboxResult, type Check } from './sandbox-checks';

const POLL_MS = 200;

interface StandbyState {
  /** Index into the worker's standby URLs: the URLs carry credentials and stay out of plans. */
  index: number;
  name: string;
  in_recovery: boolean;
  pause_state: string;
}

async function onStandby<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * What each configured standby says of itself, under the name the primary shows for it; unreachable ones are left out
 * with the reason.
 */
async function standbyStates(ctx: StrategyContext<Pool>): Promise<{ states: StandbyState[]; errors: string[] }> {
  const states: StandbyState[] = [];
  const errors: string[] = [];
  const primaryView = await readStandbys(ctx.db);
  for (const [index, url] of (ctx.standbyUrls ?? []).entries()) {
    try {
      const self = await onStandby(url, readStandbySelf);
      states.push({
        index,
        name: standbyNameOnPrimary(self, primaryView),
        in_recovery: self.in_recovery,
        pause_state: self.pause_state,
      });
    } catch (err) {
      errors.push(`standby ${index + 1}: ${(err as Error).message}`);
    }
  }
  return { states, errors };
}

/**
 * resume_wal_replay: a standby whose WAL replay was paused (pg_wal_replay_pause, for a backup or an
 * investigation, then forgotten) falls further behind with every write on the primary. Resumes its
 * replay and waits until the primary sees it caught up. Irreversible, and nothing to undo: the pause
 * was the fault. A lag with any other cause fails the sandbox, for a person.
 */
export const resumeWalReplay = defineStrategy(resumeWalReplaySpec, {
  async sharedTarget() {
    return 'replay';
  },

  async sandbox(ctx) {
    const started = Date.now();
    const { states, errors } = await standbyStates(ctx);
    const lagging = ctx.problem.class === 'ReplicationLag' ? ctx.problem.replica_names : [];
    const paused = states.filter(
      (s) => s.in_recovery && s.pause_state !== 'not paused' && (lagging.length === 0 || lagging.includes(s.name)),
    );
    const checks: Check[] = [
      {
        name: 'standbys_reachable',
        passed: (ctx.standbyUrls ?? []).length > 0 && errors.length === 0,
        detail:
          (ctx.standbyUrls ?? []).length === 0
            ? 'no standby URLs given to the worker (SELFHEAL_STANDBY_URLS)'
            : errors.length
              ? errors.join('; ')
              : `${states.length} standbys answer`,
      },
      {
        name: 'replay_paused',
        passed: paused.length > 0,
        detail: paused.length
          ? `replay paused on ${paused.map((s) => s.name).join(', ')}`
          : 'no lagging standby has its replay paused: the lag has another cause',
      },
    ];
    return sandboxResult('prerequisites', checks, started);
  },

  async plan(ctx) {
    const { states } = await standbyStates(ctx);
    const paused = states.filter((s) => s.in_recovery && s.pause_state !== 'not paused');
    const standbys = await readStandbys(ctx.db);
    return {
      params: { standbys: paused.map((s) => ({ index: s.index, name: s.name })) },
      snapshot: null,
      before: { standbys },
    };
  },

  async execute(ctx, plan) {
    const targets = plan.params.standbys;
    const urls = ctx.standbyUrls ?? [];
    for (const t of targets) {
      const url = urls[t.index];
      if (!url) throw new Error(`standby ${t.name} is no longer among the worker's standby URLs`);
      await onStandby(url, (c) => c.query('SELECT pg_wal_replay_resume()'));
    }
    // Caught up when the primary sees every named standby under the lag threshold.
    const started = Date.now();
    const names = new Set(targets.map((t) => t.name));
    for (;;) {
      const behind = (await readStandbys(ctx.db)).filter(
        (r) => names.has(r.application_name) && replicaHealth(r, ctx.config) < 1,
      );
      ctx.heartbeat({
        step: 'wait for standbys to catch up',
        done: names.size - behind.length,
        total: names.size,
        unit: 'standbys caught up',
        ...(behind.length
          ? { detail: behind.map((r) => `${r.application_name} ${r.replay_gap_bytes} bytes behind`).join(', ') }
          : {}),
      });
      if (behind.length === 0) break;
      if (ctx.signal.aborted || Date.now() - started > ctx.budgetMs * 0.8) {
        return {
          success: false,
          actions_taken: targets.length,
          improvement: 0,
          error: `still behind after ${Date.now() - started} ms`,
          metadata: { behind },
        };
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return {
      success: targets.length > 0,
      actions_taken: targets.length,
      improvement: 0,
      metadata: { resumed: targets.map((t) => t.name), caught_up_ms: Date.now() - started },
    };
  },

  async verify(ctx, plan) {
    const now = await readStandbys(ctx.db);
    const names = new Set(plan.params.standbys.map((t) => t.name));
    const mine = now.filter((r) => names.has(r.application_name));
    const before = plan.before.standbys.filter((r) => names.has(r.application_name));
    return {
      verified: mine.length > 0 && mine.every((r) => replicaHealth(r, ctx.config) === 1),
      after: { standbys: now },
      detail: mine
        .map(
          (r) =>
            `${r.application_name}: ` +
            `replay gap ${mb(before.find((b) => b.application_name === r.application_name)?.replay_gap_bytes ?? 0)}` +
            ` → ${mb(r.replay_gap_bytes)} MB`,
        )
        .join('; '),
    };
  },
});

function mb(b: number): string {
  return (b / 1048576).toFixed(1);
}
