import { z } from 'zod';
import { strategySpec } from '../strategy-spec';

// After the acute levers: a role setting reaches only new sessions, so it prevents, not heals.
export const setRoleTimeoutsSpec = strategySpec({
  name: 'set_role_timeouts',
  handles: ['BlockingChain', 'RunawayQuery'],
  impact: 0.1,
  estimated_duration_seconds: 10,
  reversible: true,
  requires_approval: false,
  sandbox_levels: ['read_only', 'prerequisites'],
  shared_target: 'role',
  description:
    'the reversible lever: idle_in_transaction_session_timeout and lock_timeout ' +
    '(BlockingChain) or statement_timeout (RunawayQuery) for the offending role in this database; new sessions ' +
    'only, so it prevents rather than ends the incident; previous value restored',
  params: {},
  snapshot: z.object({
    role: z.string(),
    database: z.string(),
    /** Each setting with the role's value in this database before (pg_db_role_setting), or null when it had none. */
    settings: z.array(z.object({ name: z.string(), value: z.string(), previous: z.string().nullable() })),
  }),
});
