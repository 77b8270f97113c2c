import { workflowInfo } from '@temporalio/workflow';
import { noticeReason, type NoticeEvent } from '../../src/domain/notice';
import { tellPerson } from '../notify-person';
import type { AttemptLedger } from './attempt-ledger';

/**
 * Tells a person about this attempt, beside it: the attempt goes on at once (notify-person.ts).
 * Before prepare there is no action id to act on, and nothing to tell.
 */
export function tellAboutAttempt(
  l: AttemptLedger,
  event: NoticeEvent,
  reason: string,
  deadline: string | null = null,
): void {
  if (!l.prepared) return;
  const { workflowId, runId } = workflowInfo();
  l.notices.push(
    tellPerson({
      event,
      action_id: l.prepared.attempt_id,
      collection: l.input.collection,
      problem_class: l.problem?.class ?? null,
      strategy: l.chosen?.strategy.name ?? null,
      reason: noticeReason(reason),
      workflow_id: workflowId,
      run_id: runId,
      at: new Date().toISOString(),
      ...(deadline ? { deadline } : {}),
    }),
  );
}
