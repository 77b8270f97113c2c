import { UsageError } from './args';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a span back from now (30m, 24h, 7d) or an ISO timestamp. */
export function parseSince(text: string, now = Date.now()): Date {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (m) return new Date(now - Number(m[1]) * UNIT_MS[m[2]!]!);
  const t = Date.parse(text);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(text)) throw new UsageError(`--since takes a span such as 30m, 24h, 7d or an ISO timestamp, not "${text}"`);
  return new Date(t);
}

/** A span such as 90s, 10m, 1h. */
export function parseSpanMs(flag: string, text: string): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (!m || Number(m[1]) <= 0) throw new UsageError(`--${flag} takes a span such as 90s, 10m or 1h, not "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}
