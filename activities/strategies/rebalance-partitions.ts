import type { z } from 'zod';
import type { Pool } from '../../src/postgres/pool';
import { withClient } from '../../src/postgres/pool';
import { analyzeAfterWrites } from '../../src/postgres/analyze-after-writes';
import { qualifiedName } from '../../src/postgres/quote-ident';
import { placementSize, restorePlacement } from '../../src/postgres/placement-snapshot';
import { sampleCollection } from '../../src/probes/sample-collection';
import { integrityOf } from '../../src/sensor/integrity-sample';
import { loadRatio } from '../../src/sensor/parts/partitions';
import { defineStrategy, type PlanOf, type TypedPlan } from '../../src/strategies/define-strategy';
import { rebalancePartitionsSpec } from '../../src/domain/strategies/specs/rebalance-partitions';
import type { SandboxResult, StrategyContext } from '../../src/strategies/strategy';
import { moveProgress, moveSlice, undoSlice, type Slice } from './partition-moves';
import { partitionedTarget, targetCheck } from './partitioned-target';
import { sandboxResult } from './sandbox-checks';

/** Each increment moves this share (in %) of the hot partition's rows; at most MAX_SHARE in all. */
const STEP_PCT = 15;
const MAX_SHARE_PCT = 75;

/** What both partition movers record to undo: where each moved row was (their specs share the shape). */
export type MoveSnapshot = z.infer<typeof rebalancePartitionsSpec.snapshot>;
interface PartitionLoad {
  partition: number | null;
  ops_per_s: number;
  rows: number;
}
/** The movers' plan: the hot partition's value, the others coldest first, and the loads before. */
export type MovePlan = TypedPlan<
  MoveSnapshot,
  { hot: number; cold: number[] },
  { lambda: number; loads: PartitionLoad[]; hot_ratio: number }
>;

/**
 * rebalance_partitions: moves rows from the hot partition to the coldest ones in
 * increments, sampling integrity after each. It stops once the partition is no longer hot, and
 * undoes an increment that made λ worse (below 0.9 × the initial λ). Every moved row's placement is
 * recorded first, so the compensation puts each back.
 */
export const rebalancePartitions = defineStrategy(rebalancePartitionsSpec, {
  async sandbox(ctx) {
    return sandboxHotspotMove(ctx);
  },

  async plan(ctx) {
    return planMoves(ctx, 'rebalance_partitions');
  },

  async execute(ctx, plan) {
    const snap = plan.snapshot;
    const { hot, cold } = plan.params;
    const initial = integrityOf(await sampleCollection(ctx.db, ctx.collection, ctx.config), ctx.config);
    const steps: { slice: Slice; moved: number; lambda: number; hot_ratio: number; undone: boolean }[] = [];
    await withClient(ctx.db, async (c) => {
      for (let k = 0; k * STEP_PCT < MAX_SHARE_PCT && !ctx.signal.aborted; k++) {
        const slice: Slice = {
          from: hot,
          to: cold[k % cold.length]!,
          lo: k * STEP_PCT,
          hi: Math.min(MAX_SHARE_PCT, (k + 1) * STEP_PCT),
        };
        const items = Math.ceil(MAX_SHARE_PCT / STEP_PCT);
        const movedSoFar = steps.filter((s) => !s.undone).reduce((n, s) => n + s.moved, 0);
        ctx.heartbeat(moveProgress(slice, { item: k + 1, items, moved: movedSoFar }));
        const moved = await moveSlice(c, snap.placement_key, snap.placement, slice);
        // Measure again over a load window that starts after the move: the load is the load after it.
        const now = integrityOf(
          await sampleCollection(ctx.db, ctx.collection, ctx.config, { after: new Date().toISOString() }),
          ctx.config,
        );
        ctx.heartbeat(
          moveProgress(slice, { item: k + 1, items, moved: movedSoFar + moved, detail: `λ ${now.lambda.toFixed(3)}` }),
        );
        const ratio = hotRatio(now, hot, ctx);
        if (now.lambda < 0.9 * initial.lambda) {
          await undoSlice(c, snap.placement_key, snap.placement, slice);
          steps.push({ slice, moved, lambda: now.lambda, hot_ratio: ratio, undone: true });
          break;
        }
        steps.push({ slice, moved, lambda: now.lambda, hot_ratio: ratio, undone: false });
        if (ratio <= ctx.config.hotspot_load_ratio) break;
      }
      // Rows changed partitions: the planner's statistics of every leaf follow them now.
      await analyzeAfterWrites(c, qualifiedName(snap.placement.schema, snap.placement.table));
    });
    const last = steps.at(-1);
    return {
      success: steps.some((s) => !s.undone && s.moved > 0),
      actions_taken: steps.filter((s) => !s.undone).length,
      improvement: last && initial.lambda > 0 ? (last.lambda - initial.lambda) / initial.lambda : 0,
      ...(steps.some((s) => !s.undone && s.moved > 0)
        ? {}
        : {
            error: `no increment helped (λ ${initial.lambda.toFixed(3)} before): ${
              steps
                .map(
                  (s) =>
                    `${s.moved} rows to partition ${s.slice.to}, λ ${s.lambda.toFixed(3)}, ` +
                    `hot ${s.hot_ratio.toFixed(1)}×${s.undone ? ', undone' : ''}`,
                )
                .join('; ') || 'nothing to move'
            }`,
          }),
      metadata: {
        steps,
        initial_lambda: initial.lambda,
        recorded_rows: await placementSize(ctx.db, snap.placement_key),
      },
    };
  },

  async verify(ctx, plan) {
    return verifyNotHot(ctx, plan);
  },

  async compensate(ctx, plan) {
    await putRowsBack(ctx, plan);
  },
});

function hotRatio(sample: ReturnType<typeof integrityOf>, hot: number, ctx: StrategyContext<Pool>): number {
  const parts = sample.stats.partitioning?.partitions ?? [];
  const p = parts.find((x) => x.value === hot);
  return p ? loadRatio(p, parts, ctx.config) : 0;
}

/** What both partition movers check first: a partitioned collection and a hot partition to move rows from. */
export async function sandboxHotspotMove(ctx: StrategyContext<Pool>): Promise<SandboxResult> {
  const started = Date.now();
  const t = await partitionedTarget(ctx);
  const hot = ctx.problem.class === 'HotspotCongestion' ? ctx.problem.partition_ids[0] : undefined;
  return sandboxResult(
    'prerequisites',
    [
      targetCheck(t),
      {
        name: 'hot_partition_named',
        passed: hot !== undefined,
        detail:
          hot !== undefined ? `partition ${hot} is hot` : `the problem is ${ctx.problem.class}, not HotspotCongestion`,
      },
    ],
    started,
  );
}

/** Both movers' compensation: every recorded row back in its partition, statistics refreshed. */
export async function putRowsBack(ctx: StrategyContext<Pool>, plan: Pick<MovePlan, 'snapshot'>): Promise<void> {
  const snap = plan.snapshot;
  await withClient(ctx.db, async (c) => {
    await restorePlacement(c, snap.placement_key, snap.placement, null);
    await analyzeAfterWrites(c, qualifiedName(snap.placement.schema, snap.placement.table));
  });
}

/** The plan both partition movers share: the hot partition, the others coldest first, and where placements are kept. */
export async function planMoves(
  ctx: StrategyContext<Pool>,
  strategy: string,
): Promise<PlanOf<MoveSnapshot, MovePlan['params'], MovePlan['before']>> {
  if (ctx.problem.class !== 'HotspotCongestion')
    throw new Error(`${strategy} handles HotspotCongestion, not ${ctx.problem.class}`);
  const r = await partitionedTarget(ctx);
  if (!('target' in r)) throw new Error(r.reason);
  const sample = integrityOf(await sampleCollection(ctx.db, ctx.collection, ctx.config), ctx.config);
  const parts = sample.stats.partitioning?.partitions ?? [];
  const hot = ctx.problem.partition_ids[0]!;
  const cold = parts
    .filter((p) => p.value !== null && p.value !== hot)
    .sort((a, b) => a.ops_per_s - b.ops_per_s)
    .map((p) => p.value!);
  return {
    params: { hot, cold },
    snapshot: { placement_key: `${ctx.attemptKey}/${strategy}`, placement: r.target.placement },
    before: {
      lambda: sample.lambda,
      loads: parts.map((p) => ({ partition: p.value, ops_per_s: p.ops_per_s, rows: p.reltuples })),
      hot_ratio: hotRatio(sample, hot, ctx),
    },
  };
}

/** Measured again over a fresh load window: the hot partition carries no more than hotspot_load_ratio × the mean. */
export async function verifyNotHot(ctx: StrategyContext<Pool>, plan: Pick<MovePlan, 'params' | 'before'>) {
  const hot = plan.params.hot;
  const sample = integrityOf(
    await sampleCollection(ctx.db, ctx.collection, ctx.config, { after: new Date().toISOString() }),
    ctx.config,
  );
  const ratio = hotRatio(sample, hot, ctx);
  const parts = sample.stats.partitioning?.partitions ?? [];
  return {
    verified: ratio <= ctx.config.hotspot_load_ratio,
    after: {
      lambda: sample.lambda,
      loads: parts.map((p) => ({ partition: p.value, ops_per_s: p.ops_per_s, rows: p.reltuples })),
      hot_ratio: ratio,
    },
    detail:
      `partition ${hot} load ${plan.before.hot_ratio.toFixed(1)}× → ${ratio.toFixed(1)}× the mean ` +
      `(hot above ${ctx.config.hotspot_load_ratio}×)`,
  };
}
