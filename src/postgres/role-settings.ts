import type { Queryable } from './queryable';
import { quoteIdent, quoteLiteral } from './quote-ident';

/**
 * A role's own settings in one database (ALTER ROLE … IN DATABASE … SET), read from
 * pg_db_role_setting so a compensation can put back exactly what was there, or nothing.
 */
export async function readRoleSetting(
  db: Queryable,
  role: string,
  database: string,
  setting: string,
): Promise<string | null> {
  const { rows } = await db.query<{ v: string | null }>(
    `SELECT (SELECT substr(x, length($3) + 2) FROM unnest(s.setconfig) x WHERE x LIKE $3 || '=%') AS v
       FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole JOIN pg_database d ON d.oid = s.setdatabase
      WHERE r.rolname = $1 AND d.datname = $2`,
    [role, database, setting],
  );
  return rows[0]?.v ?? null;
}

export function setRoleSettingSql(role: string, database: string, setting: string, value: string): string {
  return (
    `ALTER ROLE ${quoteIdent(role)} IN DATABASE ${quoteIdent(database)} SET ${quoteIdent(setting)} = ` +
    `${quoteLiteral(value)}`
  );
}

/** Puts the role's setting back to `previous` (RESET when it had none); a no-op when it already is. */
export async function restoreRoleSetting(
  db: Queryable,
  role: string,
  database: string,
  setting: string,
  previous: string | null,
): Promise<void> {
  if ((await readRoleSetting(db, role, database, setting)) === previous) return;
  await db.query(
    previous === null
      ? `ALTER ROLE ${quoteIdent(role)} IN DATABASE ${quoteIdent(database)} RESET ${quoteIdent(setting)}`
      : setRoleSettingSql(role, database, setting, previous),
  );
}

/** pg_roles.rolconnlimit (-1: no limit), or null when the role is gone. */
export async function readConnectionLimit(db: Queryable, role: string): Promise<number | null> {
  const { rows } = await db.query<{ l: number }>('SELECT rolconnlimit AS l FROM pg_roles WHERE rolname = $1', [role]);
  return rows[0]?.l ?? null;
}

export async function currentDatabase(db: Queryable): Promise<string> {
  return (await db.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d;
}
