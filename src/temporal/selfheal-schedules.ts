import type { Client } from '@temporalio/client';
import { ensureSchedule, type RecurringWorkflow } from './ensure-schedule';

/** The recurring work of one database's store, each on a Temporal Schedule. */
export function selfhealSchedules(database: string, taskQueue: string): RecurringWorkflow[] {
  void database;
  void taskQueue;
  return [];
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
