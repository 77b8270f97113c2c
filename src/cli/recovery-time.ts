import type { RecoveryTime } from '../postgres/recovery-history';

/** 45 s, 12.5 min, 3.2 h, 2.1 d: a span as a person reads it. */
export function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${(s / 60).toFixed(1)} min`;
  if (s < 48 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/** A mean time to recovery, saying how many were timed from the attempt's start for want of a detection time. */
export function recoveryTimeText(r: RecoveryTime): string {
  if (r.recoveries === 0 || r.mean_seconds === null) return 'no recovery';
  const fallback = r.measured_from_start
    ? ` (${r.measured_from_start} of ${r.recoveries} timed from the attempt's start: no detection time recorded)`
    : '';
  const over = `${r.recoveries} ${r.recoveries === 1 ? 'recovery' : 'recoveries'}`;
  return `${formatSeconds(r.mean_seconds)} over ${over}${fallback}`;
}

/** 0.75 → "75 %"; no denominator → "-". */
export function percent(rate: number | null): string {
  return rate === null ? '-' : `${Math.round(rate * 100)} %`;
}
