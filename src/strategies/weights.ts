/** One outcome as the weight rule sees it. */
export interface OutcomeForWeights {
  strategy_name: string;
  success: boolean;
  verified: boolean | null;
  improvement_pct: number | null;
}

/**
 * Learned weights: weight = success_rate × (1 + avg_improvement), where success means
 * success and verified, and avg_improvement averages the recorded improvements (a fraction) over
 * all of the strategy's outcomes. Strategies without outcomes keep no weight (the registry uses 1).
 */
export function computeWeights(outcomes: OutcomeForWeights[]): Record<string, number> {
  const by = new Map<string, OutcomeForWeights[]>();
  for (const o of outcomes) by.set(o.strategy_name, [...(by.get(o.strategy_name) ?? []), o]);
  const weights: Record<string, number> = {};
  for (const [name, list] of by) {
    const successRate = list.filter((o) => o.success && o.verified === true).length / list.length;
    const avgImprovement = list.reduce((sum, o) => sum + (o.improvement_pct ?? 0), 0) / list.length;
    weights[name] = successRate * (1 + avgImprovement);
  }
  return weights;
}
