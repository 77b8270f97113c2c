import { counted } from '../domain/counted';

export interface DriftOptions {
  /** The recent outcomes compared with the ones before them. */
  window: number;
  /** Fewer outcomes than this say nothing yet. */
  minOutcomes: number;
  /** How far the recent mean reward must fall below the earlier one. */
  drop: number;
}

export const DEFAULT_DRIFT_OPTIONS: DriftOptions = { window: 5, minOutcomes: 8, drop: 0.3 };

export interface DriftVerdict {
  drifting: boolean;
  detail: string;
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Least-squares slope of ys against their index: reward per outcome. */
export function slopeOf(ys: readonly number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - mx) * (ys[i]! - my);
    sxx += (i - mx) ** 2;
  }
  return sxy / sxx;
}

/**
 * Whether one (class, strategy)'s outcomes fell and stayed down: all three of
 *   - the mean of the last `window` rewards is at least `drop` below the mean of the ones before;
 *   - most of those last rewards (more than half) are each below the earlier mean by `drop`, so one
 *     very bad outcome averaged in is not enough;
 *   - the least-squares slope over the last 2 × `window` rewards (the fall and what led to it) is negative.
 * Rewards are taken in time order, equal times in the order given.
 */
export function detectDrift(
  series: readonly { at: string; reward: number }[],
  opts: DriftOptions = DEFAULT_DRIFT_OPTIONS,
): DriftVerdict {
  const window = Math.max(1, Math.floor(opts.window));
  const minOutcomes = Math.max(window + 1, opts.minOutcomes);
  if (series.length < minOutcomes)
    return { drifting: false, detail: `${counted(series.length, 'outcome')}, fewer than the ${minOutcomes} needed` };
  // Sorted (stably) only when every time parses; otherwise the order given stands.
  const times = series.map((p) => Date.parse(p.at));
  const ordered = times.every(Number.isFinite)
    ? series
        .map((p, i) => ({ p, t: times[i]! }))
        .sort((a, b) => a.t - b.t)
        .map((e) => e.p)
    : [...series];
  const rewards = ordered.map((p) => p.reward);
  const earlier = rewards.slice(0, -window);
  const recent = rewards.slice(-window);
  const before = mean(earlier);
  const now = mean(recent);
  const fall = before - now;
  // A little slack, so a fall of exactly `drop` counts despite rounding (0.85 − 0.55 is 0.29999999999999993).
  const eps = 1e-9;
  const low = recent.filter((r) => r <= before - opts.drop + eps).length;
  const slope = slopeOf(rewards.slice(-2 * window));
  const drifting = fall >= opts.drop - eps && low * 2 > window && slope < 0;
  const since = ordered[ordered.length - window]!.at;
  return {
    drifting,
    detail:
      `mean of the last ${window} rewards ${now.toFixed(2)} vs ${before.toFixed(2)} for the ${earlier.length} before ` +
      `(fall ${fall.toFixed(2)}, needs ${opts.drop.toFixed(2)}); ` +
      `${low} of ${window} at least ${opts.drop.toFixed(2)} below; ` +
      `slope ${slope.toFixed(3)} per outcome; since ${since}`,
  };
}
