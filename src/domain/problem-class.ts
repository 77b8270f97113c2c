import { z } from 'zod';

/**
 * The seven problem classes of the vector store, then the PostgreSQL incidents that page operators most,
 * each as its own class; a discriminated union on `class`.
 */
export const PROBLEM_CLASS_NAMES = [
  'HotspotCongestion',
  'CentroidSkew',
  'ReplicationLag',
  'MaintenanceContention',
  'IndexFragmentation',
  'MemoryPressure',
  'Unknown',
  'InvalidIndex',
  'BlockingChain',
  'RunawayQuery',
  'ConnectionExhaustion',
  'WraparoundRisk',
  'StaleStatistics',
  'SlotRetention',
] as const;

export const problemClassNameSchema = z.enum(PROBLEM_CLASS_NAMES);
export type ProblemClassName = z.infer<typeof problemClassNameSchema>;

/** partition_ids are the partitions' list values (their centroid ids), hottest first. */
export const hotspotCongestionSchema = z.object({
  class: z.literal('HotspotCongestion'),
  partition_ids: z.array(z.number().int()),
  partition_names: z.array(z.string()).default([]),
  load_ratio: z.number(),
});

/** centroid_ids are the partition values of the oversized lists, largest first. */
export const centroidSkewSchema = z.object({
  class: z.literal('CentroidSkew'),
  centroid_ids: z.array(z.number().int()),
  skew_factor: z.number(),
  /** Coefficient of variation of the list sizes. */
  size_cv: z.number().default(0),
});

/** replica_ids are the walsender pids; the gap is measured in bytes, the seconds are as reported. */
export const replicationLagSchema = z.object({
  class: z.literal('ReplicationLag'),
  replica_ids: z.array(z.number().int()),
  replica_names: z.array(z.string()).default([]),
  lag_seconds: z.number(),
  lag_bytes: z.number().default(0),
});

export const maintenanceContentionSchema = z.object({
  class: z.literal('MaintenanceContention'),
  job_types: z.array(z.string()),
  queue_depth: z.number().int().nonnegative(),
});

export const indexFragmentationSchema = z.object({
  class: z.literal('IndexFragmentation'),
  /** Index OIDs and their qualified names, most fragmented first. */
  index_ids: z.array(z.number().int()),
  index_names: z.array(z.string()),
  fragmentation_pct: z.number(),
});

export const memoryPressureSchema = z.object({
  class: z.literal('MemoryPressure'),
  current_usage_pct: z.number(),
  largest_consumers: z.array(z.tuple([z.string(), z.number()])),
});

/** An index left INVALID by an interrupted CREATE INDEX / REINDEX CONCURRENTLY: maintained, never used. */
export const invalidIndexSchema = z.object({
  class: z.literal('InvalidIndex'),
  index_ids: z.array(z.number().int()),
  index_names: z.array(z.string()),
});

/** Sessions queued behind a lock holder; idle-in-transaction roots hold locks while doing nothing. */
export const blockingChainSchema = z.object({
  class: z.literal('BlockingChain'),
  root_pids: z.array(z.number().int()),
  idle_in_transaction_roots: z.array(z.number().int()),
  blocked_sessions: z.number().int().nonnegative(),
  max_depth: z.number().int().nonnegative(),
});

/** Statements on the collection running far longer than they should. */
export const runawayQuerySchema = z.object({
  class: z.literal('RunawayQuery'),
  pids: z.array(z.number().int()),
  longest_seconds: z.number(),
});

/** Client sessions close to the slots ordinary roles may use: the next connect is refused. */
export const connectionExhaustionSchema = z.object({
  class: z.literal('ConnectionExhaustion'),
  used: z.number().int(),
  usable: z.number().int(),
  usage_pct: z.number(),
  /** Roles holding the most sessions, with their counts. */
  top_roles: z.array(z.tuple([z.string(), z.number()])),
});

/** The table's oldest unfrozen XID is too old: at 2^31 PostgreSQL stops accepting writes. */
export const wraparoundRiskSchema = z.object({
  class: z.literal('WraparoundRisk'),
  relations: z.array(z.string()),
  xid_age: z.number(),
  freeze_max_age: z.number(),
});

/** So many rows changed since ANALYZE that the planner's estimates are wrong. */
export const staleStatisticsSchema = z.object({
  class: z.literal('StaleStatistics'),
  relations: z.array(z.string()),
  mods_since_analyze: z.number(),
  reltuples: z.number(),
});

/** An inactive replication slot keeps WAL the server would otherwise recycle, until the disk fills. */
export const slotRetentionSchema = z.object({
  class: z.literal('SlotRetention'),
  slot_names: z.array(z.string()),
  retained_bytes: z.number(),
});

export const unknownProblemSchema = z.object({
  class: z.literal('Unknown'),
  witness_summary: z.string(),
});

export const problemClassSchema = z.discriminatedUnion('class', [
  hotspotCongestionSchema,
  centroidSkewSchema,
  replicationLagSchema,
  maintenanceContentionSchema,
  indexFragmentationSchema,
  memoryPressureSchema,
  unknownProblemSchema,
  invalidIndexSchema,
  blockingChainSchema,
  runawayQuerySchema,
  connectionExhaustionSchema,
  wraparoundRiskSchema,
  staleStatisticsSchema,
  slotRetentionSchema,
]);

export type ProblemClass = z.infer<typeof problemClassSchema>;
export type ProblemOf<N extends ProblemClassName> = Extract<ProblemClass, { class: N }>;

export function isProblemClassName(value: string): value is ProblemClassName {
  return (PROBLEM_CLASS_NAMES as readonly string[]).includes(value);
}
