/**
 * A made-up world for the learning bench: per (class, strategy) hidden chances of success and of the
 * check confirming it, improvement and recovery time, each depending on the context, so which strategy
 * is best changes with table size, severity, criticality and the class's measure. The truths are not
 * linear in the bandit's features (logistic, with products and squares), so its model is an
 * approximation here as it would be in a real system.
 *
 * An outcome is drawn from a small list of possible outcomes with their probabilities, and the
 * expected reward is the same list weighted by rewardOf, so regret is computed exactly, not sampled.
 */
import type { ProblemClassName } from '../src/domain/problem-class';
import { mulberry32, type Random } from '../src/learning/random';
import { rewardOf, type OutcomeForLearning } from '../src/learning/reward';
import type { SelectionContext, SizeBand } from '../src/learning/selection-context';

interface StrategyTruth {
  name: string;
  impact: number;
  success(c: SelectionContext): number;
  /** Given success, the chance the check confirms it. */
  verified(c: SelectionContext): number;
  improvement(c: SelectionContext): number;
  recoverMs(c: SelectionContext): number;
}

export interface ClassTruth {
  problem_class: ProblemClassName;
  strategies: StrategyTruth[];
}

const sig = (z: number): number => 1 / (1 + Math.exp(-z));
const med = (c: SelectionContext): number => (c.size_band === 'medium' ? 1 : 0);
const large = (c: SelectionContext): number => (c.size_band === 'large' ? 1 : 0);
const crit = (c: SelectionContext): number => (c.critical ? 1 : 0);
const bySize = (small: number, medium: number, big: number) => (c: SelectionContext) =>
  c.size_band === 'small' ? small : c.size_band === 'medium' ? medium : big;

export const WORLD: ClassTruth[] = [
  {
    problem_class: 'MemoryPressure',
    strategies: [
      {
        // Raising work_mem fixes spills of a few big sorts; on large tables the sorts outgrow any setting.
        name: 'tune_work_mem',
        impact: 0.2,
        success: (c) => sig(2.0 - 1.0 * med(c) - 2.6 * large(c) - 1.8 * c.severity * c.measure),
        verified: () => 0.9,
        improvement: (c) => 0.35 - 0.2 * c.severity,
        recoverMs: () => 90_000,
      },
      {
        name: 'throttle_ingestion',
        impact: 0.4,
        success: (c) => sig(0.2 + 1.6 * c.severity + 0.6 * large(c)),
        verified: () => 0.85,
        improvement: () => 0.25,
        recoverMs: () => 240_000,
      },
    ],
  },
  {
    problem_class: 'HotspotCongestion',
    strategies: [
      {
        name: 'rebalance_partitions',
        impact: 0.3,
        success: (c) => sig(1.8 - 3.0 * large(c) - 0.8 * c.severity),
        verified: () => 0.9,
        improvement: () => 0.4,
        recoverMs: bySize(60_000, 300_000, 1_200_000),
      },
      {
        name: 'drain_hot_partition',
        impact: 0.4,
        success: (c) => sig(-0.3 + 2.4 * large(c) + 0.8 * c.measure * c.measure),
        verified: () => 0.9,
        improvement: () => 0.45,
        recoverMs: () => 600_000,
      },
      {
        name: 'scale_replicas',
        impact: 0.2,
        success: (c) => sig(-1.0 + 2.6 * crit(c)),
        verified: () => 0.7,
        improvement: () => 0.3,
        recoverMs: () => 180_000,
      },
      {
        name: 'throttle_ingestion',
        impact: 0.4,
        success: (c) => sig(0.4 + 0.5 * c.severity),
        verified: () => 0.6,
        improvement: () => 0.1,
        recoverMs: () => 60_000,
      },
    ],
  },
  {
    problem_class: 'BlockingChain',
    strategies: [
      {
        name: 'terminate_blocking_root',
        impact: 0.4,
        success: (c) => sig(2.0 + 0.5 * crit(c)),
        verified: () => 0.95,
        improvement: () => 0.5,
        recoverMs: () => 10_000,
      },
      {
        // Timeouts end mild chains without killing anyone, but slowly and not the deep ones.
        name: 'set_role_timeouts',
        impact: 0.1,
        success: (c) => sig(2.2 - 2.5 * crit(c) - 2.0 * c.measure),
        verified: () => 0.85,
        improvement: () => 0.3,
        recoverMs: () => 120_000,
      },
    ],
  },
  {
    problem_class: 'SlotRetention',
    strategies: [
      {
        name: 'cap_slot_wal',
        impact: 0.3,
        success: (c) => sig(1.8 - 3.5 * c.measure * c.measure),
        verified: () => 0.9,
        improvement: () => 0.3,
        recoverMs: () => 30_000,
      },
      {
        name: 'drop_replication_slot',
        impact: 0.5,
        success: (c) => sig(1.2 + 0.8 * c.measure),
        verified: () => 0.95,
        improvement: () => 0.5,
        recoverMs: () => 20_000,
      },
    ],
  },
];

/** Chance that a person leaves feedback on an outcome: +1 on a verified success, −1 otherwise. */
const FEEDBACK_RATE = 0.1;

interface Possible {
  p: number;
  outcome: OutcomeForLearning;
}

/** Every outcome the strategy can have in this context, with its probability (they sum to 1). */
export function possibleOutcomes(
  problemClass: ProblemClassName,
  s: StrategyTruth,
  c: SelectionContext,
  completedAt: string,
): Possible[] {
  const ps = s.success(c);
  const pv = s.verified(c);
  const imp = s.improvement(c);
  const t = s.recoverMs(c);
  const base = {
    problem_class: problemClass,
    strategy_name: s.name,
    impact: s.impact,
    context: c,
    completed_at: completedAt,
    feedback_score: null,
  };
  const out: Possible[] = [];
  const add = (p: number, o: Omit<OutcomeForLearning, keyof typeof base | 'feedback_score'>, good: boolean) => {
    out.push({ p: p * (1 - FEEDBACK_RATE), outcome: { ...base, ...o } });
    out.push({ p: p * FEEDBACK_RATE, outcome: { ...base, ...o, feedback_score: good ? 1 : -1 } });
  };
  add(1 - ps, { success: false, verified: false, improvement_pct: 0, duration_ms: t, time_to_recover_ms: null }, false);
  for (const [pImp, dImp] of [
    [0.5, -0.1],
    [0.5, 0.1],
  ] as const)
    for (const [pT, fT] of [
      [0.5, 0.5],
      [0.5, 1.5],
    ] as const)
      for (const v of [true, false]) {
        const p = ps * (v ? pv : 1 - pv) * pImp * pT;
        add(
          p,
          {
            success: true,
            verified: v,
            improvement_pct: v ? Math.max(0, imp + dImp) : 0,
            duration_ms: t * fT,
            time_to_recover_ms: v ? t * fT : null,
          },
          v,
        );
      }
  return out;
}

export function expectedReward(problemClass: ProblemClassName, s: StrategyTruth, c: SelectionContext): number {
  return possibleOutcomes(problemClass, s, c, '').reduce((sum, x) => sum + x.p * rewardOf(x.outcome), 0);
}

/** One outcome, drawn with the uniform u: policies trying the same strategy on the same incident see the same one. */
export function drawOutcome(
  problemClass: ProblemClassName,
  s: StrategyTruth,
  c: SelectionContext,
  completedAt: string,
  u: number,
): OutcomeForLearning {
  const all = possibleOutcomes(problemClass, s, c, completedAt);
  let acc = 0;
  for (const x of all) {
    acc += x.p;
    if (u < acc) return x.outcome;
  }
  return all[all.length - 1]!.outcome;
}

export interface Incident {
  index: number;
  world: ClassTruth;
  context: SelectionContext;
  at: string;
}

const SIZES: [SizeBand, number][] = [
  ['small', 0.4],
  ['medium', 0.35],
  ['large', 0.25],
];

/** One seed's incidents, six minutes apart: classes uniform, sizes 40/35/25 %, criticality likelier when severe. */
export function incidentStream(seed: number, count: number): Incident[] {
  const r = mulberry32(seed);
  const start = Date.UTC(2025, 0, 1);
  return Array.from({ length: count }, (_, index) => {
    const world = WORLD[Math.floor(r() * WORLD.length)]!;
    const u = r();
    const size_band = u < SIZES[0]![1] ? 'small' : u < SIZES[0]![1] + SIZES[1]![1] ? 'medium' : 'large';
    const severity = 0.05 + 0.9 * r();
    const critical = r() < (severity > 0.6 ? 0.6 : 0.1);
    const measure = Math.min(1, 0.7 * severity + 0.3 * r());
    const minutes_since_fault = -5 * Math.log(1 - r());
    const a = r();
    const attempts_so_far = a < 0.7 ? 0 : a < 0.9 ? 1 : 2;
    return {
      index,
      world,
      context: { severity, critical, size_band, measure, minutes_since_fault, attempts_so_far },
      at: new Date(start + index * 360_000).toISOString(),
    };
  });
}

/** A uniform for (seed, incident, strategy): common random numbers across policies. */
export function outcomeUniform(seed: number, incident: number, strategy: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ incident, 0x85ebca6b) >>> 0;
  for (let i = 0; i < strategy.length; i++) h = Math.imul(h ^ strategy.charCodeAt(i), 0xc2b2ae35) >>> 0;
  return mulberry32(h)();
}

export type { Random };
