import { qualifiedName } from '../../src/postgres/quote-ident';
import { readTableStats } from '../../src/probes/table-stats';
import { staleStatisticsThreshold } from '../../src/sensor/parts/planner-statistics';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { analyzeTableSpec } from '../../src/domain/strategies/specs/analyze-table';
import { runCancellable } from './cancellable-statement';
import { checkCanAlterTable, sandboxResult } from './sandbox-checks';
import { completeSandbox } from './scratch-sandbox';

/**
 * analyze_table: ANALYZE the collection's table so the planner's row estimates match the data again.
 * Irreversible: the old statistics are gone (and they were wrong). ANALYZE reads a sample, not the
 * whole table, so it is cheap even on large tables.
 */
export const analyzeTable = defineStrategy(analyzeTableSpec, {
  async sandbox(ctx) {
    const started = Date.now();
    const checks = [await checkCanAlterTable(ctx.db, ctx.collection.table_oid)];
    if (!checks[0]!.passed) return sandboxResult('prerequisites', checks, started);
    checks.push(
      await completeSandbox(ctx, analyzeTable.descriptor.estimated_duration_seconds, (c, scratch) =>
        c.query(`ANALYZE ${scratch}`).then(() => undefined),
      ),
    );
    return sandboxResult('complete', checks, started);
  },

  async plan(ctx) {
    const t = await readTableStats(ctx.db, ctx.collection.table_oid);
    return {
      params: { table: `${ctx.collection.table_schema}.${ctx.collection.table_name}` },
      snapshot: null,
      before: {
        mods_since_analyze: t.mods_since_analyze,
        reltuples: t.reltuples,
        last_analyzed_at: t.last_analyzed_at,
      },
    };
  },

  async execute(ctx) {
    await runCancellable(
      ctx,
      `ANALYZE ${qualifiedName(ctx.collection.table_schema, ctx.collection.table_name)}`,
      ctx.budgetMs,
      { step: 'ANALYZE' },
    );
    const t = await readTableStats(ctx.db, ctx.collection.table_oid);
    return { success: true, actions_taken: 1, improvement: 0, metadata: { reltuples_after: t.reltuples } };
  },

  async verify(ctx, plan) {
    const t = await readTableStats(ctx.db, ctx.collection.table_oid);
    // Just analyzed, so judged on the changes alone: every part under its threshold.
    const over = t.analysis.filter((p) => p.mods_since_analyze > staleStatisticsThreshold(p, ctx.config));
    return {
      verified: over.length === 0,
      after: { mods_since_analyze: t.mods_since_analyze, reltuples: t.reltuples, last_analyzed_at: t.last_analyzed_at },
      detail:
        `rows changed since ANALYZE ${plan.before.mods_since_analyze} → ${t.mods_since_analyze}` +
        `${over.length ? ` (still stale: ${over.map((p) => p.name).join(', ')})` : ''}; ` +
        `reltuples ${plan.before.reltuples} → ${t.reltuples}`,
    };
  },
});
