import type { HealingConfig } from '../../domain/healing-config';
import type { TableStats } from '../table-stats';
import { addBetween, definePart, diagnosis } from '../sensor-part';

export const XID = 'xid';

/** Full health up to the warning age, then falling linearly to 0 at the critical age. */
export function freezeHealth(
  t: Pick<TableStats, 'xid_age'>,
  c: Pick<HealingConfig, 'xid_age_warn' | 'xid_age_critical'>,
): number {
  if (t.xid_age <= c.xid_age_warn) return 1;
  return Math.max(0, (c.xid_age_critical - t.xid_age) / (c.xid_age_critical - c.xid_age_warn));
}

/** The table's oldest unfrozen XID (its leaves' and TOAST's): at 2^31 the server stops taking writes. */
export const xidHorizonPart = definePart({
  name: 'transaction-ID horizon',
  reads: ['table'],
  thresholds: ['xid_age_warn', 'xid_age_critical'],
  contribute(g, stats, s) {
    addBetween(g, { id: XID, kind: 'xid', label: 'transaction-ID horizon' }, 'freeze', freezeHealth(stats.table, s));
  },
  diagnoses: [
    diagnosis({
      class: 'WraparoundRisk',
      scope: 'collection',
      witness: 'freeze',
      precedence: 110,
      diagnose(_w, stats) {
        return {
          class: 'WraparoundRisk',
          relations: [stats.table.name],
          xid_age: stats.table.xid_age,
          freeze_max_age: stats.table.freeze_max_age,
        };
      },
    }),
  ],
});
