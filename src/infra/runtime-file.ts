import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { DATA_DIR } from './stack';

/** What `npm start` tells the CLI about the system it runs: written at start, removed at stop. */
export const runtimeInfoSchema = z.object({
  temporalAddress: z.string(),
  namespace: z.string(),
  taskQueue: z.string(),
  databaseUrl: z.string(),
  uiUrl: z.string().nullable(),
  pid: z.number().int(),
  startedAt: z.string(),
});
export type RuntimeInfo = z.infer<typeof runtimeInfoSchema>;

export const RUNTIME_FILE = join(DATA_DIR, 'runtime.json');

export function writeRuntimeInfo(info: RuntimeInfo, file = RUNTIME_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(info, null, 2), { mode: 0o600 });
}

export function readRuntimeInfo(file = RUNTIME_FILE): RuntimeInfo | undefined {
  if (!existsSync(file)) return undefined;
  const info = runtimeInfoSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  try {
    process.kill(info.pid, 0);
  } catch {
    return undefined; // left by a run that is gone
  }
  return info;
}

export function removeRuntimeInfo(file = RUNTIME_FILE): void {
  rmSync(file, { force: true });
}
