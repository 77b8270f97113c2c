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
    'build an INVALID index again with REINDEX INDEX CONCURRENTLY (swapped in only once valid: a build that ' +
    'fails leaves it as it was); a leftover _ccnew/_ccold is only dropped',
  params: {},
});
