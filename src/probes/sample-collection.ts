import type { Collection } from '../postgres/collections';
import type { CollectionStats } from '../sensor/collection-stats';
import { readIndexStats } from './index-stats';
import { readMaintenanceJobs } from './maintenance-jobs';
import type { Queryable } from './queryable';
import { readTableStats } from './table-stats';

/** One sample of everything the sensor weighs, with its own cost measured. */
export async function sampleCollection(db: Queryable, collection: Collection, candidateMinBytes: number): Promise<CollectionStats> {
  if (collection.table_oid === null) {
    throw new Error(`collection ${collection.name}: table ${collection.table_schema}.${collection.table_name} does not exist`);
  }
  const started = process.hrtime.bigint();
  const table = await readTableStats(db, collection.table_oid);
  const indexes = await readIndexStats(db, collection.table_oid, candidateMinBytes);
  const maintenance = await readMaintenanceJobs(db, collection.table_oid);
  const costMs = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    collection: collection.name,
    table,
    indexes,
    maintenance,
    sampled_at: new Date().toISOString(),
    sample_cost_ms: Math.round(costMs * 100) / 100,
  };
}
