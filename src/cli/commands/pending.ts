import { attemptStatusQuery } from '../../../workflows/attempt-messages';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { problemTargets } from '../problem-targets';
import type { SystemHandles } from '../system-connection';

/** `selfheal pending`: attempts waiting for approval, with their action ids. */
export async function pendingCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json']);
  if (args.positionals.length) throw new UsageError('usage: selfheal pending [--json]');
  const client = await sys.temporal();
  const rows = [];
  for await (const wf of client.workflow.list({
    query: `WorkflowType = 'healingAttempt' AND ExecutionStatus = 'Running' AND HealingPhase = 'approval'`,
  })) {
    try {
      const s = await client.workflow.getHandle(wf.workflowId, wf.runId).query(attemptStatusQuery);
      if (!s.awaiting_approval || s.attempt_id === null) continue;
      rows.push({
        action_id: s.attempt_id,
        collection: s.collection,
        problem_class: s.problem?.class ?? null,
        target: s.problem ? problemTargets(s.problem) : null,
        strategy: s.strategy,
        initial_lambda: s.initial_lambda,
        approval_deadline: s.approval_deadline,
        approval_reason: s.approval_reason ?? null,
        workflow_id: wf.workflowId,
        run_id: wf.runId,
      });
    } catch {
      // Finished between the listing and the query.
    }
  }
  rows.sort((a, b) => a.action_id - b.action_id);
  if (rows.length === 0) out('no attempt waits for approval');
  for (const r of rows)
    out(
      `action ${r.action_id}: ${r.collection} ${r.problem_class}${r.target ? ` on ${r.target}` : ''} → ` +
        `${r.strategy}, waits until ${r.approval_deadline}` +
        `${r.approval_reason ? ` (${r.approval_reason})` : ''}  (selfheal approve ${r.action_id})`,
    );
  return { data: rows, exitCode: 0 };
}
