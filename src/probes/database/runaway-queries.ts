import type { RunawayQuery } from '../../sensor/collection-stats';
import type { Queryable } from '../queryable';

/** A table and how long a statement on it must have run to be runaway (its collection's setting). */
export interface RunawayWatch {
  key: number;
  table_oid: number;
  min_seconds: number;
}

/**
 * readRunawayQueries for many tables in one statement: client statements of this database running
 * longer than each watch's threshold that hold a lock on its table or indexes, per watch key.
 * Sessions waiting on a lock are a blocking chain, not runaway.
 */
export async function readRunawayQueriesOf(
  db: Queryable,
  watches: readonly RunawayWatch[],
): Promise<Map<number, RunawayQuery[]>> {
  const out = new Map<number, RunawayQuery[]>(watches.map((w) => [w.key, []]));
  if (watches.length === 0) return out;
  const { rows } = await db.query<RunawayQuery & { key: number }>(
    `WITH watch AS (
        SELECT * FROM unnest($1::int8[], $2::oid[], $3::float8[]) AS u(key, table_oid, secs)
     ), holding AS (
        -- Each granted lock on a relation, by the table it is on: the table itself, or the table of
        -- the index locked. From the locks (few) to the tables, not from every watched table and
        -- index (many) to the locks.
        SELECT DISTINCT l.pid, coalesce(i.indrelid, l.relation) AS table_oid
          FROM pg_locks l LEFT JOIN pg_index i ON i.indexrelid = l.relation
         WHERE l.granted AND l.relation IS NOT NULL
     )
     SELECT w.key, a.pid, coalesce(a.usename::text, '') AS user_name, coalesce(ro.rolsuper, false) AS superuser,
            extract(epoch FROM now() - a.query_start)::float8 AS running_seconds, left(a.query, 200) AS query
       FROM watch w
       JOIN holding h ON h.table_oid = w.table_oid
       JOIN pg_stat_activity a ON a.pid = h.pid
       LEFT JOIN pg_roles ro ON ro.oid = a.usesysid
      WHERE a.datname = current_database() AND a.backend_type = 'client backend' AND a.state = 'active'
        AND a.pid <> pg_backend_pid() AND a.wait_event_type IS DISTINCT FROM 'Lock'
        AND a.query_start <= now() - make_interval(secs => w.secs)
      ORDER BY w.key, a.query_start`,
    [watches.map((w) => w.key), watches.map((w) => w.table_oid), watches.map((w) => w.min_seconds)],
  );
  for (const { key, ...q } of rows) out.get(Number(key))?.push(q);
  return out;
}
