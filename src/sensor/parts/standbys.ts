import type { HealingConfig } from '../../domain/healing-config';
import { edge } from '../../graph/system-graph';
import type { StandbyStats } from '../collection-stats';
import { definePart, diagnosis, WORKLOAD } from '../sensor-part';

export const replicaNode = (pid: number): string => `replica:${pid}`;

/** A standby's health from its replay gap in bytes. */
export function replicaHealth(r: StandbyStats, c: Pick<HealingConfig, 'replication_lag_warn_bytes'>): number {
  return r.replay_gap_bytes <= c.replication_lag_warn_bytes ? 1 : c.replication_lag_warn_bytes / r.replay_gap_bytes;
}

/** Each streaming standby follows the table through replication and serves clients' reads. */
export const standbysPart = definePart({
  name: 'standbys',
  reads: ['replicas'],
  thresholds: ['replication_lag_warn_bytes'],
  contribute(g, stats, s) {
    for (const r of stats.replicas) {
      const id = replicaNode(r.pid);
      const h = replicaHealth(r, s);
      g.nodes.push({ id, kind: 'replica', label: `standby ${r.application_name || r.pid}`, health: h });
      g.edges.push(edge(g.table, id, 'replication', 1, h), edge(WORKLOAD, id, 'access', 1, h));
    }
  },
  diagnoses: [
    diagnosis({
      class: 'ReplicationLag',
      scope: 'server',
      witness: 'replication',
      precedence: 30,
      diagnose(_w, stats, config) {
        const lagging = stats.replicas
          .filter((r) => replicaHealth(r, config) < 1)
          .sort((a, b) => b.replay_gap_bytes - a.replay_gap_bytes);
        if (lagging.length === 0) return null;
        return {
          class: 'ReplicationLag',
          replica_ids: lagging.map((r) => r.pid),
          replica_names: lagging.map((r) => r.application_name),
          lag_seconds: Math.max(0, ...lagging.map((r) => r.replay_lag_seconds ?? 0)),
          lag_bytes: lagging[0]!.replay_gap_bytes,
        };
      },
    }),
  ],
});
