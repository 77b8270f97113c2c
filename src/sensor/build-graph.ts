import type { HealingConfig } from '../domain/healing-config';
import { edge, type SystemGraph } from '../graph/system-graph';
import type { CollectionStats } from './collection-stats';
import { tableNode, WORKLOAD, type GraphDraft } from './sensor-part';
import { SENSOR_PARTS, type PartThresholds } from './sensor-parts';

export type GraphSettings = Pick<HealingConfig, PartThresholds>;

/**
 * The collection's health-weighted graph: client sessions reach the table, and each part of the
 * registry (src/sensor/sensor-parts.ts) adds its nodes and links between them. A weak part lowers
 * the capacity of all its links, so the min cut isolates it and its links become the witnesses.
 */
export function buildSystemGraph(stats: CollectionStats, settings: GraphSettings): SystemGraph {
  const table = tableNode(stats.table.oid);
  const g: GraphDraft = {
    table,
    nodes: [
      { id: WORKLOAD, kind: 'workload', label: 'client sessions' },
      { id: table, kind: 'table', label: stats.table.name, oid: stats.table.oid },
    ],
    // The heap's own health has no trustworthy signal yet (n_live_tup/n_dead_tup lag a bulk change),
    // so its access link is a structural unit edge.
    edges: [edge(WORKLOAD, table, 'access', 1, 1)],
  };
  for (const part of SENSOR_PARTS) part.contribute(g, stats, settings);
  return { nodes: g.nodes, edges: g.edges };
}
