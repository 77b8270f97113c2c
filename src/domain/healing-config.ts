import { z } from 'zod';
import { problemClassNameSchema } from './problem-class';
import { isStrategyName, unknownStrategyMessage } from './strategy-names';

/** A strategy selfheal knows: a typo would otherwise leave the strategy it meant ungated. */
const strategyNameSchema = z.string().refine(
  (n): boolean => isStrategyName(n),
  (n) => ({ message: unknownStrategyMessage(n) }),
);

/** A Kubernetes name that is a DNS-1123 label (namespaces, deployments here). */
const dns1123Label = z
  .string()
  .max(63)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be a DNS-1123 label: lowercase letters, digits and -, starting and ending alphanumeric',
  );

/**
 * HealingConfig (durations in seconds), plus the settings selfheal needs to run it.
 * Unknown keys are refused so a typo never silently falls back to a default.
 */
const healingConfigObject = z.object({
  enabled: z.boolean().default(true),
  min_healing_interval: z
    .number()
    .int()
    .min(0)
    .max(7 * 86400)
    .default(300),
  max_attempts_per_window: z.number().int().min(1).max(1000).default(3),
  attempt_window: z
    .number()
    .int()
    .min(1)
    .max(30 * 86400)
    .default(3600),
  max_auto_heal_impact: z.number().min(0).max(1).default(0.5),
  require_approval: z.array(problemClassNameSchema).default([]),
  require_approval_strategies: z.array(strategyNameSchema).default(['scale_replicas']),
  learning_enabled: z.boolean().default(true),
  /**
   * How far below the weight rule's pick (in expected reward, 0..1) the learned selection's choice
   * may be: exploring never costs more than this. 0 explores only where the rule is no better.
   */
  selection_margin: z.number().min(0).max(1).default(0.1),
  /** How long an attempt waits for approve/reject before it is Deferred. */
  approval_timeout: z
    .number()
    .int()
    .min(1)
    .max(30 * 86400)
    .default(3600),
  /** After this many attempts in a row that did not raise λ, auto-healing stops for a person. */
  ineffective_after: z.number().int().min(1).max(100).default(3),
  /** Guardian sampling interval. */
  check_interval: z.number().int().min(1).max(86400).default(60),
  /** Durable wait between execute and verify, so the system settles (10 s by default). */
  stabilization_wait: z.number().min(0).max(86400).default(10),
  /**
   * How long a verified temporary strategy's change stands (pause_maintenance, throttle_ingestion)
   * before a durable hold restores the previous setting and records it, in seconds.
   */
  temporary_hold: z
    .number()
    .int()
    .min(1)
    .max(7 * 86400)
    .default(1800),
  /** Verification needs λ ≥ this × initial λ. */
  min_lambda_improvement: z.number().min(1).max(10).default(1.1),
  /** λ / baseline below this is stress, below critical_ratio critical. */
  stress_ratio: z.number().gt(0).max(1).default(0.9),
  critical_ratio: z.number().gt(0).max(1).default(0.6),
  /**
   * Btree indexes this large or larger are measured with pgstatindex, when the estimate from the
   * statistics says they are bloated (or cannot say): it reads the whole index.
   */
  index_candidate_min_bytes: z
    .number()
    .int()
    .min(0)
    .default(1024 * 1024),
  /**
   * Bytes of index pgstatindex may read per sampling pass to confirm candidates, worst estimate
   * first; the rest wait for a later pass. A confirmed density is reused until the index changes.
   */
  index_confirm_budget_bytes: z
    .number()
    .int()
    .min(0)
    .default(256 * 1024 * 1024),
  /** Fragmentation above this percentage is IndexFragmentation. */
  index_fragmentation_threshold_pct: z.number().min(0).max(100).default(30),
  /** Maintenance running this long counts as contention even when it blocks nobody. */
  maintenance_long_running_seconds: z.number().min(0).max(86400).default(300),
  /** Sessions waiting on a lock this long count as blocked (a moment's wait is not a chain). */
  blocked_session_min_seconds: z.number().min(0).max(86400).default(5),
  /** A statement on the collection running this long is runaway. */
  runaway_query_seconds: z
    .number()
    .min(1)
    .max(7 * 86400)
    .default(300),
  /** Client sessions above this share of the usable connections weaken the connection part. */
  connection_stress_pct: z.number().min(1).max(99).default(80),
  /** Sessions idle this long are what limit_role_connections may close. */
  idle_connection_seconds: z.number().min(0).max(86400).default(300),
  /** age(relfrozenxid) where wraparound risk starts, and where it is critical (check_postgres-like). */
  xid_age_warn: z.number().int().min(1000).max(2_000_000_000).default(500_000_000),
  xid_age_critical: z.number().int().min(1000).max(2_100_000_000).default(1_200_000_000),
  /** Statistics are stale when rows changed since ANALYZE exceed this share of the table (min 1000 rows). */
  stale_statistics_ratio: z.number().gt(0).max(100).default(0.2),
  /** …and the last ANALYZE is at least this old: autovacuum gets its chance first (naptime 60 s). */
  stale_statistics_min_age_seconds: z
    .number()
    .min(0)
    .max(30 * 86400)
    .default(300),
  /** A partition with this many times the mean load is hot (a 9:1 skewed pgbench load reached 3.73×)… */
  hotspot_load_ratio: z.number().gt(1).max(1000).default(2),
  /** …once the collection does at least this many row operations per second. */
  hotspot_min_ops_per_second: z.number().min(0).default(20),
  /** A partition (centroid list) with this many times the mean rows is skewed. */
  centroid_skew_ratio: z.number().gt(1).max(1000).default(2),
  /** Temp-file writes per second (spilled sorts and hashes), or temp files in use, above this are MemoryPressure. */
  temp_spill_warn_bytes_per_s: z
    .number()
    .min(0)
    .default(8 * 1024 * 1024),
  /** The most tune_work_mem gives one role (per sort or hash node, per session). */
  max_work_mem_bytes: z
    .number()
    .int()
    .min(64 * 1024)
    .default(256 * 1024 * 1024),
  /** An inactive replication slot retaining more WAL than this is a problem. */
  slot_retained_warn_bytes: z
    .number()
    .min(0)
    .default(1024 * 1024 * 1024),
  /** What cap_slot_wal sets max_slot_wal_keep_size to, in MB (-1 would be unlimited). */
  slot_wal_keep_size_mb: z.number().int().min(1).default(1024),
  /** A standby this many bytes of WAL behind in replay is lagging. */
  replication_lag_warn_bytes: z
    .number()
    .min(0)
    .default(16 * 1024 * 1024),
  /** Cap for scale_replicas. */
  max_replicas: z.number().int().min(1).max(1000).default(10),
  /** Namespace of the deployment scale_replicas scales. */
  k8s_namespace: dns1123Label.default('default'),
  /** The read-serving deployment scale_replicas scales. */
  k8s_read_deployment: dns1123Label.default('ruvector-read'),
  /** How long scale_replicas waits for the new replicas to be ready, in seconds. */
  replica_ready_timeout: z.number().int().min(1).max(3600).default(300),
  /**
   * Attempts, outcomes and weight history older than this many days are deleted by the retention Schedule,
   * except what rollback, a running attempt or the learned weights still need.
   */
  history_retention_days: z.number().int().min(1).max(3650).default(30),
});

function crossChecks(
  c: Pick<z.infer<typeof healingConfigObject>, 'stress_ratio' | 'critical_ratio' | 'xid_age_warn' | 'xid_age_critical'>,
  ctx: z.RefinementCtx,
): void {
  if (c.critical_ratio > c.stress_ratio) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['critical_ratio'],
      message: 'critical_ratio must not exceed stress_ratio',
    });
  }
  if (c.xid_age_critical <= c.xid_age_warn) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['xid_age_critical'],
      message: 'xid_age_critical must exceed xid_age_warn',
    });
  }
}

export const healingConfigSchema = healingConfigObject.strict().superRefine(crossChecks);

/**
 * The same, but dropping keys it does not know: for configuration a newer selfheal loaded, read by
 * older workflow code while workers are upgraded one by one.
 */
export const storedHealingConfigSchema = z.preprocess(
  withKnownStrategiesOnly,
  healingConfigObject.strip().superRefine(crossChecks),
);

/**
 * Drops strategy names this version does not know from require_approval_strategies: names a newer
 * selfheal added, or ones stored before names were checked (they never gated anything). Input a
 * person gives is refused instead (healingConfigSchema).
 */
export function withKnownStrategiesOnly(stored: unknown): unknown {
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return stored;
  const names = (stored as Record<string, unknown>).require_approval_strategies;
  if (!Array.isArray(names)) return stored;
  return { ...stored, require_approval_strategies: names.filter((n) => typeof n === 'string' && isStrategyName(n)) };
}

export type HealingConfig = z.infer<typeof healingConfigSchema>;

/**
 * What only the workflows decide with (gating, approval, timing, learning): an activity never needs
 * it, so its inputs do not carry it (the lists grow with configuration; every input is in history).
 */
const WORKFLOW_ONLY = {
  enabled: true,
  min_healing_interval: true,
  max_attempts_per_window: true,
  attempt_window: true,
  max_auto_heal_impact: true,
  require_approval: true,
  require_approval_strategies: true,
  learning_enabled: true,
  selection_margin: true,
  approval_timeout: true,
  ineffective_after: true,
  check_interval: true,
  stabilization_wait: true,
  temporary_hold: true,
  min_lambda_improvement: true,
} as const satisfies Partial<Record<keyof HealingConfig, true>>;

/**
 * What applies to the whole store, not to a collection, and is read from the store by the housekeeping that
 * uses it (retention), never by an attempt: only the '*' scope may set it, and no activity input carries it.
 */
const DATABASE_WIDE = {
  history_retention_days: true,
} as const satisfies Partial<Record<keyof HealingConfig, true>>;

export const DATABASE_WIDE_KEYS: readonly string[] = Object.keys(DATABASE_WIDE);

const NOT_FOR_ACTIVITIES = { ...WORKFLOW_ONLY, ...DATABASE_WIDE } as const;

/** The configuration the sensor and the strategies measure and act with: what activities are given. */
export type ActionConfig = Omit<HealingConfig, keyof typeof NOT_FOR_ACTIVITIES>;

/** An activity's configuration; the other keys of a whole configuration (an older attempt's) are dropped. */
export const actionConfigSchema = healingConfigObject.omit(NOT_FOR_ACTIVITIES).strip().superRefine(crossChecks);

export function actionConfigOf(c: HealingConfig): ActionConfig {
  const out: Record<string, unknown> = { ...c };
  for (const k of Object.keys(NOT_FOR_ACTIVITIES)) delete out[k];
  return out as ActionConfig;
}
export type HealingConfigInput = z.input<typeof healingConfigSchema>;

export const DEFAULT_HEALING_CONFIG: HealingConfig = healingConfigSchema.parse({});

export function parseHealingConfig(input: unknown): HealingConfig {
  return healingConfigSchema.parse(input ?? {});
}
