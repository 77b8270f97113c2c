import { WorkflowUpdateFailedError } from '@temporalio/client';
import { userInfo } from 'node:os';
import { z } from 'zod';
import { findAttempt } from '../../postgres/outcome-store';
import { actionIdSchema } from '../action-id';
import { abortUpdate, approveUpdate, rejectUpdate, type Decision } from '../../../workflows/attempt-messages';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { NotFoundError, RefusedError } from '../errors';
import type { SystemHandles } from '../system-connection';

const UPDATES = { approve: approveUpdate, reject: rejectUpdate, abort: abortUpdate } as const;
const argsSchema = z.object({
  action_id: actionIdSchema,
  by: z.string().min(1).max(200),
  comment: z.string().max(2000).optional(),
});

/**
 * `selfheal approve|reject|abort <action-id> [--comment "…"] [--by name]`: ruvector_healing_approve
 * and _abort. The attempt's update validator refuses a second decision, a finished attempt or a
 * wrong id before anything is written.
 */
export function decideCommand(kind: keyof typeof UPDATES) {
  return async (args: ParsedArgs, sys: SystemHandles, out: (l: string) => void): Promise<CommandResult> => {
    onlyFlags(args, ['json', 'comment', 'by']);
    if (args.positionals.length !== 1)
      throw new UsageError(`usage: selfheal ${kind} <action-id> [--comment "why"] [--by name] [--json]`);
    const a = argsSchema.parse({
      action_id: args.positionals[0],
      by: args.flags.by ?? userInfo().username,
      comment: args.flags.comment,
    });
    const id = a.action_id.id;
    const attempt = id === null ? undefined : await findAttempt(await sys.pool(), id);
    if (!attempt || id === null) throw new NotFoundError(`no action ${a.action_id.text}`);
    if (attempt.status !== 'running') throw new RefusedError(`action ${id} has already finished (${attempt.status})`);
    const handle = (await sys.temporal()).workflow.getHandle(attempt.workflow_id, attempt.run_id);
    let decision: Decision;
    try {
      decision = await handle.executeUpdate(UPDATES[kind], {
        args: [{ action_id: id, by: a.by, ...(a.comment ? { comment: a.comment } : {}) }],
      });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new RefusedError(err.cause?.message ?? err.message);
      throw err;
    }
    out(
      `action ${id} (${attempt.collection}): ${decision.decision} by ${decision.by}` +
        `${decision.comment ? ` — ${decision.comment}` : ''}`,
    );
    return {
      data: { action_id: id, collection: attempt.collection, workflow_id: attempt.workflow_id, ...decision },
      exitCode: 0,
    };
  };
}
