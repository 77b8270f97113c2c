import { z } from 'zod';
import { collectionKindSchema } from '../domain/collection-kind';
import { collectionNameSchema, getCollection, recordWatchEvent, type Collection } from './collections';
import type { Pool } from './pool';
import { withTransaction } from './pool';
import type { Queryable } from './queryable';
import type { AuditedBy } from './audit-log';
import { displayQualifiedName, qualifiedName } from './quote-ident';

/** Schemas whose tables are PostgreSQL's or selfheal's own, never a user's collection. */
export const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast', 'ruvector'] as const;

/** A table as a person writes it: `table`, `schema.table`, with "quoted" parts where case or dots matter. */
const tableRefSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\0;]+$/, 'a table name has no ; or NUL');

export const watchRequestSchema = z
  .object({
    table: tableRefSchema,
    name: collectionNameSchema.optional(),
    kind: collectionKindSchema.default('table'),
    centroids: tableRefSchema.optional(),
    archive: tableRefSchema.optional(),
    source: z.enum(['manual', 'rule', 'demo']).default('manual'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.kind === 'ivf' && !r.centroids)
      ctx.addIssue({
        code: 'custom',
        path: ['centroids'],
        message: 'an ivf collection needs --centroids <table> (partition_id → centroid)',
      });
    if (r.kind === 'table' && (r.centroids || r.archive)) {
      ctx.addIssue({
        code: 'custom',
        path: ['kind'],
        message: '--centroids and --archive belong to an ivf collection: add --kind ivf',
      });
    }
  });
export type WatchRequest = z.input<typeof watchRequestSchema>;

/** Input a person gave that cannot be watched: said plainly, nothing changed. */
export class WatchRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatchRefused';
  }
}

/** A table named to be watched that does not exist (not found, rather than refused). */
export class WatchTableMissing extends WatchRefused {
  constructor(message: string) {
    super(message);
    this.name = 'WatchTableMissing';
  }
}

interface ResolvedTable {
  oid: number;
  schema: string;
  name: string;
  relkind: string;
  is_partition: boolean;
  parent: string | null;
  list_key: string | null;
}

/** The table a reference names, resolved by PostgreSQL itself (search_path, quoting, case folding). */
export async function resolveTable(db: Queryable, ref: string): Promise<ResolvedTable | null> {
  let oid: number | null;
  try {
    oid =
      (await db.query<{ oid: number | null }>('SELECT to_regclass($1)::oid::int8 AS oid', [ref])).rows[0]?.oid ?? null;
  } catch {
    // to_regclass raises on a malformed name (too many dots, an unterminated quote).
    throw new WatchRefused(`"${ref}" is not a table name: write table, schema.table, or "Quoted Name"`);
  }
  if (oid === null) return null;
  const { rows } = await db.query<ResolvedTable>(
    `SELECT c.oid::int8 AS oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS relkind,
            c.relispartition AS is_partition,
            (SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid) AS parent,
            (SELECT a.attname::text FROM pg_partitioned_table p
            JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
              WHERE p.partrelid = c.oid AND p.partstrat = 'l' AND p.partnatts = 1) AS list_key
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1`,
    [oid],
  );
  return rows[0] ?? null;
}

/** Why a table cannot be a collection, or null when it can. */
export function unwatchableReason(t: ResolvedTable): string | null {
  const qualified = displayQualifiedName(t.schema, t.name);
  if (t.relkind !== 'r' && t.relkind !== 'p')
    return `${qualified} is not a table (relkind ${t.relkind}): selfheal watches tables`;
  if (t.schema === 'ruvector')
    return `${qualified} is selfheal's own (schema ruvector holds its store): selfheal never watches it`;
  if (
    (SYSTEM_SCHEMAS as readonly string[]).includes(t.schema) ||
    t.schema.startsWith('pg_temp') ||
    t.schema.startsWith('pg_toast')
  ) {
    return `${qualified} is in a system schema: selfheal watches user tables`;
  }
  if (t.is_partition)
    return (
      `${qualified} is a partition of ${t.parent ?? 'another table'}: watch the partitioned table, ` +
      `which covers its partitions`
    );
  return null;
}

async function requireTable(db: Queryable, ref: string, what: string): Promise<ResolvedTable> {
  const t = await resolveTable(db, ref);
  if (!t)
    throw new WatchTableMissing(
      `${what} ${ref} does not exist (as the database's search_path resolves it: write schema.table; ` +
        `psql's \\dt lists the tables)`,
    );
  return t;
}

async function hasColumns(db: Queryable, oid: number, columns: string[]): Promise<string[]> {
  const { rows } = await db.query<{ attname: string }>(
    'SELECT attname::text FROM pg_attribute ' +
      'WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped AND attname = ANY($2::text[])',
    [oid, columns],
  );
  const have = new Set(rows.map((r) => r.attname));
  return columns.filter((c) => !have.has(c));
}

/** The collection name a table gets when none is given: its own name when that is a valid one. */
export function defaultCollectionName(schema: string, table: string): string | null {
  const candidates = [table, `${schema}_${table}`].map((n) => n.replace(/[^A-Za-z0-9_-]/g, '_'));
  return (
    candidates
      .map((n) => (/^[A-Za-z_]/.test(n) ? n : `_${n}`).slice(0, 63))
      .find((n) => collectionNameSchema.safeParse(n).success) ?? null
  );
}

/**
 * Watches a table as a collection, or updates how it is watched. Idempotent: watching the same table
 * under the same name again changes nothing but its kind and declared tables. A name that another
 * watched table holds, or a table watched under another name, is refused.
 */
export async function watchTable(
  pool: Pool,
  raw: WatchRequest,
  audit: AuditedBy,
): Promise<{ collection: Collection; created: boolean }> {
  const req = watchRequestSchema.parse(raw);
  return withTransaction(pool, async (db) => {
    // One watcher at a time: a rule's sync and a person's watch must not both insert the table.
    await db.query('LOCK TABLE ruvector.collections IN SHARE ROW EXCLUSIVE MODE');
    const t = await requireTable(db, req.table, 'table');
    const refused = unwatchableReason(t);
    if (refused) throw new WatchRefused(refused);
    // The sensor reads the table through its schema: a role without USAGE there could never sample it.
    const usage = (
      await db.query<{ ok: boolean; me: string }>(
        "SELECT has_schema_privilege($1, 'USAGE') AS ok, current_user::text AS me",
        [t.schema],
      )
    ).rows[0]!;
    if (!usage.ok)
      throw new WatchRefused(
        `role ${usage.me} may not use schema ${t.schema}: GRANT USAGE ON SCHEMA ${t.schema} TO ${usage.me}`,
      );
    let centroids: string | null = null;
    let archive: string | null = null;
    if (req.kind === 'ivf') {
      if (!t.list_key)
        throw new WatchRefused(
          `${displayQualifiedName(t.schema, t.name)} is not LIST-partitioned on one column: an ivf collection places ` +
            `rows by a partition_id list`,
        );
      const ct = await requireTable(db, req.centroids!, 'centroids table');
      const missing = await hasColumns(db, ct.oid, ['partition_id', 'centroid']);
      if (missing.length)
        throw new WatchRefused(
          `centroids table ${displayQualifiedName(ct.schema, ct.name)} lacks ${missing.join(', ')} ` +
            '(it maps partition_id → centroid)',
        );
      centroids = qualifiedName(ct.schema, ct.name);
      if (req.archive) {
        const at = await requireTable(db, req.archive, 'archive table');
        archive = qualifiedName(at.schema, at.name);
      }
    }
    const name = req.name ?? defaultCollectionName(t.schema, t.name);
    if (!name)
      throw new WatchRefused(
        `${displayQualifiedName(t.schema, t.name)} has no usable collection name: give one with --as`,
      );

    const byName = (
      await db.query<{ id: number; table_oid: number | null; unwatched: boolean }>(
        'SELECT id, table_oid::int8 AS table_oid, unwatched_at IS NOT NULL AS unwatched ' +
          'FROM ruvector.collections WHERE name = $1',
        [name],
      )
    ).rows[0];
    const byTable = (
      await db.query<{ id: number; name: string; unwatched: boolean }>(
        `SELECT id, name, unwatched_at IS NOT NULL AS unwatched FROM ruvector.collections
        WHERE table_oid = $1 OR (table_schema = $2 AND table_name = $3) ORDER BY (table_oid = $1) DESC NULLS LAST
        LIMIT 1`,
        [t.oid, t.schema, t.name],
      )
    ).rows[0];
    if (byTable && !byTable.unwatched && byTable.name !== name) {
      throw new WatchRefused(
        `${displayQualifiedName(t.schema, t.name)} is already watched as "${byTable.name}" ` +
          `(\`selfheal unwatch ${byTable.name}\` first to rename it)`,
      );
    }
    if (
      byName &&
      !byName.unwatched &&
      byName.table_oid !== null &&
      byName.table_oid !== t.oid &&
      byName.id !== byTable?.id
    ) {
      throw new WatchRefused(`the name "${name}" already watches another table: choose another with --as`);
    }
    // Reuse the row that has the name, else the table's old row, so attempts and outcomes stay with it.
    const reuse = byName?.id ?? byTable?.id;
    if (reuse !== undefined && byTable && byName && byTable.id !== byName.id) {
      throw new WatchRefused(
        `the name "${name}" belonged to another table and ${displayQualifiedName(t.schema, t.name)} was watched ` +
          `as "${byTable.name}": watch it as "${byTable.name}", or choose a new name with --as`,
      );
    }
    const values = [name, t.schema, t.name, t.oid, req.kind, centroids, archive, req.source];
    let id: number;
    if (reuse === undefined) {
      id = (
        await db.query<{ id: number }>(
          `INSERT INTO ruvector.collections (name, table_schema, table_name, table_oid, kind, centroids_table,
             archive_table, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          values,
        )
      ).rows[0]!.id;
    } else {
      id = reuse;
      await db.query(
        `UPDATE ruvector.collections SET name = $1, table_schema = $2, table_name = $3, table_oid = $4, kind = $5,
                centroids_table = $6, archive_table = $7, source = CASE WHEN unwatched_at IS NULL THEN source
                ELSE $8 END,
                unwatched_at = NULL, unwatch_reason = NULL
          WHERE id = $9`,
        [...values, id],
      );
    }
    const created = reuse === undefined || byName?.unwatched === true || byTable?.unwatched === true;
    if (created)
      await recordWatchEvent(
        db,
        { id, name },
        'watched',
        `${t.schema}.${t.name} as ${req.kind}${req.source === 'rule' ? ' (watch rule)' : ''}`,
        audit,
      );
    return { collection: await getCollection(db, name), created };
  });
}

/** Stops watching: the guardian stops with it; its attempts and outcomes stay on record. */
export async function unwatchCollection(
  pool: Pool,
  name: string,
  reason: string,
  audit: AuditedBy,
): Promise<Collection> {
  return withTransaction(pool, async (db) => {
    const c = await getCollection(db, name);
    const r = await db.query(
      `UPDATE ruvector.collections SET unwatched_at = now(), unwatch_reason = $2
        WHERE id = $1 AND unwatched_at IS NULL`,
      [c.id, reason],
    );
    if (r.rowCount) await recordWatchEvent(db, c, 'unwatched', reason, audit);
    return { ...c, unwatched_at: new Date().toISOString(), unwatch_reason: reason };
  });
}
