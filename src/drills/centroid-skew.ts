import type { Collection } from '../postgres/collections';
import { withClient, type Pool } from '../postgres/pool';
import { analyzeAfterWrites } from '../postgres/analyze-after-writes';
import { qualifiedName } from '../postgres/quote-ident';
import { readPartitionCounters } from '../probes/partitions';
import { requireDrillTarget } from './demo-guard';
import type { DrillRun } from './held-fault';

/**
 * Fault injection for CentroidSkew: data drift. New vectors arrive around a point near centroid 0
 * (shifted along another axis), so all of them land in list 0, which grows to several times the
 * others (230k rows vs 25k/25k/17.5k is a ratio of 3.09). IVF-style demo collections only.
 */
export async function drillCentroidSkew(
  pool: Pool,
  c: Collection,
  opts: { force?: boolean; factor?: number } = {},
): Promise<DrillRun> {
  await requireDrillTarget(pool, c, opts.force, 'inserts drifted vectors into it');
  const centroids = qualifiedName(c.table_schema, `${c.table_name}_centroids`);
  const t = qualifiedName(c.table_schema, c.table_name);
  if (!(await pool.query('SELECT to_regclass($1) AS r', [centroids])).rows[0]?.r)
    throw new Error(`${centroids} does not exist: not an IVF-style collection`);
  const before = await readPartitionCounters(pool, c.table_oid!);
  const perList = Math.round(before.reduce((n, p) => n + p.reltuples, 0) / Math.max(1, before.length));
  const add = Math.max(1000, Math.round(perList * (opts.factor ?? 3)));
  await withClient(pool, async (db) => {
    // Nearest centroid first, then a fixed shift on the axis after it; ids continue after the largest.
    await db.query(
      `WITH c0 AS (SELECT partition_id, centroid FROM ${centroids} ORDER BY partition_id LIMIT 1),
            start AS (SELECT coalesce(max(id), 0) AS m FROM ${t})
       INSERT INTO ${t} (id, partition_id, embedding)
       SELECT start.m + g, c0.partition_id,
              ARRAY(SELECT (c0.centroid[d] + (d = 2)::int * 4 + random() * 2 - 1)::real
              FROM generate_series(1, array_length(c0.centroid, 1)) d)
         FROM c0, start, generate_series(1, $1::int) g`,
      [add],
    );
    await analyzeAfterWrites(db, t);
  });
  const after = await readPartitionCounters(pool, c.table_oid!);
  return {
    problem_class: 'CentroidSkew',
    collection: c.name,
    report: {
      inserted: add,
      lists_before: before.map((p) => [p.value, p.reltuples]),
      lists_after: after.map((p) => [p.value, p.reltuples]),
    },
    held: null,
  };
}
