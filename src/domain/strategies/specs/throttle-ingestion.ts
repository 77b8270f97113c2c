import { z } from 'zod';
import { strategySpec } from '../strategy-spec';

export const throttleIngestionSpec = strategySpec({
  name: 'throttle_ingestion',
  handles: ['HotspotCongestion', 'MemoryPressure'],
  impact: 0.4,
  estimated_duration_seconds: 30,
  reversible: true,
  requires_approval: false,
  sandbox_levels: ['read_only', 'prerequisites'],
  shared_target: 'role',
  // On a table collection a hotspot is the application's own traffic: a person or the read side decides.
  kinds_by_class: { HotspotCongestion: ['ivf'] },
  temporary: true,
  description:
    "lower the ingest role's connection limit by 50 % under stress, 90 % when critical, " +
    'closing its newest sessions; the previous limit is restored on rollback',
  params: {},
  snapshot: z.object({
    role: z.string(),
    /** pg_roles.rolconnlimit before: -1 is no limit. */
    connection_limit: z.number().int(),
  }),
});
