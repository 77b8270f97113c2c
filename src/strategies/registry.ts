import type { CollectionKind } from '../domain/collection-kind';
import type { HealingConfig } from '../domain/healing-config';
import type { ProblemClassName } from '../domain/problem-class';
import type { StrategyDescriptor } from '../domain/strategy-descriptor';
import { STRATEGY_SPECS } from '../domain/strategies/strategy-specs';

/** Every strategy selfheal knows, as pure descriptors, in registry order. */
export const STRATEGIES: readonly StrategyDescriptor[] = STRATEGY_SPECS.map((s) => s.descriptor);

export function strategyByName(name: string): StrategyDescriptor | undefined {
  return STRATEGIES.find((s) => s.name === name);
}

export type StrategyWeights = Readonly<Record<string, number>>;

export interface Selection {
  /** Within the impact cap when one is; otherwise the best above it, which waits for a person. */
  strategy: StrategyDescriptor | null;
  /** The chosen strategy's impact is above max_auto_heal_impact: it runs only once a person approves. */
  above_impact_cap: boolean;
  /** Strategies that handle the class, with why each was or was not chosen. */
  considered: { name: string; weight: number; eligible: boolean; reason: string }[];
}

/**
 * Selection: strategies that handle the class, within the impact cap, highest learned weight
 * (default 1). When none is within the cap, the best of those above it, to wait for a person's
 * approval (not dropped: the README's "impact above max_auto_heal_impact waits for a person").
 */
export function selectStrategy(
  problem: ProblemClassName,
  config: Pick<HealingConfig, 'max_auto_heal_impact'>,
  weights: StrategyWeights,
  /** The collection's kind; null (attempts recorded before kinds) considers every strategy as then. */
  kind: CollectionKind | null = null,
): Selection {
  const considered: Selection['considered'] = [];
  let best: StrategyDescriptor | null = null;
  let bestWeight = Number.NEGATIVE_INFINITY;
  let aboveCap: StrategyDescriptor | null = null;
  let aboveCapWeight = Number.NEGATIVE_INFINITY;
  for (const s of STRATEGIES) {
    if (!s.handles.includes(problem)) continue;
    const weight = weights[s.name] ?? 1;
    const kindRefusal = kindRefusalReason(s, kind, problem);
    const eligible = kindRefusal === null && s.impact <= config.max_auto_heal_impact;
    considered.push({
      name: s.name,
      weight,
      eligible,
      reason:
        kindRefusal ??
        (eligible
          ? 'handles the class within the impact cap'
          : `impact ${s.impact} above max_auto_heal_impact ${config.max_auto_heal_impact}: ` +
            `only with a person's approval`),
    });
    if (eligible && weight > bestWeight) {
      best = s;
      bestWeight = weight;
    }
    // Above the cap a person may approve it; a strategy barred for this kind of collection never runs.
    if (!eligible && kindRefusal === null && weight > aboveCapWeight) {
      aboveCap = s;
      aboveCapWeight = weight;
    }
  }
  return best
    ? { strategy: best, above_impact_cap: false, considered }
    : { strategy: aboveCap, above_impact_cap: aboveCap !== null, considered };
}

/** Why a strategy may not act on a collection of this kind, or null when it may. */
export function kindRefusalReason(
  s: StrategyDescriptor,
  kind: CollectionKind | null,
  problem: ProblemClassName,
): string | null {
  if (kind === null) return null;
  const kinds = s.kinds_by_class?.[problem] ?? s.collection_kinds;
  if (kinds.includes(kind)) return null;
  return (
    `${s.name} runs${s.kinds_by_class?.[problem] ? ` for ${problem}` : ''} only on ${kinds.join(' or ')} ` +
    `collections; this one is a ${kind} collection, whose rows and partition key are the user's data`
  );
}

/** Whether a person must approve this strategy for this class before it runs (by its HealingConfig). */
export function needsApproval(s: StrategyDescriptor, problem: ProblemClassName, config: HealingConfig): boolean {
  return approvalReasons(s, problem, config).length > 0;
}

/** Why a person must approve it: empty when the strategy may run by itself. */
export function approvalReasons(s: StrategyDescriptor, problem: ProblemClassName, config: HealingConfig): string[] {
  const why: string[] = [];
  if (s.requires_approval) why.push(`${s.name} always waits for approval`);
  if (config.require_approval_strategies.includes(s.name)) why.push(`${s.name} is in require_approval_strategies`);
  if (config.require_approval.includes(problem)) why.push(`${problem} is in require_approval`);
  if (s.impact > config.max_auto_heal_impact)
    why.push(`impact ${s.impact} is above max_auto_heal_impact ${config.max_auto_heal_impact}`);
  return why;
}
