import type { StrategyProgress } from '../../src/domain/strategy-progress';
import type { Pool, PoolClient } from '../../src/postgres/pool';
import { readCreateIndexProgress } from '../../src/probes/create-index-progress';
import type { StrategyContext } from '../../src/strategies/strategy';

const HEARTBEAT_MS = 1000;

/**
 * Runs one long statement (CREATE INDEX / REINDEX CONCURRENTLY: no transaction block) on its own
 * connection: heartbeating while it runs, cancelled on abort, and bounded by `timeoutMs`. With
 * `indexProgress`, each heartbeat carries the statement's phase and counters as PostgreSQL reports
 * them (pg_stat_progress_create_index), read from another connection.
 */
export async function runCancellable(
  ctx: StrategyContext<Pool>,
  sql: string,
  timeoutMs: number,
  progress: StrategyProgress,
  opts: { indexProgress?: boolean } = {},
): Promise<void> {
  const client: PoolClient = await ctx.db.connect();
  let onAbort: (() => void) | undefined;
  let beat: NodeJS.Timeout | undefined;
  try {
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    let reading = false;
    const report = async (): Promise<void> => {
      if (!opts.indexProgress) return ctx.heartbeat(progress);
      // A slow read is skipped rather than stacked: the next beat reads afresh.
      if (reading) return;
      reading = true;
      try {
        const live = await readCreateIndexProgress(ctx.db, pid).catch(() => null);
        ctx.heartbeat(live ? { ...progress, ...live } : progress);
      } finally {
        reading = false;
      }
    };
    ctx.heartbeat(progress);
    beat = setInterval(() => void report(), HEARTBEAT_MS);
    onAbort = () => void ctx.db.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
    ctx.signal.addEventListener('abort', onAbort);
    if (ctx.signal.aborted) throw new Error('cancelled before the statement started');
    await client.query(`SET statement_timeout = ${Math.max(1000, Math.floor(timeoutMs))}`);
    await client.query(sql);
  } finally {
    clearInterval(beat);
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
}
