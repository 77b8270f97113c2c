import type { Pool } from '../../src/postgres/pool';
import { withClient } from '../../src/postgres/pool';
import { analyzeAfterWrites } from '../../src/postgres/analyze-after-writes';
import { restorePlacement, savePlacement } from '../../src/postgres/placement-snapshot';
import { qualifiedName, quoteIdent } from '../../src/postgres/quote-ident';
import { readPartitionCounters } from '../../src/probes/partitions';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { evictColdDataSpec } from '../../src/domain/strategies/specs/evict-cold-data';
import type { StrategyContext } from '../../src/strategies/strategy';
import { partitionedTarget, splitQualified, targetCheck } from './partitioned-target';
import { sandboxResult, type Check } from './sandbox-checks';

/** Aim a little under the skew threshold, so the list does not sit right at it. */
const TARGET_MARGIN = 0.9;
const MAX_SHARE = 0.9;

/**
 * evict_cold_data: moves the coldest rows (least recently accessed, else oldest) of the oversized
 * list into `<table>_archive`, just enough to bring it under centroid_skew_ratio × the mean.
 * Reversible: each row's placement is recorded first, and the compensation moves the rows back.
 */
export const evictColdData = defineStrategy(evictColdDataSpec, {
  async sandbox(ctx) {
    const started = Date.now();
    const t = await partitionedTarget(ctx);
    const checks: Check[] = [targetCheck(t)];
    if ('target' in t) {
      checks.push({
        name: 'archive_table',
        passed: t.target.layout.archive_table !== null,
        detail: t.target.layout.archive_table ?? `no ${ctx.collection.table_name}_archive table to evict into`,
      });
    }
    checks.push({
      name: 'skewed_list_named',
      passed: ctx.problem.class === 'CentroidSkew' && ctx.problem.centroid_ids.length > 0,
      detail:
        ctx.problem.class === 'CentroidSkew'
          ? `list ${ctx.problem.centroid_ids[0]} is oversized`
          : `the problem is ${ctx.problem.class}`,
    });
    return sandboxResult('prerequisites', checks, started);
  },

  async plan(ctx) {
    if (ctx.problem.class !== 'CentroidSkew')
      throw new Error(`evict_cold_data handles CentroidSkew, not ${ctx.problem.class}`);
    const r = await partitionedTarget(ctx);
    if (!('target' in r)) throw new Error(r.reason);
    if (!r.target.layout.archive_table) throw new Error('no archive table');
    const big = ctx.problem.centroid_ids[0]!;
    const parts = r.target.partitions;
    const k = parts.length;
    const total = parts.reduce((n, p) => n + p.reltuples, 0);
    const B = parts.find((p) => p.value === big)?.reltuples ?? 0;
    const ratio = ctx.config.centroid_skew_ratio * TARGET_MARGIN;
    // After evicting n rows: (B − n) ≤ ratio × (total − n) / k.
    const n = k > ratio ? Math.ceil((k * B - ratio * total) / (k - ratio)) : Math.ceil(B / 2);
    return {
      params: {
        list: big,
        rows: Math.max(0, Math.min(Math.floor(B * MAX_SHARE), n)),
        order_by: (await coldColumn(ctx)) ?? r.target.placement.id_column,
      },
      snapshot: {
        placement_key: `${ctx.attemptKey}/evict_cold_data`,
        placement: r.target.placement,
        archive: splitQualified(r.target.layout.archive_table),
      },
      before: {
        lists: parts.map((p) => ({ list: p.value, rows: p.reltuples })),
        ratio: total > 0 ? (B * k) / total : 0,
      },
    };
  },

  async execute(ctx, plan) {
    const snap = plan.snapshot;
    const p = snap.placement;
    const t = qualifiedName(p.schema, p.table);
    const id = quoteIdent(p.id_column);
    const key = quoteIdent(p.key_column);
    const order = quoteIdent(plan.params.order_by);
    const coldest = `SELECT ${id} FROM ${t} WHERE ${key} = $1 ORDER BY ${order}, ${id} LIMIT $2`;
    ctx.heartbeat({ step: 'move coldest rows to the archive', total: plan.params.rows, unit: 'rows' });
    const moved = await withClient(ctx.db, async (c) => {
      await c.query('BEGIN');
      try {
        await savePlacement(
          c,
          snap.placement_key,
          p,
          `t.${id} IN (SELECT ${id} FROM ${t} WHERE ${key} = $2 ORDER BY ${order}, ${id} LIMIT $3)`,
          [plan.params.list, plan.params.rows],
        );
        const r = await c.query(
          `WITH gone AS (DELETE FROM ${t} WHERE ${key} = $1 AND ${id} IN (${coldest}) RETURNING *)
           INSERT INTO ${qualifiedName(snap.archive.schema, snap.archive.table)} SELECT * FROM gone`,
          [plan.params.list, plan.params.rows],
        );
        await c.query('COMMIT');
        await analyzeAfterWrites(c, t);
        return r.rowCount ?? 0;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
    return {
      success: moved > 0,
      actions_taken: moved > 0 ? 1 : 0,
      improvement: 0,
      ...(moved ? {} : { error: 'no row to evict' }),
      metadata: { evicted: moved },
    };
  },

  async verify(ctx, plan) {
    const parts = await readPartitionCounters(ctx.db, ctx.collection.table_oid);
    const mean = parts.reduce((n, p) => n + p.reltuples, 0) / Math.max(1, parts.length);
    const big = parts.find((p) => p.value === plan.params.list);
    const ratio = big && mean > 0 ? big.reltuples / mean : 0;
    return {
      verified: ratio <= ctx.config.centroid_skew_ratio,
      after: { lists: parts.map((p) => ({ list: p.value, rows: p.reltuples })), ratio },
      detail:
        `list ${plan.params.list} ${plan.before.ratio.toFixed(2)}× → ${ratio.toFixed(2)}× the mean rows ` +
        `(skewed above ${ctx.config.centroid_skew_ratio}×)`,
    };
  },

  async compensate(ctx, plan) {
    const snap = plan.snapshot;
    await withClient(ctx.db, async (c) => {
      await restorePlacement(c, snap.placement_key, snap.placement, snap.archive);
      await analyzeAfterWrites(c, qualifiedName(snap.placement.schema, snap.placement.table));
    });
  },
});

/** The coldest rows first: least recently accessed, else oldest, else lowest id. */
async function coldColumn(ctx: StrategyContext<Pool>): Promise<string | null> {
  const { rows } = await ctx.db.query<{ a: string }>(
    `SELECT attname::text AS a FROM pg_attribute
      WHERE attrelid = $1 AND attname IN ('last_accessed_at', 'created_at') AND NOT attisdropped
      ORDER BY attname = 'last_accessed_at' DESC LIMIT 1`,
    [ctx.collection.table_oid],
  );
  return rows[0]?.a ?? null;
}
