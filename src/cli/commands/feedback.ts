import { userInfo } from 'node:os';
import { z } from 'zod';
import { recordFeedback } from '../../postgres/feedback';
import { actionIdSchema } from '../action-id';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { NotFoundError, RefusedError } from '../errors';
import type { SystemHandles } from '../system-connection';
import { auditSigner } from '../../postgres/audit-log';

const USAGE = 'usage: selfheal feedback <action-id> --score <-1..1> [--comment "why"] [--by name] [--json]';

/** A plain decimal: Number() alone would take "", "0x1" and "1e0" too. */
const DECIMAL = /^[+-]?(\d+(\.\d+)?|\.\d+)$/;

const argsSchema = z.object({
  action_id: actionIdSchema,
  score: z
    .string()
    .refine(
      (t) => DECIMAL.test(t) && Math.abs(Number(t)) <= 1,
      (t) => ({
        message: `--score takes a number from -1 (it made things worse) to 1 (exactly right), not "${t}"`,
      }),
    )
    .transform(Number),
  by: z.string().min(1).max(200),
  comment: z.string().max(2000).optional(),
});

/**
 * `selfheal feedback <action-id> --score s`: a person's judgement of what an attempt did, kept on its
 * outcome for the weights to learn from. Given again, it replaces the earlier one, and says so.
 */
export async function feedbackCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'score', 'comment', 'by']);
  if (args.positionals.length !== 1 || args.flags.score === undefined) throw new UsageError(USAGE);
  const parsed = argsSchema.safeParse({
    action_id: args.positionals[0],
    score: String(args.flags.score),
    by: args.flags.by === undefined ? userInfo().username : String(args.flags.by),
    comment: args.flags.comment === undefined ? undefined : String(args.flags.comment),
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  const a = parsed.data;
  const id = a.action_id.id;
  if (id === null) throw new NotFoundError(`no action ${a.action_id.text}`);
  const r = await recordFeedback(
    await sys.pool(),
    { attempt_id: id, score: a.score, by: a.by, comment: a.comment ?? null },
    auditSigner(sys.settings.auditKey),
  );
  if (r.kind === 'no-attempt') throw new NotFoundError(`no action ${id}`);
  if (r.kind === 'no-outcome')
    throw new RefusedError(
      r.status === 'running'
        ? `action ${id} (${r.collection}) is still running: feedback waits for its outcome`
        : `action ${id} (${r.collection}) ended ${r.status} without running a strategy: it has no outcome to judge`,
    );
  const replaced = r.replaced
    ? `; replaced feedback ${r.replaced.score} by ${r.replaced.by ?? 'someone unrecorded'}` +
      `${r.replaced.at ? ` (${r.replaced.at})` : ''}`
    : '';
  out(
    `action ${id} (${r.collection}): feedback ${r.feedback.score} by ${r.feedback.by} on outcome ${r.outcome_id}` +
      `${r.feedback.comment ? ` — ${r.feedback.comment}` : ''}${replaced}`,
  );
  return {
    data: { action_id: id, collection: r.collection, outcome_id: r.outcome_id, ...r.feedback, replaced: r.replaced },
    exitCode: 0,
  };
}
