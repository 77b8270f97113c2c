import { z } from 'zod';
import { strategySpec } from '../strategy-spec';

export const limitRoleConnectionsSpec = strategySpec({
  name: 'limit_role_connections',
  handles: ['ConnectionExhaustion'],
  impact: 0.3,
  estimated_duration_seconds: 15,
  reversible: true,
  requires_approval: false,
  sandbox_levels: ['read_only', 'prerequisites'],
  shared_target: 'role',
  description:
    'cap the connection limit of the role holding the most sessions and close its long-idle sessions; the previous ' +
    'limit is restored on rollback',
  params: {},
  snapshot: z.object({
    role: z.string(),
    /** pg_roles.rolconnlimit before: -1 is no limit. */
    connection_limit: z.number().int(),
  }),
});
