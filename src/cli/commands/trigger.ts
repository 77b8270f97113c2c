import { z } from 'zod';
import { collectionNameSchema } from '../../postgres/collections';
import { requestHealing } from '../../temporal/request-healing';
import type { TriggerAnswer, TriggerRequest } from '../../../workflows/guardian-messages';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { actionIdOf } from '../attempt-live';
import { describeOutcome, followAttempt, lineSink } from '../follow-attempt';
import { workflowUiLink, type SystemHandles } from '../system-connection';
import { followOutput, type FollowOutput } from './follow';

const argsSchema = z.object({ collection: collectionNameSchema, wait: z.boolean() });

/** `selfheal trigger <collection> [--no-wait]`: ruvector_healing_trigger, through the collection's guardian. */
export async function triggerCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'no-wait']);
  if (args.positionals.length !== 1) throw new UsageError('usage: selfheal trigger <collection> [--no-wait] [--json]');
  const a = argsSchema.parse({ collection: args.positionals[0], wait: !args.flags['no-wait'] });
  return requestAttempt(sys, a.collection, { by: 'manual' }, a.wait, out, followOutput(args, out));
}

/**
 * Asks the guardian for an attempt and, unless told not to wait, follows it to its outcome as
 * `selfheal follow` does (plain lines unless told otherwise).
 */
export async function requestAttempt(
  sys: SystemHandles,
  collection: string,
  request: TriggerRequest,
  wait: boolean,
  out: (l: string) => void,
  to: FollowOutput = { sink: lineSink(out), tty: false },
): Promise<CommandResult> {
  const answer: TriggerAnswer = await requestHealing(
    {
      temporal: () => sys.temporal(),
      pool: await sys.pool(),
      database: await sys.database(),
      taskQueue: sys.settings.taskQueue,
    },
    collection,
    request,
  );
  if (answer.kind === 'Deferred') {
    out(`deferred: ${answer.reason}`);
    return { data: { answer }, exitCode: 4 };
  }
  const link = workflowUiLink(sys.settings, answer.workflow_id, answer.run_id);
  out(
    `${answer.kind === 'Joined' ? 'joined the running attempt' : 'attempt'} ${answer.workflow_id} run ` +
      `${answer.run_id}${link ? `\n  UI: ${link}` : ''}`,
  );
  if (!wait) {
    // What follow and abort take: the attempt records it as it starts.
    const actionId = await actionIdOf(await sys.temporal(), answer.workflow_id, answer.run_id);
    out(
      actionId === null
        ? 'its action id is not known yet: `selfheal pending` or `selfheal history` lists it'
        : `action ${actionId}: \`selfheal follow ${actionId}\` follows it, \`selfheal abort ${actionId}\` stops it`,
    );
    return { data: { answer, ui: link, action_id: actionId }, exitCode: 0 };
  }
  const outcome = await followAttempt(await sys.temporal(), answer.workflow_id, answer.run_id, to.sink, to);
  out(describeOutcome(outcome));
  const ok =
    (outcome.kind === 'Completed' && outcome.verified) || (outcome.kind === 'DryRun' && outcome.sandbox_passed);
  return { data: { answer, ui: link, outcome }, exitCode: ok ? 0 : 4 };
}
