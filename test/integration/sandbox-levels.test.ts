import { capSlotWal } from '../../activities/strategies/cap-slot-wal';
import { limitRoleConnections } from '../../activities/strategies/limit-role-connections';
import { completeSandbox } from '../../activities/strategies/scratch-sandbox';
import { DEFAULT_HEALING_CONFIG } from '../../src/domain/healing-config';
import { drillSession, ensureDrillRole } from '../../src/drills/drill-role';
import { getCollection } from '../../src/postgres/collections';
import type { Pool } from '../../src/postgres/pool';
import type { StrategyContext } from '../../src/strategies/strategy';
import { parseStrategyParams } from '../../src/strategies/strategy-params';
import { testCollection } from '../support/collections';
import { useWorkerSystem } from '../support/test-harness';

/** The sandbox levels: complete (a scratch copy, run for real and timed) and read-only (rolled back). */
describe('sandbox levels', () => {
  const sys = useWorkerSystem('sandbox');
  const context = async (collection: string): Promise<StrategyContext<Pool>> => {
    const c = await getCollection(sys.db.pool, collection);
    return {
      db: sys.db.pool,
      collection: { ...c, table_oid: c.table_oid! },
      problem: { class: 'Unknown', witness_summary: '' },
      state: 'stress',
      config: { ...DEFAULT_HEALING_CONFIG, idle_connection_seconds: 0 },
      heartbeat: () => undefined,
      signal: new AbortController().signal,
      budgetMs: 5000,
      attemptKey: 'test',
    };
  };
  const schemas = async () =>
    (await sys.db.pool.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'selfheal_sandbox_%'")).rows;

  it('complete: runs the statement on a sampled scratch copy, projects its time to the whole table, and drops the copy', async () => {
    const ctx = await context(await testCollection(sys.db.pool));
    let seen = 0;
    const check = await completeSandbox(ctx, 60, async (c, scratch) => {
      seen = (await c.query(`SELECT count(*)::int AS n FROM ${scratch}`)).rows[0].n;
      await c.query(`REINDEX TABLE CONCURRENTLY ${scratch}`);
    });
    expect(seen).toBeGreaterThan(10_000);
    expect(seen).toBeLessThanOrEqual(20_000);
    expect(check).toMatchObject({
      name: 'complete_run',
      passed: true,
      detail: expect.stringMatching(/projected [\d.]+ s for the table \(limit 120 s\)/),
    });
    expect(await schemas()).toEqual([]);
  });

  it('complete: work projected past the execute timeout fails the check (the attempt then refuses to execute)', async () => {
    const ctx = await context(await testCollection(sys.db.pool));
    const check = await completeSandbox(ctx, 0.001, (c, scratch) =>
      c.query(`VACUUM (FREEZE) ${scratch}`).then(() => undefined),
    );
    expect(check.passed).toBe(false);
    expect(await schemas()).toEqual([]);
  });

  it('read-only: limit_role_connections runs its ALTER ROLE in a rolled-back transaction and changes nothing', async () => {
    const name = await testCollection(sys.db.pool);
    const role = await ensureDrillRole(sys.db.pool, sys.db.url, await getCollection(sys.db.pool, name));
    const sessions = await Promise.all([1, 2, 3].map((i) => drillSession(role, `sandbox test ${i}`)));
    try {
      const r = await limitRoleConnections.sandbox(await context(name));
      expect(r.level).toBe('read_only');
      expect(r.checks.find((c) => c.name === 'alter_role_rolled_back')).toMatchObject({ passed: true });
      expect(
        (await sys.db.pool.query('SELECT rolconnlimit AS l FROM pg_roles WHERE rolname = $1', [role.role])).rows[0].l,
      ).toBe(-1);
    } finally {
      await Promise.all(sessions.map((s) => s.end()));
    }
  });

  it('cap_slot_wal plans the cap a person gives (execute --param), else slot_wal_keep_size_mb, changing nothing', async () => {
    const ctx = await context(await testCollection(sys.db.pool));
    const before = (await sys.db.pool.query("SELECT setting FROM pg_settings WHERE name = 'max_slot_wal_keep_size'"))
      .rows[0].setting;
    const given = { ...ctx, params: parseStrategyParams('cap_slot_wal', { max_slot_wal_keep_size_mb: '64' }) };
    expect((await capSlotWal.plan(given)).params).toEqual({ max_slot_wal_keep_size_mb: 64 });
    expect((await capSlotWal.plan(ctx)).params).toEqual({
      max_slot_wal_keep_size_mb: DEFAULT_HEALING_CONFIG.slot_wal_keep_size_mb,
    });
    expect(
      (await sys.db.pool.query("SELECT setting FROM pg_settings WHERE name = 'max_slot_wal_keep_size'")).rows[0]
        .setting,
    ).toBe(before);
  });
});
