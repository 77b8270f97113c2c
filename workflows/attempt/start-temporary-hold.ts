import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { CancellationScope, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { COLLECTION_SA } from '../../src/domain/search-attributes';
import { temporaryHoldWorkflowId } from '../../src/domain/workflow-ids';
import { temporaryHold } from '../temporary-hold';

/**
 * Starts the hold that restores a verified temporary strategy's change after holdSeconds; returns
 * when it will. An abandoned child named by the action, so the attempt (and the guardian waiting
 * on it) ends now. Not cancellable: the attempt has recorded its outcome already.
 */
export async function startTemporaryHold(
  collection: string,
  attemptId: number,
  strategyName: string,
  holdSeconds: number,
): Promise<string> {
  const until = new Date(Date.now() + holdSeconds * 1000).toISOString();
  try {
    await CancellationScope.nonCancellable(() =>
      startChild(temporaryHold, {
        workflowId: temporaryHoldWorkflowId(collection, attemptId),
        args: [{ collection, attempt_id: attemptId, strategy: strategyName, hold_seconds: holdSeconds }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: COLLECTION_SA, value: collection }],
        staticSummary:
          `temporary hold: ${strategyName} on ${collection} (action ${attemptId}) ` + `restored after ${holdSeconds} s`,
      }),
    );
  } catch (err) {
    // Started already (this attempt's id names it): that hold restores it.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return until;
}
