import { z } from 'zod';

export const INTEGRITY_STATES = ['normal', 'stress', 'critical'] as const;
export const integrityStateSchema = z.enum(INTEGRITY_STATES);
export type IntegrityState = z.infer<typeof integrityStateSchema>;

/** Numeric form for the `ruvector_integrity_state` gauge: 0 normal, 1 stress, 2 critical (above 1 is critical). */
export function integrityStateLevel(state: IntegrityState): number {
  return INTEGRITY_STATES.indexOf(state);
}

export interface IntegrityThresholds {
  /** λ / baseline below this is stress. */
  stress_ratio: number;
  /** λ / baseline below this is critical. */
  critical_ratio: number;
}

export function integrityStateFor(lambda: number, baseline: number, t: IntegrityThresholds): IntegrityState {
  if (baseline <= 0) return 'normal';
  const ratio = lambda / baseline;
  if (ratio < t.critical_ratio) return 'critical';
  if (ratio < t.stress_ratio) return 'stress';
  return 'normal';
}
