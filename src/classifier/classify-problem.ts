import type { HealingConfig } from '../domain/healing-config';
import type { ProblemClass } from '../domain/problem-class';
import type { EdgeKind, GraphEdge } from '../graph/system-graph';
import { contendingJobs, fragmentationPct } from '../sensor/build-graph';
import { centroidHealth, connectionUsagePct, replicaHealth, loadRatio, partitionHealth, retainingSlots, sessionChains, sizeRatio, spillPressure, stalestParts } from '../sensor/part-health';
import type { IntegritySample } from '../sensor/integrity-sample';

/** An edge whose measured health is this far below full counts as weak. */
const WEAK_HEALTH = 0.98;

export function weakWitnesses(sample: IntegritySample): GraphEdge[] {
  return sample.witness_edges.filter((e) => e.health < WEAK_HEALTH);
}

function countKinds(edges: GraphEdge[]): Map<EdgeKind, number> {
  const m = new Map<EdgeKind, number>();
  for (const e of edges) m.set(e.kind, (m.get(e.kind) ?? 0) + 1);
  return m;
}

export function summarizeWitnesses(edges: GraphEdge[]): string {
  if (edges.length === 0) return 'no weak witness edges';
  return edges.map((e) => `${e.kind} ${e.source}–${e.target} health ${e.health.toFixed(2)}`).join('; ');
}

/**
 * Seed 002's classifier: the kinds of the weak witness edges name the part that breaks, and the
 * metrics confirm it. Checked in the seed's order; what matches nothing is Unknown for a person.
 */
export function classifyProblem(sample: IntegritySample, config: HealingConfig): ProblemClass {
  const weak = weakWitnesses(sample);
  const kinds = countKinds(weak);
  const stats = sample.stats;
  const has = (k: EdgeKind): boolean => (kinds.get(k) ?? 0) > 0;

  // Seed order: hot partitions first, then skewed centroids. Only partitions with a list value can
  // be acted on; the witnesses must touch a weak one.
  const parts = (stats.partitioning?.partitions ?? []).filter((p) => p.value !== null);
  if (has('partition_link')) {
    const hot = parts
      .filter((p) => partitionHealth(p, parts, config) < 1)
      .sort((a, b) => loadRatio(b, parts, config) - loadRatio(a, parts, config));
    if (hot.length > 0) {
      return {
        class: 'HotspotCongestion',
        partition_ids: hot.map((p) => p.value!),
        partition_names: hot.map((p) => p.name),
        load_ratio: round1(loadRatio(hot[0]!, parts, config)),
      };
    }
  }
  if (has('centroid')) {
    const skewed = parts.filter((p) => centroidHealth(p, parts, config) < 1).sort((a, b) => sizeRatio(b, parts) - sizeRatio(a, parts));
    if (skewed.length > 0) {
      const sizes = parts.map((p) => p.reltuples);
      const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
      const sd = Math.sqrt(sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / sizes.length);
      return {
        class: 'CentroidSkew',
        centroid_ids: skewed.map((p) => p.value!),
        skew_factor: round1(sizeRatio(skewed[0]!, parts)),
        size_cv: mean > 0 ? Math.round((sd / mean) * 1000) / 1000 : 0,
      };
    }
  }

  if (has('replication')) {
    const lagging = stats.replicas.filter((r) => replicaHealth(r, config) < 1).sort((a, b) => b.replay_gap_bytes - a.replay_gap_bytes);
    if (lagging.length > 0) {
      return {
        class: 'ReplicationLag',
        replica_ids: lagging.map((r) => r.pid),
        replica_names: lagging.map((r) => r.application_name),
        lag_seconds: Math.max(0, ...lagging.map((r) => r.replay_lag_seconds ?? 0)),
        lag_bytes: lagging[0]!.replay_gap_bytes,
      };
    }
  }
  if (has('memory')) {
    const m = stats.memory;
    return {
      class: 'MemoryPressure',
      // Spill pressure as a share of the warning level: over 100 spills more than the collection may.
      current_usage_pct: Math.round((100 * spillPressure(m)) / Math.max(1, config.temp_spill_warn_bytes_per_s)),
      largest_consumers: m.consumers.map((c) => [`${c.role}: ${c.query}`, c.bytes] as [string, number]),
    };
  }

  if ((kinds.get('dependency') ?? 0) > 0) {
    const jobs = contendingJobs(stats.maintenance, config);
    if (jobs.length > 0) {
      return {
        class: 'MaintenanceContention',
        job_types: [...new Set(jobs.map((j) => j.job_type))].sort(),
        queue_depth: jobs.reduce((n, j) => n + j.blocking, 0),
      };
    }
  }

  // An invalid index carries no capacity at all: when the witnesses touch one, that is the problem.
  const implicatedNodes = new Set(weak.flatMap((e) => [e.source, e.target]));
  const invalid = stats.indexes.filter((ix) => !ix.is_valid && implicatedNodes.has(`index:${ix.oid}`));
  if (invalid.length > 0) {
    const all = stats.indexes.filter((ix) => !ix.is_valid);
    return { class: 'InvalidIndex', index_ids: all.map((ix) => ix.oid), index_names: all.map((ix) => ix.name) };
  }

  // The witnesses must implicate a fragmented index; then every fragmented index is named, most
  // fragmented first, as the seed's metrics.fragmented_indexes does.
  const implicated = new Set(
    weak.filter((e) => e.kind === 'index_link' || e.kind === 'access').flatMap((e) => [e.source, e.target]),
  );
  const fragmented = stats.indexes
    .filter((ix) => ix.is_valid && fragmentationPct(ix) > config.index_fragmentation_threshold_pct)
    .sort((a, b) => fragmentationPct(b) - fragmentationPct(a));
  if (fragmented.some((ix) => implicated.has(`index:${ix.oid}`))) {
    return {
      class: 'IndexFragmentation',
      index_ids: fragmented.map((ix) => ix.oid),
      index_names: fragmented.map((ix) => ix.name),
      fragmentation_pct: round1(fragmentationPct(fragmented[0]!)),
    };
  }

  // The session-level parts, each named by the kind of its links.
  if (has('lock')) {
    const chains = sessionChains(stats.blocking_chains);
    if (chains.length > 0) {
      return {
        class: 'BlockingChain',
        root_pids: chains.map((c) => c.root_pid),
        idle_in_transaction_roots: chains.filter((c) => c.root_state.startsWith('idle in transaction')).map((c) => c.root_pid),
        blocked_sessions: chains.reduce((n, c) => n + c.blocked, 0),
        max_depth: Math.max(...chains.map((c) => c.depth)),
      };
    }
  }
  if (has('query') && stats.runaway_queries.length > 0) {
    return {
      class: 'RunawayQuery',
      pids: stats.runaway_queries.map((q) => q.pid),
      longest_seconds: Math.round(Math.max(...stats.runaway_queries.map((q) => q.running_seconds))),
    };
  }
  if (has('connection')) {
    const u = stats.connections;
    return {
      class: 'ConnectionExhaustion',
      used: u.used,
      usable: u.max_connections - u.reserved,
      usage_pct: round1(connectionUsagePct(u)),
      top_roles: u.top_roles.map((r) => [r.role, r.sessions] as [string, number]),
    };
  }
  if (has('freeze')) {
    return { class: 'WraparoundRisk', relations: [stats.table.name], xid_age: stats.table.xid_age, freeze_max_age: stats.table.freeze_max_age };
  }
  if (has('slot')) {
    const slots = retainingSlots(stats.slots, config);
    if (slots.length > 0) return { class: 'SlotRetention', slot_names: slots.map((s) => s.slot_name), retained_bytes: Math.max(...slots.map((s) => s.retained_bytes)) };
  }
  if (has('statistics')) {
    const stale = stalestParts(stats.table, config);
    const worst = stale[0];
    if (worst) return { class: 'StaleStatistics', relations: stale.map((p) => p.name), mods_since_analyze: worst.mods_since_analyze, reltuples: worst.reltuples };
  }

  return { class: 'Unknown', witness_summary: summarizeWitnesses(weak.length > 0 ? weak : sample.witness_edges) };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
