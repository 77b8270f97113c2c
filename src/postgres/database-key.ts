import type { Queryable } from './queryable';
import { serverIdentity } from './server-identity';

/**
 * Names a database across servers, `<server>/<database>`: two servers may each have a database
 * called `app` watched in one Temporal namespace, and each needs a guardian of its own.
 */
export async function databaseKey(db: Queryable): Promise<string> {
  const name = (await db.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
  return `${await serverIdentity(db)}/${name}`;
}
