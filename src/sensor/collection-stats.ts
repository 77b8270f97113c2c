import { z } from 'zod';

/** One sample of a collection's live PostgreSQL statistics: what the sensor activity reads. */
export const indexStatsSchema = z.object({
  oid: z.number().int(),
  name: z.string(),
  size_bytes: z.number().nonnegative(),
  is_btree: z.boolean(),
  is_valid: z.boolean(),
  /**
   * pgstatindex figures (measured now or reused from the cache); null when the index was not a candidate for measuring.
   */
  avg_leaf_density: z.number().nullable(),
  leaf_fragmentation: z.number().nullable(),
  leaf_pages: z.number().nullable(),
  /**
   * Leaf density estimated from the statistics (src/sensor/index-bloat.ts); null when they cannot say. Absent before it
   * was estimated.
   */
  estimated_density: z.number().nullable().optional(),
  /**
   * Where avg_leaf_density comes from: read now, or a reading of the unchanged index reused; 'estimate' when only
   * estimated.
   */
  density_source: z.enum(['pgstatindex', 'cache', 'estimate']).nullable().optional(),
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

/** A lock-wait chain touching the collection, by its root: the session every waiter ends up behind. */
export const blockingChainSchema = z.object({
  root_pid: z.number().int(),
  /** active, idle in transaction, … */
  root_state: z.string(),
  root_user: z.string(),
  root_superuser: z.boolean(),
  root_backend_type: z.string(),
  /** A vacuum, analyze or index build: MaintenanceContention's, not a blocking chain's. */
  root_is_maintenance: z.boolean(),
  root_query: z.string(),
  root_xact_seconds: z.number(),
  blocked: z.number().int().nonnegative(),
  depth: z.number().int().nonnegative(),
  longest_wait_seconds: z.number(),
});
export type BlockingChain = z.infer<typeof blockingChainSchema>;

export const runawayQuerySchema = z.object({
  pid: z.number().int(),
  user_name: z.string(),
  superuser: z.boolean(),
  running_seconds: z.number(),
  query: z.string(),
});
export type RunawayQuery = z.infer<typeof runawayQuerySchema>;

export const connectionUsageSchema = z.object({
  max_connections: z.number().int(),
  /** Slots ordinary roles cannot use. */
  reserved: z.number().int(),
  used: z.number().int(),
  top_roles: z.array(
    z.object({
      role: z.string(),
      superuser: z.boolean(),
      sessions: z.number().int(),
      idle: z.number().int(),
      connection_limit: z.number().int().nullable(),
    }),
  ),
});
export type ConnectionUsage = z.infer<typeof connectionUsageSchema>;

export const partitionLoadSchema = z.object({
  oid: z.number().int(),
  name: z.string(),
  value: z.number().int().nullable(),
  reltuples: z.number(),
  live_tuples: z.number(),
  ops: z.number(),
  ops_per_s: z.number(),
});
export type PartitionLoadStats = z.infer<typeof partitionLoadSchema>;

/** A partitioned collection: its layout and, per leaf, rows and load over the sampling window. */
export const partitioningSchema = z.object({
  key: z.string().nullable(),
  centroids_table: z.string().nullable(),
  archive_table: z.string().nullable(),
  partitions: z.array(partitionLoadSchema),
  window_ms: z.number(),
});
export type PartitioningStats = z.infer<typeof partitioningSchema>;

/** Sorts and hashes spilling to disk: the signal PostgreSQL gives of memory too small for the work. */
export const memoryStatsSchema = z.object({
  temp_bytes_per_s: z.number(),
  window_ms: z.number(),
  work_mem_bytes: z.number(),
  consumers: z.array(
    z.object({ pid: z.number().int(), role: z.string(), superuser: z.boolean(), bytes: z.number(), query: z.string() }),
  ),
});
export type MemoryStats = z.infer<typeof memoryStatsSchema>;

export const slotStatsSchema = z.object({
  slot_name: z.string(),
  slot_type: z.string(),
  active: z.boolean(),
  retained_bytes: z.number(),
  wal_status: z.string().nullable(),
});
export type SlotStats = z.infer<typeof slotStatsSchema>;

export const standbyStatsSchema = z.object({
  pid: z.number().int(),
  application_name: z.string(),
  /** The physical slot the standby streams from, when it uses one: its sure identity. */
  slot_name: z.string().nullable().default(null),
  state: z.string(),
  replay_gap_bytes: z.number(),
  replay_lag_seconds: z.number().nullable(),
});
export type StandbyStats = z.infer<typeof standbyStatsSchema>;

export const collectionStatsSchema = z.object({
  collection: z.string(),
  table: z.object({
    oid: z.number().int(),
    name: z.string(),
    live_tuples: z.number(),
    dead_tuples: z.number(),
    reloptions: z.array(z.string()).nullable(),
    reltuples: z.number(),
    mods_since_analyze: z.number(),
    last_analyzed_at: z.string().nullable(),
    analysis: z.array(
      z.object({
        name: z.string(),
        reltuples: z.number(),
        mods_since_analyze: z.number(),
        analyzed_age_seconds: z.number().nullable(),
        // Absent in samples recorded before they were measured.
        autoanalyze_due: z.boolean().default(false),
        stale_for_seconds: z.number().nullable().default(null),
      }),
    ),
    xid_age: z.number(),
    freeze_max_age: z.number(),
  }),
  indexes: z.array(indexStatsSchema),
  maintenance: z.array(maintenanceJobSchema),
  blocking_chains: z.array(blockingChainSchema),
  runaway_queries: z.array(runawayQuerySchema),
  connections: connectionUsageSchema,
  /** Null for a plain table. */
  partitioning: partitioningSchema.nullable(),
  memory: memoryStatsSchema,
  /** The server's replication slots: WAL an inactive one retains fills the disk. */
  slots: z.array(slotStatsSchema),
  /** Streaming standbys of the server, as the primary sees them. */
  replicas: z.array(standbyStatsSchema),
  sampled_at: z.string(),
  /** Wall time the sample took: the sensor's own cost. */
  sample_cost_ms: z.number().nonnegative(),
});
export type CollectionStats = z.infer<typeof collectionStatsSchema>;
