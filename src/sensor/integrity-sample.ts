import { z } from 'zod';
import type { HealingConfig } from '../domain/healing-config';
import { integrityStateFor, integrityStateSchema } from '../domain/integrity-state';
import { globalMinCut } from '../graph/min-cut';
import { atFullHealth, graphEdgeSchema, systemGraphSchema } from '../graph/system-graph';
import { buildSystemGraph } from './build-graph';
import { collectionStatsSchema, type CollectionStats } from './collection-stats';

export const integritySampleSchema = z.object({
  collection: z.string(),
  lambda: z.number(),
  /** λ of the same graph with every part healthy. */
  baseline_lambda: z.number(),
  state: integrityStateSchema,
  witness_edges: z.array(graphEdgeSchema),
  cut_side: z.array(z.string()),
  graph: systemGraphSchema,
  stats: collectionStatsSchema,
});
export type IntegritySample = z.infer<typeof integritySampleSchema>;

/** Pure: statistics → graph → λ, witnesses and state. */
export function integrityOf(stats: CollectionStats, config: HealingConfig): IntegritySample {
  const graph = buildSystemGraph(stats, config);
  const cut = globalMinCut(graph);
  const baseline = globalMinCut(atFullHealth(graph)).value;
  return {
    collection: stats.collection,
    lambda: cut.value,
    baseline_lambda: baseline,
    state: integrityStateFor(cut.value, baseline, config),
    witness_edges: cut.witnessEdges,
    cut_side: cut.side,
    graph,
    stats,
  };
}
