import type { HealingConfig } from '../../domain/healing-config';
import type { SlotStats } from '../collection-stats';
import { addBetween, definePart, diagnosis } from '../sensor-part';

export const SLOTS = 'slots';

/** Inactive slots holding WAL beyond the warning size; an active one is a standby's, not a leak. */
export function retainingSlots(
  slots: readonly SlotStats[],
  c: Pick<HealingConfig, 'slot_retained_warn_bytes'>,
): SlotStats[] {
  return slots.filter((s) => !s.active && s.wal_status !== 'lost' && s.retained_bytes > c.slot_retained_warn_bytes);
}

export function slotHealth(slots: readonly SlotStats[], c: Pick<HealingConfig, 'slot_retained_warn_bytes'>): number {
  const worst = Math.max(0, ...retainingSlots(slots, c).map((s) => s.retained_bytes));
  return worst === 0 ? 1 : c.slot_retained_warn_bytes / worst;
}

/** The server's replication slots: WAL an inactive one retains fills the disk. */
export const replicationSlotsPart = definePart({
  name: 'replication slots',
  reads: ['slots'],
  thresholds: ['slot_retained_warn_bytes'],
  contribute(g, stats, s) {
    addBetween(
      g,
      { id: SLOTS, kind: 'slots', label: 'WAL retained by replication slots' },
      'slot',
      slotHealth(stats.slots, s),
    );
  },
  diagnoses: [
    diagnosis({
      class: 'SlotRetention',
      scope: 'server',
      witness: 'slot',
      precedence: 120,
      diagnose(_w, stats, config) {
        const slots = retainingSlots(stats.slots, config);
        if (slots.length === 0) return null;
        return {
          class: 'SlotRetention',
          slot_names: slots.map((s) => s.slot_name),
          retained_bytes: Math.max(...slots.map((s) => s.retained_bytes)),
        };
      },
    }),
  ],
});
