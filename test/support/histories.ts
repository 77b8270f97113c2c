import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const HISTORY_DIR = resolve(__dirname, '..', 'histories');

/**
 * With SELFHEAL_RECORD_HISTORIES=1, keeps a finished attempt's history as a replay fixture
 * (test/histories/*.binpb), so later changes to the workflow are checked against it.
 */
export async function maybeRecordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.SELFHEAL_RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  mkdirSync(HISTORY_DIR, { recursive: true });
  // Binary protobuf: the one form that round-trips exactly (JSON of the SDK objects does not).
  writeFileSync(join(HISTORY_DIR, `${name}.binpb`), temporal.api.history.v1.History.encode(history).finish());
}

export function readHistory(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.decode(readFileSync(join(HISTORY_DIR, file)));
}
