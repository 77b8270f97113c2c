import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';

export interface RecurringWorkflow {
  scheduleId: string;
  workflowType: string;
  /** The id of each run is this, then the time the Schedule started it. */
  workflowId: string;
  taskQueue: string;
  args: unknown[];
  /** How often, as Temporal reads a duration: '1 hour', '15 minutes'. */
  every: string;
  /** Shown in the Temporal UI beside the Schedule: what it is for. */
  note: string;
}

/**
 * Creates the Schedule, or brings an existing one to this worker's spec and action, every time a
 * worker starts: idempotent across restarts and across several workers. A run still going when the
 * next is due is skipped (never two at once); a failing run pauses the Schedule until a person
 * looks. A pause set by a person (UI or CLI) is kept: only a new Schedule starts unpaused.
 */
export async function ensureSchedule(client: Client, s: RecurringWorkflow): Promise<ScheduleHandle> {
  const spec = { intervals: [{ every: s.every }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: s.workflowType,
    workflowId: s.workflowId,
    taskQueue: s.taskQueue,
    args: s.args,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, pauseOnFailure: true, catchupWindow: '1 hour' };
  try {
    return await client.schedule.create({
      scheduleId: s.scheduleId,
      spec,
      action,
      policies,
      state: { note: s.note },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(s.scheduleId);
    await handle.update((prev) => ({ ...prev, spec, action, policies, state: prev.state }));
    return handle;
  }
}
