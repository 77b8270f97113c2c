import { z } from 'zod';
import type { ProblemClass } from '../domain/problem-class';

/** Table sizes at which the same fault calls for different levers: an in-place fix that is cheap on a small table. */
export const SIZE_BANDS = ['small', 'medium', 'large'] as const;
export const SMALL_TABLE_BYTES = 64 * 1024 ** 2;
export const LARGE_TABLE_BYTES = 4 * 1024 ** 3;

/**
 * The situation a strategy is chosen in, every figure on a scale comparable across classes, so one
 * model shape fits them all. Recorded with the attempt, it is what the bandit learns from.
 */
export const selectionContextSchema = z.object({
  /** 1 − λ / baseline, clamped to 0..1: how much of the collection's integrity is gone. */
  severity: z.number().min(0).max(1),
  critical: z.boolean(),
  size_band: z.enum(SIZE_BANDS),
  /** The class's own measure (fragmentation, load ratio, lag …) mapped to 0..1, higher is worse. */
  measure: z.number().min(0).max(1),
  minutes_since_fault: z.number().nonnegative(),
  attempts_so_far: z.number().int().nonnegative(),
});
export type SelectionContext = z.infer<typeof selectionContextSchema>;
export type SizeBand = SelectionContext['size_band'];

export interface SelectionContextInput {
  lambda: number;
  baseline_lambda: number;
  critical: boolean;
  table_bytes: number;
  problem: ProblemClass;
  /** When the fault was first seen; null when not known (then it counts as just seen). */
  detected_at: string | null;
  now: string;
  attempts_so_far: number;
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
/** 0 at 0, ½ at `half`, towards 1: for unbounded counts and durations. */
const saturating = (x: number, half: number): number => clamp01(Math.max(0, x) / (Math.max(0, x) + half));
/** 0 at ratio 1 (even), ½ at 2 (the default threshold), towards 1: for "times the mean" ratios. */
const overMean = (ratio: number): number => clamp01(1 - 1 / Math.max(1, ratio));

/** The point at which PostgreSQL stops accepting writes to protect against XID wraparound. */
const WRAPAROUND_XID_AGE = 2 ** 31;
const GIB = 1024 ** 3;

/**
 * One normalizer per class. The halves are where the class is plainly serious: a minute of replica
 * lag, ten blocked sessions, ten minutes of a runaway statement, a GiB of retained WAL.
 */
export function problemMeasure(problem: ProblemClass): number {
  switch (problem.class) {
    case 'HotspotCongestion':
      return overMean(problem.load_ratio);
    case 'CentroidSkew':
      return overMean(problem.skew_factor);
    case 'ReplicationLag':
      return saturating(problem.lag_seconds, 60);
    case 'MaintenanceContention':
      return saturating(problem.queue_depth, 4);
    case 'IndexFragmentation':
      return clamp01(problem.fragmentation_pct / 100);
    case 'MemoryPressure':
      // A share of the spill warning level: 100 is at the level, so it can run past 100.
      return saturating(problem.current_usage_pct, 100);
    case 'Unknown':
      return 0;
    case 'InvalidIndex':
      return saturating(problem.index_ids.length, 1);
    case 'BlockingChain':
      return saturating(problem.blocked_sessions, 10);
    case 'RunawayQuery':
      return saturating(problem.longest_seconds, 600);
    case 'ConnectionExhaustion':
      return clamp01(problem.usage_pct / 100);
    case 'WraparoundRisk':
      return clamp01(problem.xid_age / WRAPAROUND_XID_AGE);
    case 'StaleStatistics':
      return saturating(problem.mods_since_analyze / Math.max(1, problem.reltuples), 1);
    case 'SlotRetention':
      return saturating(problem.retained_bytes, GIB);
    default:
      return unreachable(problem);
  }
}

function unreachable(p: never): never {
  throw new Error(`no measure for problem class ${(p as { class: string }).class}`);
}

export function sizeBandOf(tableBytes: number): SizeBand {
  return tableBytes < SMALL_TABLE_BYTES ? 'small' : tableBytes < LARGE_TABLE_BYTES ? 'medium' : 'large';
}

export function selectionContextOf(input: SelectionContextInput): SelectionContext {
  const severity = input.baseline_lambda > 0 ? clamp01(1 - input.lambda / input.baseline_lambda) : 0;
  const since = input.detected_at === null ? NaN : Date.parse(input.now) - Date.parse(input.detected_at);
  return {
    severity,
    critical: input.critical,
    size_band: sizeBandOf(input.table_bytes),
    measure: problemMeasure(input.problem),
    minutes_since_fault: Number.isFinite(since) ? Math.max(0, since) / 60_000 : 0,
    attempts_so_far: Math.max(0, Math.floor(input.attempts_so_far)),
  };
}

/** Names of contextFeatures' columns, in order: for people reading a stored model. */
export const CONTEXT_FEATURE_NAMES = [
  'bias',
  'severity',
  'critical',
  'size_medium',
  'size_large',
  'measure',
  'log_minutes',
  'attempts',
] as const;
export const CONTEXT_FEATURES = CONTEXT_FEATURE_NAMES.length;

/** A day: past that, how long a fault has stood no longer tells strategies apart. */
const MINUTES_CAP = 24 * 60;
const ATTEMPTS_CAP = 5;

/**
 * The context as the model's input, every column in 0..1: a bias, the figures, the size band one-hot
 * against small (so the bias is the small-table case), the age on a log scale, the attempts capped.
 */
export function contextFeatures(ctx: SelectionContext): number[] {
  return [
    1,
    clamp01(ctx.severity),
    ctx.critical ? 1 : 0,
    ctx.size_band === 'medium' ? 1 : 0,
    ctx.size_band === 'large' ? 1 : 0,
    clamp01(ctx.measure),
    Math.min(1, Math.log1p(Math.max(0, ctx.minutes_since_fault)) / Math.log1p(MINUTES_CAP)),
    Math.min(ctx.attempts_so_far, ATTEMPTS_CAP) / ATTEMPTS_CAP,
  ];
}
