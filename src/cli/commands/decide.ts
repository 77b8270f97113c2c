import { userInfo } from 'node:os';
import { z } from 'zod';
import { decideAttempt, type DecisionKind } from '../../temporal/decide-attempt';
import { actionIdSchema } from '../action-id';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { NotFoundError, RefusedError } from '../errors';
import type { SystemHandles } from '../system-connection';

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
export function decideCommand(kind: DecisionKind) {
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
    if (id === null) throw new NotFoundError(`no action ${a.action_id.text}`);
    const answer = await decideAttempt(() => sys.temporal(), await sys.pool(), kind, {
      action_id: id,
      by: a.by,
      comment: a.comment,
    });
    if (!answer.ok)
      throw answer.refusal === 'not_found' ? new NotFoundError(answer.message) : new RefusedError(answer.message);
    const { attempt, decision } = answer;
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
