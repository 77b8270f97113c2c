import type { z } from 'zod';
import { withTransaction, type Pool } from '../../src/postgres/pool';
import { qualifiedName } from '../../src/postgres/quote-ident';
import { parseReloptions, resetClause, sameReloptions, setClause } from '../../src/postgres/reloptions';
import { readMaintenanceJobs } from '../../src/probes/maintenance-jobs';
import { contendingJobs } from '../../src/sensor/parts/maintenance';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { pauseMaintenanceSpec } from '../../src/domain/strategies/specs/pause-maintenance';
import type { StrategyContext } from '../../src/strategies/strategy';
import { checkCanAlterTable, isSuperuser, sandboxResult } from './sandbox-checks';

/** ALTER TABLE … SET (reloptions) queues behind a running vacuum; autovacuum yields after deadlock_timeout. */
const LOCK_TIMEOUT_MS = 5000;

type Snapshot = z.infer<typeof pauseMaintenanceSpec.snapshot>;

/**
 * pause_maintenance: disable autovacuum on the collection's table, recording the exact
 * previous reloptions, and cancel the autovacuum workers running on it. Reversible: the
 * compensation puts the previous reloptions back exactly.
 */
export const pauseMaintenance = defineStrategy(pauseMaintenanceSpec, {
  async sandbox(ctx) {
    const started = Date.now();
    const checks = [await checkCanAlterTable(ctx.db, ctx.collection.table_oid)];
    const su = await isSuperuser(ctx.db);
    // Not a failure: the reloption alone makes a running autovacuum yield to our lock request.
    checks.push({
      name: 'can_cancel_autovacuum',
      passed: true,
      detail: su
        ? 'superuser: running autovacuum workers can be cancelled'
        : 'not superuser: autovacuum workers cannot be signalled; disabling it takes effect as they yield',
    });
    return sandboxResult('prerequisites', checks, started);
  },

  async plan(ctx) {
    const snapshot = await readSnapshot(ctx);
    const jobs = await readMaintenanceJobs(ctx.db, ctx.collection.table_oid);
    return {
      params: { table: `${snapshot.schema}.${snapshot.table}` },
      snapshot: { ...snapshot },
      before: { jobs, contending: contendingJobs(jobs, ctx.config).length },
    };
  },

  async execute(ctx, plan) {
    const snap = plan.snapshot;
    const table = qualifiedName(snap.schema, snap.table);
    ctx.heartbeat({ step: 'disable autovacuum' });
    const cancelled: number[] = [];
    // Cancel first so our ALTER does not wait out deadlock_timeout behind the worker.
    cancelled.push(...(await cancelAutovacuum(ctx)));
    await withTransaction(ctx.db, async (c) => {
      await c.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
      await c.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    });
    cancelled.push(...(await cancelAutovacuum(ctx)));
    return {
      success: true,
      actions_taken: 1 + cancelled.length,
      improvement: 0,
      metadata: { paused_jobs: ['autovacuum'], cancelled_pids: cancelled, previous_reloptions: snap.reloptions },
    };
  },

  async verify(ctx, plan) {
    const jobs = await readMaintenanceJobs(ctx.db, ctx.collection.table_oid);
    const contending = contendingJobs(jobs, ctx.config);
    const before = plan.before.contending ?? 0;
    return {
      verified: contending.length === 0,
      after: { jobs, contending: contending.length },
      detail:
        `contending maintenance jobs ${before} → ${contending.length}` +
        `${contending.length ? ` (${contending.map((j) => `${j.job_type} pid ${j.pid}`).join(', ')})` : ''}`,
    };
  },

  async compensate(ctx, plan) {
    await restoreReloptions(ctx.db, plan.snapshot);
  },
});

async function readSnapshot(ctx: StrategyContext<Pool>): Promise<Snapshot> {
  const { rows } = await ctx.db.query<Snapshot>(
    `SELECT n.nspname AS schema, c.relname AS table, c.reloptions
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1`,
    [ctx.collection.table_oid],
  );
  if (!rows[0]) throw new Error(`table of collection ${ctx.collection.name} no longer exists`);
  return rows[0];
}

/** Cancels autovacuum workers on the table; only a superuser may signal them. */
async function cancelAutovacuum(ctx: StrategyContext<Pool>): Promise<number[]> {
  if (!(await isSuperuser(ctx.db))) return [];
  const { rows } = await ctx.db.query<{ pid: number; cancelled: boolean }>(
    // The cancel is in the select list, so it runs only on rows that passed every filter: in WHERE
    // the planner may call it first, on every vacuum of the server.
    `SELECT p.pid, pg_cancel_backend(p.pid) AS cancelled
       FROM pg_stat_progress_vacuum p JOIN pg_stat_activity a ON a.pid = p.pid
      WHERE p.datname = current_database() AND p.relid = $1 AND a.backend_type = 'autovacuum worker'`,
    [ctx.collection.table_oid],
  );
  return rows.filter((r) => r.cancelled).map((r) => r.pid);
}

/**
 * Puts reloptions back exactly as the snapshot had them, order included. Idempotent: a no-op when
 * they already match. Options absent before are RESET; the rest SET to their old values.
 */
export async function restoreReloptions(db: Pool, snap: Snapshot): Promise<void> {
  const table = qualifiedName(snap.schema, snap.table);
  await withTransaction(db, async (client) => {
    await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
    const current = async () =>
      (
        await client.query<{ r: string[] | null }>(
          'SELECT c.reloptions AS r FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ' +
            'WHERE n.nspname = $1 AND c.relname = $2',
          [snap.schema, snap.table],
        )
      ).rows[0]?.r ?? null;
    let now = await current();
    if (sameReloptions(now, snap.reloptions)) return;
    const want = parseReloptions(snap.reloptions);
    const extra = parseReloptions(now)
      .map(([k]) => k)
      .filter((k) => !want.some(([w]) => w === k));
    if (extra.length) await client.query(`ALTER TABLE ${table} ${resetClause(extra)}`);
    if (want.length) await client.query(`ALTER TABLE ${table} ${setClause(want)}`);
    now = await current();
    if (!sameReloptions(now, snap.reloptions)) {
      // Same options, other order: clear and set them again in the recorded order.
      await client.query(`ALTER TABLE ${table} ${resetClause(parseReloptions(now).map(([k]) => k))}`);
      if (want.length) await client.query(`ALTER TABLE ${table} ${setClause(want)}`);
    }
  });
}
