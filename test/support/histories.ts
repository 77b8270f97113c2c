import type { WorkflowHandle } from '@temporalio/client';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const HISTORY_DIR = resolve(__dirname, '..', 'histories');

/**
 * With SELFHEAL_RECORD_HISTORIES=1, keeps a finished attempt's history as a replay fixture
 * (test/histories/*.json), so later changes to the workflow are checked against it.
 */
export async function maybeRecordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.SELFHEAL_RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  mkdirSync(HISTORY_DIR, { recursive: true });
  writeFileSync(join(HISTORY_DIR, `${name}.json`), JSON.stringify(history, null, 1));
}
