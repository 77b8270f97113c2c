import type { IntegrityState, IntegrityThresholds } from '../domain/integrity-state';

/** How far above a threshold λ / baseline must climb before the state improves: stops flapping. */
export const RECOVERY_MARGIN = 0.05;

/**
 * The next integrity state from the previous one and the new ratio λ / baseline. Getting worse
 * takes one sample below a threshold; getting better needs the ratio above the threshold plus the
 * margin, so a ratio hovering at a threshold does not toggle the state.
 */
export function nextIntegrityState(
  prev: IntegrityState | 'unknown',
  ratio: number,
  t: IntegrityThresholds,
  margin = RECOVERY_MARGIN,
): IntegrityState {
  const raw: IntegrityState = ratio < t.critical_ratio ? 'critical' : ratio < t.stress_ratio ? 'stress' : 'normal';
  if (prev === 'unknown') return raw;
  const rank = { normal: 0, stress: 1, critical: 2 } as const;
  if (rank[raw] >= rank[prev]) return raw;
  // Improving: only as far as the margin allows (compared with a little slack: 0.9 + 0.05 is 0.9500000000000001).
  const reaches = (threshold: number): boolean => ratio >= threshold + margin - 1e-9;
  if (prev === 'critical') {
    if (reaches(t.stress_ratio)) return 'normal';
    return reaches(t.critical_ratio) ? 'stress' : 'critical';
  }
  return reaches(t.stress_ratio) ? 'normal' : 'stress';
}
