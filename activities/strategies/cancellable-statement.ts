import type { Pool, PoolClient } from '../../src/postgres/pool';
import type { StrategyContext } from '../../src/strategies/strategy';

const HEARTBEAT_MS = 1000;

/**
 * Runs one long statement (CREATE INDEX / REINDEX CONCURRENTLY: no transaction block) on its own
 * connection: heartbeating while it runs, cancelled on abort, and bounded by `timeoutMs`.
 */
export async function runCancellable(
  ctx: StrategyContext<Pool>,
  sql: string,
  timeoutMs: number,
  details: Record<string, unknown>,
): Promise<void> {
  const client: PoolClient = await ctx.db.connect();
  let onAbort: (() => void) | undefined;
  const beat = setInterval(() => ctx.heartbeat(details), HEARTBEAT_MS);
  try {
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
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
