import { STRATEGY_SPECS, type StrategySpecs } from './strategies/strategy-specs';

/**
 * The names of every strategy selfheal knows, in registry order, each written once, in its spec:
 * configuration (require_approval_strategies), the CLI and workflow validators check names
 * against it.
 */
export type StrategyName = StrategySpecs['name'];

export const STRATEGY_NAMES: readonly StrategyName[] = STRATEGY_SPECS.map((s) => s.name);

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/** "no strategy "x" (known: a, b, …)": the one wording for an unknown name everywhere. */
export function unknownStrategyMessage(name: string): string {
  return `no strategy "${name}" (known: ${STRATEGY_NAMES.join(', ')})`;
}
