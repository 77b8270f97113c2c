import { UsageError } from './args';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Far enough back for any history; keeps the date valid for JavaScript and PostgreSQL alike. */
const MAX_SINCE_MS = 100 * 365 * 86_400_000;

/** `--since`: a span back from now (30m, 24h, 7d) or an ISO timestamp; refused unless it is a real date. */
export function parseSince(text: string, now = Date.now()): Date {
  const usage =
    `--since takes a span such as 30m, 24h, 7d (at most 100 years) or an ISO timestamp such as ` +
    `2026-01-31T12:00:00Z, not "${text}"`;
  const m = /^(\d{1,12})([smhd])$/.exec(text);
  if (m) {
    const back = Number(m[1]) * UNIT_MS[m[2]!]!;
    if (back > MAX_SINCE_MS) throw new UsageError(usage);
    return new Date(now - back);
  }
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  const t = Date.parse(text);
  if (!iso || Number.isNaN(t)) throw new UsageError(usage);
  // JavaScript rolls 2026-02-30 over to March 2: a date that does not exist is refused instead.
  const [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (
    y < 1970 ||
    day.getUTCMonth() !== mo - 1 ||
    day.getUTCDate() !== d ||
    Number(iso[4] ?? 0) > 23 ||
    Number(iso[5] ?? 0) > 59 ||
    Number(iso[6] ?? 0) > 59
  ) {
    throw new UsageError(usage);
  }
  return new Date(t);
}

/** A span such as 90s, 10m, 1h, from 1 s up to maxMs (timers take at most about 24 days). */
export function parseSpanMs(flag: string, text: string, maxMs = 7 * 86_400_000): number {
  const m = /^(\d{1,12})([smhd])$/.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : Number.NaN;
  if (!(ms >= 1000 && ms <= maxMs))
    throw new UsageError(
      `--${flag} takes a span such as 90s, 10m or 1h (from 1s to ${Math.round(maxMs / 3_600_000)}h), not "${text}"`,
    );
  return ms;
}

/** A whole-number option (--limit) within bounds, refused with the bounds named. */
export function parseWholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = /^\d{1,12}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new UsageError(`--${flag} takes a whole number from ${min} to ${max}, not "${text}"`);
  return n;
}
