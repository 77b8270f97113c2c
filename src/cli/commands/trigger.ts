import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { HealingOutcome } from '../../domain/healing-outcome';
import { collectionNameSchema, getCollection } from '../../postgres/collections';
import { triggerHealing } from '../../temporal/guardian-client';
import { attemptStatusQuery } from '../../../workflows/attempt-messages';
import type { TriggerAnswer, TriggerRequest } from '../../../workflows/guardian-messages';
import type { healingAttempt } from '../../../workflows/healing-attempt';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { workflowUiLink, type SystemHandles } from '../system-connection';

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
  return requestAttempt(sys, a.collection, { by: 'manual' }, a.wait, out);
}

/** Asks the guardian for an attempt and, unless told not to wait, follows it to its outcome. */
export async function requestAttempt(
  sys: SystemHandles,
  collection: string,
  request: TriggerRequest,
  wait: boolean,
  out: (l: string) => void,
): Promise<CommandResult> {
  await getCollection(await sys.pool(), collection);
  const client = await sys.temporal();
  const answer: TriggerAnswer = await triggerHealing(
    client,
    await sys.database(),
    collection,
    sys.settings.taskQueue,
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
  if (!wait) return { data: { answer, ui: link }, exitCode: 0 };
  const outcome = await follow(client, answer.workflow_id, answer.run_id, out);
  out(describeOutcome(outcome));
  const ok =
    (outcome.kind === 'Completed' && outcome.verified) || (outcome.kind === 'DryRun' && outcome.sandbox_passed);
  return { data: { answer, ui: link, outcome }, exitCode: ok ? 0 : 4 };
}

async function follow(
  client: Client,
  workflowId: string,
  runId: string,
  out: (l: string) => void,
): Promise<HealingOutcome> {
  const handle = client.workflow.getHandle<typeof healingAttempt>(workflowId, runId);
  // Every phase entered since the last poll, not just the current one: quick phases show too.
  let printed = 0;
  const poll = setInterval(() => {
    handle
      .query(attemptStatusQuery)
      .then((s) => {
        for (const p of s.phases.slice(printed)) {
          out(
            `  phase: ${p.phase}` +
              `${p.phase === 'approval' ? ` (action ${s.attempt_id}: selfheal approve ${s.attempt_id})` : ''}`,
          );
        }
        printed = Math.max(printed, s.phases.length);
      })
      .catch(() => undefined);
  }, 500);
  try {
    return await handle.result();
  } finally {
    clearInterval(poll);
  }
}

export function describeOutcome(o: HealingOutcome): string {
  switch (o.kind) {
    case 'Completed':
      return (
        `${o.verified ? 'healed' : 'not healed'}: ${o.problem.class} → ${o.strategy}; λ ` +
        `${o.initial_lambda.toFixed(3)} → ${o.final_lambda?.toFixed(3) ?? '?'}` +
        `${o.compensated ? ' (compensated)' : ''}${o.result.error ? `; ${o.result.error}` : ''}` +
        `${o.temporary_until ? `; temporary: the previous setting is restored at ${o.temporary_until}` : ''}`
      );
    case 'Deferred':
      return `deferred: ${o.reason}`;
    case 'NoStrategy':
      return `no strategy for ${o.problem.class}`;
    case 'Aborted':
      return `${o.reason}${o.compensated ? '; compensated' : ''}`;
    case 'DryRun':
      return o.reason;
  }
}
