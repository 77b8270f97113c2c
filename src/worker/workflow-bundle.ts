import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const WORKFLOWS_PATH = resolve(__dirname, '..', '..', 'workflows', 'index.ts');

/** Bundles the workflow code once (webpack is slow) and writes it where workers load it from. */
export async function writeWorkflowBundle(outFile: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return outFile;
}

const noop = (): void => undefined;
const quietLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
  log: noop,
};
