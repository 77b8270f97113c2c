import { auditSigner } from '../../src/postgres/audit-log';
import { createCommandRelay, type CommandRelay } from '../../src/worker/command-relay';
import { createTestDatabase, uniqueName, waitFor, type TestDatabase } from '../support/test-system';

const SIGNER = auditSigner('command-relay-test-audit-key-0123456789');

/** The relay's own course, without a worker: Temporal is out of reach on port 1. */
describe('the command relay', () => {
  let db: TestDatabase;
  const relays: CommandRelay[] = [];
  const start = (o: Partial<Parameters<typeof createCommandRelay>[0]> = {}) => {
    const r = createCommandRelay({
      databaseUrl: db.appUrl,
      pool: db.appPool,
      taskQueue: uniqueName('tq'),
      audit: SIGNER,
      temporal: { connect: { address: '127.0.0.1:1' }, namespace: 'default' },
      log: () => undefined,
      ...o,
    });
    relays.push(r);
    return r;
  };
  const listeners = async () =>
    (
      await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = $1 AND application_name = 'selfheal command relay'`,
        [db.name],
      )
    ).rows[0]!.n;

  beforeAll(async () => {
    db = await createTestDatabase('relay');
  });
  afterAll(async () => {
    for (const r of relays) await r.stop();
    await db?.drop();
  });

  it('stops at once when stopped while it still connects, and leaves no listening connection', async () => {
    const r = start();
    // Before its LISTEN connection is open: stop must not wait for an end nobody will cause.
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      r.stop().then(() => 'stopped'),
      new Promise((resolve) => (timer = setTimeout(() => resolve('still stopping after 15 s'), 15_000))),
    ]);
    clearTimeout(timer);
    expect(stopped).toBe('stopped');
    await waitFor('no relay connection left', async () => (await listeners()) === 0);
  });
});
