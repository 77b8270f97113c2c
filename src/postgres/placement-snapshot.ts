import type { Queryable } from './queryable';
import { qualifiedName, quoteIdent } from './quote-ident';

/** Where a partitioned collection's rows live: the table, its id column and its partition key. */
export interface RowPlacement {
  schema: string;
  table: string;
  id_column: string;
  key_column: string;
}

/**
 * Records where the rows matching `where` (SQL over the table, aliased `t`, parameters from $2) are
 * now, before a strategy moves them. The first record of a row wins, so a retried step never
 * overwrites the original placement.
 */
export async function savePlacement(
  db: Queryable,
  key: string,
  p: RowPlacement,
  where: string,
  params: unknown[] = [],
): Promise<number> {
  const r = await db.query(
    `INSERT INTO ruvector.placement_snapshots (snapshot_key, row_id, partition_id)
     SELECT $1, t.${quoteIdent(p.id_column)}, t.${quoteIdent(p.key_column)} FROM ${qualifiedName(p.schema, p.table)} t
     WHERE ${where}
     ON CONFLICT (snapshot_key, row_id) DO NOTHING`,
    [key, ...params],
  );
  return r.rowCount ?? 0;
}

/**
 * Puts every recorded row back: rows moved to the archive return to the table, rows moved between
 * partitions return to their partition. Idempotent; returns how many rows moved back.
 */
export async function restorePlacement(
  db: Queryable,
  key: string,
  p: RowPlacement,
  archive: { schema: string; table: string } | null,
): Promise<number> {
  const t = qualifiedName(p.schema, p.table);
  const id = quoteIdent(p.id_column);
  const k = quoteIdent(p.key_column);
  let moved = 0;
  if (archive) {
    const a = qualifiedName(archive.schema, archive.table);
    const r = await db.query(
      `WITH back AS (
          DELETE FROM ${a} x USING ruvector.placement_snapshots s
           WHERE s.snapshot_key = $1 AND x.${id} = s.row_id RETURNING x.*)
       INSERT INTO ${t} SELECT * FROM back`,
      [key],
    );
    moved += r.rowCount ?? 0;
  }
  const r = await db.query(
    `UPDATE ${t} t SET ${k} = s.partition_id FROM ruvector.placement_snapshots s
      WHERE s.snapshot_key = $1 AND t.${id} = s.row_id AND t.${k} <> s.partition_id`,
    [key],
  );
  return moved + (r.rowCount ?? 0);
}

export async function placementSize(db: Queryable, key: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM ruvector.placement_snapshots WHERE snapshot_key = $1',
    [key],
  );
  return rows[0]?.n ?? 0;
}
