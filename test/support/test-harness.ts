import { runCli } from '../../src/cli/main';
import { createTestDatabase, startTestWorker, testStack, type TestDatabase, type TestWorker } from './test-system';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface CliSystem {
  db: TestDatabase;
  w: TestWorker;
  cli(...argv: string[]): Promise<CliResult>;
}

export interface WorkerSystem {
  db: TestDatabase;
  w: TestWorker;
}

/** For a describe block: a fresh database on the shared PostgreSQL and a worker on its own task queue. */
export function useWorkerSystem(
  prefix: string,
  workerOptions: Parameters<typeof startTestWorker>[1] = {},
): WorkerSystem {
  const sys = {} as WorkerSystem;
  beforeAll(async () => {
    sys.db = await createTestDatabase(prefix);
    // selfheal runs as its least-privilege role; the tests inject faults as the superuser.
    sys.w = await startTestWorker(sys.db.appPool, workerOptions);
  });
  afterAll(async () => {
    await sys.w?.stop();
    await sys.db?.drop();
  });
  return sys;
}

/**
 * For a describe block: a fresh database and a worker, with the CLI pointed at them through the
 * standard settings (TEMPORAL_ADDRESS, DATABASE_URL, SELFHEAL_TASK_QUEUE). The environment is
 * restored afterwards.
 */
export function useCliSystem(prefix: string): CliSystem {
  const saved = { ...process.env };
  const sys = {
    cli: async (...argv: string[]): Promise<CliResult> => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    },
  } as CliSystem;
  const base = useWorkerSystem(prefix);
  beforeAll(async () => {
    sys.db = base.db;
    sys.w = base.w;
    process.env.TEMPORAL_ADDRESS = testStack().temporalAddress;
    process.env.DATABASE_URL = sys.db.url;
    process.env.SELFHEAL_TASK_QUEUE = sys.w.taskQueue;
  });
  afterAll(() => {
    process.env = saved;
  });
  return sys;
}
