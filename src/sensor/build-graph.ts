import { edge, type GraphEdge, type GraphNode, type SystemGraph } from '../graph/system-graph';
import type { CollectionStats, IndexStats, MaintenanceJob } from './collection-stats';

/** Density of a freshly built btree leaf level (default fillfactor 90). */
export const HEALTHY_LEAF_DENSITY = 90;

export interface GraphSettings {
  /** Maintenance running longer than this counts as contention even when it blocks nobody. */
  maintenance_long_running_seconds: number;
}

export const WORKLOAD = 'workload';
export const MAINTENANCE = 'maintenance';
export const tableNode = (oid: number): string => `table:${oid}`;
export const indexNode = (oid: number): string => `index:${oid}`;

/** Health of an index from its leaf density; an unmeasured index is taken as healthy, an invalid one as dead. */
export function indexHealth(ix: IndexStats): number {
  if (!ix.is_valid) return 0;
  if (ix.avg_leaf_density === null) return 1;
  return Math.min(1, ix.avg_leaf_density / HEALTHY_LEAF_DENSITY);
}

/** Fragmentation as the seed's percentage: how far the leaf density is below a fresh build. */
export function fragmentationPct(ix: IndexStats): number {
  return ix.avg_leaf_density === null ? 0 : Math.max(0, 100 * (1 - ix.avg_leaf_density / HEALTHY_LEAF_DENSITY));
}

/** A job weighs on maintenance health when it blocks sessions, or when it has run long. */
export function contendingJobs(jobs: MaintenanceJob[], s: GraphSettings): MaintenanceJob[] {
  return jobs.filter((j) => j.blocking > 0 || j.running_seconds >= s.maintenance_long_running_seconds);
}

export function maintenanceHealth(jobs: MaintenanceJob[], s: GraphSettings): number {
  const contending = contendingJobs(jobs, s);
  const blocked = contending.reduce((n, j) => n + j.blocking, 0);
  return 1 / (1 + blocked + 0.5 * contending.length);
}

/**
 * The collection's health-weighted graph. Clients reach the table directly and through each index;
 * each index hangs off its table; maintenance serves the table and every index. A weak part lowers
 * the capacity of all its links, so the min cut isolates it and its links become the witnesses.
 */
export function buildSystemGraph(stats: CollectionStats, settings: GraphSettings): SystemGraph {
  const t = tableNode(stats.table.oid);
  const nodes: GraphNode[] = [
    { id: WORKLOAD, kind: 'workload', label: 'client sessions' },
    { id: t, kind: 'table', label: stats.table.name, oid: stats.table.oid },
    { id: MAINTENANCE, kind: 'maintenance', label: 'vacuum / analyze / index builds' },
  ];
  // The heap's own health has no trustworthy signal yet (n_live_tup/n_dead_tup lag a bulk change),
  // so its access link is a structural unit edge.
  const heapHealth = 1;
  const maint = maintenanceHealth(stats.maintenance, settings);
  const edges: GraphEdge[] = [edge(WORKLOAD, t, 'access', 1, heapHealth), edge(MAINTENANCE, t, 'dependency', 1, maint)];
  for (const ix of stats.indexes) {
    const id = indexNode(ix.oid);
    const h = indexHealth(ix);
    nodes.push({ id, kind: 'index', label: ix.name, oid: ix.oid });
    edges.push(edge(WORKLOAD, id, 'access', 1, h), edge(id, t, 'index_link', 1, h), edge(MAINTENANCE, id, 'dependency', 1, maint));
  }
  return { nodes, edges };
}
