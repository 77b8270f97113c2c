/** One attempt that ran a strategy, as pattern finding sees it. */
export interface PatternOccurrence {
  problem_class: string;
  /** What the fault was on, as componentLabel writes it. */
  component: string;
  strategy: string;
  /** Completed, successful and verified. */
  healed: boolean;
  /** When the attempt started, as an ISO timestamp. */
  at: string;
}

export interface StrategyRecord {
  strategy: string;
  occurrences: number;
  healed: number;
  success_rate: number;
}

/** A fault that keeps coming back on the same part, and what has healed it best there. */
export interface RecoveryPattern {
  problem_class: string;
  component: string;
  occurrences: number;
  best_strategy: string;
  /** The best strategy's own rate on this pattern, not the pattern's overall. */
  success_rate: number;
  /** Every strategy tried on it, best first. */
  strategies: StrategyRecord[];
  last_seen: string;
}

/** Fewer occurrences than this are a coincidence, not a pattern: too few to rank strategies by. */
export const MIN_PATTERN_OCCURRENCES = 3;

/**
 * Groups attempts by problem class and component, keeps the groups seen at least `min` times, and
 * names the strategy with the best success rate in each (ties: the one tried more often, then by name,
 * so the answer does not depend on row order). Most frequent patterns first.
 */
export function recoveryPatterns(
  occurrences: readonly PatternOccurrence[],
  min = MIN_PATTERN_OCCURRENCES,
): RecoveryPattern[] {
  const groups = new Map<string, PatternOccurrence[]>();
  for (const o of occurrences) {
    const key = JSON.stringify([o.problem_class, o.component]);
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  const patterns: RecoveryPattern[] = [];
  for (const list of groups.values()) {
    if (list.length < min) continue;
    const strategies = rankStrategies(list);
    const best = strategies[0]!;
    patterns.push({
      problem_class: list[0]!.problem_class,
      component: list[0]!.component,
      occurrences: list.length,
      best_strategy: best.strategy,
      success_rate: best.success_rate,
      strategies,
      last_seen: list.map((o) => o.at).reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)),
    });
  }
  return patterns.sort(
    (a, b) =>
      b.occurrences - a.occurrences ||
      a.problem_class.localeCompare(b.problem_class) ||
      a.component.localeCompare(b.component),
  );
}

/** Strategies by success rate, then by how often they were tried, then by name. */
export function rankStrategies(list: readonly { strategy: string; healed: boolean }[]): StrategyRecord[] {
  const by = new Map<string, StrategyRecord>();
  for (const o of list) {
    const r = by.get(o.strategy) ?? { strategy: o.strategy, occurrences: 0, healed: 0, success_rate: 0 };
    r.occurrences++;
    if (o.healed) r.healed++;
    r.success_rate = r.healed / r.occurrences;
    by.set(o.strategy, r);
  }
  return [...by.values()].sort(moreEffectiveFirst);
}

/** The order strategies are ranked in, wherever they are: a higher rate first, then more tries, then by name. */
export function moreEffectiveFirst(
  a: { strategy: string; success_rate: number; occurrences: number },
  b: { strategy: string; success_rate: number; occurrences: number },
): number {
  return b.success_rate - a.success_rate || b.occurrences - a.occurrences || a.strategy.localeCompare(b.strategy);
}
