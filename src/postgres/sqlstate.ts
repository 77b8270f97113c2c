/**
 * PostgreSQL errors sorted by SQLSTATE into those worth retrying (the condition passes) and those
 * that will fail the same way again. Activities turn the second kind into non-retryable failures.
 */
const RETRYABLE_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout or a cancel)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '08000',
  '08003',
  '08006',
  '08001',
  '08004', // connection exceptions
]);

const RETRYABLE_CLASSES = ['08', '53', '57P'];

export interface PgErrorLike {
  code?: string;
  message?: string;
}

export function sqlstateOf(err: unknown): string | undefined {
  const code = (err as PgErrorLike | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Retryable when PostgreSQL says the condition is transient; network errors without a code are retryable too. */
export function isRetryablePgError(err: unknown): boolean {
  const code = sqlstateOf(err);
  if (!code) {
    const sysCode = (err as { code?: unknown } | null)?.code;
    return typeof sysCode === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(sysCode);
  }
  return RETRYABLE_CODES.has(code) || RETRYABLE_CLASSES.some((c) => code.startsWith(c));
}
