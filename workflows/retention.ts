import { proxyActivities, setCurrentDetails, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  addRetentionCounts,
  describeRetentionCounts,
  noRetentionRows,
  type RetentionCounts,
} from '../src/domain/retention-counts';
import { NON_RETRYABLE_TYPES } from './activity-options';

export interface RetentionInput {
  /** The store's database, `<server>/<name>`: the Schedule's and the run's name. */
  database: string;
}

export interface RetentionResult {
  database: string;
  history_retention_days: number | null;
  cutoff: string | null;
  deleted: RetentionCounts;
  /** Calls of the deleting activity. */
  rounds: number;
  /** False when the rounds ran out with rows still due: the next scheduled run goes on from there. */
  done: boolean;
}

/** Each call deletes for about a minute: a backlog deeper than this many calls is left to the next run. */
export const MAX_RETENTION_ROUNDS = 100;

const deleteOptions: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  // The activity heartbeats after every batch: a worker that dies is noticed in seconds, not minutes.
  heartbeatTimeout: '30 seconds',
  cancellationType: 'WAIT_CANCELLATION_COMPLETED',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
  },
};
const acts = proxyActivities<Activities>(deleteOptions);

/**
 * The retention Schedule's run: deletes the store's history past history_retention_days, and placement
 * snapshots no change that can still be undone needs, a minute of batches per activity call until nothing
 * is due. The rules are the store's (src/postgres/retention.ts); this only repeats and reports.
 */
export async function retention(input: RetentionInput): Promise<RetentionResult> {
  let deleted = noRetentionRows();
  let rounds = 0;
  let done = false;
  let days: number | null = null;
  let cutoff: string | null = null;
  setCurrentDetails(`**retention** of ${input.database}: reading what is due`);
  while (!done && rounds < MAX_RETENTION_ROUNDS) {
    const r = await acts.deleteExpiredHistory.executeWithOptions(
      {
        ...deleteOptions,
        summary: rounds === 0 ? 'delete: history past retention' : `delete: history past retention (${rounds + 1})`,
      },
      [{ database: input.database }],
    );
    rounds++;
    deleted = addRetentionCounts(deleted, r.deleted);
    done = r.done;
    days = r.history_retention_days;
    cutoff = r.cutoff;
    setCurrentDetails(
      `**retention** of ${input.database}: older than ${r.history_retention_days} days (ended before ${r.cutoff}), ` +
        `outcomes of the last ${r.learning_window_days} days kept for the weights\n\n` +
        `deleted${done ? '' : ' so far'}: ${describeRetentionCounts(deleted)} ` +
        `(${rounds} ${rounds === 1 ? 'call' : 'calls'})` +
        (done || rounds < MAX_RETENTION_ROUNDS ? '' : '; the rest is left to the next run'),
    );
  }
  return { database: input.database, history_retention_days: days, cutoff, deleted, rounds, done };
}
