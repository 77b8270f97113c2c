import type { Pool } from '../../src/postgres/pool';
import { waitFor } from './test-system';

/**
 * Waits until a session of `application` sits idle after a statement like `lastQuery` (its holder
 * now awaits something else: Temporal, a webhook), then ends it from the server side, as a restart
 * or a failover would.
 */
export async function endIdleSession(admin: Pool, application: string, lastQuery: string): Promise<void> {
  await waitFor(`an idle ${application} session`, async () =>
    (
      await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = $1 AND state = 'idle' AND query LIKE $2`,
        [application, `%${lastQuery}%`],
      )
    ).rows[0]!.n > 0
      ? true
      : undefined,
  );
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
    application,
  ]);
}
