import { z } from 'zod';

/**
 * table: any table, partitioned or not; its partition key is the user's data and is never rewritten.
 * ivf: LIST-partitioned by a movable assignment column with a centroids table, declared by the
 * operator: rows may move between partitions.
 */
export const COLLECTION_KINDS = ['table', 'ivf'] as const;
export const collectionKindSchema = z.enum(COLLECTION_KINDS);
export type CollectionKind = z.infer<typeof collectionKindSchema>;
