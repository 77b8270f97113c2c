import { ApplicationFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { COLLECTION_GONE } from '../src/domain/failure-types';
import { UnknownCollectionError, UnwatchedCollectionError } from '../src/postgres/collections';
import { isRetryablePgError, sqlstateOf } from '../src/postgres/sqlstate';

/**
 * Runs an activity body and turns errors that will fail the same way again (bad input, an unknown
 * collection, a PostgreSQL error whose SQLSTATE is not transient) into non-retryable failures, so
 * Temporal retries only what a retry can fix.
 */
/** The collection's table is gone: no retry brings it back, and a guardian that sees it stops. */
export class CollectionGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CollectionGoneError';
  }
}

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
    return ApplicationFailure.create({
      message: `invalid input: ${err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      type: 'InvalidInput',
      nonRetryable: true,
    });
  }
  if (err instanceof UnwatchedCollectionError || err instanceof CollectionGoneError) {
    return ApplicationFailure.create({ message: err.message, type: COLLECTION_GONE, nonRetryable: true });
  }
  if (err instanceof UnknownCollectionError) {
    return ApplicationFailure.create({ message: err.message, type: 'UnknownCollection', nonRetryable: true });
  }
  const code = sqlstateOf(err);
  if (code) {
    // A missing right is the operator's to grant: say where the rights are listed.
    const hint =
      code === '42501'
        ? ": selfheal's role lacks a right here (README, Least privilege; deploy/sql/selfheal-role.sql)"
        : '';
    return ApplicationFailure.create({
      message: `${(err as Error).message} (SQLSTATE ${code})${hint}`,
      type: `PgError:${code}`,
      nonRetryable: !isRetryablePgError(err),
    });
  }
  return err;
}
