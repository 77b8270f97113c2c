import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { findAttempt, type AttemptRef } from '../postgres/outcome-store';
import type { Pool } from '../postgres/pool';
import { abortUpdate, approveUpdate, rejectUpdate, type Decision } from '../../workflows/attempt-messages';

const UPDATES = { approve: approveUpdate, reject: rejectUpdate, abort: abortUpdate } as const;
export type DecisionKind = keyof typeof UPDATES;

export type DecideAnswer =
  | { ok: true; attempt: AttemptRef; decision: Decision }
  /** not_found: no such action; refused: finished, decided already, not waiting (the update validator's words). */
  | { ok: false; refusal: 'not_found' | 'refused'; message: string };

/**
 * A person's approve, reject or abort of an action (`selfheal approve`, ruvector_healing_approve): the
 * attempt's update validator refuses a second decision, a finished attempt or a wrong id before anything
 * is written. `updateId` makes a repeat of the same request (a relay after a crash) the same update.
 * Temporal is reached only for an attempt that is still running.
 */
export async function decideAttempt(
  temporal: () => Promise<Client>,
  pool: Pool,
  kind: DecisionKind,
  input: { action_id: number; by: string; comment?: string | undefined },
  opts: { updateId?: string } = {},
): Promise<DecideAnswer> {
  const attempt = await findAttempt(pool, input.action_id);
  if (!attempt) return { ok: false, refusal: 'not_found', message: `no action ${input.action_id}` };
  if (attempt.status !== 'running')
    return {
      ok: false,
      refusal: 'refused',
      message: `action ${input.action_id} has already finished (${attempt.status})`,
    };
  const handle = (await temporal()).workflow.getHandle(attempt.workflow_id, attempt.run_id);
  try {
    const decision = await handle.executeUpdate(UPDATES[kind], {
      args: [{ action_id: input.action_id, by: input.by, ...(input.comment ? { comment: input.comment } : {}) }],
      ...(opts.updateId ? { updateId: opts.updateId } : {}),
    });
    return { ok: true, attempt, decision };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      return { ok: false, refusal: 'refused', message: err.cause?.message ?? err.message };
    throw err;
  }
}
