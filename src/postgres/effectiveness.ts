import { FILTER_SQL, filterParams } from './history-filter';
import type { LearnedWeight } from './learned-weights';
import type { Pool } from './pool';
import { RECOVERY_COLUMNS, type RecoveryTime } from './recovery-history';

/** A learned weight as the update-weights Schedule stored it for one class and strategy. */
export type StoredWeight = Omit<LearnedWeight, 'model'> & { update_id: number; computed_at: string };

/** The last weight update, also one that was skipped (learning off): when the weights were last looked at. */
export interface WeightUpdate {
  id: number;
  computed_at: string;
  trigger: string;
  window_days: number;
  outcomes_used: number;
  skipped_reason: string | null;
}

export interface StrategyOutcomes extends RecoveryTime {
  strategy_name: string;
  outcomes: number;
  success_rate: number;
}

const AT = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Every stored weight, and the last update. REAL columns go through numeric so that 0.8 reads 0.8,
 * not the float4's 0.800000011920929.
 */
export async function loadStoredWeights(pool: Pool): Promise<{ weights: StoredWeight[]; last: WeightUpdate | null }> {
  const [weights, last] = await Promise.all([
    pool.query<StoredWeight>(
      `SELECT problem_class, strategy_name, weight::numeric::float8 AS weight,
              success_rate::numeric::float8 AS success_rate, avg_improvement::numeric::float8 AS avg_improvement,
              outcomes, feedback_count, update_id, ${AT('computed_at')} AS computed_at
         FROM ruvector.strategy_weights ORDER BY strategy_name, problem_class`,
    ),
    pool.query<WeightUpdate>(
      `SELECT id, ${AT('computed_at')} AS computed_at, trigger, window_days, outcomes_used,
              skipped_reason
         FROM ruvector.weight_updates ORDER BY computed_at DESC, id DESC LIMIT 1`,
    ),
  ]);
  return { weights: weights.rows, last: last.rows[0] ?? null };
}

/**
 * Each strategy's outcomes of the attempts started since `since`: how many, how many healed
 * (completed and verified, as history counts them), and the mean time to recovery of those.
 */
export async function loadStrategyOutcomes(pool: Pool, since: Date): Promise<StrategyOutcomes[]> {
  const { rows } = await pool.query<Omit<StrategyOutcomes, 'success_rate'>>(
    `SELECT o.strategy_name, count(*)::int AS outcomes, ${RECOVERY_COLUMNS}
       FROM ruvector.healing_attempts a
       JOIN ruvector.collections c ON c.id = a.collection_id
       JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
      WHERE ${FILTER_SQL}
      GROUP BY 1 ORDER BY 1`,
    filterParams({ since }),
  );
  return rows.map((r) => ({ ...r, success_rate: r.recoveries / r.outcomes }));
}
