import { ensureDemoCollection } from '../../src/demo/demo-collection';
import { auditSigner } from '../../src/postgres/audit-log';
import { createPool } from '../../src/postgres/pool';
import { loadCommand } from '../../src/postgres/sql-commands';
import { createCommandRelay, MAX_RELAY_ATTEMPTS, type CommandRelay } from '../../src/worker/command-relay';
import { createTestDatabase, uniqueName, waitFor, type TestDatabase } from '../support/test-system';
import { testAudit } from '../support/test-audit';
import { endIdleSession } from '../support/idle-session';

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

  it('a command given up after its last try says it was not carried out and what to do', async () => {
    const c = uniqueName('c');
    await ensureDemoCollection(db.pool, testAudit, c, 'public', c, 100);
    // Tried by workers before, all but once: this relay's try is the last.
    const { rows } = await db.pool.query<{ id: number }>(
      `INSERT INTO ruvector.healing_commands (kind, args, requested_by, relay_attempts, relay_started_at)
       VALUES ('trigger', jsonb_build_object('collection', $1::text), 'alice', $2, now()) RETURNING id`,
      [c, MAX_RELAY_ATTEMPTS - 1],
    );
    const id = Number(rows[0]!.id);
    start();
    const done = await waitFor(
      `command ${id} written back`,
      async () => {
        const x = await loadCommand(db.pool, id);
        return x?.relayed_at ? x : undefined;
      },
      60_000,
    );
    expect(done.result).toBeNull();
    expect(done.relay_attempts).toBe(MAX_RELAY_ATTEMPTS);
    expect(done.error).toMatch(
      new RegExp(
        `^not carried out: no worker could relay it in ${MAX_RELAY_ATTEMPTS} tries \\(the last failed: .+\\); `,
      ),
    );
    expect(done.error).toMatch(/then call the function again$/);
  }, 90_000);

  it("the store's session lost while Temporal is asked leaves the command queued, and the worker goes on", async () => {
    for (const r of relays.splice(0)) await r.stop();
    const c = uniqueName('c');
    await ensureDemoCollection(db.pool, testAudit, c, 'public', c, 100);
    const { rows } = await db.pool.query<{ id: number }>(
      `INSERT INTO ruvector.healing_commands (kind, args, requested_by)
       VALUES ('trigger', jsonb_build_object('collection', $1::text), 'alice') RETURNING id`,
      [c],
    );
    const id = Number(rows[0]!.id);
    const url = new URL(db.appUrl);
    url.searchParams.set('application_name', 'relay-lost-session');
    const pool = createPool(url.toString(), 3);
    try {
      const r = start({ pool, sweepMs: 600_000 });
      // The relay has marked the command begun and waits for Temporal (out of reach), its session idle.
      await endIdleSession(db.pool, 'relay-lost-session', 'relay_attempts = relay_attempts + 1');
      // Its try ends when Temporal does not answer; stop waits for it.
      await r.stop();
      expect(await loadCommand(db.pool, id)).toMatchObject({ relay_attempts: 1, relayed_at: null, error: null });
    } finally {
      await pool.end();
    }
  }, 60_000);
});
