import { armOf, fitBanditModel, type BanditArm } from './bandit-model';
import { detectDrift } from './learning-drift';
import { outcomeForLearningSchema, rewardOf, type OutcomeForLearning } from './reward';
import { seedWeights } from './seed-rule';
import { selectionContextSchema } from './selection-context';

/** One stored outcome as the store reads it, before it is checked and given its strategy's impact. */
export interface StoredOutcome {
  problem_class: string;
  strategy_name: string;
  success: boolean;
  verified: boolean | null;
  improvement_pct: number | null;
  duration_ms: number | null;
  time_to_recover_ms: number | null;
  feedback_score: number | null;
  context: unknown;
  completed_at: string;
}

export interface LearnedPair {
  problem_class: string;
  strategy_name: string;
  weight: number;
  success_rate: number;
  avg_improvement: number;
  outcomes: number;
  feedback_count: number;
  /** The pair's arm of the selection model; null when none of its outcomes has a recorded context. */
  model: BanditArm | null;
}

export interface Learned {
  weights: LearnedPair[];
  /** Pairs whose outcomes fell in a sustained trend: they are left out, and learn again from their priors. */
  resets: { problem_class: string; strategy_name: string; reason: string }[];
  outcomes_used: number;
  /** Rows that are not outcomes of a class and strategy this version knows (a newer one's): left out. */
  unreadable: number;
}

/**
 * One update-weights run, pure: the weight rule and the selection model per (class, strategy),
 * after the drift check. `impactOf` is the strategy's impact (its resource cost in the reward).
 */
export function learnFromOutcomes(rows: readonly StoredOutcome[], impactOf: (strategy: string) => number): Learned {
  const outcomes: OutcomeForLearning[] = [];
  let unreadable = 0;
  for (const r of rows) {
    const context = selectionContextSchema.safeParse(r.context);
    const parsed = outcomeForLearningSchema.safeParse({
      ...r,
      feedback_score: r.feedback_score === null ? null : Math.max(-1, Math.min(1, r.feedback_score)),
      duration_ms: r.duration_ms === null ? null : Math.max(0, r.duration_ms),
      time_to_recover_ms: r.time_to_recover_ms === null ? null : Math.max(0, r.time_to_recover_ms),
      impact: impactOf(r.strategy_name),
      context: context.success ? context.data : null,
    });
    if (parsed.success) outcomes.push(parsed.data);
    else unreadable++;
  }
  const byPair = new Map<string, OutcomeForLearning[]>();
  for (const o of outcomes) {
    const key = `${o.problem_class}\u0000${o.strategy_name}`;
    byPair.set(key, [...(byPair.get(key) ?? []), o]);
  }
  const resets: Learned['resets'] = [];
  const kept: OutcomeForLearning[] = [];
  for (const list of byPair.values()) {
    const drift = detectDrift(list.map((o) => ({ at: o.completed_at, reward: rewardOf(o) })));
    if (drift.drifting)
      resets.push({
        problem_class: list[0]!.problem_class,
        strategy_name: list[0]!.strategy_name,
        reason: drift.detail,
      });
    else kept.push(...list);
  }
  const model = fitBanditModel(kept);
  const weights = seedWeights(kept).map((w) => {
    const arm = armOf(model, w.problem_class, w.strategy_name);
    return { ...w, model: arm.outcomes > 0 ? arm : null };
  });
  return { weights, resets, outcomes_used: kept.length, unreadable };
}
