import type { BlockingChain } from '../sensor/collection-stats';
import type { Queryable } from './queryable';

/**
 * Lock-wait chains of this database that touch the collection (a member holds or waits for a lock on
 * its table or indexes), one row per root: the session at the head that waits for nobody. Waiters
 * count once they have waited `minWaitSeconds`, so a lock held for a moment is not a chain.
 * pg_blocking_pids also names sessions merely ahead in the queue, so a queued ALTER shows as a link.
 */
export async function readBlockingChains(
  db: Queryable,
  tableOid: number,
  minWaitSeconds: number,
): Promise<BlockingChain[]> {
  const { rows } = await db.query<BlockingChain>(
    `WITH RECURSIVE e AS (
        SELECT a.pid, b.blocker
          FROM pg_stat_activity a CROSS JOIN LATERAL unnest(pg_blocking_pids(a.pid)) AS b(blocker)
         WHERE a.datname = current_database() AND a.wait_event_type = 'Lock' AND a.pid <> pg_backend_pid()
           AND a.query_start <= now() - make_interval(secs => $2)
     ), t AS (
        SELECT e.blocker AS root, e.pid, 1 AS depth FROM e WHERE NOT EXISTS (SELECT 1 FROM e e2
        WHERE e2.pid = e.blocker)
        UNION ALL
        SELECT t.root, e.pid, t.depth + 1 FROM t JOIN e ON e.blocker = t.pid WHERE t.depth < 10
     ), rel AS (
        SELECT $1::oid AS oid UNION ALL SELECT indexrelid FROM pg_index WHERE indrelid = $1
     ), touching AS (
        SELECT DISTINCT l.pid FROM pg_locks l
         WHERE l.database = (SELECT oid FROM pg_database
         WHERE datname = current_database()) AND l.relation IN (SELECT oid FROM rel)
     )
     SELECT t.root AS root_pid,
            coalesce(r.state, 'unknown') AS root_state,
            coalesce(r.usename::text, '') AS root_user,
            coalesce(ro.rolsuper, false) AS root_superuser,
            coalesce(r.backend_type, 'unknown') AS root_backend_type,
            (r.backend_type = 'autovacuum worker'
              OR t.root IN (SELECT pid FROM pg_stat_progress_vacuum UNION ALL SELECT pid FROM pg_stat_progress_analyze
                            UNION ALL SELECT pid FROM pg_stat_progress_create_index UNION ALL SELECT pid
                            FROM pg_stat_progress_cluster)) AS root_is_maintenance,
            left(coalesce(r.query, ''), 200) AS root_query,
            greatest(0, extract(epoch FROM now() - coalesce(r.xact_start, r.backend_start,
              now())))::float8 AS root_xact_seconds,
            count(DISTINCT t.pid)::int AS blocked,
            max(t.depth)::int AS depth,
            max(greatest(0, extract(epoch FROM now() - w.query_start)))::float8 AS longest_wait_seconds
       FROM t
       JOIN pg_stat_activity w ON w.pid = t.pid
       LEFT JOIN pg_stat_activity r ON r.pid = t.root
       LEFT JOIN pg_roles ro ON ro.oid = r.usesysid
      GROUP BY t.root, r.state, r.usename, ro.rolsuper, r.backend_type, r.query, r.xact_start, r.backend_start
     HAVING bool_or(t.pid IN (SELECT pid FROM touching) OR t.root IN (SELECT pid FROM touching))
      ORDER BY count(DISTINCT t.pid) DESC, t.root`,
    [tableOid, minWaitSeconds],
  );
  return rows;
}
