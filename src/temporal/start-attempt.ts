import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { HealingConfigInput } from '../domain/healing-config';
import type { healingAttempt } from '../../workflows/healing-attempt';
import { COLLECTION_SA } from '../domain/search-attributes';
import { healingAttemptWorkflowId } from '../domain/workflow-ids';

export interface StartAttemptOptions {
  collection: string;
  taskQueue: string;
  trigger: string;
  config?: HealingConfigInput;
  /** Manual execution: this strategy instead of the selected one. */
  strategy?: string;
}

/**
 * Starts a healing attempt, or joins the one already running for the collection: the workflow id
 * is the collection's, and USE_EXISTING turns a second start into a handle on the first.
 */
export async function startHealingAttempt(
  client: Client,
  o: StartAttemptOptions,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof healingAttempt>> {
  return client.workflow.start<typeof healingAttempt>('healingAttempt', {
    taskQueue: o.taskQueue,
    workflowId: healingAttemptWorkflowId(o.collection),
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [
      {
        collection: o.collection,
        trigger: o.trigger,
        ...(o.config ? { config: o.config } : {}),
        ...(o.strategy ? { strategy: o.strategy } : {}),
      },
    ],
    typedSearchAttributes: [{ key: COLLECTION_SA, value: o.collection }],
    staticSummary: `healing attempt for collection ${o.collection} (${o.trigger})`,
  });
}
