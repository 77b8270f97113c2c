import type { ActivityOptions } from '@temporalio/workflow';

/** Failures that a retry cannot fix (activities raise them as non-retryable types). */
export const NON_RETRYABLE_TYPES = ['InvalidInput', 'UnknownCollection', 'CollectionGone'];

/** Reads and records: short, retried a few times. */
export const quickOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
  },
};

/**
 * Compensation and cleanup must finish: retried (they are idempotent) until they do, each try
 * bounded; a short heartbeat timeout lets a new worker take over within seconds when one dies.
 */
export const mustFinishOptions: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: Number.POSITIVE_INFINITY,
  },
  cancellationType: 'WAIT_CANCELLATION_COMPLETED',
};
