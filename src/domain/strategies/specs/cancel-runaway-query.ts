import { strategySpec } from '../strategy-spec';

export const cancelRunawayQuerySpec = strategySpec({
  name: 'cancel_runaway_query',
  handles: ['RunawayQuery'],
  impact: 0.2,
  estimated_duration_seconds: 10,
  reversible: false,
  requires_approval: false,
  sandbox_levels: ['prerequisites'],
  description:
    'pg_cancel_backend the statements on the collection running past runaway_query_seconds; the sessions stay',
  params: {},
});
