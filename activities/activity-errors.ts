import { ApplicationFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { UnknownCollectionError } from '../src/postgres/collections';
import { isRetryablePgError, sqlstateOf } from '../src/postgres/sqlstate';

/**
 * Runs an activity body and turns errors that will fail the same way again (bad input, an unknown
 * collection, a PostgreSQL error whose SQLSTATE is not transient) into non-retryable failures, so
 * Temporal retries only what a retry can fix.
 */
export async function classified<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw classify(err);
  }
}

export function classify(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ZodError) {
    return ApplicationFailure.create({ message: `invalid input: ${err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, type: 'InvalidInput', nonRetryable: true });
  }
  if (err instanceof UnknownCollectionError) {
    return ApplicationFailure.create({ message: err.message, type: 'UnknownCollection', nonRetryable: true });
  }
  const code = sqlstateOf(err);
  if (code) {
    return ApplicationFailure.create({
      message: `${(err as Error).message} (SQLSTATE ${code})`,
      type: `PgError:${code}`,
      nonRetryable: !isRetryablePgError(err),
    });
  }
  return err;
}
