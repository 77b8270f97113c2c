import { z } from 'zod';
import type { ActionConfig } from '../domain/healing-config';
import { integrityStateFor, integrityStateSchema } from '../domain/integrity-state';
import { contractHealthy } from '../graph/contract-healthy';
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

/**
 * Pure: statistics → graph → λ, witnesses and state. λ is the min cut of the graph with its healthy
 * parts contracted; when nothing is weak the whole graph contracts to one part and λ is the
 * baseline. The witnesses are the original edges across the cut, so they name the weak parts.
 */
export function integrityOf(stats: CollectionStats, config: ActionConfig): IntegritySample {
  const graph = buildSystemGraph(stats, config);
  const baselineCut = globalMinCut(atFullHealth(graph));
  const baseline = baselineCut.value;
  const { graph: contracted, members } = contractHealthy(graph);
  const cut = contracted.nodes.length >= 2 ? globalMinCut(contracted) : null;
  const weakCut = cut !== null && cut.value < baseline;
  const side = weakCut ? new Set(cut.side.flatMap((id) => members.get(id) ?? [id])) : new Set(baselineCut.side);
  const lambda = weakCut ? cut.value : baseline;
  return {
    collection: stats.collection,
    lambda,
    baseline_lambda: baseline,
    state: integrityStateFor(lambda, baseline, config),
    witness_edges: graph.edges.filter((e) => side.has(e.source) !== side.has(e.target)),
    cut_side: [...side],
    graph,
    stats,
  };
}
