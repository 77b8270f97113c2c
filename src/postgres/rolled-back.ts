import type pg from 'pg';

/**
 * The read-only sandbox: runs fn in a transaction that is always rolled back, with a short
 * lock_timeout since the statements take real locks. Only for statements a rollback really undoes
 * (ALTER TABLE … SET, ALTER ROLE, CREATE INDEX, DETACH PARTITION); never VACUUM or CONCURRENTLY,
 * which refuse to run in a transaction, nor pg_cancel/terminate_backend or slot functions, which act
 * despite the rollback.
 */
export async function inRolledBackTransaction<T>(
  pool: pg.Pool,
  fn: (c: pg.PoolClient) => Promise<T>,
  lockTimeoutMs = 100,
): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query(`SET LOCAL lock_timeout = ${Math.trunc(lockTimeoutMs)}`);
    return await fn(c);
  } finally {
    await c.query('ROLLBACK').catch(() => undefined);
    c.release();
  }
}
