import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { freePort } from './free-port';
import { ensureTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  /** SQLite file for a persistent server; omit for in-memory. */
  dbFilename?: string;
  port?: number;
  uiPort?: number;
  /** Extra namespaces to create at start (tests isolate by namespace). */
  namespaces?: string[];
  logFile?: string;
  log?: (line: string) => void;
  /** Server dynamic configuration (--dynamic-config-value), values as JSON: what a benchmark tunes. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/** `temporal server start-dev` on loopback, with the UI and our search attributes, ready when this resolves. */
export async function startTemporalDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const bin = ensureTemporalCli(opts.log);
  const port = opts.port ?? (await freePort());
  const uiPort = opts.uiPort ?? (await freePort());
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--log-level',
    'warn',
  ];
  if (opts.dbFilename) {
    mkdirSync(dirname(opts.dbFilename), { recursive: true });
    args.push('--db-filename', opts.dbFilename);
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const ns of opts.namespaces ?? []) args.push('--namespace', ns);
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {}))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (opts.logFile) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    const out = createWriteStream(opts.logFile, { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  // If this process exits before stop() finished (another exit hook called process.exit), the
  // server must not outlive it: signal it on the way out.
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(child, address, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { address, uiUrl: `http://127.0.0.1:${uiPort}`, stop: () => stopChild(child) };
}

async function waitUntilServing(child: ChildProcess, address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  for (;;) {
    if (exited) throw new Error(`temporal server start-dev ${exited} before it served ${address}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return;
      } finally {
        await conn.close();
      }
    } catch {
      if (Date.now() > deadline) throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** SIGTERM and wait; SIGKILL if it does not exit in time. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
