import type { Queryable } from '../queryable';

export interface MeasuredDensity {
  oid: number;
  avg_leaf_density: number | null;
  leaf_fragmentation: number | null;
  leaf_pages: number | null;
}

/**
 * pgstatindex on the given btrees, in one statement: it reads each of them whole, so only the
 * candidates the estimate picked come here, within the pass's byte budget. An index dropped
 * since it was listed is skipped; one no longer valid or ready gets no reading.
 */
export async function measureIndexDensity(
  db: Queryable,
  indexOids: readonly number[],
): Promise<Map<number, MeasuredDensity>> {
  if (indexOids.length === 0) return new Map();
  const { rows } = await db.query<MeasuredDensity>(
    `SELECT c.oid::int8 AS oid,
            nullif(s.avg_leaf_density, 'NaN')::float8 AS avg_leaf_density,
            nullif(s.leaf_fragmentation, 'NaN')::float8 AS leaf_fragmentation,
            s.leaf_pages::float8 AS leaf_pages
       FROM unnest($1::oid[]) AS u(oid)
       JOIN pg_class c ON c.oid = u.oid
       JOIN pg_index i ON i.indexrelid = c.oid
       JOIN pg_am a ON a.oid = c.relam
       -- pgstatindex is strict: a NULL argument reads nothing. A WHERE clause would not stop the
       -- planner from calling it on an invalid index, which raises an error.
       LEFT JOIN LATERAL pgstatindex(CASE WHEN a.amname = 'btree' AND c.relkind = 'i' AND i.indisvalid AND i.indisready
       THEN c.oid::regclass END) s ON true
      WHERE s.version IS NOT NULL`,
    [indexOids],
  );
  return new Map(rows.map((r) => [r.oid, r]));
}
