import { z } from 'zod';
import type { HealingOutcome } from '../../domain/healing-outcome';
import { collectionNameSchema, getCollection } from '../../postgres/collections';
import { startHealingAttempt } from '../../temporal/start-attempt';
import { attemptStatusQuery } from '../../../workflows/attempt-messages';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { workflowUiLink, type SystemHandles } from '../system-connection';

const argsSchema = z.object({ collection: collectionNameSchema, wait: z.boolean() });

/** `selfheal trigger <collection> [--no-wait]`: ruvector_healing_trigger. */
export async function triggerCommand(args: ParsedArgs, sys: SystemHandles, out: (l: string) => void): Promise<CommandResult> {
  onlyFlags(args, ['json', 'no-wait']);
  if (args.positionals.length !== 1) throw new UsageError('usage: selfheal trigger <collection> [--no-wait] [--json]');
  const a = argsSchema.parse({ collection: args.positionals[0], wait: !args.flags['no-wait'] });
  await getCollection(await sys.pool(), a.collection);
  const client = await sys.temporal();
  const handle = await startHealingAttempt(client, { collection: a.collection, taskQueue: sys.settings.taskQueue, trigger: 'manual' });
  const runId = handle.firstExecutionRunId;
  const link = workflowUiLink(sys.settings, handle.workflowId, runId);
  out(`attempt ${handle.workflowId} run ${runId}${link ? `\n  UI: ${link}` : ''}`);
  if (!a.wait) return { data: { workflow_id: handle.workflowId, run_id: runId, ui: link }, exitCode: 0 };

  let lastPhase = '';
  const poll = setInterval(() => {
    handle
      .query(attemptStatusQuery)
      .then((s) => {
        if (s.phase !== lastPhase) {
          lastPhase = s.phase;
          out(`  phase: ${s.phase}`);
        }
      })
      .catch(() => undefined);
  }, 500);
  let outcome: HealingOutcome;
  try {
    outcome = await handle.result();
  } finally {
    clearInterval(poll);
  }
  out(describeOutcome(outcome));
  const healed = outcome.kind === 'Completed' && outcome.verified;
  return { data: { workflow_id: handle.workflowId, run_id: runId, ui: link, outcome }, exitCode: healed ? 0 : 4 };
}

export function describeOutcome(o: HealingOutcome): string {
  switch (o.kind) {
    case 'Completed':
      return `${o.verified ? 'healed' : 'not healed'}: ${o.problem.class} → ${o.strategy}; λ ${o.initial_lambda.toFixed(3)} → ${o.final_lambda?.toFixed(3) ?? '?'}${o.compensated ? ' (compensated)' : ''}${o.result.error ? `; ${o.result.error}` : ''}`;
    case 'Deferred':
      return `deferred: ${o.reason}`;
    case 'NoStrategy':
      return `no strategy for ${o.problem.class}`;
  }
}
