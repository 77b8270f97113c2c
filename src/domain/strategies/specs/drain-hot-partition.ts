import { z } from 'zod';
import { strategySpec } from '../strategy-spec';
import { rowPlacementSchema } from './snapshot-parts';

export const drainHotPartitionSpec = strategySpec({
  name: 'drain_hot_partition',
  handles: ['HotspotCongestion'],
  impact: 0.4,
  estimated_duration_seconds: 60,
  reversible: true,
  requires_approval: false,
  sandbox_levels: ['prerequisites'],
  collection_kinds: ['ivf'],
  description: 'empty the hot partition at once, spreading its rows evenly over the others; every move recorded',
  params: {},
  snapshot: z.object({ placement_key: z.string(), placement: rowPlacementSchema }),
});
