import { z } from 'zod';
import { problemClassNameSchema } from '../domain/problem-class';
import { selectionContextSchema } from './selection-context';

/** One finished outcome as learning sees it: the outcome row, the context it was chosen in, the strategy's impact. */
export const outcomeForLearningSchema = z.object({
  problem_class: problemClassNameSchema,
  strategy_name: z.string(),
  success: z.boolean(),
  /** Null: not verified either way. */
  verified: z.boolean().nullable(),
  /** A fraction: 0.4 is 40 % better. */
  improvement_pct: z.number().nullable(),
  duration_ms: z.number().nonnegative().nullable(),
  time_to_recover_ms: z.number().nonnegative().nullable(),
  /** A person's judgement, −1..1. */
  feedback_score: z.number().min(-1).max(1).nullable(),
  /** The strategy's impact, 0..1: what it costs the system to run it. */
  impact: z.number().min(0).max(1),
  /** Null for outcomes recorded before contexts were: the weight rule still counts them, the bandit cannot. */
  context: selectionContextSchema.nullable(),
  completed_at: z.string(),
});
export type OutcomeForLearning = z.infer<typeof outcomeForLearningSchema>;

/**
 * Reward parts. A verified success's floor (0.5) is above anything else's ceiling (0.15 + 0.25), so
 * it dominates; among verified successes, how much λ rose weighs most: a change that heals beats one
 * that only prevents the next fault.
 */
export const REWARD = {
  verified_success: 0.5,
  unverified_success: 0.15,
  /** It reported success, and the check found no improvement. */
  refuted_success: 0.05,
  /** Verified successes only: the rise of λ measured after the change. */
  improvement: 0.25,
  speed: 0.15,
  low_impact: 0.1,
  /** Recovery time at which the speed part is half. */
  speed_half_ms: 5 * 60_000,
  /** How far a feedback of ±1 pulls the reward towards 1 or 0: all the way; a person's ±1 is the last word. */
  feedback_pull: 1,
} as const;

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/**
 * An outcome's worth in 0..1:
 *   base     0.5 verified success, 0.15 success not checked, 0.05 success the check refuted, 0 failure
 *   + 0.25 × improvement (clamped to 0..1)            verified successes only
 *   + 0.15 × 1 / (1 + recovery / 5 min)               successes only; unknown time counts ½
 *   + 0.10 × (1 − impact)                             every outcome: a failed cheap try cost less
 * then feedback f pulls it |f| of the way to 1 (f > 0) or to 0 (f < 0).
 */
export function rewardOf(o: OutcomeForLearning): number {
  const ok = o.success;
  const base = !ok
    ? 0
    : o.verified === true
      ? REWARD.verified_success
      : o.verified === null
        ? REWARD.unverified_success
        : REWARD.refuted_success;
  const recovery = o.time_to_recover_ms ?? o.duration_ms;
  const speed = recovery === null ? 0.5 : 1 / (1 + Math.max(0, recovery) / REWARD.speed_half_ms);
  const raw =
    base +
    (ok ? REWARD.speed * speed : 0) +
    (ok && o.verified === true ? REWARD.improvement * clamp01(o.improvement_pct ?? 0) : 0) +
    REWARD.low_impact * (1 - clamp01(o.impact));
  const f = Math.max(-1, Math.min(1, o.feedback_score ?? 0));
  const pulled = f >= 0 ? raw + f * REWARD.feedback_pull * (1 - raw) : raw * (1 + f * REWARD.feedback_pull);
  return clamp01(pulled);
}
