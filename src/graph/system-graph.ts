import { z } from 'zod';

/** Part kinds of a collection's system graph. */
export const nodeKindSchema = z.enum([
  'table',
  'partition',
  'index',
  'maintenance',
  'workload',
  'replica',
  'centroid',
  'memory',
  'sessions',
  'connections',
  'xid',
  'statistics',
  'slots',
]);
export type NodeKind = z.infer<typeof nodeKindSchema>;

/** Edge kinds, named as the classifier counts them among the witness edges. */
export const edgeKindSchema = z.enum([
  'access',
  'index_link',
  'dependency',
  'partition_link',
  'replication',
  'centroid',
  'memory',
  // The parts PostgreSQL operators get paged for, beyond the vector store's own.
  'lock',
  'query',
  'connection',
  'freeze',
  'statistics',
  'slot',
]);
export type EdgeKind = z.infer<typeof edgeKindSchema>;

export const graphNodeSchema = z.object({
  id: z.string(),
  kind: nodeKindSchema,
  label: z.string(),
  /** PostgreSQL OID of the relation behind the node, when there is one. */
  oid: z.number().int().optional(),
  /** Measured health of the part itself, 0–1; absent means healthy. */
  health: z.number().min(0).max(1).optional(),
});
export type GraphNode = z.infer<typeof graphNodeSchema>;

export const graphEdgeSchema = z.object({
  source: z.string(),
  target: z.string(),
  kind: edgeKindSchema,
  /** Weight of the link when both ends are healthy. */
  design_capacity: z.number().nonnegative(),
  /** Measured health of the link, 0–1. */
  health: z.number().min(0).max(1),
  /** design_capacity × health: what the min cut sees. */
  capacity: z.number().nonnegative(),
});
export type GraphEdge = z.infer<typeof graphEdgeSchema>;

export const systemGraphSchema = z.object({
  nodes: z.array(graphNodeSchema),
  edges: z.array(graphEdgeSchema),
});
export type SystemGraph = z.infer<typeof systemGraphSchema>;

/** A part or link at or above this health counts as healthy. */
export const HEALTHY = 0.98;

export function edge(
  source: string,
  target: string,
  kind: EdgeKind,
  designCapacity: number,
  health: number,
): GraphEdge {
  const h = Math.min(1, Math.max(0, Number.isFinite(health) ? health : 0));
  return { source, target, kind, design_capacity: designCapacity, health: h, capacity: designCapacity * h };
}

/** The same graph with every part at full health: its λ is the design baseline. */
export function atFullHealth(graph: SystemGraph): SystemGraph {
  return { nodes: graph.nodes, edges: graph.edges.map((e) => ({ ...e, health: 1, capacity: e.design_capacity })) };
}
