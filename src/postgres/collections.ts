import { z } from 'zod';
import type { CollectionKind } from '../domain/collection-kind';
import { shellWord } from '../domain/shell-word';
import { appendAudit, type AuditedBy } from './audit-log';
import { displayQualifiedName } from './quote-ident';
import type { Queryable as Db } from './queryable';

export const collectionNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, 'a collection name is a letter or _ then up to 62 letters, digits, _ or -');

export interface Collection {
  id: number;
  name: string;
  kind: CollectionKind;
  /** The table as it is named now (a rename is followed by its OID). */
  table_schema: string;
  table_name: string;
  /** OID of the table now, or null when it no longer exists. */
  table_oid: number | null;
  /** ivf only: the declared centroids table (partition_id → centroid), and where cold rows go. */
  centroids_table: string | null;
  archive_table: string | null;
  /** How it came to be watched: by a person, by a watch rule, or by the embedded demo. */
  source: 'manual' | 'rule' | 'demo';
  /** Null while watched. */
  unwatched_at: string | null;
  unwatch_reason: string | null;
}

export class UnknownCollectionError extends Error {
  constructor(name: string) {
    super(
      `no collection named "${name}": \`selfheal list\` shows the watched ones, \`selfheal watch <schema.table> ` +
        `--as ${name}\` adds one`,
    );
    this.name = 'UnknownCollectionError';
  }
}

export class UnwatchedCollectionError extends Error {
  constructor(c: Collection) {
    super(
      `collection "${c.name}" is no longer watched (${c.unwatch_reason ?? 'unwatched'}); ` +
        `\`selfheal watch ${shellWord(displayQualifiedName(c.table_schema, c.table_name))} --as ${c.name}\` ` +
        'watches it again',
    );
    this.name = 'UnwatchedCollectionError';
  }
}

// The table is found by its OID first (so a rename is followed), else by its recorded name (a table
// dropped and created again under the same name is the collection's table again).
const collectionsSelect = (extra = '') => `
  SELECT ${extra}c.id, c.name, c.kind, c.centroids_table, c.archive_table, c.source,
         c.unwatched_at::text AS unwatched_at, c.unwatch_reason,
         coalesce(n.nspname::text, c.table_schema) AS table_schema,
         coalesce(r.relname::text, c.table_name) AS table_name,
         r.oid::int8 AS table_oid
    FROM ruvector.collections c
    -- (A join, not a subquery per collection: the list is read every pass.)
    LEFT JOIN pg_class o ON o.oid = c.table_oid
    LEFT JOIN pg_class r ON r.relkind IN ('r', 'p')
         AND r.oid = coalesce(o.oid, to_regclass(format('%I.%I', c.table_schema, c.table_name)))
    LEFT JOIN pg_namespace n ON n.oid = r.relnamespace`;
const SELECT_COLLECTIONS = collectionsSelect();

export async function findCollection(db: Db, name: string): Promise<Collection | undefined> {
  const { rows } = await db.query<Collection>(`${SELECT_COLLECTIONS} WHERE c.name = $1`, [name]);
  return rows[0];
}

/** A watched collection by name; an unknown or unwatched one is an error that says what to do. */
export async function getCollection(db: Db, name: string): Promise<Collection> {
  const c = await findCollection(db, name);
  if (!c) throw new UnknownCollectionError(name);
  if (c.unwatched_at !== null) throw new UnwatchedCollectionError(c);
  return c;
}

/** A collection as listCollections has it, beside what its row records of its table (which a sync brings in line). */
export interface StoredCollection extends Collection {
  stored_schema: string;
  stored_name: string;
  stored_oid: number | null;
}

/**
 * Every collection, unwatched ones too, by name, with its recorded table beside the live one: the
 * one catalog read a watch sync needs (the live tables, renames, the names taken, the tables
 * people unwatched), not one per question.
 */
export async function listStoredCollections(db: Db): Promise<StoredCollection[]> {
  const { rows } = await db.query<StoredCollection>(
    `${collectionsSelect(
      'c.table_schema AS stored_schema, c.table_name AS stored_name, c.table_oid::int8 AS stored_oid, ',
    )} ORDER BY c.name`,
  );
  return rows;
}

/** The watched collections, by name. */
export async function listCollections(db: Db, opts: { includeUnwatched?: boolean } = {}): Promise<Collection[]> {
  const { rows } = await db.query<Collection>(
    `${SELECT_COLLECTIONS} ${opts.includeUnwatched ? '' : 'WHERE c.unwatched_at IS NULL'} ORDER BY c.name`,
  );
  return rows;
}

/**
 * A change to what is watched, in the watch history and the audit trail. Call it in the change's
 * transaction: the audit row takes the trail's head lock, which only a transaction holds.
 */
export async function recordWatchEvent(
  tx: Db,
  c: { id: number; name: string },
  event: 'watched' | 'renamed' | 'unwatched',
  detail: string,
  audit: AuditedBy,
): Promise<void> {
  await tx.query('INSERT INTO ruvector.watch_events (collection_id, event, detail) VALUES ($1, $2, $3)', [
    c.id,
    event,
    detail,
  ]);
  await appendAudit(tx, audit.signer, [
    {
      actor: audit.by,
      event,
      collection: c.name,
      action_id: null,
      strategy: null,
      reversible: null,
      allowed_by: null,
      details: { detail },
    },
  ]);
}
