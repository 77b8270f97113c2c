import { z } from 'zod';
import { strategySpec } from '../strategy-spec';

export const pauseMaintenanceSpec = strategySpec({
  name: 'pause_maintenance',
  handles: ['MaintenanceContention'],
  impact: 0.1,
  estimated_duration_seconds: 30,
  reversible: true,
  requires_approval: false,
  sandbox_levels: ['prerequisites'],
  temporary: true,
  description: "disable autovacuum on the collection's table and cancel its running autovacuum workers",
  params: {},
  snapshot: z.object({ schema: z.string(), table: z.string(), reloptions: z.array(z.string()).nullable() }),
});
