/**
 * Regret of strategy selection in a simulated world (bench/learning-simulator.ts) where the best
 * strategy depends on the situation. On the same incidents per seed: the weight rule (greedy on
 * success_rate × (1 + avg_improvement), untried = 1), the contextual bandit (chooseStrategy with the
 * default margin), the bandit without its conservative fallback, and the oracle. Both learners refit
 * every BENCH_REFIT incidents from their own history, as the real system refits on a schedule:
 * incidents come six minutes apart, so the default of 10 is an hourly refit.
 * Regret per incident is the oracle's expected reward minus the chosen strategy's, both by rewardOf.
 *
 *   npx tsx bench/learning-regret.ts      (BENCH_INCIDENTS=1000 BENCH_SEEDS=20 BENCH_REFIT=10)
 */
import { fitBanditModel, type BanditModel, type BanditPrior } from '../src/learning/bandit-model';
import { chooseStrategy, DEFAULT_SELECTION_MARGIN } from '../src/learning/choose-strategy';
import { mulberry32 } from '../src/learning/random';
import type { OutcomeForLearning } from '../src/learning/reward';
import { seedWeightOf, seedWeights, type SeedWeight } from '../src/learning/seed-rule';
import { drawOutcome, expectedReward, incidentStream, outcomeUniform, type Incident } from './learning-simulator';

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 1000);
const SEEDS = Number(process.env.BENCH_SEEDS ?? 20);
const REFIT = Number(process.env.BENCH_REFIT ?? 10);
const MARGIN = Number(process.env.BENCH_MARGIN ?? DEFAULT_SELECTION_MARGIN);
/** Overrides of the bandit's prior, to see how much the result leans on it. */
const PRIOR: Partial<BanditPrior> = {
  ...(process.env.BENCH_NOISE ? { noise: Number(process.env.BENCH_NOISE) } : {}),
  ...(process.env.BENCH_PRIOR_PRECISION ? { prior_precision: Number(process.env.BENCH_PRIOR_PRECISION) } : {}),
};

interface Policy {
  name: string;
  /** The strategy for the incident, given everything learned at the last refit. */
  choose(incident: Incident, learned: Learned): string;
  learns: boolean;
}

interface Learned {
  seed: SeedWeight[];
  model: BanditModel;
}

const weightRule: Policy = {
  name: 'seed rule (weights)',
  learns: true,
  choose({ world }, { seed }) {
    const names = world.strategies.map((s) => s.name);
    let best = 0;
    for (let i = 1; i < names.length; i++)
      if (seedWeightOf(seed, world.problem_class, names[i]!) > seedWeightOf(seed, world.problem_class, names[best]!))
        best = i;
    return names[best]!;
  },
};

function bandit(name: string, margin: number, seedOfRandom: number): Policy {
  const random = mulberry32(seedOfRandom);
  return {
    name,
    learns: true,
    choose({ world, context }, { seed, model }) {
      return chooseStrategy({
        problem: { class: world.problem_class },
        candidates: world.strategies.map((s) => s.name),
        context,
        model,
        seed,
        margin,
        random,
      }).strategy;
    },
  };
}

/** Each strategy's expected reward per incident, computed once and shared by the policies. */
const truths = new WeakMap<Incident, number[]>();
function expectedOf({ world, context }: Incident): number[] {
  return world.strategies.map((s) => expectedReward(world.problem_class, s, context));
}

const oracle: Policy = {
  name: 'oracle',
  learns: false,
  choose(incident) {
    const expected = truths.get(incident)!;
    return incident.world.strategies[expected.indexOf(Math.max(...expected))]!.name;
  },
};

/**
 * The best single strategy per class for the whole stream, known in hindsight: the floor of any
 * rule that ignores the situation (one weight per class and strategy), however well it learns.
 */
function bestFixedRegret(incidents: Incident[]): number {
  const byClass = new Map<string, Incident[]>();
  for (const i of incidents) byClass.set(i.world.problem_class, [...(byClass.get(i.world.problem_class) ?? []), i]);
  let regret = 0;
  for (const list of byClass.values()) {
    const k = list[0]!.world.strategies.length;
    const totals = Array.from({ length: k }, (_, s) => list.reduce((sum, i) => sum + truths.get(i)![s]!, 0));
    const best = list.reduce((sum, i) => sum + Math.max(...truths.get(i)!), 0);
    regret += best - Math.max(...totals);
  }
  return regret;
}

/** Cumulative regret of one policy over one seed's incidents. */
function run(seed: number, incidents: Incident[], policy: Policy): number {
  const history: OutcomeForLearning[] = [];
  let learned: Learned = { seed: [], model: fitBanditModel([], PRIOR) };
  let regret = 0;
  for (const incident of incidents) {
    if (policy.learns && incident.index > 0 && incident.index % REFIT === 0)
      learned = { seed: seedWeights(history), model: fitBanditModel(history, PRIOR) };
    const { world, context } = incident;
    const expected = truths.get(incident)!;
    const name = policy.choose(incident, learned);
    const i = world.strategies.findIndex((s) => s.name === name);
    regret += Math.max(...expected) - expected[i]!;
    const u = outcomeUniform(seed, incident.index, name);
    history.push(drawOutcome(world.problem_class, world.strategies[i]!, context, incident.at, u));
  }
  return regret;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
}

function main(): void {
  const started = performance.now();
  const names = [
    'seed rule (weights)',
    `bandit (margin ${MARGIN})`,
    'bandit, no fallback',
    'best fixed strategy per class, in hindsight',
    'oracle',
  ];
  const results = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let seed = 1; seed <= SEEDS; seed++) {
    const incidents = incidentStream(seed, INCIDENTS);
    for (const incident of incidents) truths.set(incident, expectedOf(incident));
    const policies = [
      weightRule,
      bandit(names[1]!, MARGIN, seed * 7919),
      bandit(names[2]!, Number.POSITIVE_INFINITY, seed * 7919),
      oracle,
    ];
    for (const p of policies) results.get(p.name)!.push(run(seed, incidents, p));
    results.get(names[3]!)!.push(bestFixedRegret(incidents));
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const base = mean(results.get(names[0]!)!);
  const prior = fitBanditModel([], PRIOR).prior;
  console.log(
    `cumulative regret over ${INCIDENTS} incidents, ${SEEDS} seeds, refit every ${REFIT} incidents; ` +
      `bandit prior mean ${prior.prior_mean}, precision ${prior.prior_precision}, noise ${prior.noise}\n`,
  );
  console.log('| policy | mean cumulative regret | p10 | p90 | ratio to seed rule |');
  console.log('|---|---:|---:|---:|---:|');
  for (const n of names) {
    const xs = results.get(n)!;
    console.log(
      `| ${n} | ${mean(xs).toFixed(1)} | ${quantile(xs, 0.1).toFixed(1)} | ${quantile(xs, 0.9).toFixed(1)} | ` +
        `${(mean(xs) / base).toFixed(2)} |`,
    );
  }
  const ratio = mean(results.get(names[1]!)!) / base;
  console.log(`\ngoal: bandit ≤ 0.5 × seed rule: ${ratio <= 0.5 ? 'met' : 'not met'} (${ratio.toFixed(2)})`);
  console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main();
