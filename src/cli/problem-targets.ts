import type { ProblemClass } from '../domain/problem-class';

/**
 * What a classified fault names as its targets, worst first (`index public.demo_items_pkey`,
 * `sessions 4711, 4712`), for a person deciding on an attempt; null when it names none.
 */
export function problemTargets(p: ProblemClass): string | null {
  const list = (one: string, many: string, names: readonly (string | number)[]) =>
    names.length === 0 ? null : `${names.length === 1 ? one : many} ${names.join(', ')}`;
  switch (p.class) {
    case 'HotspotCongestion':
      return list('partition', 'partitions', p.partition_names.length ? p.partition_names : p.partition_ids);
    case 'CentroidSkew':
      return list('centroid', 'centroids', p.centroid_ids);
    case 'ReplicationLag':
      return list('standby', 'standbys', p.replica_names.length ? p.replica_names : p.replica_ids);
    case 'MaintenanceContention':
      return list('maintenance job', 'maintenance jobs', [...new Set(p.job_types)]);
    case 'IndexFragmentation':
    case 'InvalidIndex':
      return list('index', 'indexes', p.index_names);
    case 'BlockingChain':
      return list('blocking session', 'blocking sessions', p.root_pids);
    case 'RunawayQuery':
      return list('session', 'sessions', p.pids);
    case 'MemoryPressure':
      return list(
        'consumer',
        'consumers',
        p.largest_consumers.map(([who]) => who),
      );
    case 'ConnectionExhaustion':
      return list(
        'role',
        'roles',
        p.top_roles.map(([role]) => role),
      );
    case 'WraparoundRisk':
    case 'StaleStatistics':
      return list('relation', 'relations', p.relations);
    case 'SlotRetention':
      return list('slot', 'slots', p.slot_names);
    case 'Unknown':
      return null;
  }
}
