import type { Collection } from '../postgres/collections';
import type { CollectionStats } from '../sensor/collection-stats';
import type { WindowOptions } from './counter-window';
import type { Queryable } from './queryable';
import { sampleDatabase, type SamplerSettings } from './sample-database';

export type { SamplerSettings } from './sample-database';

/**
 * One sample of everything the sensor weighs for one collection, with its own cost measured: the
 * database pass (sampleDatabase) over this collection alone. Verification and strategies call it.
 */
export async function sampleCollection(
  db: Queryable,
  collection: Collection,
  settings: SamplerSettings,
  /** How rates are windowed: after a change, or (periodic samples) without waiting. */
  window: WindowOptions = {},
): Promise<CollectionStats> {
  if (collection.table_oid === null) {
    throw new Error(
      `collection ${collection.name}: table ${collection.table_schema}.${collection.table_name} does not exist`,
    );
  }
  const pass = await sampleDatabase(db, [collection], settings, window);
  const stats = pass.collections[0];
  if (!stats)
    throw new Error(
      `collection ${collection.name}: ${pass.missing[0]?.reason ?? 'not sampled'} (${collection.table_schema}.` +
        `${collection.table_name})`,
    );
  return stats;
}
