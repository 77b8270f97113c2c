import type { HealingConfig } from '../domain/healing-config';
import type { ProblemClassName } from '../domain/problem-class';
import { strategyDescriptorSchema, type StrategyDescriptor } from '../domain/strategy-descriptor';

/**
 * Every strategy selfheal knows, as pure descriptors (seed 002's registry). The code that acts
 * lives in activities/strategies/, one file per name.
 */
export const STRATEGIES: readonly StrategyDescriptor[] = [
  {
    name: 'compact_indexes',
    handles: ['IndexFragmentation'],
    impact: 0.5,
    estimated_duration_seconds: 120,
    reversible: false,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    description: 'REINDEX INDEX CONCURRENTLY the fragmented btree indexes, most fragmented first',
  },
  {
    name: 'pause_maintenance',
    handles: ['MaintenanceContention'],
    impact: 0.1,
    estimated_duration_seconds: 30,
    reversible: true,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    description: "disable autovacuum on the collection's table and cancel its running autovacuum workers",
  },
  {
    name: 'rebuild_invalid_index',
    handles: ['InvalidIndex'],
    impact: 0.3,
    estimated_duration_seconds: 120,
    reversible: false,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    description: 'drop an INVALID index and build it again CONCURRENTLY from its recorded definition; a leftover _ccnew/_ccold is only dropped',
  },
].map((s) => strategyDescriptorSchema.parse(s));

export function strategyByName(name: string): StrategyDescriptor | undefined {
  return STRATEGIES.find((s) => s.name === name);
}

export type StrategyWeights = Readonly<Record<string, number>>;

export interface Selection {
  strategy: StrategyDescriptor | null;
  /** Strategies that handle the class, with why each was or was not chosen. */
  considered: { name: string; weight: number; eligible: boolean; reason: string }[];
}

/** Seed 002 select: strategies that handle the class, within the impact cap, highest learned weight (default 1). */
export function selectStrategy(
  problem: ProblemClassName,
  config: Pick<HealingConfig, 'max_auto_heal_impact'>,
  weights: StrategyWeights,
): Selection {
  const considered: Selection['considered'] = [];
  let best: StrategyDescriptor | null = null;
  let bestWeight = Number.NEGATIVE_INFINITY;
  for (const s of STRATEGIES) {
    if (!s.handles.includes(problem)) continue;
    const weight = weights[s.name] ?? 1;
    const eligible = s.impact <= config.max_auto_heal_impact;
    considered.push({
      name: s.name,
      weight,
      eligible,
      reason: eligible ? 'handles the class within the impact cap' : `impact ${s.impact} above max_auto_heal_impact ${config.max_auto_heal_impact}`,
    });
    if (eligible && weight > bestWeight) {
      best = s;
      bestWeight = weight;
    }
  }
  return { strategy: best, considered };
}

/** Whether a person must approve this strategy for this class before it runs (seed 002 HealingConfig). */
export function needsApproval(s: StrategyDescriptor, problem: ProblemClassName, config: HealingConfig): boolean {
  return s.requires_approval || config.require_approval_strategies.includes(s.name) || config.require_approval.includes(problem);
}
