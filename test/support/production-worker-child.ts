import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { testStack } from './test-system';

const ROOT = resolve(__dirname, '..', '..');

export interface ProductionWorkerChild {
  pid: number;
  /** Its HTTP server: /healthz, /readyz, /metrics. */
  url: string;
  /** SIGKILL: no shutdown, its sessions dropped by the kernel, as when a machine dies. */
  kill(): Promise<void>;
  /** SIGTERM: the worker's own shutdown. */
  stop(): Promise<void>;
}

/** `selfheal worker` as production runs it (runWorker), on an HTTP port of its choosing, in a process of its own. */
export async function startProductionWorker(env: Record<string, string>): Promise<ProductionWorkerChild> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(__dirname, 'production-worker.ts'), testStack().workflowBundle],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: testStack().temporalAddress,
        TEMPORAL_NAMESPACE: 'default',
        SELFHEAL_HTTP_PORT: '0',
        SELFHEAL_AUDIT_KEY: 'test-audit-key-of-at-least-32-characters',
        SELFHEAL_HTTP_HOST: '127.0.0.1',
        SELFHEAL_SHUTDOWN_GRACE_SECONDS: '1',
        SELFHEAL_DB_POOL_SIZE: '4',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const port = await new Promise<number>((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`worker not ready after 120 s: ${stderr}`)), 120_000);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        ok(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      fail(new Error(`worker exited with ${code} before it was ready: ${stderr}`));
    });
  });
  const exited = new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
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
