import type { Pool } from '../../src/postgres/pool';
import { STRATEGIES } from '../../src/strategies/registry';
import type { Strategy } from '../../src/strategies/strategy';
import { compactIndexes } from './compact-indexes';
import { pauseMaintenance } from './pause-maintenance';
import { rebuildInvalidIndex } from './rebuild-invalid-index';
import { terminateBlockingRoot } from './terminate-blocking-root';
import { cancelRunawayQuery } from './cancel-runaway-query';
import { freezeTable } from './freeze-table';
import { analyzeTable } from './analyze-table';
import { limitRoleConnections } from './limit-role-connections';
import { rebalancePartitions } from './rebalance-partitions';
import { rebuildCentroids } from './rebuild-centroids';
import { throttleIngestion } from './throttle-ingestion';
import { evictColdData } from './evict-cold-data';
import { drainHotPartition } from './drain-hot-partition';
import { tuneWorkMem } from './tune-work-mem';
import { capSlotWal } from './cap-slot-wal';
import { resumeWalReplay } from './resume-wal-replay';
import { setRoleTimeouts } from './set-role-timeouts';
import { dropReplicationSlot } from './drop-replication-slot';
import { scaleReplicas } from './scale-replicas';

/** The code behind each registered descriptor. */
const IMPLEMENTATIONS: Record<string, Strategy<Pool>> = {
  compact_indexes: compactIndexes,
  pause_maintenance: pauseMaintenance,
  rebuild_invalid_index: rebuildInvalidIndex,
  terminate_blocking_root: terminateBlockingRoot,
  cancel_runaway_query: cancelRunawayQuery,
  freeze_table: freezeTable,
  analyze_table: analyzeTable,
  limit_role_connections: limitRoleConnections,
  rebalance_partitions: rebalancePartitions,
  rebuild_centroids: rebuildCentroids,
  throttle_ingestion: throttleIngestion,
  evict_cold_data: evictColdData,
  drain_hot_partition: drainHotPartition,
  tune_work_mem: tuneWorkMem,
  cap_slot_wal: capSlotWal,
  resume_wal_replay: resumeWalReplay,
  set_role_timeouts: setRoleTimeouts,
  drop_replication_slot: dropReplicationSlot,
  scale_replicas: scaleReplicas,
};

export function strategyImplementation(name: string): Strategy<Pool> {
  const s = IMPLEMENTATIONS[name];
  if (!s) throw new Error(`no implementation for strategy "${name}" (known: ${STRATEGIES.map((d) => d.name).join(', ')})`);
  return s;
}
