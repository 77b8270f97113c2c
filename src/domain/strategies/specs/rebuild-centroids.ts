import { z } from 'zod';
import { strategySpec } from '../strategy-spec';
import { rowPlacementSchema, tableRefSchema } from './snapshot-parts';

export const rebuildCentroidsSpec = strategySpec({
  name: 'rebuild_centroids',
  handles: ['CentroidSkew'],
  impact: 0.5,
  estimated_duration_seconds: 120,
  reversible: true,
  requires_approval: false,
  sandbox_levels: ['prerequisites'],
  collection_kinds: ['ivf'],
  description:
    'recompute the centroids (k-means from the current ones) and reassign every row with a capacity per list; ' +
    'previous centroids and placements kept',
  params: {},
  snapshot: z.object({
    placement_key: z.string(),
    placement: rowPlacementSchema,
    centroids_table: tableRefSchema,
    /** The centroids before, to put back on rollback. */
    centroids: z.array(z.object({ partition_id: z.number().int(), centroid: z.array(z.number()) })),
  }),
});
