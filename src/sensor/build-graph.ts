import { edge, type GraphEdge, type GraphNode, type SystemGraph } from '../graph/system-graph';
import type { HealingConfig } from '../domain/healing-config';
import type { CollectionStats, IndexStats, MaintenanceJob } from './collection-stats';
import { centroidHealth, connectionHealth, memoryHealth, replicaHealth, slotHealth, freezeHealth, lockHealth, partitionHealth, queryHealth, statisticsHealth } from './part-health';

/** Density of a freshly built btree leaf level (default fillfactor 90). */
export const HEALTHY_LEAF_DENSITY = 90;

export type GraphSettings = Pick<
  HealingConfig,
  | 'maintenance_long_running_seconds' | 'connection_stress_pct' | 'xid_age_warn' | 'xid_age_critical' | 'stale_statistics_ratio' | 'stale_statistics_min_age_seconds'
  | 'hotspot_load_ratio' | 'hotspot_min_ops_per_second' | 'centroid_skew_ratio' | 'temp_spill_warn_bytes_per_s' | 'slot_retained_warn_bytes' | 'replication_lag_warn_bytes'
>;

export const WORKLOAD = 'workload';
export const MAINTENANCE = 'maintenance';
export const LOCKS = 'locks';
export const QUERIES = 'queries';
export const CONNECTIONS = 'connections';
export const XID = 'xid';
export const STATISTICS = 'statistics';
export const MEMORY = 'memory';
export const SLOTS = 'slots';
export const tableNode = (oid: number): string => `table:${oid}`;
export const indexNode = (oid: number): string => `index:${oid}`;
export const partitionNode = (oid: number): string => `partition:${oid}`;
export const centroidNode = (oid: number): string => `centroid:${oid}`;
export const replicaNode = (pid: number): string => `replica:${pid}`;

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
export function contendingJobs(jobs: MaintenanceJob[], s: Pick<GraphSettings, 'maintenance_long_running_seconds'>): MaintenanceJob[] {
  return jobs.filter((j) => j.blocking > 0 || j.running_seconds >= s.maintenance_long_running_seconds);
}

export function maintenanceHealth(jobs: MaintenanceJob[], s: Pick<GraphSettings, 'maintenance_long_running_seconds'>): number {
  const contending = contendingJobs(jobs, s);
  const blocked = contending.reduce((n, j) => n + j.blocking, 0);
  return 1 / (1 + blocked + 0.5 * contending.length);
}

/**
 * The collection's health-weighted graph. Clients reach the table directly and through each index;
 * each index hangs off its table; maintenance serves the table and every index. The session-level
 * parts (lock chains, runaway statements, connection slots, the XID horizon, planner statistics)
 * each stand between clients and the table. A weak part lowers the capacity of all its links, so
 * the min cut isolates it and its links become the witnesses.
 */
export function buildSystemGraph(stats: CollectionStats, settings: GraphSettings): SystemGraph {
  const t = tableNode(stats.table.oid);
  const maint = maintenanceHealth(stats.maintenance, settings);
  const nodes: GraphNode[] = [
    { id: WORKLOAD, kind: 'workload', label: 'client sessions' },
    { id: t, kind: 'table', label: stats.table.name, oid: stats.table.oid },
    { id: MAINTENANCE, kind: 'maintenance', label: 'vacuum / analyze / index builds', health: maint },
  ];
  // The heap's own health has no trustworthy signal yet (n_live_tup/n_dead_tup lag a bulk change),
  // so its access link is a structural unit edge.
  const heapHealth = 1;
  const edges: GraphEdge[] = [edge(WORKLOAD, t, 'access', 1, heapHealth), edge(MAINTENANCE, t, 'dependency', 1, maint)];
  for (const ix of stats.indexes) {
    const id = indexNode(ix.oid);
    const h = indexHealth(ix);
    nodes.push({ id, kind: 'index', label: ix.name, oid: ix.oid, health: h });
    edges.push(edge(WORKLOAD, id, 'access', 1, h), edge(id, t, 'index_link', 1, h), edge(MAINTENANCE, id, 'dependency', 1, Math.min(maint, h)));
  }
  const between = (id: string, kind: GraphNode['kind'], label: string, edgeKind: GraphEdge['kind'], h: number): void => {
    nodes.push({ id, kind, label, health: h });
    edges.push(edge(WORKLOAD, id, edgeKind, 1, h), edge(id, t, edgeKind, 1, h));
  };
  between(LOCKS, 'sessions', 'lock waits on the collection', 'lock', lockHealth(stats.blocking_chains));
  between(QUERIES, 'sessions', 'statements on the collection', 'query', queryHealth(stats.runaway_queries));
  between(CONNECTIONS, 'connections', 'connection slots', 'connection', connectionHealth(stats.connections, settings));
  between(XID, 'xid', 'transaction-ID horizon', 'freeze', freezeHealth(stats.table, settings));
  between(STATISTICS, 'statistics', 'planner statistics', 'statistics', statisticsHealth(stats.table, settings));
  between(MEMORY, 'memory', 'sort and hash memory', 'memory', memoryHealth(stats.memory, settings));
  between(SLOTS, 'slots', 'WAL retained by replication slots', 'slot', slotHealth(stats.slots, settings));
  // Each standby follows the table through replication and serves clients' reads.
  for (const r of stats.replicas) {
    const id = replicaNode(r.pid);
    const h = replicaHealth(r, settings);
    nodes.push({ id, kind: 'replica', label: `standby ${r.application_name || r.pid}`, health: h });
    edges.push(edge(t, id, 'replication', 1, h), edge(WORKLOAD, id, 'access', 1, h));
  }
  // Partitions hang off their parent and serve clients directly; each is one centroid's list, which
  // clients probe first. Load weakens a partition, row skew its centroid.
  const parts = stats.partitioning?.partitions ?? [];
  for (const p of parts) {
    const pid = partitionNode(p.oid);
    const cid = centroidNode(p.oid);
    const hp = partitionHealth(p, parts, settings);
    const hc = centroidHealth(p, parts, settings);
    const label = stats.partitioning?.centroids_table ? `centroid ${p.value ?? p.name}` : `rows of ${p.name}`;
    nodes.push({ id: pid, kind: 'partition', label: p.name, oid: p.oid, health: hp }, { id: cid, kind: 'centroid', label, health: hc });
    edges.push(
      edge(t, pid, 'partition_link', 1, hp),
      edge(WORKLOAD, pid, 'access', 1, hp),
      edge(WORKLOAD, cid, 'centroid', 1, hc),
      edge(cid, pid, 'centroid', 1, Math.min(hc, hp)),
    );
  }
  return { nodes, edges };
}
