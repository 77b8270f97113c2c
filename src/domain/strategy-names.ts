/**
 * The names of every strategy selfheal knows, in registry order: pure data, so configuration
 * (require_approval_strategies), the CLI and workflow validators check names against it without
 * importing the registry. The registry refuses to load when its descriptors name others.
 */
export const STRATEGY_NAMES = [
  'rebalance_partitions',
  'rebuild_centroids',
  'compact_indexes',
  'pause_maintenance',
  'rebuild_invalid_index',
  'tune_work_mem',
  'throttle_ingestion',
  'evict_cold_data',
  'drain_hot_partition',
  'cap_slot_wal',
  'drop_replication_slot',
  'resume_wal_replay',
  'terminate_blocking_root',
  'cancel_runaway_query',
  'set_role_timeouts',
  'limit_role_connections',
  'freeze_table',
  'analyze_table',
  'scale_replicas',
] as const;

export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/** "no strategy "x" (known: a, b, …)": the one wording for an unknown name everywhere. */
export function unknownStrategyMessage(name: string): string {
  return `no strategy "${name}" (known: ${STRATEGY_NAMES.join(', ')})`;
}
