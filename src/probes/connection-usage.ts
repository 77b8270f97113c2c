import type { ConnectionUsage } from '../sensor/collection-stats';
import type { Queryable } from './queryable';

/**
 * Server-wide: client sessions against what ordinary roles may open (max_connections less the slots
 * reserved for superusers and pg_use_reserved_connections), and who holds them.
 */
export async function readConnectionUsage(db: Queryable): Promise<ConnectionUsage> {
  const { rows } = await db.query<ConnectionUsage>(
    `SELECT current_setting('max_connections')::int AS max_connections,
            (current_setting('superuser_reserved_connections')::int
              + coalesce(current_setting('reserved_connections', true), '0')::int) AS reserved,
            (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS used,
            coalesce((SELECT json_agg(x ORDER BY x.sessions DESC, x.role) FROM (
               SELECT coalesce(a.usename::text, '') AS role, coalesce(ro.rolsuper, false) AS superuser,
                 count(*)::int AS sessions,
                      (count(*) FILTER (WHERE a.state = 'idle'))::int AS idle,
                      ro.rolconnlimit AS connection_limit
                 FROM pg_stat_activity a LEFT JOIN pg_roles ro ON ro.oid = a.usesysid
                WHERE a.backend_type = 'client backend'
                GROUP BY a.usename, ro.rolsuper, ro.rolconnlimit
                ORDER BY count(*) DESC LIMIT 5) x), '[]'::json) AS top_roles`,
  );
  return rows[0]!;
}
