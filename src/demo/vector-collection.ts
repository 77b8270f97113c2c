import { withClient, type Pool } from '../postgres/pool';
import { analyzeAfterWrites } from '../postgres/analyze-after-writes';
import type { Collection } from '../postgres/collections';
import { watchTable } from '../postgres/watch-table';
import { qualifiedName, quoteLiteral } from '../postgres/quote-ident';
import { DEMO_MARK } from './demo-collection';
import type { AuditedBy } from '../postgres/audit-log';

export const VECTOR_DIM = 8;
export const VECTOR_PARTITIONS = 4;
export const VECTOR_ROWS_PER_PARTITION = 5000;

/**
 * An IVF-style collection: vectors in a table LIST-partitioned by `partition_id`, one partition per
 * centroid of `<table>_centroids`, each row in the partition of its nearest centroid; plus
 * `<table>_archive` for evicted cold rows. Centroid i sits at 10 on axis i; rows scatter around it.
 * Idempotent: an existing table is left as it is.
 */
export async function ensureVectorCollection(
  pool: Pool,
  audit: AuditedBy,
  name = 'vectors',
  schema = 'public',
  table = 'demo_vectors',
  rowsPerPartition = VECTOR_ROWS_PER_PARTITION,
): Promise<Collection> {
  const t = qualifiedName(schema, table);
  const existed = (await pool.query('SELECT to_regclass($1) IS NOT NULL AS e', [t])).rows[0]?.e === true;
  if (!existed) {
    await withClient(pool, async (db) => {
      await db.query('BEGIN');
      await db.query(`CREATE TABLE ${t} (
          id               BIGINT NOT NULL,
          partition_id     INTEGER NOT NULL,
          embedding        REAL[] NOT NULL,
          hits             BIGINT NOT NULL DEFAULT 0,
          created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
          last_accessed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          PRIMARY KEY (id, partition_id)) PARTITION BY LIST (partition_id)`);
      for (let p = 0; p < VECTOR_PARTITIONS; p++) {
        await db.query(
          `CREATE TABLE ${qualifiedName(schema, `${table}_p${p}`)} PARTITION OF ${t} FOR VALUES IN (${p})`,
        );
      }
      await db.query(`CREATE TABLE ${qualifiedName(schema, `${table}_centroids`)} (
          partition_id INTEGER PRIMARY KEY, centroid REAL[] NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
      await db.query(
        `CREATE TABLE ${qualifiedName(schema, `${table}_archive`)} (LIKE ${t} INCLUDING DEFAULTS, PRIMARY KEY (id,
           partition_id))`,
      );
      await db.query(
        `INSERT INTO ${qualifiedName(schema, `${table}_centroids`)} (partition_id, centroid)
         SELECT p, ARRAY(SELECT ((d = p)::int * 10)::real FROM generate_series(0, $1::int - 1) d)
         FROM generate_series(0, $2::int - 1) p`,
        [VECTOR_DIM, VECTOR_PARTITIONS],
      );
      await db.query(
        `INSERT INTO ${t} (id, partition_id, embedding)
         SELECT (p * $3::int) + g, p, ARRAY(SELECT ((d = p)::int * 10 + random() * 2 - 1)::real
         FROM generate_series(0, $1::int - 1) d)
           FROM generate_series(0, $2::int - 1) p, generate_series(1, $3::int) g`,
        [VECTOR_DIM, VECTOR_PARTITIONS, rowsPerPartition],
      );
      await db.query(`COMMENT ON TABLE ${t} IS ${quoteLiteral(DEMO_MARK)}`);
      await db.query('COMMIT');
      // The parent too: autovacuum never analyzes a partitioned parent.
      await analyzeAfterWrites(db, t);
    });
  }
  await pool.query(`COMMENT ON TABLE ${t} IS ${quoteLiteral(DEMO_MARK)}`);
  const declared = {
    centroids: qualifiedName(schema, `${table}_centroids`),
    archive: qualifiedName(schema, `${table}_archive`),
  };
  return (await watchTable(pool, { table: t, name, kind: 'ivf', ...declared, source: 'demo' }, audit)).collection;
}
