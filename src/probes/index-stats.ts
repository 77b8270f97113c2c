import type { IndexStats } from '../sensor/collection-stats';
import type { Queryable } from './queryable';

/**
 * The table's indexes with their size and validity; pgstatindex (which reads the whole index) runs
 * only on candidates: valid btrees at least `candidateMinBytes` large (never on a partitioned
 * index, which has no pages of its own).
 */
export async function readIndexStats(db: Queryable, tableOid: number, candidateMinBytes: number): Promise<IndexStats[]> {
  const { rows } = await db.query<IndexStats>(
    `SELECT c.oid::int8 AS oid, c.oid::regclass::text AS name, pg_relation_size(c.oid)::float8 AS size_bytes,
            a.amname = 'btree' AS is_btree, i.indisvalid AS is_valid,
            s.avg_leaf_density::float8 AS avg_leaf_density, s.leaf_fragmentation::float8 AS leaf_fragmentation,
            s.leaf_pages::float8 AS leaf_pages
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_am a ON a.oid = c.relam
       -- pgstatindex is strict: a NULL argument (not a candidate) reads nothing. A WHERE clause would
       -- not stop the planner from calling it on an invalid index, which raises an error.
       LEFT JOIN LATERAL pgstatindex(
         CASE WHEN a.amname = 'btree' AND c.relkind = 'i' AND i.indisvalid AND i.indisready AND pg_relation_size(c.oid) >= $2
              THEN c.oid::regclass END
       ) s ON true
      WHERE i.indrelid = $1
        -- An index still being built is invalid on purpose: not a part of the collection yet.
        AND (i.indisvalid OR i.indrelid NOT IN (SELECT relid FROM pg_stat_progress_create_index WHERE datname = current_database()))
      ORDER BY c.oid`,
    [tableOid, candidateMinBytes],
  );
  return rows.map((r) => ({ ...r, avg_leaf_density: nanToNull(r.avg_leaf_density), leaf_fragmentation: nanToNull(r.leaf_fragmentation) }));
}

/** pgstatindex reports NaN density for an index with no leaf pages. */
function nanToNull(x: number | null): number | null {
  return x === null || Number.isNaN(x) ? null : x;
}
