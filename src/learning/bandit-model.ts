import { z } from 'zod';
import { problemClassNameSchema, type ProblemClassName } from '../domain/problem-class';
import {
  addOuterInPlace,
  cholesky,
  choleskySolve,
  dot,
  forwardSubstitute,
  identity,
  type Matrix,
} from './linear-algebra';
import { standardNormal, type Random } from './random';
import { rewardOf, type OutcomeForLearning } from './reward';
import { CONTEXT_FEATURE_NAMES, CONTEXT_FEATURES, contextFeatures } from './selection-context';

/**
 * Contextual Thompson sampling: per (class, strategy) a Bayesian linear regression of reward on the
 * context features. With precision A = λ·I + Σ x·xᵀ and moment b = λ·m₀ + Σ r·x, the weights' posterior
 * is N(A⁻¹·b, σ²·A⁻¹). m₀ has the prior mean reward on the bias and 0 elsewhere, so an untried pair
 * predicts `prior_mean` everywhere, with room to be tried.
 */
export const banditPriorSchema = z.object({
  /** What an untried strategy is expected to earn: mid-scale, so it is neither shunned nor preferred. */
  prior_mean: z.number().min(0).max(1),
  /** λ: how many outcomes' worth of evidence the prior is. */
  prior_precision: z.number().positive(),
  /** σ: the reward noise the posterior is scaled by; larger explores more. */
  noise: z.number().positive(),
});
export type BanditPrior = z.infer<typeof banditPriorSchema>;

export const DEFAULT_BANDIT_PRIOR: BanditPrior = { prior_mean: 0.5, prior_precision: 1, noise: 0.25 };

const d = CONTEXT_FEATURES;
const row = z.array(z.number()).length(d);

export const banditArmSchema = z.object({
  problem_class: problemClassNameSchema,
  strategy_name: z.string(),
  outcomes: z.number().int().nonnegative(),
  reward_sum: z.number(),
  /** A, d×d, symmetric. */
  precision: z.array(row).length(d),
  /** b, d. */
  moment: row,
});
export type BanditArm = z.infer<typeof banditArmSchema>;

/** Plain numbers and arrays only: it is stored as JSONB and passed through workflow payloads. */
export const banditModelSchema = z.object({
  version: z.literal(1),
  features: z.array(z.string()).length(d),
  prior: banditPriorSchema,
  /** Only pairs with outcomes; any other pair is the prior. */
  arms: z.array(banditArmSchema),
  /** Outcomes left out for want of a recorded context. */
  skipped_outcomes: z.number().int().nonnegative(),
});
export type BanditModel = z.infer<typeof banditModelSchema>;

function priorArm(problemClass: ProblemClassName, strategy: string, prior: BanditPrior): BanditArm {
  const moment = new Array<number>(d).fill(0);
  moment[0] = prior.prior_precision * prior.prior_mean;
  return {
    problem_class: problemClass,
    strategy_name: strategy,
    outcomes: 0,
    reward_sum: 0,
    precision: identity(d, prior.prior_precision),
    moment,
  };
}

/** The model of these outcomes (rewards by rewardOf); outcomes without a context are counted and left out. */
export function fitBanditModel(outcomes: readonly OutcomeForLearning[], opts: Partial<BanditPrior> = {}): BanditModel {
  const prior = banditPriorSchema.parse({ ...DEFAULT_BANDIT_PRIOR, ...opts });
  const arms = new Map<string, BanditArm>();
  let skipped = 0;
  for (const o of outcomes) {
    if (o.context === null) {
      skipped++;
      continue;
    }
    const key = `${o.problem_class}\u0000${o.strategy_name}`;
    let arm = arms.get(key);
    if (!arm) arms.set(key, (arm = priorArm(o.problem_class, o.strategy_name, prior)));
    const x = contextFeatures(o.context);
    const r = rewardOf(o);
    addOuterInPlace(arm.precision, x);
    for (let i = 0; i < d; i++) arm.moment[i] = arm.moment[i]! + r * x[i]!;
    arm.outcomes++;
    arm.reward_sum += r;
  }
  return {
    version: 1,
    features: [...CONTEXT_FEATURE_NAMES],
    prior,
    arms: [...arms.values()],
    skipped_outcomes: skipped,
  };
}

/** The pair's arm, or the prior's when it has no outcomes. */
export function armOf(model: BanditModel, problemClass: ProblemClassName, strategy: string): BanditArm {
  return (
    model.arms.find((a) => a.problem_class === problemClass && a.strategy_name === strategy) ??
    priorArm(problemClass, strategy, model.prior)
  );
}

export interface ArmPosterior {
  arm: BanditArm;
  /** E[reward | context] under the posterior. */
  mean: number;
  /** The posterior standard deviation of the reward in this context. */
  sd: number;
}

/** The posterior of one arm's reward in the context whose features are x. */
export function armPosterior(model: BanditModel, arm: BanditArm, x: readonly number[]): ArmPosterior {
  const l: Matrix = cholesky(arm.precision);
  const weights = choleskySolve(l, arm.moment);
  // xᵀ·A⁻¹·x = |L⁻¹·x|² with A = L·Lᵀ.
  const v = forwardSubstitute(l, x);
  return { arm, mean: dot(weights, x), sd: model.prior.noise * Math.sqrt(dot(v, v)) };
}

/**
 * One Thompson draw of the arm's reward in this context. The arms are independent and only x·w is
 * compared, so drawing that scalar from its marginal is the same as drawing w and projecting it,
 * and takes one normal (two calls to `random`) per arm.
 */
export function sampleReward(p: ArmPosterior, random: Random): number {
  return p.mean + p.sd * standardNormal(random);
}
