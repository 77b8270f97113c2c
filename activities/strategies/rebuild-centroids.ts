import type { z } from 'zod';
import type { Pool } from '../../src/postgres/pool';
import { withClient } from '../../src/postgres/pool';
import { analyzeAfterWrites } from '../../src/postgres/analyze-after-writes';
import { restorePlacement, savePlacement } from '../../src/postgres/placement-snapshot';
import { qualifiedName, quoteIdent } from '../../src/postgres/quote-ident';
import { readPartitionCounters } from '../../src/probes/partitions';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { rebuildCentroidsSpec } from '../../src/domain/strategies/specs/rebuild-centroids';
import type { StrategyContext } from '../../src/strategies/strategy';
import { balancedAssign, lloyd } from '../../src/vectors/balanced-kmeans';
import { partitionedTarget, splitQualified, targetCheck } from './partitioned-target';
import { sandboxResult, type Check } from './sandbox-checks';

const VECTOR_COLUMN = 'embedding';
const SAMPLE_FOR_TRAINING = 20_000;
const ITERATIONS = 10;
/** Lists may exceed n / k by this much: balance without forcing far points into a wrong list. */
const CAPACITY_SLACK = 1.05;
const WRITE_BATCH = 5000;

type Snapshot = z.infer<typeof rebuildCentroidsSpec.snapshot>;

/**
 * rebuild_centroids: recomputes the centroids of an IVF-style collection from its vectors (k-means
 * from the current centroids) and reassigns every row to a list with a capacity per list, so the
 * lists come out balanced; rows move between partitions to follow. The previous centroids and every
 * row's previous partition are kept, so the compensation restores both.
 */
export const rebuildCentroids = defineStrategy(rebuildCentroidsSpec, {
  async sandbox(ctx) {
    const started = Date.now();
    const t = await partitionedTarget(ctx);
    const checks: Check[] = [targetCheck(t)];
    if ('target' in t) {
      checks.push({
        name: 'centroids_table',
        passed: t.target.layout.centroids_table !== null,
        detail:
          t.target.layout.centroids_table ??
          `no ${ctx.collection.table_name}_centroids table: not an IVF-style collection`,
      });
      const { rows } = await ctx.db.query(
        `SELECT 1 FROM pg_attribute
          WHERE attrelid = $1 AND attname = $2 AND atttypid = 'real[]'::regtype AND NOT attisdropped`,
        [ctx.collection.table_oid, VECTOR_COLUMN],
      );
      checks.push({
        name: 'vector_column',
        passed: rows.length > 0,
        detail: rows.length ? `${VECTOR_COLUMN} real[]` : `no ${VECTOR_COLUMN} real[] column`,
      });
    }
    return sandboxResult('prerequisites', checks, started);
  },

  async plan(ctx) {
    const r = await partitionedTarget(ctx);
    if (!('target' in r)) throw new Error(r.reason);
    if (!r.target.layout.centroids_table) throw new Error('not an IVF-style collection: no centroids table');
    const ct = splitQualified(r.target.layout.centroids_table);
    const { rows: centroids } = await ctx.db.query<{ partition_id: number; centroid: number[] }>(
      `SELECT partition_id, centroid FROM ${qualifiedName(ct.schema, ct.table)} ORDER BY partition_id`,
    );
    const key = `${ctx.attemptKey}/rebuild_centroids`;
    await savePlacement(ctx.db, key, r.target.placement, 'true');
    return {
      params: { lists: centroids.map((c) => c.partition_id) },
      snapshot: { placement_key: key, placement: r.target.placement, centroids_table: ct, centroids },
      before: { lists: sizes(r.target.partitions) },
    };
  },

  async execute(ctx, plan) {
    const snap = plan.snapshot;
    const p = snap.placement;
    const t = qualifiedName(p.schema, p.table);
    ctx.heartbeat({ step: 'read vectors' });
    const { rows } = await ctx.db.query<{ id: string; v: number[] }>(
      `SELECT ${quoteIdent(p.id_column)}::text AS id, ${quoteIdent(VECTOR_COLUMN)} AS v FROM ${t} ORDER BY 1`,
    );
    const points = rows.map((r) => r.v);
    const step = Math.max(1, Math.floor(points.length / SAMPLE_FOR_TRAINING));
    const training = points.filter((_, i) => i % step === 0);
    ctx.heartbeat({ step: 'k-means', detail: `${training.length} of ${points.length} vectors` });
    const centroids = lloyd(
      training,
      snap.centroids.map((c) => c.centroid),
      ITERATIONS,
    );
    const assignment = balancedAssign(
      points,
      centroids,
      Math.ceil((points.length / centroids.length) * CAPACITY_SLACK),
    );
    const lists = snap.centroids.map((c) => c.partition_id);
    let moved = 0;
    await withClient(ctx.db, async (c) => {
      await c.query('BEGIN');
      try {
        for (let j = 0; j < lists.length; j++) {
          await c.query(
            `UPDATE ${qualifiedName(snap.centroids_table.schema, snap.centroids_table.table)}
              SET centroid = $2::real[], updated_at = now() WHERE partition_id = $1`,
            [lists[j], centroids[j]],
          );
        }
        for (let i = 0; i < rows.length; i += WRITE_BATCH) {
          if (ctx.signal.aborted) throw new Error('cancelled');
          ctx.heartbeat({ step: 'reassign rows', done: i, total: rows.length, unit: 'rows' });
          const ids = rows.slice(i, i + WRITE_BATCH).map((r) => r.id);
          const to = assignment.slice(i, i + WRITE_BATCH).map((j) => lists[j]);
          const r = await c.query(
            `UPDATE ${t} t SET ${quoteIdent(p.key_column)} = v.p FROM unnest($1::int8[], $2::int4[]) AS v(id, p)
              WHERE t.${quoteIdent(p.id_column)} = v.id AND t.${quoteIdent(p.key_column)} <> v.p`,
            [ids, to],
          );
          moved += r.rowCount ?? 0;
        }
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      // The sensor reads list sizes from reltuples: refresh them now.
      await analyzeAfterWrites(c, t);
    });
    return {
      success: true,
      actions_taken: lists.length + 1,
      improvement: 0,
      metadata: { rows: rows.length, moved, training: training.length },
    };
  },

  async verify(ctx, plan) {
    const now = sizes(await readPartitionCounters(ctx.db, ctx.collection.table_oid));
    const worst = Math.max(...now.map((l) => l.ratio));
    const before = Math.max(...plan.before.lists.map((l) => l.ratio));
    return {
      verified: worst <= ctx.config.centroid_skew_ratio,
      after: { lists: now },
      detail:
        `largest list ${before.toFixed(2)}× → ${worst.toFixed(2)}× the mean ` +
        `(skewed above ${ctx.config.centroid_skew_ratio}×)`,
    };
  },

  async compensate(ctx, plan) {
    await restoreCentroids(ctx, plan.snapshot);
  },
});

function sizes(
  parts: { value: number | null; reltuples: number }[],
): { list: number | null; rows: number; ratio: number }[] {
  const mean = parts.reduce((n, p) => n + p.reltuples, 0) / Math.max(1, parts.length);
  return parts.map((p) => ({ list: p.value, rows: p.reltuples, ratio: mean > 0 ? p.reltuples / mean : 0 }));
}

async function restoreCentroids(ctx: StrategyContext<Pool>, snap: Snapshot): Promise<void> {
  await withClient(ctx.db, async (c) => {
    for (const cen of snap.centroids) {
      await c.query(
        `UPDATE ${qualifiedName(snap.centroids_table.schema, snap.centroids_table.table)} SET centroid = $2::real[]
          WHERE partition_id = $1`,
        [cen.partition_id, cen.centroid],
      );
    }
    await restorePlacement(c, snap.placement_key, snap.placement, null);
    await analyzeAfterWrites(c, qualifiedName(snap.placement.schema, snap.placement.table));
  });
}
