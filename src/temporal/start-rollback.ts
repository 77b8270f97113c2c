import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { COLLECTION_SA } from '../domain/search-attributes';
import { healingAttemptWorkflowId } from '../domain/workflow-ids';
import type { rollbackAttempt } from '../../workflows/rollback-attempt';

/** Something runs under the collection's attempt id already (an attempt, another rollback). */
export class RollbackBusyError extends Error {
  constructor(collection: string) {
    super(`an attempt is running on ${collection}: wait for it or abort it first`);
    this.name = 'RollbackBusyError';
  }
}

/**
 * ruvector_healing_rollback: starts the rollback of the collection's last reversible change. It shares
 * the attempt's workflow id, so it cannot run beside a healing attempt on the same collection. `memo`
 * marks the run (a relayed SQL command names itself, to be found again after a crash).
 */
export async function startRollback(
  client: Client,
  o: { taskQueue: string; collection: string; by: string; memo?: Record<string, unknown> },
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof rollbackAttempt>> {
  try {
    return await client.workflow.start<typeof rollbackAttempt>('rollbackAttempt', {
      taskQueue: o.taskQueue,
      workflowId: healingAttemptWorkflowId(o.collection),
      workflowIdConflictPolicy: 'FAIL',
      args: [{ collection: o.collection, by: o.by }],
      typedSearchAttributes: [{ key: COLLECTION_SA, value: o.collection }],
      staticSummary: `rollback of the last change on ${o.collection} (${o.by})`,
      ...(o.memo ? { memo: o.memo } : {}),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new RollbackBusyError(o.collection);
    throw err;
  }
}
