/** Defaults shared by the worker, the CLI and the tests. */
export const DEFAULT_TASK_QUEUE = 'selfheal';
export const DEFAULT_NAMESPACE = 'default';

/** One attempt at a time per collection: the workflow id is derived from the collection alone. */
export function healingAttemptWorkflowId(collection: string): string {
  return `healing-attempt/${collection}`;
}
