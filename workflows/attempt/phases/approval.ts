import { condition } from '@temporalio/workflow';
import type { ProblemClass } from '../../../src/domain/problem-class';
import { approvalReasons } from '../../../src/strategies/registry';
import type { Decision } from '../../attempt-messages';
import { deferred, enter, flushAttributes, type Chosen, type EarlyEnd, type PreparedLedger } from '../attempt-ledger';
import { tellAboutAttempt } from '../tell-person';

/**
 * Waits for a person up to approval_timeout when the strategy, the class or the impact asks for
 * one (a durable timer); a manual execution is itself the person's decision.
 */
export async function awaitApproval(
  l: PreparedLedger,
  { strategy }: Chosen,
  problem: ProblemClass,
): Promise<EarlyEnd | null> {
  const { status, config, prepared } = l;
  const why = approvalReasons(strategy, problem.class, config);
  if (l.input.dry_run || l.input.strategy || why.length === 0) return null;
  status.awaiting_approval = true;
  status.approval_deadline = new Date(Date.now() + config.approval_timeout * 1000).toISOString();
  status.approval_reason = why.join('; ');
  enter(
    l,
    'approval',
    `action ${prepared.attempt_id}: ${strategy.name} for ${problem.class} waits for approval until ` +
      `${status.approval_deadline} (${status.approval_reason}; \`selfheal approve ${prepared.attempt_id}\`)`,
  );
  flushAttributes(l);
  // Told beside the wait, not before it: a webhook that is down never holds the attempt back.
  tellAboutAttempt(l, 'approval', status.approval_reason, status.approval_deadline);
  const decided = await condition(() => status.approval !== null, config.approval_timeout * 1000, {
    summary: `approval: wait up to ${config.approval_timeout} s for action ${prepared.attempt_id}`,
  });
  status.awaiting_approval = false;
  if (!decided) return deferred(`approval timed out after ${config.approval_timeout} s`);
  // Set by the update handler while the condition waited.
  const approval = status.approval as Decision | null;
  if (approval?.decision === 'rejected')
    return deferred(`rejected by ${approval.by}${approval.comment ? `: ${approval.comment}` : ''}`);
  return null;
}
