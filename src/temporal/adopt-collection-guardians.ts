import type { Client } from '@temporalio/client';
import { adoptUpdate, type AdoptedGuardian } from '../../workflows/database-guardian-messages';
import { guardianStatusQuery } from '../../workflows/guardian-messages';
import { ensureGuardian } from './guardian-client';
import { databaseGuardianWorkflowId } from '../domain/workflow-ids';

/**
 * Upgrade from per-collection guardians: each one still running for a collection of this database
 * hands its pause, its "needs a person" stop and its last attempt (so its cooldown holds) to the
 * database's guardian, and is ended, never left failing on a workflow type that is gone.
 */
export async function adoptCollectionGuardians(
  client: Client,
  database: string,
  taskQueue: string,
  collections: readonly string[],
): Promise<string[]> {
  const names = new Set(collections);
  const found: Record<string, AdoptedGuardian> = {};
  const query =
    `WorkflowType = 'collectionGuardian' AND ExecutionStatus = 'Running' AND TaskQueue = '` +
    `${taskQueue.replace(/'/g, "\\'")}'`;
  for await (const wf of client.workflow.list({ query })) {
    const name = wf.workflowId.replace(/^guardian\//, '');
    if (!names.has(name)) continue;
    const h = client.workflow.getHandle(wf.workflowId, wf.runId);
    const st = await h.query(guardianStatusQuery).catch(() => null);
    if (st)
      found[name] = {
        enabled: st.enabled,
        paused_by: st.paused_by,
        needs_person: st.needs_person,
        attempts: st.last_healing ? [st.last_healing] : [],
      };
    await h
      .terminate(`upgraded: the collections of ${database} are guarded by ${databaseGuardianWorkflowId(database)}`)
      .catch(() => undefined);
  }
  const adopted = Object.keys(found);
  await ensureGuardian(client, database, taskQueue);
  if (adopted.length)
    await client.workflow
      .getHandle(databaseGuardianWorkflowId(database))
      .executeUpdate(adoptUpdate, { args: [{ collections: found }] });
  return adopted;
}
