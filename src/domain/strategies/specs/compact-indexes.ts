import { strategySpec } from '../strategy-spec';

export const compactIndexesSpec = strategySpec({
  name: 'compact_indexes',
  handles: ['IndexFragmentation'],
  impact: 0.5,
  estimated_duration_seconds: 120,
  reversible: false,
  requires_approval: false,
  sandbox_levels: ['complete', 'prerequisites'],
  description: 'REINDEX INDEX CONCURRENTLY the fragmented btree indexes, most fragmented first',
  params: {},
});
