import type { AnyStrategySpec } from './strategy-spec';
import { analyzeTableSpec } from './specs/analyze-table';
import { cancelRunawayQuerySpec } from './specs/cancel-runaway-query';
import { capSlotWalSpec } from './specs/cap-slot-wal';
import { compactIndexesSpec } from './specs/compact-indexes';
import { drainHotPartitionSpec } from './specs/drain-hot-partition';
import { dropReplicationSlotSpec } from './specs/drop-replication-slot';
import { evictColdDataSpec } from './specs/evict-cold-data';
import { freezeTableSpec } from './specs/freeze-table';
import { limitRoleConnectionsSpec } from './specs/limit-role-connections';
import { pauseMaintenanceSpec } from './specs/pause-maintenance';
import { rebalancePartitionsSpec } from './specs/rebalance-partitions';
import { rebuildCentroidsSpec } from './specs/rebuild-centroids';
import { rebuildInvalidIndexSpec } from './specs/rebuild-invalid-index';
import { resumeWalReplaySpec } from './specs/resume-wal-replay';
import { scaleReplicasSpec } from './specs/scale-replicas';
import { setRoleTimeoutsSpec } from './specs/set-role-timeouts';
import { terminateBlockingRootSpec } from './specs/terminate-blocking-root';
import { throttleIngestionSpec } from './specs/throttle-ingestion';
import { tuneWorkMemSpec } from './specs/tune-work-mem';

/**
 * Every strategy selfheal knows, in registry order: with equal weights the first
 * eligible wins (rebalance_partitions before drain_hot_partition for a hotspot, the acute session
 * levers before set_role_timeouts, which reaches only new sessions). A new strategy is a spec in
 * specs/, its steps in activities/strategies/, and a line here and in activities/strategies/index.ts;
 * the compiler checks the rest. Pure: workflows select and gate with it.
 */
export const STRATEGY_SPECS = [
  rebalancePartitionsSpec,
  rebuildCentroidsSpec,
  compactIndexesSpec,
  pauseMaintenanceSpec,
  rebuildInvalidIndexSpec,
  tuneWorkMemSpec,
  throttleIngestionSpec,
  evictColdDataSpec,
  drainHotPartitionSpec,
  capSlotWalSpec,
  dropReplicationSlotSpec,
  resumeWalReplaySpec,
  terminateBlockingRootSpec,
  cancelRunawayQuerySpec,
  setRoleTimeoutsSpec,
  limitRoleConnectionsSpec,
  freezeTableSpec,
  analyzeTableSpec,
  scaleReplicasSpec,
] as const satisfies readonly AnyStrategySpec[];

export type StrategySpecs = (typeof STRATEGY_SPECS)[number];
