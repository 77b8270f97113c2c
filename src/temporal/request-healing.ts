import type { Client } from '@temporalio/client';
import { getCollection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import type { TriggerAnswer, TriggerRequest } from '../../workflows/guardian-messages';
import { triggerHealing } from './guardian-client';

/** What asking for an attempt needs: the store (is the collection watched?) and the database's guardian. */
export interface HealingRequester {
  /** Connected when first needed: an unwatched collection is refused without Temporal. */
  temporal: () => Promise<Client>;
  pool: Pool;
  /** The database's key, `<server>/<name>`: its guardian's id. */
  database: string;
  taskQueue: string;
}

/**
 * Asks the collection's guardian for an attempt (ruvector_healing_trigger): Started, Joined, or
 * Deferred with why. A collection that is not watched is refused before the guardian is asked
 * (UnknownCollectionError, UnwatchedCollectionError). `selfheal trigger` and the Alertmanager
 * receiver both ask this way.
 */
export async function requestHealing(
  r: HealingRequester,
  collection: string,
  request: TriggerRequest,
): Promise<TriggerAnswer> {
  await getCollection(r.pool, collection);
  return triggerHealing(await r.temporal(), r.database, collection, r.taskQueue, request);
}
