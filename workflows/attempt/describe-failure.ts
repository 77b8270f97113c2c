import { ActivityFailure } from '@temporalio/workflow';

/** An activity's failure with its cause: the activity's own message is what a person can act on. */
export function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return `${err.message}: ${err.cause.message}`;
  return err instanceof Error ? err.message : String(err);
}

export function fmt(x: number): string {
  return x.toFixed(3);
}
