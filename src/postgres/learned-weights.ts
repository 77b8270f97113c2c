import type { LearnedPair, StoredOutcome } from '../learning/learn-from-outcomes';
import type { Pool } from './pool';
import { withTransaction } from './pool';

/** One outcome as the update-weights run learns from it (before the strategy's impact is added). */
export type LearningOutcomeRow = StoredOutcome;

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * Outcomes of the last `days` days that learning may use: not of a collection whose configuration
 * turns learning off, and not older than the last reset of their (class, strategy) pair, which
 * learns again from its priors. Oldest first, as the drift check reads them.
 */
export async function loadLearningOutcomes(pool: Pool, days: number): Promise<LearningOutcomeRow[]> {
  const { rows } = await pool.query<LearningOutcomeRow>(
    `SELECT o.problem_class, o.strategy_name, o.success, o.verified, o.improvement_pct::float8 AS improvement_pct,
            o.duration_ms,
            CASE WHEN o.success AND o.verified AND o.completed_at IS NOT NULL
                 THEN (extract(epoch FROM o.completed_at - coalesce(a.detected_at, a.started_at)) * 1000)::float8
            END AS time_to_recover_ms,
            o.feedback_score::float8 AS feedback_score,
            a.selection -> 'context' AS context,
            to_char(coalesce(o.completed_at, o.started_at) AT TIME ZONE 'UTC', ${ISO}) AS completed_at
       FROM ruvector.healing_outcomes o
       JOIN ruvector.healing_attempts a ON a.outcome_id = o.id
       JOIN ruvector.collections c ON c.id = a.collection_id
       LEFT JOIN ruvector.healing_config cc ON cc.scope = c.name
      WHERE o.started_at >= now() - make_interval(days => $1)
        AND coalesce((cc.config ->> 'learning_enabled')::boolean, true)
        AND NOT EXISTS (SELECT 1 FROM ruvector.weight_resets r
                         WHERE r.problem_class = o.problem_class AND r.strategy_name = o.strategy_name
                           AND r.reset_at >= coalesce(o.completed_at, o.started_at))
      ORDER BY coalesce(o.completed_at, o.started_at), o.id`,
    [days],
  );
  return rows;
}

/** A pair's learned figures as stored; the model is the JSON the store holds (checked where it is read). */
export type LearnedWeight = Omit<LearnedPair, 'model'> & { model: unknown };

export interface WeightUpdate {
  trigger: string;
  window_days: number;
  learning_enabled: boolean;
  outcomes_used: number;
  skipped_reason: string | null;
  /** Every pair with outcomes; pairs not listed keep no stored weight (their prior applies). */
  weights: LearnedWeight[];
  resets: { problem_class: string; strategy_name: string; reason: string }[];
}

/**
 * Stores one update: its row always (a skipped one too, so `selfheal weights` says why nothing
 * changed), and, unless skipped, the weights replacing the stored ones, with their history, and
 * the resets. One transaction: a reader never sees half an update.
 */
export async function recordWeightUpdate(pool: Pool, u: WeightUpdate): Promise<{ update_id: number }> {
  return withTransaction(pool, async (c) => {
    const { rows } = await c.query<{ id: string; computed_at: Date }>(
      `INSERT INTO ruvector.weight_updates (trigger, window_days, learning_enabled, outcomes_used, skipped_reason)
       VALUES ($1, $2, $3, $4, $5) RETURNING id, computed_at`,
      [u.trigger, u.window_days, u.learning_enabled, u.outcomes_used, u.skipped_reason],
    );
    const id = Number(rows[0]!.id);
    if (u.skipped_reason !== null) return { update_id: id };
    await c.query('DELETE FROM ruvector.strategy_weights');
    if (u.weights.length > 0) {
      const col = <K extends keyof LearnedWeight>(k: K) => u.weights.map((w) => w[k]);
      const params = [
        col('problem_class'),
        col('strategy_name'),
        col('weight'),
        col('success_rate'),
        col('avg_improvement'),
        col('outcomes'),
        col('feedback_count'),
        u.weights.map((w) => (w.model === null || w.model === undefined ? null : JSON.stringify(w.model))),
        id,
        rows[0]!.computed_at,
      ];
      await c.query(
        `INSERT INTO ruvector.strategy_weights (problem_class, strategy_name, weight, success_rate, avg_improvement,
                                                outcomes, feedback_count, model, update_id, computed_at)
         SELECT p, s, w, sr, ai, n, f, m::jsonb, $9, $10
           FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::int[], $7::int[],
                       $8::text[]) AS t(p, s, w, sr, ai, n, f, m)`,
        params,
      );
      await c.query(
        `INSERT INTO ruvector.strategy_weight_history (update_id, problem_class, strategy_name, weight, success_rate,
                                                       avg_improvement, outcomes)
         SELECT $7, p, s, w, sr, ai, n
           FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::int[])
                AS t(p, s, w, sr, ai, n)`,
        params.slice(0, 6).concat([id]),
      );
    }
    for (const r of u.resets)
      await c.query(
        `INSERT INTO ruvector.weight_resets (update_id, problem_class, strategy_name, reason) VALUES ($1, $2, $3, $4)`,
        [id, r.problem_class, r.strategy_name, r.reason],
      );
    return { update_id: id };
  });
}

export interface StoredWeights {
  /** The last update that ran (possibly skipped); null before the first. */
  last_update: {
    id: number;
    computed_at: string;
    trigger: string;
    window_days: number;
    learning_enabled: boolean;
    outcomes_used: number;
    skipped_reason: string | null;
  } | null;
  weights: (LearnedWeight & { computed_at: string })[];
  /** Resets of drifting pairs, newest first (the last 20). */
  resets: { problem_class: string; strategy_name: string; reset_at: string; reason: string }[];
}

/** The stored weights, of one class or all, with the update that computed them. */
export async function loadStoredWeights(pool: Pool, problemClass?: string): Promise<StoredWeights> {
  const last = await pool.query<NonNullable<StoredWeights['last_update']> & { id: string }>(
    `SELECT id, to_char(computed_at AT TIME ZONE 'UTC', ${ISO}) AS computed_at, trigger, window_days,
            learning_enabled, outcomes_used, skipped_reason
       FROM ruvector.weight_updates ORDER BY id DESC LIMIT 1`,
  );
  const weights = await pool.query<LearnedWeight & { computed_at: string }>(
    `SELECT problem_class, strategy_name, weight::float8 AS weight, success_rate::float8 AS success_rate,
            avg_improvement::float8 AS avg_improvement, outcomes, feedback_count, model,
            to_char(computed_at AT TIME ZONE 'UTC', ${ISO}) AS computed_at
       FROM ruvector.strategy_weights WHERE ($1::text IS NULL OR problem_class = $1)
      ORDER BY problem_class, weight DESC, strategy_name`,
    [problemClass ?? null],
  );
  const resets = await pool.query<StoredWeights['resets'][number]>(
    `SELECT problem_class, strategy_name, to_char(reset_at AT TIME ZONE 'UTC', ${ISO}) AS reset_at, reason
       FROM ruvector.weight_resets WHERE ($1::text IS NULL OR problem_class = $1)
      ORDER BY reset_at DESC, id DESC LIMIT 20`,
    [problemClass ?? null],
  );
  const l = last.rows[0];
  return {
    last_update: l ? { ...l, id: Number(l.id) } : null,
    weights: weights.rows,
    resets: resets.rows,
  };
}

/** How many of the collection's attempts in the last `hours` hours were at this class: the selection context. */
export async function countRecentAttempts(
  pool: Pool,
  collectionId: number,
  problemClass: string,
  hours: number,
): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ruvector.healing_attempts
      WHERE collection_id = $1 AND problem_class = $2 AND started_at >= now() - make_interval(hours => $3)`,
    [collectionId, problemClass, hours],
  );
  return rows[0]!.n;
}
