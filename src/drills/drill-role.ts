import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Collection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { qualifiedName, quoteIdent, quoteLiteral } from '../postgres/quote-ident';

export interface DrillRole {
  role: string;
  url: string;
}

/**
 * An ordinary login role for a collection's drills, since selfheal never signals superuser sessions:
 * a fault made by a superuser could not be healed. One role per collection, so drills on two
 * collections never race on its password. It may read and write the collection's table.
 */
export function drillRoleName(collection: string): string {
  return `selfheal_drill_${collection}`.slice(0, 63);
}

export async function ensureDrillRole(pool: Pool, databaseUrl: string, c: Collection): Promise<DrillRole> {
  const role = drillRoleName(c.name);
  const password = randomBytes(18).toString('base64url');
  await pool.query(
    `DO $$ BEGIN CREATE ROLE ${quoteIdent(role)} LOGIN; EXCEPTION WHEN duplicate_object OR ` +
      `unique_violation THEN NULL; END $$`,
  );
  // No connection limit: a drill starts from a clean role even after a heal capped it.
  await pool.query(`ALTER ROLE ${quoteIdent(role)} LOGIN CONNECTION LIMIT -1 PASSWORD ${quoteLiteral(password)}`);
  await pool.query(`GRANT USAGE ON SCHEMA ${quoteIdent(c.table_schema)} TO ${quoteIdent(role)}`);
  await pool.query(
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${qualifiedName(c.table_schema, c.table_name)} TO ${quoteIdent(role)}`,
  );
  const url = new URL(databaseUrl);
  url.username = encodeURIComponent(role);
  url.password = password;
  return { role, url: url.toString() };
}

/** A session of the drill role; errors after a heal (terminated) are expected and swallowed. */
export async function drillSession(role: DrillRole, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: role.url, application_name: applicationName });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
