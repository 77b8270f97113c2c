import { withClient, type Pool } from '../postgres/pool';
import { analyzeAfterWrites } from '../postgres/analyze-after-writes';
import type { Queryable } from '../probes/queryable';
import type { Collection } from '../postgres/collections';
import { watchTable } from '../postgres/watch-table';
import { qualifiedName, quoteLiteral } from '../postgres/quote-ident';
import type { AuditedBy } from '../postgres/audit-log';

export const DEMO_MARK = 'selfheal demo table';
export const DEMO_ROWS = 200_000;

/**
 * A real table with a btree primary key and data, registered as a collection. Marked by a table
 * comment so the drill may refill it. Idempotent: an existing table is left as it is, so a restart
 * does not hide a drill's damage.
 */
export async function ensureDemoCollection(
  pool: Pool,
  audit: AuditedBy,
  name = 'demo',
  schema = 'public',
  table = 'demo_items',
  rows = DEMO_ROWS,
): Promise<Collection> {
  const t = qualifiedName(schema, table);
  const existed = (await pool.query('SELECT to_regclass($1) IS NOT NULL AS e', [t])).rows[0]?.e === true;
  await pool.query(`CREATE TABLE IF NOT EXISTS ${t} (
      id         BIGINT PRIMARY KEY,
      payload    TEXT NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  await pool.query(`COMMENT ON TABLE ${t} IS ${quoteLiteral(DEMO_MARK)}`);
  if (!existed) {
    await withClient(pool, async (db) => {
      await refillDemoTable(db, schema, table, rows);
      await analyzeAfterWrites(db, t);
    });
  }
  return (await watchTable(pool, { table: t, name, source: 'demo' }, audit)).collection;
}

export async function isDemoTable(pool: Pool, schema: string, table: string): Promise<boolean> {
  const { rows } = await pool.query<{ c: string | null }>(
    `SELECT obj_description(to_regclass(format('%I.%I', $1::text, $2::text)), 'pg_class') AS c`,
    [schema, table],
  );
  return rows[0]?.c === DEMO_MARK;
}

/** Appends rows with new ids until the table holds `rows` rows. */
export async function refillDemoTable(pool: Queryable, schema: string, table: string, rows: number): Promise<number> {
  const t = qualifiedName(schema, table);
  const { rows: r } = await pool.query<{ n: number; max: number }>(
    `SELECT count(*)::int8 AS n, coalesce(max(id), 0)::int8 AS max FROM ${t}`,
  );
  const missing = rows - r[0]!.n;
  if (missing <= 0) return 0;
  await pool.query(
    `INSERT INTO ${t} (id, payload) SELECT g, md5(g::text) FROM generate_series($1::int8 + 1, $1::int8 + $2::int8) g`,
    [r[0]!.max, missing],
  );
  return missing;
}
