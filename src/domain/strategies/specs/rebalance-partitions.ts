import { z } from 'zod';
import { strategySpec } from '../strategy-spec';
import { rowPlacementSchema } from './snapshot-parts';

// First in registry order for HotspotCongestion and CentroidSkew: with equal weights the first eligible wins.
export const rebalancePartitionsSpec = strategySpec({
  name: 'rebalance_partitions',
  handles: ['HotspotCongestion'],
  impact: 0.3,
  estimated_duration_seconds: 60,
  reversible: true,
  requires_approval: false,
  sandbox_levels: ['prerequisites'],
  collection_kinds: ['ivf'],
  description:
    'move rows from the hot partition to the coldest in increments, sampling integrity after each and undoing one ' +
    'that made it worse; every move recorded',
  params: {},
  snapshot: z.object({ placement_key: z.string(), placement: rowPlacementSchema }),
});
