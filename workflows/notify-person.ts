import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  CancellationScope,
  ParentClosePolicy,
  log,
  patched,
  proxyActivities,
  startChild,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities, NoticeDelivery } from '../activities';
import { noticeWorkflowId, type Notice } from '../src/domain/notice';
import { COLLECTION_SA } from '../src/domain/search-attributes';
import { NOTIFY_PERSON_PATCH } from './attempt/attempt-patches';

/**
 * Tries spaced 1, 2, 4 … s apart, at most 5 min, for an hour: a person is told even through a
 * webhook's outage of minutes, and a notice older than an hour is not worth sending any more.
 */
const noticeOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: ['InvalidInput'],
  },
};

const acts = proxyActivities<Activities>(noticeOptions);

/** Posts one notice to the worker's webhooks, retried with backoff; fails only when no target took it. */
export async function notifyPerson(notice: Notice): Promise<NoticeDelivery> {
  const d = await acts.postNotification.executeWithOptions(
    { ...noticeOptions, summary: `notify: ${notice.event} of action ${notice.action_id}` },
    [notice],
  );
  if (d.posted.length + d.already.length === 0 && d.refused.length > 0)
    throw ApplicationFailure.nonRetryable(`every target refused notice ${d.key}: ${d.refused.join(', ')}`, 'Refused');
  return d;
}

/**
 * Tells a person, without making the caller wait for it or fail with it. The notice runs as its
 * own workflow, abandoned by its parent: its retries outlive an attempt that ends (or a guardian
 * that continues as new) meanwhile, where an activity of the caller's would be dropped with it.
 * Its id is the action's and the event's, so a second request for the same notice is refused by
 * Temporal, and the store skips what was delivered (a retried try). Not cancellable: an abort
 * stops the attempt, not the news of it.
 *
 * The returned promise resolves once Temporal has started it (never rejects): the caller awaits
 * it only before it closes, because a child whose start is still pending when its parent closes
 * is never started.
 */
export function tellPerson(notice: Notice): Promise<void> {
  if (!patched(NOTIFY_PERSON_PATCH)) return Promise.resolve();
  return CancellationScope.nonCancellable(() =>
    startChild(notifyPerson, {
      workflowId: noticeWorkflowId(notice),
      args: [notice],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [{ key: COLLECTION_SA, value: notice.collection }],
      staticSummary: `notify: ${notice.event} of action ${notice.action_id} (${notice.collection})`,
    }),
  ).then(
    () => undefined,
    (err: unknown) => {
      // Started already: that one tells the person.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError))
        log.warn('could not start the notice', { notice: noticeWorkflowId(notice), error: String(err) });
    },
  );
}
