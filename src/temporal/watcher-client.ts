import type { Client } from '@temporalio/client';
import type { databaseWatcher } from '../../workflows/database-watcher';
import { syncNowUpdate } from '../../workflows/database-watcher';
import { databaseWatcherWorkflowId } from './task-queue';

/** Starts the database's watcher unless it runs already. */
export async function ensureDatabaseWatcher(client: Client, database: string, taskQueue: string): Promise<void> {
  await client.workflow.start<typeof databaseWatcher>('databaseWatcher', {
    taskQueue,
    workflowId: databaseWatcherWorkflowId(database),
    args: [{}],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `watcher of database ${database}: renames, drops and watch rules`,
  });
}

/** Asks the watcher for a pass now; returns the collections it newly watched. */
export async function syncWatcherNow(client: Client, database: string): Promise<string[]> {
  const r = await client.workflow.getHandle(databaseWatcherWorkflowId(database)).executeUpdate(syncNowUpdate);
  return r.watched;
}
