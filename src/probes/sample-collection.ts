import type { HealingConfig } from '../domain/healing-config';
import type { Collection } from '../postgres/collections';
import type { CollectionStats } from '../sensor/collection-stats';
import { readBlockingChains } from './blocking-chains';
import { readConnectionUsage } from './connection-usage';
import { readIndexStats } from './index-stats';
import { readMaintenanceJobs } from './maintenance-jobs';
import type { Queryable } from './queryable';
import { readRunawayQueries } from './runaway-queries';
import { readTableStats } from './table-stats';

export type SamplerSettings = Pick<HealingConfig, 'index_candidate_min_bytes' | 'blocked_session_min_seconds' | 'runaway_query_seconds'>;

/** One sample of everything the sensor weighs, with its own cost measured. */
export async function sampleCollection(db: Queryable, collection: Collection, settings: SamplerSettings): Promise<CollectionStats> {
  if (collection.table_oid === null) {
    throw new Error(`collection ${collection.name}: table ${collection.table_schema}.${collection.table_name} does not exist`);
  }
  const oid = collection.table_oid;
  const started = process.hrtime.bigint();
  const table = await readTableStats(db, oid);
  const indexes = await readIndexStats(db, oid, settings.index_candidate_min_bytes);
  const maintenance = await readMaintenanceJobs(db, oid);
  const blocking_chains = await readBlockingChains(db, oid, settings.blocked_session_min_seconds);
  const runaway_queries = await readRunawayQueries(db, oid, settings.runaway_query_seconds);
  const connections = await readConnectionUsage(db);
  const costMs = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    collection: collection.name,
    table,
    indexes,
    maintenance,
    blocking_chains,
    runaway_queries,
    connections,
    sampled_at: new Date().toISOString(),
    sample_cost_ms: Math.round(costMs * 100) / 100,
  };
}
