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
       LEFT JOIN LATERAL (
         SELECT * FROM pgstatindex(c.oid::regclass)
          WHERE a.amname = 'btree' AND c.relkind = 'i' AND i.indisvalid AND i.indisready AND pg_relation_size(c.oid) >= $2
       ) s ON true
      WHERE i.indrelid = $1
      ORDER BY c.oid`,
    [tableOid, candidateMinBytes],
  );
  return rows.map((r) => ({ ...r, avg_leaf_density: nanToNull(r.avg_leaf_density), leaf_fragmentation: nanToNull(r.leaf_fragmentation) }));
}

/** pgstatindex reports NaN density for an index with no leaf pages. */
function nanToNull(x: number | null): number | null {
  return x === null || Number.isNaN(x) ? null : x;
}

/** One index measured now, whatever its size: strategies measure before and after with this. */
export async function measureIndex(db: Queryable, indexOid: number): Promise<IndexStats | undefined> {
  const { rows } = await db.query<IndexStats>(
    `SELECT c.oid::int8 AS oid, c.oid::regclass::text AS name, pg_relation_size(c.oid)::float8 AS size_bytes,
            true AS is_btree, i.indisvalid AS is_valid,
            s.avg_leaf_density::float8 AS avg_leaf_density, s.leaf_fragmentation::float8 AS leaf_fragmentation,
            s.leaf_pages::float8 AS leaf_pages
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       CROSS JOIN LATERAL pgstatindex(c.oid::regclass) s
      WHERE c.oid = $1`,
    [indexOid],
  );
  const r = rows[0];
  return r && { ...r, avg_leaf_density: nanToNull(r.avg_leaf_density), leaf_fragmentation: nanToNull(r.leaf_fragmentation) };
}
