import { edge } from '../../graph/system-graph';
import type { IndexStats } from '../collection-stats';
import { definePart, diagnosis, WORKLOAD } from '../sensor-part';
import { MAINTENANCE, maintenanceHealth } from './maintenance';

/** Density of a freshly built btree leaf level (default fillfactor 90). */
export const HEALTHY_LEAF_DENSITY = 90;

export const indexNode = (oid: number): string => `index:${oid}`;

/** Health of an index from its leaf density; an unmeasured index is taken as healthy, an invalid one as dead. */
export function indexHealth(ix: IndexStats): number {
  if (!ix.is_valid) return 0;
  if (ix.avg_leaf_density === null) return 1;
  return Math.min(1, ix.avg_leaf_density / HEALTHY_LEAF_DENSITY);
}

/**
 * Fragmentation as a percentage (the fragmentation_pct classes report): how far the leaf density is below a fresh
 * build.
 */
export function fragmentationPct(ix: IndexStats): number {
  return ix.avg_leaf_density === null ? 0 : Math.max(0, 100 * (1 - ix.avg_leaf_density / HEALTHY_LEAF_DENSITY));
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Clients reach the table through each index; each index hangs off its table and is kept by maintenance. */
export const indexesPart = definePart({
  name: 'indexes',
  reads: ['indexes', 'maintenance'],
  thresholds: ['maintenance_long_running_seconds'],
  contribute(g, stats, s) {
    const maint = maintenanceHealth(stats.maintenance, s);
    for (const ix of stats.indexes) {
      const id = indexNode(ix.oid);
      const h = indexHealth(ix);
      g.nodes.push({ id, kind: 'index', label: ix.name, oid: ix.oid, health: h });
      g.edges.push(
        edge(WORKLOAD, id, 'access', 1, h),
        edge(id, g.table, 'index_link', 1, h),
        edge(MAINTENANCE, id, 'dependency', 1, Math.min(maint, h)),
      );
    }
  },
  diagnoses: [
    // An invalid index carries no capacity at all: when the witnesses touch one, that is the problem.
    diagnosis({
      class: 'InvalidIndex',
      scope: 'collection',
      precedence: 60,
      diagnose(w, stats) {
        const invalid = stats.indexes.filter((ix) => !ix.is_valid);
        if (!invalid.some((ix) => w.touches(indexNode(ix.oid)))) return null;
        return {
          class: 'InvalidIndex',
          index_ids: invalid.map((ix) => ix.oid),
          index_names: invalid.map((ix) => ix.name),
        };
      },
    }),
    // The witnesses must implicate a fragmented index; then every fragmented index is named, most
    // fragmented first, so a strategy rebuilds the worst one first.
    diagnosis({
      class: 'IndexFragmentation',
      scope: 'collection',
      precedence: 70,
      diagnose(w, stats, config) {
        const fragmented = stats.indexes
          .filter((ix) => ix.is_valid && fragmentationPct(ix) > config.index_fragmentation_threshold_pct)
          .sort((a, b) => fragmentationPct(b) - fragmentationPct(a));
        if (!fragmented.some((ix) => w.touches(indexNode(ix.oid), ['index_link', 'access']))) return null;
        return {
          class: 'IndexFragmentation',
          index_ids: fragmented.map((ix) => ix.oid),
          index_names: fragmented.map((ix) => ix.name),
          fragmentation_pct: round1(fragmentationPct(fragmented[0]!)),
        };
      },
    }),
  ],
});
