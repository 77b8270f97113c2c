import type { WorkflowHandle } from '@temporalio/client';

/** How many times the attempt scheduled each activity type: "ran once" is checked on the history. */
export async function scheduledActivities(handle: WorkflowHandle): Promise<Record<string, number>> {
  const history = await handle.fetchHistory();
  const counts: Record<string, number> = {};
  for (const e of history.events ?? []) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
