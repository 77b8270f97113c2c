import type { Queryable } from './queryable';

/**
 * How long a condition has held for each part, as consecutive samples saw it: parts in the
 * condition now keep the time they were first seen (or get now), parts out of it are forgotten.
 * Returns seconds per part in `partsNow`.
 */
export async function conditionSince(db: Queryable, collectionId: number, condition: string, partsNow: string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ part: string; seconds: number }>(
    `WITH gone AS (
        DELETE FROM ruvector.condition_since WHERE collection_id = $1 AND condition = $2 AND part <> ALL ($3::text[])),
     added AS (
        INSERT INTO ruvector.condition_since (collection_id, condition, part, since)
        SELECT $1, $2, p, clock_timestamp() FROM unnest($3::text[]) p
        ON CONFLICT (collection_id, condition, part) DO NOTHING RETURNING part)
     -- The statement's snapshot does not see its own inserts: those parts start at 0.
     SELECT part, extract(epoch FROM clock_timestamp() - since)::float8 AS seconds
       FROM ruvector.condition_since WHERE collection_id = $1 AND condition = $2 AND part = ANY ($3::text[])
     UNION ALL SELECT part, 0 FROM added`,
    [collectionId, condition, partsNow],
  );
  return new Map(rows.map((r) => [r.part, r.seconds]));
}
