import { z } from 'zod';
import { problemClassNameSchema, type ProblemClassName } from '../domain/problem-class';
import type { OutcomeForLearning } from './reward';

/** What a strategy without outcomes for a class weighs: as much as a strategy that always works, so it gets tried. */
export const UNTRIED_WEIGHT = 1;

export const seedWeightSchema = z.object({
  problem_class: problemClassNameSchema,
  strategy_name: z.string(),
  weight: z.number(),
  success_rate: z.number(),
  avg_improvement: z.number(),
  outcomes: z.number().int().nonnegative(),
  feedback_count: z.number().int().nonnegative(),
});
export type SeedWeight = z.infer<typeof seedWeightSchema>;

type Counted = Pick<
  OutcomeForLearning,
  'problem_class' | 'strategy_name' | 'success' | 'verified' | 'improvement_pct' | 'feedback_score'
>;

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/**
 * How much one outcome counts as a success: 1 for a verified success, else 0, moved by a person's
 * feedback (−1..1) and clamped: a person who says −1 of a verified success makes it count 0, +1 of
 * a failure makes it count 1. Their judgement outranks the measurement; half-hearted feedback moves it less.
 */
export function successCredit(o: Counted): number {
  const s = o.success && o.verified === true ? 1 : 0;
  return o.feedback_score === null ? s : clamp01(s + Math.max(-1, Math.min(1, o.feedback_score)));
}

/**
 * The weight rule per (class, strategy): weight = success_rate × (1 + avg_improvement), success_rate
 * the mean success credit, avg_improvement the recorded improvements (fractions) averaged over all
 * the pair's outcomes, a missing one counting 0. In the order pairs first appear.
 */
export function seedWeights(outcomes: readonly Counted[]): SeedWeight[] {
  const by = new Map<string, Counted[]>();
  for (const o of outcomes) {
    const key = `${o.problem_class}\u0000${o.strategy_name}`;
    const list = by.get(key);
    if (list) list.push(o);
    else by.set(key, [o]);
  }
  return [...by.values()].map((list) => {
    const n = list.length;
    const successRate = list.reduce((s, o) => s + successCredit(o), 0) / n;
    const avgImprovement = list.reduce((s, o) => s + (o.improvement_pct ?? 0), 0) / n;
    return {
      problem_class: list[0]!.problem_class,
      strategy_name: list[0]!.strategy_name,
      weight: successRate * (1 + avgImprovement),
      success_rate: successRate,
      avg_improvement: avgImprovement,
      outcomes: n,
      feedback_count: list.filter((o) => o.feedback_score !== null).length,
    };
  });
}

export function seedWeightEntry(
  table: readonly SeedWeight[],
  problemClass: ProblemClassName,
  strategy: string,
): SeedWeight | undefined {
  return table.find((w) => w.problem_class === problemClass && w.strategy_name === strategy);
}

/** The pair's weight, or UNTRIED_WEIGHT when it has none. */
export function seedWeightOf(table: readonly SeedWeight[], problemClass: ProblemClassName, strategy: string): number {
  return seedWeightEntry(table, problemClass, strategy)?.weight ?? UNTRIED_WEIGHT;
}
