import type { HealingConfig } from '../../domain/healing-config';
import type { ConnectionUsage } from '../collection-stats';
import { addBetween, definePart, diagnosis } from '../sensor-part';

export const CONNECTIONS = 'connections';

/** Client sessions as a percentage of the slots ordinary roles may use. */
export function connectionUsagePct(u: ConnectionUsage): number {
  const usable = Math.max(1, u.max_connections - u.reserved);
  return (100 * u.used) / usable;
}

/** Full health up to the stress share, then falling linearly to 0 when every usable slot is taken. */
export function connectionHealth(u: ConnectionUsage, c: Pick<HealingConfig, 'connection_stress_pct'>): number {
  const pct = connectionUsagePct(u);
  if (pct <= c.connection_stress_pct) return 1;
  return Math.max(0, (100 - pct) / (100 - c.connection_stress_pct));
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** The server's connection slots: when they run out, the next client is refused. */
export const connectionSlotsPart = definePart({
  name: 'connection slots',
  reads: ['connections'],
  thresholds: ['connection_stress_pct'],
  contribute(g, stats, s) {
    addBetween(
      g,
      { id: CONNECTIONS, kind: 'connections', label: 'connection slots' },
      'connection',
      connectionHealth(stats.connections, s),
    );
  },
  diagnoses: [
    diagnosis({
      class: 'ConnectionExhaustion',
      scope: 'server',
      witness: 'connection',
      precedence: 100,
      diagnose(_w, stats) {
        const u = stats.connections;
        return {
          class: 'ConnectionExhaustion',
          used: u.used,
          usable: u.max_connections - u.reserved,
          usage_pct: round1(connectionUsagePct(u)),
          top_roles: u.top_roles.map((r) => [r.role, r.sessions] as [string, number]),
        };
      },
    }),
  ],
});
