import { z } from 'zod';
import type { ProblemClass } from '../domain/problem-class';
import { armOf, armPosterior, DEFAULT_BANDIT_PRIOR, sampleReward, type BanditModel } from './bandit-model';
import type { Random } from './random';
import { contextFeatures, type SelectionContext } from './selection-context';
import { seedWeightEntry, seedWeightOf, type SeedWeight } from './seed-rule';

/** How far below the weight rule's pick (in posterior mean reward) the bandit's pick may be before it is overruled. */
export const DEFAULT_SELECTION_MARGIN = 0.1;

/** One candidate as it was weighed. */
export const strategyEstimateSchema = z.object({
  strategy: z.string(),
  /** The weight rule's weight (1 when untried). */
  seed_weight: z.number(),
  /** Posterior mean reward in this context; the prior's without a model. */
  mean: z.number(),
  /** The Thompson draw; the mean itself when nothing was drawn. */
  sampled: z.number(),
  /** Outcomes behind the estimate: the model's for the pair, else the weight rule's. */
  outcomes: z.number().int().nonnegative(),
});
export type StrategyEstimate = z.infer<typeof strategyEstimateSchema>;

/**
 * How the strategy was chosen. only: one was eligible. bandit: the Thompson draw. seed: the weight
 * rule, when there is no model or the bandit's pick looked clearly worse than the rule's.
 */
export const choiceSchema = z.object({
  strategy: z.string(),
  rule: z.enum(['only', 'bandit', 'seed']),
  estimates: z.array(strategyEstimateSchema),
  /** One line for people: the UI and the attempt's history. */
  why: z.string(),
});
export type Choice = z.infer<typeof choiceSchema>;

export interface ChooseStrategyInput {
  /** Only its class is read: the whole problem may be passed. */
  problem: Pick<ProblemClass, 'class'>;
  /** The eligible strategies in registry order: already filtered by impact cap, approval and bars. */
  candidates: readonly string[];
  context: SelectionContext;
  /** Null when nothing was learned yet (or learning is off): the weight rule decides. */
  model: BanditModel | null;
  seed: readonly SeedWeight[];
  margin: number;
  random: Random;
}

const f2 = (x: number): string => x.toFixed(2);

/** The first index with the largest score: ties go to registry order. */
function argmax(scores: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

/** The first index with the largest score, equal scores told apart by `then`. */
function argmaxBy(scores: readonly number[], then: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++)
    if (scores[i]! > scores[best]! || (scores[i] === scores[best] && then[i]! > then[best]!)) best = i;
  return best;
}

/**
 * The strategy for this attempt. Deterministic in its inputs and the sequence `random` yields: it
 * calls `random` exactly twice per candidate, in candidate order, and only when there is a model and
 * more than one candidate.
 */
export function chooseStrategy(input: ChooseStrategyInput): Choice {
  const { problem, candidates, context, model, seed, margin, random } = input;
  if (candidates.length === 0) throw new Error(`chooseStrategy: no candidate strategy for ${problem.class}`);
  const x = contextFeatures(context);
  const weights = candidates.map((s) => seedWeightOf(seed, problem.class, s));
  const posteriors = model ? candidates.map((s) => armPosterior(model, armOf(model, problem.class, s), x)) : null;
  const count = (i: number): number =>
    posteriors ? posteriors[i]!.arm.outcomes : (seedWeightEntry(seed, problem.class, candidates[i]!)?.outcomes ?? 0);
  const estimate = (i: number, sampled: number | null): StrategyEstimate => {
    // Without a model nothing was learned in any context: the prior's mean stands.
    const mean = posteriors ? posteriors[i]!.mean : DEFAULT_BANDIT_PRIOR.prior_mean;
    return { strategy: candidates[i]!, seed_weight: weights[i]!, mean, sampled: sampled ?? mean, outcomes: count(i) };
  };

  if (candidates.length === 1) {
    return {
      strategy: candidates[0]!,
      rule: 'only',
      estimates: [estimate(0, null)],
      why: `only: ${candidates[0]} is the one eligible strategy`,
    };
  }

  // Equal weights (untried, or all zero) are told apart by what the model expects here, then by registry order.
  const seedPick = posteriors
    ? argmaxBy(
        weights,
        posteriors.map((p) => p.mean),
      )
    : argmax(weights);
  if (!posteriors) {
    const others = candidates.flatMap((s, i) => (i === seedPick ? [] : [`${s} ${f2(weights[i]!)}`]));
    return {
      strategy: candidates[seedPick]!,
      rule: 'seed',
      estimates: candidates.map((_, i) => estimate(i, null)),
      why: `seed: no learned model; ${candidates[seedPick]} weight ${f2(weights[seedPick]!)} over ${others.join(', ')}`,
    };
  }

  const sampled = posteriors.map((p) => sampleReward(p, random));
  const estimates = candidates.map((_, i) => estimate(i, sampled[i]!));
  const pick = argmax(sampled);
  const floor = posteriors[seedPick]!.mean - margin;
  if (pick !== seedPick && posteriors[pick]!.mean < floor) {
    const e = estimates[seedPick]!;
    const b = estimates[pick]!;
    return {
      strategy: candidates[seedPick]!,
      rule: 'seed',
      estimates,
      why:
        `seed: ${e.strategy} weight ${f2(e.seed_weight)} (mean ${f2(e.mean)}, ${e.outcomes} outcomes); ` +
        `bandit's ${b.strategy} sampled ${f2(b.sampled)} but its mean ${f2(b.mean)} < ${f2(e.mean)} − ${f2(margin)}`,
    };
  }
  const p = estimates[pick]!;
  const others = estimates
    .filter((_, i) => i !== pick)
    .sort((a, b) => b.sampled - a.sampled)
    .map((e) => `${e.strategy} ${f2(e.sampled)} (mean ${f2(e.mean)}, ${e.outcomes})`);
  return {
    strategy: p.strategy,
    rule: 'bandit',
    estimates,
    why:
      `bandit: ${p.strategy} sampled ${f2(p.sampled)} (mean ${f2(p.mean)}, ${p.outcomes} outcomes) ` +
      `over ${others.join(', ')}`,
  };
}
