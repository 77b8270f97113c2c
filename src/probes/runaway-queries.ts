import type { RunawayQuery } from '../sensor/collection-stats';
import type { Queryable } from './queryable';

/**
 * Client statements of this database running longer than `minSeconds` that hold a lock on the
 * collection's table or indexes. Sessions waiting on a lock are a blocking chain, not runaway.
 */
export async function readRunawayQueries(db: Queryable, tableOid: number, minSeconds: number): Promise<RunawayQuery[]> {
  const { rows } = await db.query<RunawayQuery>(
    `SELECT a.pid, coalesce(a.usename::text, '') AS user_name, coalesce(ro.rolsuper, false) AS superuser,
            extract(epoch FROM now() - a.query_start)::float8 AS running_seconds, left(a.query, 200) AS query
       FROM pg_stat_activity a LEFT JOIN pg_roles ro ON ro.oid = a.usesysid
      WHERE a.datname = current_database() AND a.backend_type = 'client backend' AND a.state = 'active'
        AND a.pid <> pg_backend_pid() AND a.wait_event_type IS DISTINCT FROM 'Lock'
        AND a.query_start <= now() - make_interval(secs => $2)
        AND EXISTS (SELECT 1 FROM pg_locks l
                     WHERE l.pid = a.pid AND l.granted
                       AND l.relation IN (SELECT $1::oid UNION ALL SELECT indexrelid FROM pg_index WHERE indrelid = $1))
      ORDER BY a.query_start`,
    [tableOid, minSeconds],
  );
  return rows;
}
