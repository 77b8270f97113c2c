import { z } from 'zod';
import type { Pool } from './pool';

export const collectionNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, 'a collection name is a letter or _ then up to 62 letters, digits, _ or -');

export interface Collection {
  id: number;
  name: string;
  table_schema: string;
  table_name: string;
  /** OID of the table now, or null when it no longer exists. */
  table_oid: number | null;
}

export class UnknownCollectionError extends Error {
  constructor(name: string) {
    super(`no collection named "${name}" (register it first)`);
    this.name = 'UnknownCollectionError';
  }
}

export async function findCollection(pool: Pool, name: string): Promise<Collection | undefined> {
  const { rows } = await pool.query<Collection>(
    `SELECT id, name, table_schema, table_name,
            to_regclass(format('%I.%I', table_schema, table_name))::oid::int8 AS table_oid
       FROM ruvector.collections WHERE name = $1`,
    [name],
  );
  return rows[0];
}

export async function getCollection(pool: Pool, name: string): Promise<Collection> {
  const c = await findCollection(pool, name);
  if (!c) throw new UnknownCollectionError(name);
  return c;
}

/** Registers (or re-points) a collection at an existing table. */
export async function registerCollection(pool: Pool, name: string, tableSchema: string, tableName: string): Promise<Collection> {
  collectionNameSchema.parse(name);
  const exists = await pool.query('SELECT to_regclass(format($1::text, $2::text, $3::text)) AS r', ['%I.%I', tableSchema, tableName]);
  if (!exists.rows[0]?.r) throw new Error(`table ${tableSchema}.${tableName} does not exist`);
  await pool.query(
    `INSERT INTO ruvector.collections (name, table_schema, table_name) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET table_schema = EXCLUDED.table_schema, table_name = EXCLUDED.table_name`,
    [name, tableSchema, tableName],
  );
  return getCollection(pool, name);
}

export async function listCollections(pool: Pool): Promise<Collection[]> {
  const { rows } = await pool.query<Collection>(
    `SELECT id, name, table_schema, table_name,
            to_regclass(format('%I.%I', table_schema, table_name))::oid::int8 AS table_oid
       FROM ruvector.collections ORDER BY name`,
  );
  return rows;
}
