import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { databaseGuardian } from '../../workflows/database-guardian';
import {
  collectionPauseUpdate,
  collectionResumeUpdate,
  collectionStatusQuery,
  collectionTriggerUpdate,
  databaseStatusQuery,
  refreshUpdate,
  type DatabaseGuardianStatus,
} from '../../workflows/database-guardian-messages';
import type { GuardianStatus, PauseRequest, TriggerAnswer, TriggerRequest } from '../../workflows/guardian-messages';
import { databaseGuardianWorkflowId } from '../domain/workflow-ids';

export { databaseGuardianWorkflowId };

function guardianStart(database: string, taskQueue: string) {
  return {
    taskQueue,
    workflowId: databaseGuardianWorkflowId(database),
    args: [{ database }] as Parameters<typeof databaseGuardian>,
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    staticSummary: `guardian of database ${database}: every watched collection, one sensor pass per interval`,
  };
}

/** Starts the database's guardian unless it runs already. */
export async function ensureGuardian(client: Client, database: string, taskQueue: string): Promise<void> {
  await client.workflow.start<typeof databaseGuardian>('databaseGuardian', guardianStart(database, taskQueue));
}

/**
 * Asks the guardian for an attempt on a collection (starting the guardian if needed): Started, Joined
 * or Deferred. `updateId` makes a repeat of the same request (a relay after a crash) the same update.
 */
export async function triggerHealing(
  client: Client,
  database: string,
  collection: string,
  taskQueue: string,
  request: TriggerRequest,
  opts: { updateId?: string } = {},
): Promise<TriggerAnswer> {
  return client.workflow.executeUpdateWithStart(collectionTriggerUpdate, {
    args: [{ collection, request }],
    ...(opts.updateId ? { updateId: opts.updateId } : {}),
    startWorkflowOperation: new WithStartWorkflowOperation<typeof databaseGuardian>(
      'databaseGuardian',
      guardianStart(database, taskQueue),
    ),
  });
}

async function runningHandle(client: Client, database: string) {
  const h = client.workflow.getHandle(databaseGuardianWorkflowId(database));
  try {
    return (await h.describe()).status.name === 'RUNNING' ? h : null;
  } catch {
    return null;
  }
}

/** The guardian's view of one collection, or null when no guardian runs or it does not know the collection yet. */
export async function guardianStatus(
  client: Client,
  database: string,
  collection: string,
): Promise<GuardianStatus | null> {
  const h = await runningHandle(client, database);
  return h ? h.query(collectionStatusQuery, collection).catch(() => null) : null;
}

/** Every collection at once: one query, whatever their number. */
export async function databaseGuardianStatus(client: Client, database: string): Promise<DatabaseGuardianStatus | null> {
  const h = await runningHandle(client, database);
  return h ? h.query(databaseStatusQuery).catch(() => null) : null;
}

export async function pauseCollection(
  client: Client,
  database: string,
  taskQueue: string,
  collection: string,
  request: PauseRequest,
): Promise<GuardianStatus> {
  await ensureGuardian(client, database, taskQueue);
  return client.workflow
    .getHandle(databaseGuardianWorkflowId(database))
    .executeUpdate(collectionPauseUpdate, { args: [{ collection, request }] });
}

export async function resumeCollection(
  client: Client,
  database: string,
  taskQueue: string,
  collection: string,
  request: PauseRequest,
): Promise<GuardianStatus> {
  await ensureGuardian(client, database, taskQueue);
  return client.workflow
    .getHandle(databaseGuardianWorkflowId(database))
    .executeUpdate(collectionResumeUpdate, { args: [{ collection, request }] });
}

/**
 * After a change in the store (a watch, an unwatch, a configuration): the guardian reads it now; no-op when none runs.
 */
export async function refreshGuardian(client: Client, database: string): Promise<boolean> {
  const h = await runningHandle(client, database);
  if (!h) return false;
  await h.executeUpdate(refreshUpdate);
  return true;
}
