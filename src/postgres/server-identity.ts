import type { Queryable } from './queryable';

/**
 * Names the PostgreSQL server this connection reaches, the same for every database on it: the
 * cluster's system identifier, or (when pg_control_system is not allowed) its address and port.
 */
export async function serverIdentity(db: Queryable): Promise<string> {
  try {
    const { rows } = await db.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
    if (rows[0]?.id) return `pg-${rows[0].id}`;
  } catch {
    // not allowed: fall through to the address
  }
  const { rows } = await db.query<{ addr: string | null; port: string }>(
    "SELECT host(inet_server_addr()) AS addr, current_setting('port') AS port",
  );
  return `pg-${rows[0]?.addr ?? 'local'}-${rows[0]?.port ?? ''}`;
}
