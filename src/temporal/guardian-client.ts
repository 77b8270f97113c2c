import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { collectionGuardian } from '../../workflows/collection-guardian';
import { guardianStatusQuery, triggerUpdate, type GuardianStatus, type TriggerAnswer, type TriggerRequest } from '../../workflows/guardian-messages';
import { COLLECTION_SA } from './search-attributes';
import { guardianWorkflowId } from './task-queue';

export { guardianWorkflowId };

function guardianStart(collection: string, taskQueue: string) {
  return {
    taskQueue,
    workflowId: guardianWorkflowId(collection),
    args: [{ collection }] as Parameters<typeof collectionGuardian>,
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    typedSearchAttributes: [{ key: COLLECTION_SA, value: collection }],
    staticSummary: `guardian of collection ${collection}`,
  };
}

/** Starts the collection's guardian unless it runs already. */
export async function ensureGuardian(client: Client, collection: string, taskQueue: string): Promise<void> {
  await client.workflow.start<typeof collectionGuardian>('collectionGuardian', guardianStart(collection, taskQueue));
}

/** Asks the guardian for an attempt (starting the guardian if needed): Started, Joined or Deferred. */
export async function triggerHealing(client: Client, collection: string, taskQueue: string, request: TriggerRequest): Promise<TriggerAnswer> {
  return client.workflow.executeUpdateWithStart(triggerUpdate, {
    args: [request],
    startWorkflowOperation: new WithStartWorkflowOperation<typeof collectionGuardian>('collectionGuardian', guardianStart(collection, taskQueue)),
  });
}

/** The guardian's view, or null when no guardian runs for the collection. */
export async function guardianStatus(client: Client, collection: string): Promise<GuardianStatus | null> {
  const h = client.workflow.getHandle(guardianWorkflowId(collection));
  try {
    const d = await h.describe();
    if (d.status.name !== 'RUNNING') return null;
    return await h.query(guardianStatusQuery);
  } catch {
    return null;
  }
}
