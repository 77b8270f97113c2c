import { z } from 'zod';
import { strategySpec } from '../strategy-spec';
import { rowPlacementSchema, tableRefSchema } from './snapshot-parts';

export const evictColdDataSpec = strategySpec({
  name: 'evict_cold_data',
  handles: ['CentroidSkew'],
  impact: 0.3,
  estimated_duration_seconds: 60,
  reversible: true,
  requires_approval: false,
  sandbox_levels: ['prerequisites'],
  collection_kinds: ['ivf'],
  description:
    'move the coldest rows of the oversized list into <table>_archive until it is under the skew ratio; ' +
    'moved back on rollback',
  params: {},
  snapshot: z.object({ placement_key: z.string(), placement: rowPlacementSchema, archive: tableRefSchema }),
});
