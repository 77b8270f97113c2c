import type { HealingConfig } from '../domain/healing-config';
import type { Collection } from '../postgres/collections';
import type { CollectionStats } from '../sensor/collection-stats';
import { readBlockingChains } from './blocking-chains';
import { readConnectionUsage } from './connection-usage';
import { readIndexStats } from './index-stats';
import { readMaintenanceJobs } from './maintenance-jobs';
import { measurePartitionLoad } from './partition-load';
import { readPartitionLayout } from './partitions';
import type { Queryable } from './queryable';
import { readRunawayQueries } from './runaway-queries';
import { readTableStats } from './table-stats';
import { conditionSince } from './condition-since';
import { staleStatisticsThreshold } from '../sensor/part-health';
import { readReplicationSlots } from './replication-slots';
import { readStandbys } from './standbys';
import { readTempConsumers, readWorkMemBytes, tempSpillRate } from './temp-spill';
import type { WindowOptions } from './counter-window';

export type SamplerSettings = Pick<HealingConfig, 'index_candidate_min_bytes' | 'blocked_session_min_seconds' | 'runaway_query_seconds' | 'stale_statistics_ratio'>;

/** One sample of everything the sensor weighs, with its own cost measured. */
export async function sampleCollection(
  db: Queryable,
  collection: Collection,
  settings: SamplerSettings,
  /** How rates are windowed: after a change, or (periodic samples) without waiting. */
  window: WindowOptions = {},
): Promise<CollectionStats> {
  if (collection.table_oid === null) {
    throw new Error(`collection ${collection.name}: table ${collection.table_schema}.${collection.table_name} does not exist`);
  }
  const oid = collection.table_oid;
  const started = process.hrtime.bigint();
  const table = await readTableStats(db, oid);
  // How long each part has been past the stale threshold: autovacuum gets its chance first.
  const staleFor = await conditionSince(db, collection.id, 'stale_statistics',
    table.analysis.filter((p) => p.mods_since_analyze > staleStatisticsThreshold(p, settings)).map((p) => p.name));
  table.analysis = table.analysis.map((p) => ({ ...p, stale_for_seconds: staleFor.get(p.name) ?? 0 }));
  const indexes = await readIndexStats(db, oid, settings.index_candidate_min_bytes);
  const maintenance = await readMaintenanceJobs(db, oid);
  const blocking_chains = await readBlockingChains(db, oid, settings.blocked_session_min_seconds);
  const runaway_queries = await readRunawayQueries(db, oid, settings.runaway_query_seconds);
  const connections = await readConnectionUsage(db);
  const layout = await readPartitionLayout(db, oid);
  const consumers = await readTempConsumers(db);
  const workMem = await readWorkMemBytes(db);
  const slots = await readReplicationSlots(db);
  const replicas = await readStandbys(db);
  // The state was read now; the load window may wait for counters, and that wait is not the sensor's cost.
  const sampledAt = new Date().toISOString();
  const probeMs = Number(process.hrtime.bigint() - started) / 1e6;
  const loadStarted = process.hrtime.bigint();
  // Side by side: when both must wait for their windows (a first sample), they wait together.
  const [load, spill] = await Promise.all([layout ? measurePartitionLoad(db, collection.id, oid, window) : null, tempSpillRate(db, collection.id, window)]);
  const loadMs = Number(process.hrtime.bigint() - loadStarted) / 1e6 - Math.max(load?.waited_ms ?? 0, spill.waited_ms);
  const costMs = probeMs + Math.max(0, loadMs);
  return {
    collection: collection.name,
    table,
    indexes,
    maintenance,
    blocking_chains,
    runaway_queries,
    connections,
    partitioning: layout && load ? { ...layout, partitions: load.partitions, window_ms: load.window_ms } : null,
    memory: { temp_bytes_per_s: spill.per_s, window_ms: spill.window_ms, work_mem_bytes: workMem, consumers },
    slots,
    replicas,
    sampled_at: sampledAt,
    sample_cost_ms: Math.round(costMs * 100) / 100,
  };
}
