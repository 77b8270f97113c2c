import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { testStack } from './test-system';

const ROOT = resolve(__dirname, '..', '..');

export interface WorkerChild {
  pid: number;
  /** SIGKILL: no shutdown, no cleanup, as when a machine dies. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a worker process on the task queue and resolves once it polls. */
export async function startWorkerChild(
  taskQueue: string,
  databaseUrl: string,
  address = testStack().temporalAddress,
): Promise<WorkerChild> {
  // The TypeScript loader in this very process (not the tsx CLI, which runs the script in a child of
  // its own): SIGKILL must reach the worker itself, or a killed test leaves the worker running.
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      resolve(__dirname, 'worker-process.ts'),
      address,
      taskQueue,
      databaseUrl,
      testStack().workflowBundle,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((ok, fail) => {
    const t = setTimeout(() => fail(new Error('worker process not ready after 60 s')), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('READY')) {
        clearTimeout(t);
        ok();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      fail(new Error(`worker process exited with ${code} before it was ready`));
    });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    pid: child.pid!,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
