import { drillConnectionExhaustion } from '../../src/drills/connection-exhaustion';
import { drillSlotRetention } from '../../src/drills/slot-retention';
import { readReplicationSlots } from '../../src/probes/replication-slots';
import { migrate } from '../../src/postgres/migrate';
import { createPool, type Pool } from '../../src/postgres/pool';
import { readConnectionUsage } from '../../src/probes/connection-usage';
import { getCollection } from '../../src/postgres/collections';
import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { testCollection } from '../support/collections';
import { runGuardianDrill } from '../support/drill-harness';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { leastPrivilegeDatabase, type LeastPrivilege } from '../support/least-privilege';
import { startTestWorker, type TestWorker } from '../support/test-system';

/**
 * Connection slots, replication slots and ALTER SYSTEM are server-wide, so these drills get a
 * PostgreSQL of their own (30 connection slots): on the shared test server they would break
 * every other test.
 */
describe('server-wide drills (connections, replication slots) on a server of their own', () => {
  let pg: PrivatePostgres;
  let app: LeastPrivilege;
  const sys = {} as { db: { pool: Pool; url: string }; w: TestWorker };

  beforeAll(async () => {
    pg = await startPrivatePostgres({ max_connections: 30, fsync: 'off' });
    // The controller keeps its few connections open: when slots run out, even a new superuser connection may be
    // refused.
    const pool = createPool(pg.url, 4);
    // selfheal as its least-privilege role, with the slot levers (REPLICATION) this file drills.
    app = await leastPrivilegeDatabase(pg.url, { slotLevers: true, poolSize: 4 });
    await migrate(app.pool);
    sys.db = { pool, url: pg.url };
    sys.w = await startTestWorker(app.pool);
  });
  afterAll(async () => {
    await sys.w?.stop();
    await sys.db?.pool.end();
    await app?.pool.end();
    await pg?.stop();
  });

  it('idle sessions of one role fill 95 % of the slots → limit_role_connections caps the role and closes its idle sessions', async () => {
    let role = '';
    const { attempt } = await runGuardianDrill(
      sys,
      { class: 'ConnectionExhaustion', strategy: 'limit_role_connections' },
      { idle_connection_seconds: 0 },
      async (c) => {
        const run = await drillConnectionExhaustion(sys.db.pool, sys.db.url, c);
        role = String(run.report.role);
        return run;
      },
    );
    expect(attempt.problem_class).toBe('ConnectionExhaustion');
    const usage = await readConnectionUsage(sys.db.pool);
    const usable = usage.max_connections - usage.reserved;
    expect((100 * usage.used) / usable).toBeLessThanOrEqual(80);
    const { rows } = await sys.db.pool.query('SELECT rolconnlimit AS l FROM pg_roles WHERE rolname = $1', [role]);
    // The role is capped below what it held, so its pool cannot fill the server again.
    expect(rows[0].l).toBeGreaterThanOrEqual(1);
    expect(rows[0].l).toBeLessThan(usable);
  });

  it('an abandoned replication slot holding WAL → cap_slot_wal caps max_slot_wal_keep_size and the slot lets its WAL go', async () => {
    let slot = '';
    await runGuardianDrill(
      sys,
      { class: 'SlotRetention', strategy: 'cap_slot_wal' },
      { slot_retained_warn_bytes: 16 * 1024 * 1024, slot_wal_keep_size_mb: 8 },
      async (c) => {
        const run = await drillSlotRetention(sys.db.pool, c, { mb: 48 });
        slot = String(run.report.slot);
        expect(Number(run.report.retained_bytes)).toBeGreaterThan(16 * 1024 * 1024);
        return run;
        // 48 MB of WAL in a second, measured by the drill when done: the guardian starts watching then.
      },
      { watchAfterInject: true },
    );
    expect((await sys.db.pool.query('SHOW max_slot_wal_keep_size')).rows[0].max_slot_wal_keep_size).toBe('8MB');
    const s = (await readReplicationSlots(sys.db.pool)).find((x) => x.slot_name === slot)!;
    expect(s.wal_status).toBe('lost');
  });

  it("an abandoned slot dropped on a person's request (`selfheal execute … drop_replication_slot`): the slot and the WAL it held are gone", async () => {
    // The cap set by the test before would invalidate this slot first: this one must keep its WAL.
    await sys.db.pool.query('ALTER SYSTEM RESET max_slot_wal_keep_size');
    await sys.db.pool.query('SELECT pg_reload_conf()');
    const name = await testCollection(sys.db.pool, {
      enabled: false,
      slot_retained_warn_bytes: 16 * 1024 * 1024,
      stabilization_wait: 1,
      check_interval: 3600,
    });
    const run = await drillSlotRetention(sys.db.pool, await getCollection(sys.db.pool, name), { mb: 48 });
    const slot = String(run.report.slot);
    const before = (await readReplicationSlots(sys.db.pool)).find((x) => x.slot_name === slot)!;
    expect({ wal_status: before.wal_status, held_mb: before.retained_bytes > 32 * 1024 * 1024 }).toEqual({
      wal_status: 'reserved',
      held_mb: true,
    });

    const handle = await startHealingAttempt(sys.w.client, {
      collection: name,
      taskQueue: sys.w.taskQueue,
      trigger: 'test',
      strategy: 'drop_replication_slot',
    });
    const outcome = await handle.result();
    expect(outcome).toMatchObject({
      kind: 'Completed',
      strategy: 'drop_replication_slot',
      verified: true,
      problem: { class: 'SlotRetention' },
    });
    expect((await readReplicationSlots(sys.db.pool)).map((x) => x.slot_name)).not.toContain(slot);
    // Recorded as done and irreversible: nothing to roll back.
    const { rows } = await sys.db.pool.query(
      `SELECT o.strategy_name, o.verified, o.success FROM ruvector.healing_outcomes o
        JOIN ruvector.collections c ON c.id = o.collection_id WHERE c.name = $1`,
      [name],
    );
    expect(rows).toEqual([{ strategy_name: 'drop_replication_slot', verified: true, success: true }]);
  });
});
