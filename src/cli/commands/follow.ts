import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { attemptEnding, findAttempt } from '../../postgres/outcome-store';
import type { rollbackAttempt } from '../../../workflows/rollback-attempt';
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
  const client = await sys.temporal();
  const data = { action_id: attempt.id, collection: attempt.collection, workflow_id: attempt.workflow_id, ui: link };
  const type = await client.workflow
    .getHandle(attempt.workflow_id, attempt.run_id)
    .describe()
    .then(
      (d) => d.type,
      (err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      },
    );
  if (type === null) {
    // Past its namespace's retention Temporal forgets a run; the store still says how it ended.
    const end = await attemptEnding(await sys.pool(), attempt.id);
    out(
      `Temporal no longer keeps this run (closed longer ago than its namespace's retention); the store recorded: ` +
        `${end?.status ?? attempt.status}${end?.reason ? `: ${end.reason}` : ''} ` +
        `(selfheal history --collection ${attempt.collection} for more)`,
    );
    return {
      data: { ...data, outcome: null, recorded: end ?? { status: attempt.status } },
      exitCode: end?.status === 'Completed' && end.verified === true ? 0 : 4,
    };
  }
  if (type === 'rollbackAttempt') {
    // A rollback shares the attempts' workflow id, not their phases or outcome.
    const r = await client.workflow.getHandle<typeof rollbackAttempt>(attempt.workflow_id, attempt.run_id).result();
    out(
      r.kind === 'RolledBack' ? `rolled back action ${r.rolled_back} (${r.strategy})` : `rollback refused: ${r.reason}`,
    );
    // As `selfheal rollback` ends: 0 rolled back, 5 refused.
    return { data: { ...data, outcome: r }, exitCode: r.kind === 'RolledBack' ? 0 : 5 };
  }
  const to = followOutput(args, out);
  const outcome = await followAttempt(client, attempt.workflow_id, attempt.run_id, to.sink, to);
  out(describeOutcome(outcome));
  const ok =
    (outcome.kind === 'Completed' && outcome.verified) || (outcome.kind === 'DryRun' && outcome.sandbox_passed);
  return {
    data: { ...data, outcome },
    exitCode: ok ? 0 : 4,
  };
}
