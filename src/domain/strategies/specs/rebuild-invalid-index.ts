import { strategySpec } from '../strategy-spec';

export const rebuildInvalidIndexSpec = strategySpec({
  name: 'rebuild_invalid_index',
  handles: ['InvalidIndex'],
  impact: 0.3,
  estimated_duration_seconds: 120,
  reversible: false,
  requires_approval: false,
  sandbox_levels: ['prerequisites'],
  description:
    'drop an INVALID index and build it again CONCURRENTLY from its recorded definition; a leftover ' +
    '_ccnew/_ccold is only dropped',
  params: {},
});
