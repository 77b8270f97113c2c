import type { HealingConfig } from '../../domain/healing-config';
import type { MemoryStats } from '../collection-stats';
import { addBetween, definePart, diagnosis } from '../sensor-part';

export const MEMORY = 'memory';

/**
 * Spill pressure: temp bytes written per second over the window, or temp files held right now,
 * whichever is larger. The rate counts a spill only once its sort ends, which a short window can
 * miss; the files in use show it while it runs.
 */
export function spillPressure(m: MemoryStats): number {
  return Math.max(
    m.temp_bytes_per_s,
    m.consumers.reduce((n, c) => n + c.bytes, 0),
  );
}

/** Full health while the spill pressure stays under the warning level. */
export function memoryHealth(m: MemoryStats, c: Pick<HealingConfig, 'temp_spill_warn_bytes_per_s'>): number {
  const p = spillPressure(m);
  return p <= c.temp_spill_warn_bytes_per_s ? 1 : c.temp_spill_warn_bytes_per_s / p;
}

/** Sorts and hashes spilling to disk: the signal PostgreSQL gives of work_mem too small for the work. */
export const sortMemoryPart = definePart({
  name: 'sort and hash memory',
  reads: ['memory'],
  thresholds: ['temp_spill_warn_bytes_per_s'],
  contribute(g, stats, s) {
    addBetween(
      g,
      { id: MEMORY, kind: 'memory', label: 'sort and hash memory' },
      'memory',
      memoryHealth(stats.memory, s),
    );
  },
  diagnoses: [
    diagnosis({
      class: 'MemoryPressure',
      scope: 'server',
      witness: 'memory',
      precedence: 40,
      diagnose(_w, stats, config) {
        const m = stats.memory;
        return {
          class: 'MemoryPressure',
          // Spill pressure as a share of the warning level: over 100 spills more than the collection may.
          current_usage_pct: Math.round((100 * spillPressure(m)) / Math.max(1, config.temp_spill_warn_bytes_per_s)),
          largest_consumers: m.consumers.map((c) => [`${c.role}: ${c.query}`, c.bytes] as [string, number]),
        };
      },
    }),
  ],
});
