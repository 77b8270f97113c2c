import type { Client } from '@temporalio/client';
import type { RetentionInput } from '../../workflows/retention';
import type { UpdateWeightsInput } from '../../workflows/update-weights';
import { retentionScheduleId, updateWeightsScheduleId } from '../domain/workflow-ids';
import { ensureSchedule, type RecurringWorkflow } from './ensure-schedule';

/** The recurring work of one database's store, each on a Temporal Schedule. */
export function selfhealSchedules(database: string, taskQueue: string): RecurringWorkflow[] {
  return [
    {
      scheduleId: updateWeightsScheduleId(database),
      workflowType: 'updateWeights',
      workflowId: updateWeightsScheduleId(database),
      taskQueue,
      args: [{ database } satisfies UpdateWeightsInput],
      every: '1 hour',
      note: 'selfheal: learns strategy weights from the outcomes of the last 30 days; attempts read what it stores',
    },
    {
      scheduleId: retentionScheduleId(database),
      workflowType: 'retention',
      workflowId: retentionScheduleId(database),
      taskQueue,
      args: [{ database } satisfies RetentionInput],
      // Four smaller runs a day rather than one large one; a run missed while no worker ran is hours away, not a day.
      every: '6 hours',
      note:
        'selfheal: deletes history past history_retention_days, keeping changes that can still be rolled back ' +
        'and what the weights learn from (`selfheal retention --dry-run` shows what is due)',
    },
  ];
}

/** Every worker ensures them at start: the first creates them, the others bring them up to date. */
export async function ensureSelfhealSchedules(client: Client, database: string, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  for (const s of selfhealSchedules(database, taskQueue)) {
    await ensureSchedule(client, s);
    ids.push(s.scheduleId);
  }
  return ids;
}
