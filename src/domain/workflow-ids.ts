/** Defaults shared by the worker, the CLI and the tests. */
export const DEFAULT_TASK_QUEUE = 'selfheal';
export const DEFAULT_NAMESPACE = 'default';

/** One attempt at a time per collection: the workflow id is derived from the collection alone. */
export function healingAttemptWorkflowId(collection: string): string {
  return `healing-attempt/${collection}`;
}

/**
 * One attempt at a time per shared target (a role, the slots of a server, a deployment): the lease
 * workflow's id names the target, so a second attempt's start of it fails while the first holds it.
 */
export function sharedTargetLeaseWorkflowId(scope: string, kind: string, name: string): string {
  return `healing-lease/${scope}/${kind}/${name}`;
}

/**
 * The guardian of a database's collections (`<server>/<database>`, see databaseKey): one per database, whatever the
 * number of workers.
 */
export function databaseGuardianWorkflowId(database: string): string {
  return `guardian/${database}`;
}

/** A per-collection guardian of an earlier version (ended on upgrade, its state handed over). */
export function collectionGuardianWorkflowId(collection: string): string {
  return `guardian/${collection}`;
}

/** The hold that restores a temporary strategy's change: one per attempt, named by its action id. */
export function temporaryHoldWorkflowId(collection: string, attemptId: number): string {
  return `healing-hold/${collection}/${attemptId}`;
}

/** The Schedule that recomputes a database's strategy weights from its outcomes (update-weights). */
export function updateWeightsScheduleId(database: string): string {
  return `update-weights/${database}`;
}

/** The Schedule that deletes a database's history past its retention. */
export function retentionScheduleId(database: string): string {
  return `retention/${database}`;
}
