import { MIN_PATTERN_OCCURRENCES, moreEffectiveFirst, type PatternOccurrence } from '../domain/recovery-patterns';
import { componentLabel, storedFaultComponent } from '../guardian/fault-component';
import { FILTER_SQL, filterParams, type HistoryFilter } from './history-filter';
import type { Pool } from './pool';

/**
 * Healed, over `ruvector.healing_attempts a` and its outcome `o`: the attempt completed and its
 * strategy succeeded and was verified. An aborted or failed attempt is not healed, whatever its
 * strategy managed before it stopped.
 */
const HEALED_SQL = `(a.status = 'Completed' AND o.success AND o.verified IS TRUE)`;

/**
 * Seconds from when the fault was seen to when the verified outcome was recorded: what the fault cost,
 * not only the attempt's own run. Attempts recorded before detection times were kept start at the
 * attempt's start instead (FROM_START_SQL counts them, for the figures to say so).
 */
const RECOVERY_SECONDS_SQL = 'extract(epoch FROM o.completed_at - coalesce(a.detected_at, a.started_at))::float8';
const FROM_START_SQL = 'a.detected_at IS NULL';

/** A mean time to recovery: over how many recoveries, and how many of them were timed from the attempt's start. */
export interface RecoveryTime {
  recoveries: number;
  mean_seconds: number | null;
  measured_from_start: number;
}

/** The RecoveryTime of a group, as columns of an aggregate over `a` and `o`. */
export const RECOVERY_COLUMNS = `count(*) FILTER (WHERE ${HEALED_SQL})::int AS recoveries,
            avg(${RECOVERY_SECONDS_SQL}) FILTER (WHERE ${HEALED_SQL}) AS mean_seconds,
            count(*) FILTER (WHERE ${HEALED_SQL} AND ${FROM_START_SQL})::int AS measured_from_start`;

const FROM_ATTEMPTS = `FROM ruvector.healing_attempts a
       JOIN ruvector.collections c ON c.id = a.collection_id
       LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id`;

/** Every attempt that ran a strategy, with the part its fault was on: what recoveryPatterns groups. */
export async function loadPatternOccurrences(pool: Pool, f: HistoryFilter): Promise<PatternOccurrence[]> {
  const { rows } = await pool.query<{
    problem_class: string;
    problem_details: unknown;
    witness_edges: unknown;
    collection: string;
    strategy: string;
    healed: boolean;
    at: string;
  }>(
    // The witness edges name the part only for Unknown; the other classes carry it in their details.
    `SELECT o.problem_class, o.problem_details, c.name AS collection, o.strategy_name AS strategy,
            CASE WHEN o.problem_class = 'Unknown' THEN o.witness_edges END AS witness_edges,
            ${HEALED_SQL} AS healed,
            to_char(a.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
       ${FROM_ATTEMPTS}
      WHERE o.id IS NOT NULL AND ${FILTER_SQL}`,
    filterParams(f),
  );
  return rows.map((r) => ({
    problem_class: r.problem_class,
    component: componentLabel(storedFaultComponent(r.problem_details, r.witness_edges, r.collection)),
    strategy: r.strategy,
    healed: r.healed,
    at: r.at,
  }));
}

export type TrendPeriod = 'day' | 'week';

export interface TrendRow extends RecoveryTime {
  /** The period's first day (weeks start on Monday), UTC. */
  period: string;
  attempts: number;
  /** Attempts that ran a strategy: the success rate's denominator. */
  ran: number;
  success_rate: number | null;
}

/** Attempts, success rate and mean time to recovery per day or week (UTC), oldest first; only periods with attempts. */
export async function loadTrends(pool: Pool, f: HistoryFilter, by: TrendPeriod): Promise<TrendRow[]> {
  const { rows } = await pool.query<Omit<TrendRow, 'success_rate'>>(
    `SELECT to_char(date_trunc($6::text, a.started_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS period,
            count(*)::int AS attempts, count(o.id)::int AS ran,
            ${RECOVERY_COLUMNS}
       ${FROM_ATTEMPTS}
      WHERE ${FILTER_SQL}
      GROUP BY 1 ORDER BY 1`,
    [...filterParams(f), by],
  );
  return rows.map((r) => ({ ...r, success_rate: r.ran ? r.recoveries / r.ran : null }));
}

export interface StrategyStats extends RecoveryTime {
  strategy: string;
  /** Attempts that ran it. */
  occurrences: number;
  success_rate: number;
}

export interface RecoveryStats {
  attempts: number;
  ran: number;
  success_rate: number | null;
  recovery: RecoveryTime;
  /** Attempts per problem class, most first. */
  faults: { problem_class: string; attempts: number }[];
  most_common_fault: { problem_class: string; attempts: number } | null;
  /** Most effective first. */
  strategies: StrategyStats[];
  /** The best success rate among strategies run at least MIN_PATTERN_OCCURRENCES times. */
  most_effective_strategy: StrategyStats | null;
  recovery_by_class: (RecoveryTime & { problem_class: string })[];
}

/** Totals, the most common fault, the most effective strategy and the mean time to recovery per class. */
export async function loadRecoveryStats(pool: Pool, f: HistoryFilter): Promise<RecoveryStats> {
  const params = filterParams(f);
  const [totals, faults, strategies, byClass] = await Promise.all([
    pool.query<RecoveryTime & { attempts: number; ran: number }>(
      `SELECT count(*)::int AS attempts, count(o.id)::int AS ran, ${RECOVERY_COLUMNS}
         ${FROM_ATTEMPTS} WHERE ${FILTER_SQL}`,
      params,
    ),
    pool.query<{ problem_class: string; attempts: number }>(
      `SELECT a.problem_class, count(*)::int AS attempts ${FROM_ATTEMPTS}
        WHERE a.problem_class IS NOT NULL AND ${FILTER_SQL}
        GROUP BY 1 ORDER BY 2 DESC, 1`,
      params,
    ),
    pool.query<RecoveryTime & { strategy: string; occurrences: number }>(
      `SELECT o.strategy_name AS strategy, count(*)::int AS occurrences, ${RECOVERY_COLUMNS}
         ${FROM_ATTEMPTS} WHERE o.id IS NOT NULL AND ${FILTER_SQL}
        GROUP BY 1 ORDER BY 1`,
      params,
    ),
    pool.query<RecoveryTime & { problem_class: string }>(
      `SELECT o.problem_class, ${RECOVERY_COLUMNS}
         ${FROM_ATTEMPTS} WHERE o.id IS NOT NULL AND ${FILTER_SQL}
        GROUP BY 1 HAVING count(*) FILTER (WHERE ${HEALED_SQL}) > 0 ORDER BY 1`,
      params,
    ),
  ]);
  const t = totals.rows[0]!;
  const stats = strategies.rows
    .map((s) => ({ ...s, success_rate: s.recoveries / s.occurrences }))
    .sort(moreEffectiveFirst);
  // Ranked as a pattern's best strategy is, among the strategies tried often enough to rank.
  const ranked = stats.filter((s) => s.occurrences >= MIN_PATTERN_OCCURRENCES).sort(moreEffectiveFirst);
  return {
    attempts: t.attempts,
    ran: t.ran,
    success_rate: t.ran ? t.recoveries / t.ran : null,
    recovery: { recoveries: t.recoveries, mean_seconds: t.mean_seconds, measured_from_start: t.measured_from_start },
    faults: faults.rows,
    most_common_fault: faults.rows[0] ?? null,
    strategies: stats,
    most_effective_strategy: ranked[0] ?? null,
    recovery_by_class: byClass.rows,
  };
}
