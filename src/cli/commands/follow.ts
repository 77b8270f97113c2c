import { z } from 'zod';
import { findAttempt } from '../../postgres/outcome-store';
import { actionIdSchema } from '../action-id';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { NotFoundError } from '../errors';
import { describeOutcome, followAttempt, lineSink, terminalSink, type FollowSink } from '../follow-attempt';
import { workflowUiLink, type SystemHandles } from '../system-connection';

/** Where following writes: a progress bar redrawn in place on a terminal, plain lines otherwise (a pipe, --json). */
export interface FollowOutput {
  sink: FollowSink;
  tty: boolean;
  columns?: number;
}

export function followOutput(args: ParsedArgs, out: (l: string) => void): FollowOutput {
  if (args.flags.json || process.stdout.isTTY !== true) return { sink: lineSink(out), tty: false };
  return {
    sink: terminalSink((chunk) => void process.stdout.write(chunk)),
    tty: true,
    ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
  };
}

const argsSchema = z.object({ action_id: actionIdSchema });

/**
 * `selfheal follow <action-id>`: the attempt's phases as it enters them and its strategy's progress
 * (REINDEX phase and blocks, rows moved, replicas ready) from its heartbeats, until it ends; then
 * its outcome. An attempt that has ended already shows its phases and outcome at once.
 */
export async function followCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json']);
  if (args.positionals.length !== 1) throw new UsageError('usage: selfheal follow <action-id> [--json]');
  const { action_id } = argsSchema.parse({ action_id: args.positionals[0] });
  const attempt = action_id.id === null ? undefined : await findAttempt(await sys.pool(), action_id.id);
  if (!attempt) throw new NotFoundError(`no action ${action_id.text}`);
  const link = workflowUiLink(sys.settings, attempt.workflow_id, attempt.run_id);
  out(
    `action ${attempt.id}: ${attempt.collection}, ${attempt.workflow_id} run ${attempt.run_id}` +
      `${link ? `\n  UI: ${link}` : ''}`,
  );
  const to = followOutput(args, out);
  const outcome = await followAttempt(await sys.temporal(), attempt.workflow_id, attempt.run_id, to.sink, to);
  out(describeOutcome(outcome));
  const ok =
    (outcome.kind === 'Completed' && outcome.verified) || (outcome.kind === 'DryRun' && outcome.sandbox_passed);
  return {
    data: {
      action_id: attempt.id,
      collection: attempt.collection,
      workflow_id: attempt.workflow_id,
      ui: link,
      outcome,
    },
    exitCode: ok ? 0 : 4,
  };
}
