import { createPool, withClient } from '../../src/postgres/pool';
import { createTestDatabase, type TestDatabase } from '../support/test-system';

describe('the store pool', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('poolerr');
  });
  afterAll(async () => db?.drop());

  it('a checked-out session killed while its holder awaits something else fails its next query, not the process', async () => {
    const pool = createPool(db.url, 2);
    try {
      const uncaught: unknown[] = [];
      const onUncaught = (err: unknown) => uncaught.push(err);
      process.on('uncaughtException', onUncaught);
      try {
        const failed = await withClient(pool, async (c) => {
          const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
          // The holder is busy elsewhere (a webhook, Temporal) while the server ends the session.
          await new Promise((r) => setTimeout(r, 300));
          return c.query('SELECT 1').then(
            () => null,
            (err: Error) => err.message,
          );
        });
        expect(failed).toEqual(expect.any(String));
      } finally {
        process.off('uncaughtException', onUncaught);
      }
      expect(uncaught).toEqual([]);
      // The broken session was dropped on release: the pool hands out a working one.
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
