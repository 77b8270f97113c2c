import type { Pool } from '../../src/postgres/pool';
import { STRATEGIES } from '../../src/strategies/registry';
import type { StrategyName } from '../../src/domain/strategy-names';
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

/** The steps of every strategy; the compiler checks each spec has its steps here. */
const IMPLEMENTED = [
  compactIndexes,
  pauseMaintenance,
  rebuildInvalidIndex,
  terminateBlockingRoot,
  cancelRunawayQuery,
  freezeTable,
  analyzeTable,
  limitRoleConnections,
  rebalancePartitions,
  rebuildCentroids,
  throttleIngestion,
  evictColdData,
  drainHotPartition,
  tuneWorkMem,
  capSlotWal,
  resumeWalReplay,
  setRoleTimeouts,
  dropReplicationSlot,
  scaleReplicas,
] as const;

type Missing = Exclude<StrategyName, (typeof IMPLEMENTED)[number]['spec']['name']>;
// A spec without steps fails to compile here, naming the strategy.
const everySpecImplemented: [Missing] extends [never] ? true : Missing = true;
void everySpecImplemented;

const IMPLEMENTATIONS: ReadonlyMap<string, Strategy<Pool>> = new Map(IMPLEMENTED.map((s) => [s.spec.name, s]));

export function strategyImplementation(name: string): Strategy<Pool> {
  const s = IMPLEMENTATIONS.get(name);
  if (!s)
    throw new Error(`no implementation for strategy "${name}" (known: ${STRATEGIES.map((d) => d.name).join(', ')})`);
  return s;
}
