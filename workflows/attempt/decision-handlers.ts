import { setHandler } from '@temporalio/workflow';
import {
  abortUpdate,
  approveUpdate,
  attemptStatusQuery,
  decisionInputSchema,
  rejectUpdate,
  type Decision,
  type DecisionInput,
} from '../attempt-messages';
import type { AttemptLedger } from './attempt-ledger';

class DecisionRefused extends Error {}

/**
 * A person's decisions on the attempt: approve or reject while it waits, abort in any phase before
 * compensation. Each validator refuses a decision that does not apply, before it is accepted into
 * history; an abort cancels the attempt's work scope.
 */
export function handleDecisions(l: AttemptLedger): void {
  const { status } = l;
  const decide = (kind: Decision['decision'], d: DecisionInput): Decision => ({
    decision: kind,
    by: d.by,
    comment: d.comment ?? null,
    at: new Date().toISOString(),
  });
  const checkAction = (raw: unknown): DecisionInput => {
    const d = decisionInputSchema.parse(raw);
    if (status.attempt_id === null)
      throw new DecisionRefused('the attempt has no action id yet: try again in a moment');
    if (d.action_id !== status.attempt_id)
      throw new DecisionRefused(`this attempt is action ${status.attempt_id}, not ${d.action_id}`);
    return d;
  };
  const validateApproval = (raw: unknown): void => {
    checkAction(raw);
    if (status.approval)
      throw new DecisionRefused(
        `action ${status.attempt_id} was already ${status.approval.decision} by ${status.approval.by}`,
      );
    if (!status.awaiting_approval)
      throw new DecisionRefused(`action ${status.attempt_id} is not waiting for approval (phase ${status.phase})`);
    if (status.abort) throw new DecisionRefused(`action ${status.attempt_id} was aborted`);
  };
  setHandler(attemptStatusQuery, () => status);
  setHandler(approveUpdate, (raw) => (status.approval = decide('approved', raw)), { validator: validateApproval });
  setHandler(rejectUpdate, (raw) => (status.approval = decide('rejected', raw)), { validator: validateApproval });
  setHandler(
    abortUpdate,
    (raw) => {
      status.abort = decide('aborted', raw);
      l.work.cancel();
      return status.abort;
    },
    {
      validator: (raw) => {
        checkAction(raw);
        if (status.abort)
          throw new DecisionRefused(`action ${status.attempt_id} was already aborted by ${status.abort.by}`);
        if (status.phase === 'compensate' || status.phase === 'record' || status.phase === 'done') {
          throw new DecisionRefused(`action ${status.attempt_id} is finishing (${status.phase}): too late to abort`);
        }
      },
    },
  );
}
