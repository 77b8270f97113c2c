import { Client as PgClient } from 'pg';
import { readMaintenanceJobs } from '../../src/probes/maintenance-jobs';
import type { Pool } from '../../src/postgres/pool';
import { waitFor } from './test-system';

/**
 * Contention that pausing autovacuum cannot fix: a slow manual VACUUM with a session queued behind
 * it. It also holds the table lock any ALTER TABLE needs. `release` cancels both. Takes a second or
 * two to set up: callers leave the attempt's stabilization wait long enough (20 s) that it is
 * surely in place before verification.
 */
export async function manualVacuumWithWaiter(
  pool: Pool,
  url: string,
  table: string,
  tableOid: number,
): Promise<{ release(): Promise<void> }> {
  const vacuum = new PgClient({ connectionString: url });
  const waiter = new PgClient({ connectionString: url });
  await Promise.all([vacuum.connect(), waiter.connect()]);
  // A failed test drops the database under these sessions: that must not crash the test process.
  for (const c of [vacuum, waiter]) c.on('error', () => undefined);
  await vacuum.query('SET vacuum_cost_delay = 100; SET vacuum_cost_limit = 1');
  const vacuumPid = (await vacuum.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const vacuumRun = vacuum.query(`VACUUM (DISABLE_PAGE_SKIPPING) public.${table}`).catch((e: Error) => e);
  await waitFor('the manual VACUUM', async () =>
    (await readMaintenanceJobs(pool, tableOid)).some((j) => j.pid === vacuumPid),
  );
  await waiter.query('BEGIN');
  const waiterLock = waiter.query(`LOCK TABLE public.${table} IN SHARE UPDATE EXCLUSIVE MODE`);
  await waitFor('a session blocked by the VACUUM', async () =>
    (await readMaintenanceJobs(pool, tableOid)).some((j) => j.pid === vacuumPid && j.blocking > 0),
  );
  return {
    async release() {
      await pool.query('SELECT pg_cancel_backend($1)', [vacuumPid]);
      const v = await vacuumRun;
      if (!String(v).match(/canceling statement/)) throw new Error(`the VACUUM ended otherwise: ${String(v)}`);
      await waiterLock;
      await waiter.query('ROLLBACK');
      await Promise.all([vacuum.end(), waiter.end()]);
    },
  };
}

/** An open transaction that wrote to the table: REINDEX CONCURRENTLY (and DROP INDEX CONCURRENTLY) wait for it. */
export async function openWriter(url: string, table: string): Promise<{ release(): Promise<void> }> {
  const c = new PgClient({ connectionString: url });
  await c.connect();
  c.on('error', () => undefined);
  await c.query('BEGIN');
  await c.query(`INSERT INTO public.${table} (id, payload) VALUES (-1, 'held open')`);
  let done = false;
  return {
    async release() {
      if (done) return;
      done = true;
      await c.query('ROLLBACK').catch(() => undefined);
      await c.end();
    },
  };
}

export async function rebuildsRunning(pool: Pool): Promise<number> {
  // This database only: other test files rebuild indexes at the same time.
  return (
    await pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND query ILIKE 'REINDEX INDEX CONCURRENTLY%'`,
    )
  ).rows[0].n;
}
