import { Context } from '@temporalio/activity';
import { z } from 'zod';
import type { Pool } from '../src/postgres/pool';
import { deleteExpiredHistory, type RetentionReport } from '../src/postgres/retention';
import { classified } from './activity-errors';

const retentionInput = z
  .object({
    /** The store's database (`<server>/<name>`), as the Schedule names it: for the record, not a connection. */
    database: z.string().min(1).max(300),
  })
  .strict();
export type RetentionInput = z.input<typeof retentionInput>;

/**
 * Time one call deletes for before it hands back: the workflow calls again until nothing is due, so a large
 * backlog is many short activities, each well inside its timeouts.
 */
export const RETENTION_CALL_BUDGET_MS = 60_000;

/** The retention Schedule's work, on the worker's own store. */
export function createRetentionActivities(pool: Pool) {
  return {
    /**
     * Deletes a batch at a time what is past history_retention_days, heartbeating after each; stops between
     * batches when cancelled. Safe to run twice: what went is not due any more.
     */
    async deleteExpiredHistory(raw: RetentionInput): Promise<RetentionReport> {
      return classified(async () => {
        retentionInput.parse(raw);
        const ctx = Context.current();
        return deleteExpiredHistory(pool, {
          budgetMs: RETENTION_CALL_BUDGET_MS,
          heartbeat: (progress) => ctx.heartbeat(progress),
          signal: ctx.cancellationSignal,
        });
      });
    },
  };
}
