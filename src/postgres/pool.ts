import pg from 'pg';

// int8 (bigserial ids, counts) as numbers: ours stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/**
 * Idle clients are kept this long, past a guardian's interval (60 s by default): a backend closed
 * between passes takes its catalog caches with it, and the next pass's new one rebuilds them for
 * every watched table and index (at 1,000 tables that was most of a pass's database time).
 */
const IDLE_TIMEOUT_MS = 5 * 60_000;

export function createPool(connectionString: string, max = 10): pg.Pool {
  // allowExitOnIdle: idle clients kept that long do not keep a process alive either.
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: 'selfheal',
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    allowExitOnIdle: true,
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Nor one checked out while its holder awaits something else (Temporal, a webhook): its next query
  // fails with the connection error instead, and the pool drops it when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Runs fn in a transaction on one client, always releasing it. */
export async function withTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

export async function withClient<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    return await fn(c);
  } finally {
    c.release();
  }
}
