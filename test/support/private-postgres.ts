import { startHeldChild } from './held-child';

export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
}

/** A PostgreSQL of the test's own (test/setup/private-postgres.ts), gone with the test process. */
export async function startPrivatePostgres(settings: Record<string, string | number>): Promise<PrivatePostgres> {
  const child = await startHeldChild<{ url: string }>(
    'private-postgres.ts',
    [JSON.stringify(settings)],
    'private PostgreSQL',
  );
  return { url: child.info.url, stop: child.stop };
}
