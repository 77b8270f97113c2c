import type { BlockingChain } from '../../sensor/collection-stats';
import type { Queryable } from '../queryable';

/** A table and how long its sessions must have waited to count as blocked (its collection's setting). */
export interface ChainWatch {
  key: number;
  table_oid: number;
  min_wait_seconds: number;
}

/**
 * readBlockingChains for many tables in one statement. The lock-wait graph of the database is
 * built once per distinct wait threshold (usually one), its chains found by their roots, and each
 * chain is reported for every watched table a member or its root holds or waits for a lock on
 * (the table or one of its indexes). Returns the chains per watch key.
 */
export async function readBlockingChainsOf(
  db: Queryable,
  watches: readonly ChainWatch[],
): Promise<Map<number, BlockingChain[]>> {
  const out = new Map<number, BlockingChain[]>(watches.map((w) => [w.key, []]));
  if (watches.length === 0) return out;
  const { rows } = await db.query<BlockingChain & { key: number }>(
    `WITH RECURSIVE watch AS (
        SELECT * FROM unnest($1::int8[], $2::oid[], $3::float8[]) AS u(key, table_oid, secs)
     ), e AS (
        SELECT th.secs, a.pid, b.blocker
          FROM (SELECT DISTINCT secs FROM watch) th
          CROSS JOIN pg_stat_activity a CROSS JOIN LATERAL unnest(pg_blocking_pids(a.pid)) AS b(blocker)
         WHERE a.datname = current_database() AND a.wait_event_type = 'Lock' AND a.pid <> pg_backend_pid()
           AND a.query_start <= now() - make_interval(secs => th.secs)
     ), t AS (
        SELECT e.secs, e.blocker AS root, e.pid, 1 AS depth FROM e
         WHERE NOT EXISTS (SELECT 1 FROM e e2 WHERE e2.secs = e.secs AND e2.pid = e.blocker)
        UNION ALL
        SELECT t.secs, t.root, e.pid, t.depth + 1 FROM t JOIN e ON e.secs = t.secs AND e.blocker = t.pid
        WHERE t.depth < 10
     ), tw AS (
        SELECT t.*, w.query_start FROM t JOIN pg_stat_activity w ON w.pid = t.pid
     ), rel AS (
        SELECT DISTINCT table_oid, table_oid AS relid FROM watch
        UNION SELECT i.indrelid, i.indexrelid FROM pg_index i WHERE i.indrelid IN (SELECT table_oid FROM watch)
     ), touching AS (
        SELECT DISTINCT l.pid, rel.table_oid FROM pg_locks l JOIN rel ON rel.relid = l.relation
         WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     ), chains AS (
        SELECT tw.secs, tw.root, count(DISTINCT tw.pid)::int AS blocked, max(tw.depth)::int AS depth,
               max(greatest(0, extract(epoch FROM now() - tw.query_start)))::float8 AS longest_wait_seconds
          FROM tw GROUP BY tw.secs, tw.root
     ), hits AS (
        SELECT DISTINCT tw.secs, tw.root, k.table_oid FROM tw JOIN touching k ON k.pid = tw.pid OR k.pid = tw.root
     )
     SELECT w.key, ch.root AS root_pid,
            coalesce(r.state, 'unknown') AS root_state,
            coalesce(r.usename::text, '') AS root_user,
            coalesce(ro.rolsuper, false) AS root_superuser,
            coalesce(r.backend_type, 'unknown') AS root_backend_type,
            (r.backend_type = 'autovacuum worker'
              OR ch.root IN (SELECT pid FROM pg_stat_progress_vacuum UNION ALL SELECT pid FROM pg_stat_progress_analyze
                             UNION ALL SELECT pid FROM pg_stat_progress_create_index UNION ALL SELECT pid
                             FROM pg_stat_progress_cluster)) AS root_is_maintenance,
            left(coalesce(r.query, ''), 200) AS root_query,
            greatest(0, extract(epoch FROM now() - coalesce(r.xact_start, r.backend_start,
              now())))::float8 AS root_xact_seconds,
            ch.blocked, ch.depth, ch.longest_wait_seconds
       FROM watch w
       JOIN hits h ON h.table_oid = w.table_oid AND h.secs = w.secs
       JOIN chains ch ON ch.secs = h.secs AND ch.root = h.root
       LEFT JOIN pg_stat_activity r ON r.pid = ch.root
       LEFT JOIN pg_roles ro ON ro.oid = r.usesysid
      ORDER BY w.key, ch.blocked DESC, ch.root`,
    [watches.map((w) => w.key), watches.map((w) => w.table_oid), watches.map((w) => w.min_wait_seconds)],
  );
  for (const { key, ...chain } of rows) out.get(Number(key))?.push(chain);
  return out;
}
