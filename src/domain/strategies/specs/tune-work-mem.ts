import { z } from 'zod';
import { strategySpec } from '../strategy-spec';

export const tuneWorkMemSpec = strategySpec({
  name: 'tune_work_mem',
  handles: ['MemoryPressure'],
  impact: 0.2,
  estimated_duration_seconds: 15,
  reversible: true,
  requires_approval: false,
  sandbox_levels: ['read_only', 'prerequisites'],
  shared_target: 'role',
  description:
    'raise work_mem for the role whose sorts spill most (ALTER ROLE … IN DATABASE … SET, ' +
    'capped by max_work_mem_bytes); its previous setting is restored on rollback',
  params: {},
  snapshot: z.object({
    role: z.string(),
    database: z.string(),
    /** work_mem set for the role in this database before, or null when none was. */
    previous: z.string().nullable(),
  }),
});
