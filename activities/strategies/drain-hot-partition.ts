import { withClient } from '../../src/postgres/pool';
import { analyzeAfterWrites } from '../../src/postgres/analyze-after-writes';
import { qualifiedName } from '../../src/postgres/quote-ident';
import { placementSize } from '../../src/postgres/placement-snapshot';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { drainHotPartitionSpec } from '../../src/domain/strategies/specs/drain-hot-partition';
import { moveProgress, moveSlice, type Slice } from './partition-moves';
import { planMoves, putRowsBack, sandboxHotspotMove, verifyNotHot } from './rebalance-partitions';

/**
 * drain_hot_partition: empties the hot partition at once, its rows spread evenly over all the
 * others (one hash slice per partition), without sampling between moves. Faster and blunter than
 * rebalance_partitions. Every row's placement is recorded first; the compensation puts each back.
 */
export const drainHotPartition = defineStrategy(drainHotPartitionSpec, {
  async sandbox(ctx) {
    return sandboxHotspotMove(ctx);
  },

  async plan(ctx) {
    return planMoves(ctx, 'drain_hot_partition');
  },

  async execute(ctx, plan) {
    const snap = plan.snapshot;
    const { hot, cold } = plan.params;
    const moves: { slice: Slice; moved: number }[] = [];
    const total = plan.before.loads.find((l) => l.partition === hot)?.rows;
    const movedSoFar = () => moves.reduce((n, m) => n + m.moved, 0);
    await withClient(ctx.db, async (c) => {
      for (let i = 0; i < cold.length && !ctx.signal.aborted; i++) {
        const slice: Slice = {
          from: hot,
          to: cold[i]!,
          lo: Math.floor((100 * i) / cold.length),
          hi: Math.floor((100 * (i + 1)) / cold.length),
        };
        const at = { item: i + 1, items: cold.length, ...(total !== undefined ? { total } : {}) };
        ctx.heartbeat(moveProgress(slice, { ...at, moved: movedSoFar() }));
        moves.push({ slice, moved: await moveSlice(c, snap.placement_key, snap.placement, slice) });
        ctx.heartbeat(moveProgress(slice, { ...at, moved: movedSoFar() }));
      }
      // Rows changed partitions: the planner's statistics of every leaf follow them now.
      await analyzeAfterWrites(c, qualifiedName(snap.placement.schema, snap.placement.table));
    });
    const moved = moves.reduce((n, m) => n + m.moved, 0);
    return {
      success: moved > 0,
      actions_taken: moves.length,
      improvement: 0,
      ...(moved > 0 ? {} : { error: 'the hot partition had no rows to move' }),
      metadata: { moves, recorded_rows: await placementSize(ctx.db, snap.placement_key) },
    };
  },

  async verify(ctx, plan) {
    return verifyNotHot(ctx, plan);
  },

  async compensate(ctx, plan) {
    await putRowsBack(ctx, plan);
  },
});
