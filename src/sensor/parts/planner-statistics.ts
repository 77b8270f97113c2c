import type { HealingConfig } from '../../domain/healing-config';
import type { PartAnalysis, TableStats } from '../table-stats';
import { addBetween, definePart, diagnosis } from '../sensor-part';

export const STATISTICS = 'statistics';

/**
 * Rows changed since ANALYZE above which statistics are stale: a share of the rows (20 % by default), counting at
 * least 1,000 rows, since below that a few changes swing the ratio.
 */
export function staleStatisticsThreshold(
  t: Pick<PartAnalysis, 'reltuples'>,
  c: Pick<HealingConfig, 'stale_statistics_ratio'>,
): number {
  return c.stale_statistics_ratio * Math.max(t.reltuples, 1000);
}

type StaleSettings = Pick<HealingConfig, 'stale_statistics_ratio' | 'stale_statistics_min_age_seconds'>;

/**
 * One part (the table, or a leaf partition) is stale when its changes pass the threshold and
 * autovacuum will not fix that by itself: it is off for the part or its own threshold is higher,
 * or it is due but the part has stayed stale for stale_statistics_min_age_seconds. A part taking
 * heavy writes right now (a hotspot) is due for autoanalyze, not stale. Without a sample history
 * (a one-off reading), the age of the last ANALYZE stands in for how long it has been stale.
 */
export function partStatisticsHealth(p: PartAnalysis, c: StaleSettings): number {
  const threshold = staleStatisticsThreshold(p, c);
  if (p.mods_since_analyze <= threshold) return 1;
  const minAge = c.stale_statistics_min_age_seconds;
  if (p.stale_for_seconds === null) {
    if (p.analyzed_age_seconds !== null && p.analyzed_age_seconds < minAge) return 1;
  } else if (p.autoanalyze_due && p.stale_for_seconds < minAge) {
    return 1;
  }
  return threshold / p.mods_since_analyze;
}

export function stalestParts(t: Pick<TableStats, 'analysis'>, c: StaleSettings): PartAnalysis[] {
  return t.analysis
    .filter((p) => partStatisticsHealth(p, c) < 1)
    .sort((a, b) => partStatisticsHealth(a, c) - partStatisticsHealth(b, c));
}

export function statisticsHealth(t: Pick<TableStats, 'analysis'>, c: StaleSettings): number {
  return Math.min(1, ...t.analysis.map((p) => partStatisticsHealth(p, c)));
}

/** The planner's statistics of the table and of each leaf: stale ones make its estimates wrong. */
export const plannerStatisticsPart = definePart({
  name: 'planner statistics',
  reads: ['table'],
  thresholds: ['stale_statistics_ratio', 'stale_statistics_min_age_seconds'],
  contribute(g, stats, s) {
    addBetween(
      g,
      { id: STATISTICS, kind: 'statistics', label: 'planner statistics' },
      'statistics',
      statisticsHealth(stats.table, s),
    );
  },
  diagnoses: [
    diagnosis({
      class: 'StaleStatistics',
      scope: 'collection',
      witness: 'statistics',
      precedence: 130,
      diagnose(_w, stats, config) {
        const stale = stalestParts(stats.table, config);
        const worst = stale[0];
        if (!worst) return null;
        return {
          class: 'StaleStatistics',
          relations: stale.map((p) => p.name),
          mods_since_analyze: worst.mods_since_analyze,
          reltuples: worst.reltuples,
        };
      },
    }),
  ],
});
