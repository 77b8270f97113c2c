import type { Client } from '@temporalio/client';
import { attemptStatusQuery, type AttemptStatus } from '../../workflows/attempt-messages';

/**
 * What a running attempt's workflow says of itself, or null when it cannot (finished and gone,
 * Temporal unreachable): the store learns its class and strategy only when it ends.
 */
export async function liveAttemptStatus(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<AttemptStatus | null> {
  try {
    return await client.workflow.getHandle(workflowId, runId).query(attemptStatusQuery);
  } catch {
    return null;
  }
}

/**
 * The action id of an attempt just started: its workflow records it in its first phase, so it is
 * asked until it has one (or `waitMs` passes: null).
 */
export async function actionIdOf(
  client: Client,
  workflowId: string,
  runId: string,
  waitMs = 15_000,
): Promise<number | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const id = (await liveAttemptStatus(client, workflowId, runId))?.attempt_id ?? null;
    if (id !== null || Date.now() > deadline) return id;
    await new Promise((r) => setTimeout(r, 200));
  }
}
