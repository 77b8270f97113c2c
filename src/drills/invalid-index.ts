import pg from 'pg';
import type { Collection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { qualifiedName, quoteIdent } from '../postgres/quote-ident';
import { isDemoTable } from '../demo/demo-collection';

export interface InvalidIndexDrillReport {
  collection: string;
  index: string;
  valid: boolean;
  error: string;
}

/**
 * Fault injection for InvalidIndex: CREATE INDEX CONCURRENTLY waits for a transaction that wrote to
 * the table (held open by the drill) until its statement_timeout cancels it, which leaves the new
 * index INVALID: maintained on every write, never used by a query. Demo tables only, or `force`.
 */
export async function drillInvalidIndex(
  pool: Pool,
  databaseUrl: string,
  c: Collection,
  opts: { force?: boolean } = {},
): Promise<InvalidIndexDrillReport> {
  const demo = await isDemoTable(pool, c.table_schema, c.table_name);
  if (!demo && !opts.force) {
    throw new Error(
      `${c.table_schema}.${c.table_name} is not a selfheal demo table: the drill leaves an invalid index on it; ` +
        `pass --force on a staging database`,
    );
  }
  const column = (
    await pool.query<{ a: string }>(
      `SELECT a.attname AS a FROM pg_attribute a WHERE a.attrelid = to_regclass(format('%I.%I', $1::text, $2::text))
        AND a.attnum > 0 AND NOT a.attisdropped ORDER BY (a.attname = 'payload') DESC, a.attnum LIMIT 1`,
      [c.table_schema, c.table_name],
    )
  ).rows[0]?.a;
  if (!column) throw new Error(`${c.table_schema}.${c.table_name} has no column to index`);
  const index = `${c.table_name}_drill_${column}_idx`.slice(0, 63);
  const writer = new pg.Client({ connectionString: databaseUrl });
  await writer.connect();
  writer.on('error', () => undefined);
  let error = '';
  try {
    await writer.query('BEGIN');
    // Any row lock taken by a write makes the build wait; the update changes nothing.
    await writer.query(
      `UPDATE ${qualifiedName(c.table_schema, c.table_name)} SET ${quoteIdent(column)} = ${quoteIdent(column)}
        WHERE ctid = (SELECT ctid FROM ${qualifiedName(c.table_schema, c.table_name)} LIMIT 1)`,
    );
    const builder = await pool.connect();
    try {
      await builder.query('SET statement_timeout = 1000');
      await builder.query(
        `CREATE INDEX CONCURRENTLY ${quoteIdent(index)} ON ${qualifiedName(c.table_schema, c.table_name)}
           (${quoteIdent(column)})`,
      );
    } catch (err) {
      error = (err as Error).message;
    } finally {
      await builder.query('RESET statement_timeout').catch(() => undefined);
      builder.release();
    }
  } finally {
    await writer.query('ROLLBACK').catch(() => undefined);
    await writer.end();
  }
  const { rows } = await pool.query<{ valid: boolean }>(
    'SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid ' +
      'JOIN pg_namespace n ON n.oid = x.relnamespace WHERE n.nspname = $1 AND x.relname = $2',
    [c.table_schema, index],
  );
  if (!rows[0]) throw new Error(`the drill did not leave ${index} behind (${error || 'the build finished'})`);
  return { collection: c.name, index: `${c.table_schema}.${index}`, valid: rows[0].valid, error };
}
