import { UsageError } from './args';

const UNIT_BYTES: Record<string, number> = { '': 1, B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** `--min-size`: bytes, or a size such as 512kB, 1MB, 10GB (powers of 1024, as PostgreSQL's pg_size_pretty). */
export function parseSize(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?[bB]?)$/.exec(text.trim());
  const unit = m ? m[2]!.toUpperCase().replace(/^([KMGT])$/, '$1B') : '';
  if (!m || !(unit in UNIT_BYTES))
    throw new UsageError(`--${flag} takes a size such as 0, 512kB, 1MB or 10GB, not "${text}"`);
  return Math.round(Number(m[1]) * UNIT_BYTES[unit]!);
}

export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
