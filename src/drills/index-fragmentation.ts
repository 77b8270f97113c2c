import type { Collection } from '../postgres/collections';
import { withClient, type Pool } from '../postgres/pool';
import { analyzeAfterWrites } from '../postgres/analyze-after-writes';
import type { Queryable } from '../probes/queryable';
import { qualifiedName } from '../postgres/quote-ident';
import { isDemoTable, refillDemoTable, DEMO_ROWS } from '../demo/demo-collection';

export interface DrillReport {
  collection: string;
  rows_before: number;
  rows_deleted: number;
  indexes: { name: string; density_before: number | null; density_after: number | null; size_bytes: number }[];
}

/**
 * Fault injection for IndexFragmentation: delete four of every five rows in
 * key order, then VACUUM. Every leaf page keeps a fifth of its entries; VACUUM does not
 * shrink the index, so leaf density falls from ~90 to ~18 while the table stays healthy.
 * Destroys data: only the demo table (which is refilled first) or with `force`.
 */
export async function drillIndexFragmentation(
  pool: Pool,
  c: Collection,
  opts: { force?: boolean; refillTo?: number } = {},
): Promise<DrillReport> {
  const demo = await isDemoTable(pool, c.table_schema, c.table_name);
  if (!demo && !opts.force) {
    throw new Error(
      `${c.table_schema}.${c.table_name} is not a selfheal demo table: the drill deletes 80 % of its rows; ` +
        `pass --force on a staging database`,
    );
  }
  // One session throughout, so its statistics are flushed before the ANALYZE.
  return withClient(pool, (db) => breakIndexes(db, c, demo, opts.refillTo));
}

async function breakIndexes(
  pool: Queryable,
  c: Collection,
  demo: boolean,
  refillTo: number | undefined,
): Promise<DrillReport> {
  const t = qualifiedName(c.table_schema, c.table_name);
  if (demo) await refillDemoTable(pool, c.table_schema, c.table_name, refillTo ?? DEMO_ROWS);
  const before = await densities(pool, c);
  const rowsBefore = Number((await pool.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${t}`)).rows[0]!.n);
  // In key order on the demo table, so every leaf page keeps one entry in five however the heap
  // was refilled; in physical order elsewhere (the same when rows were loaded in key order).
  const order = demo ? 'id' : 'ctid';
  const del = await pool.query(
    `DELETE FROM ${t} WHERE ctid = ANY (ARRAY(
        SELECT ctid FROM (SELECT ctid, row_number() OVER (ORDER BY ${order}) AS rn FROM ${t}) x WHERE rn % 5 <> 0))`,
  );
  const after = await vacuumUntilThinned(pool, t, c, before);
  await analyzeAfterWrites(pool, t);
  return {
    collection: c.name,
    rows_before: rowsBefore,
    rows_deleted: del.rowCount ?? 0,
    indexes: after.map((a) => ({
      name: a.name,
      density_before: before.find((b) => b.name === a.name)?.density ?? null,
      density_after: a.density,
      size_bytes: a.size_bytes,
    })),
  };
}

const VACUUM_TRIES = 5;

/**
 * VACUUM removes the deleted rows' index entries only once no snapshot can see them: a session
 * holding back the xmin horizon leaves the index dense. Tried again for a few seconds, then the
 * drill says who holds the horizon instead of reporting a fault it did not make.
 */
async function vacuumUntilThinned(
  pool: Queryable,
  t: string,
  c: Collection,
  before: { name: string; density: number | null }[],
) {
  for (let i = 1; ; i++) {
    await pool.query(`VACUUM ${t}`);
    const after = await densities(pool, c);
    const dense = after.filter((a) => {
      const b = before.find((x) => x.name === a.name)?.density;
      return b !== undefined && b !== null && a.density !== null && b > 50 && a.density > 0.6 * b;
    });
    if (dense.length === 0) return after;
    if (i >= VACUUM_TRIES) {
      const { rows } = await pool.query<{ who: string }>(
        `SELECT string_agg(format('pid %s (%s, %s, xmin age %s)', pid, datname, coalesce(application_name, ''),
           age(backend_xmin)), '; ') AS who
           FROM pg_stat_activity WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid()`,
      );
      throw new Error(
        `drill: VACUUM left ${dense.map((d) => `${d.name} at ${d.density?.toFixed(1)} %`).join(', ')} leaf ` +
          `density after ${i} tries: ` +
          `the deleted rows are still visible to some snapshot (holders of the xmin horizon: ` +
          `${rows[0]?.who ?? 'none seen'})`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function densities(pool: Queryable, c: Collection) {
  const { rows } = await pool.query<{ name: string; density: number | null; size_bytes: number }>(
    `SELECT ci.oid::regclass::text AS name, nullif(s.avg_leaf_density, 'NaN')::float8 AS density,
       pg_relation_size(ci.oid)::float8 AS size_bytes
       FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_am a ON a.oid = ci.relam
       CROSS JOIN LATERAL pgstatindex(ci.oid::regclass) s
      WHERE i.indrelid = to_regclass(format('%I.%I', $1::text, $2::text)) AND a.amname = 'btree' AND i.indisvalid
      ORDER BY 1`,
    [c.table_schema, c.table_name],
  );
  return rows;
}
