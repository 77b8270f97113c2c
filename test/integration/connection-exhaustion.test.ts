import { drillConnectionExhaustion } from '../../src/drills/connection-exhaustion';
import { migrate } from '../../src/postgres/migrate';
import { createPool, type Pool } from '../../src/postgres/pool';
import { readConnectionUsage } from '../../src/probes/connection-usage';
import { runGuardianDrill } from '../support/drill-harness';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { startTestWorker, type TestWorker } from '../support/test-system';

/**
 * Connection slots are server-wide, so this drill gets a PostgreSQL of its own with 30 slots: filling
 * the shared test server would break every other test.
 */
describe('drill: ConnectionExhaustion on a server of its own', () => {
  let pg: PrivatePostgres;
  const sys = {} as { db: { pool: Pool; url: string }; w: TestWorker };

  beforeAll(async () => {
    pg = await startPrivatePostgres({ max_connections: 30, fsync: 'off' });
    // The controller keeps its few connections open (postgres-notes: when slots run out, even a new superuser connection may be refused).
    const pool = createPool(pg.url, 4);
    await migrate(pool);
    sys.db = { pool, url: pg.url };
    sys.w = await startTestWorker(pool);
  });
  afterAll(async () => {
    await sys.w?.stop();
    await sys.db?.pool.end();
    await pg?.stop();
  });

  it('idle sessions of one role fill 95 % of the slots → limit_role_connections caps the role and closes its idle sessions', async () => {
    let role = '';
    const { attempt } = await runGuardianDrill(sys, { class: 'ConnectionExhaustion', strategy: 'limit_role_connections' }, { idle_connection_seconds: 0 }, async (c) => {
      const run = await drillConnectionExhaustion(sys.db.pool, sys.db.url, c);
      role = String(run.report.role);
      return run;
    });
    expect(attempt.problem_class).toBe('ConnectionExhaustion');
    const usage = await readConnectionUsage(sys.db.pool);
    const usable = usage.max_connections - usage.reserved;
    expect((100 * usage.used) / usable).toBeLessThanOrEqual(80);
    const { rows } = await sys.db.pool.query('SELECT rolconnlimit AS l FROM pg_roles WHERE rolname = $1', [role]);
    // The role is capped below what it held, so its pool cannot fill the server again.
    expect(rows[0].l).toBeGreaterThanOrEqual(1);
    expect(rows[0].l).toBeLessThan(usable);
  });
});
