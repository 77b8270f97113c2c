import { z } from 'zod';

/** One sample of a collection's live PostgreSQL statistics: what the sensor activity reads. */
export const indexStatsSchema = z.object({
  oid: z.number().int(),
  name: z.string(),
  size_bytes: z.number().nonnegative(),
  is_btree: z.boolean(),
  is_valid: z.boolean(),
  /** pgstatindex figures; null when the index was not a candidate for measuring. */
  avg_leaf_density: z.number().nullable(),
  leaf_fragmentation: z.number().nullable(),
  leaf_pages: z.number().nullable(),
});
export type IndexStats = z.infer<typeof indexStatsSchema>;

export const maintenanceJobSchema = z.object({
  pid: z.number().int(),
  /** vacuum, autovacuum, analyze, create_index, cluster */
  job_type: z.string(),
  phase: z.string(),
  running_seconds: z.number().nonnegative(),
  is_autovacuum: z.boolean(),
  /** Sessions waiting on a lock this job holds. */
  blocking: z.number().int().nonnegative(),
});
export type MaintenanceJob = z.infer<typeof maintenanceJobSchema>;

export const collectionStatsSchema = z.object({
  collection: z.string(),
  table: z.object({
    oid: z.number().int(),
    name: z.string(),
    live_tuples: z.number(),
    dead_tuples: z.number(),
    reloptions: z.array(z.string()).nullable(),
  }),
  indexes: z.array(indexStatsSchema),
  maintenance: z.array(maintenanceJobSchema),
  sampled_at: z.string(),
  /** Wall time the sample took: the sensor's own cost. */
  sample_cost_ms: z.number().nonnegative(),
});
export type CollectionStats = z.infer<typeof collectionStatsSchema>;
