import type { HealingConfig } from '../../domain/healing-config';
import { edge } from '../../graph/system-graph';
import type { PartitionLoadStats } from '../collection-stats';
import { definePart, diagnosis, WORKLOAD } from '../sensor-part';

export const partitionNode = (oid: number): string => `partition:${oid}`;
export const centroidNode = (oid: number): string => `centroid:${oid}`;

/** A partition's load over the mean of all partitions; 0 while the collection is nearly idle. */
export function loadRatio(
  p: PartitionLoadStats,
  all: readonly PartitionLoadStats[],
  c: Pick<HealingConfig, 'hotspot_min_ops_per_second'>,
): number {
  const total = all.reduce((n, x) => n + x.ops_per_s, 0);
  if (all.length < 2 || total < c.hotspot_min_ops_per_second) return 0;
  return p.ops_per_s / (total / all.length);
}

export function partitionHealth(
  p: PartitionLoadStats,
  all: readonly PartitionLoadStats[],
  c: Pick<HealingConfig, 'hotspot_min_ops_per_second' | 'hotspot_load_ratio'>,
): number {
  const r = loadRatio(p, all, c);
  return r <= c.hotspot_load_ratio ? 1 : c.hotspot_load_ratio / r;
}

/** A partition's rows over the mean, from reltuples: n_live_tup reads wrong right after a bulk load. */
export function sizeRatio(p: PartitionLoadStats, all: readonly PartitionLoadStats[]): number {
  const mean = all.reduce((n, x) => n + x.reltuples, 0) / Math.max(1, all.length);
  return mean > 0 ? p.reltuples / mean : 0;
}

export function centroidHealth(
  p: PartitionLoadStats,
  all: readonly PartitionLoadStats[],
  c: Pick<HealingConfig, 'centroid_skew_ratio'>,
): number {
  const r = sizeRatio(p, all);
  return r <= c.centroid_skew_ratio ? 1 : c.centroid_skew_ratio / r;
}

/** Only partitions with a list value can be acted on (moved to, drained, named by a centroid). */
const listed = (parts: readonly PartitionLoadStats[]): PartitionLoadStats[] => parts.filter((p) => p.value !== null);
const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * Partitions hang off their parent and serve clients directly; each is one centroid's list, which
 * clients probe first. Load weakens a partition, row skew its centroid.
 */
export const partitionsPart = definePart({
  name: 'partitions',
  reads: ['partitioning'],
  thresholds: ['hotspot_load_ratio', 'hotspot_min_ops_per_second', 'centroid_skew_ratio'],
  contribute(g, stats, s) {
    const parts = stats.partitioning?.partitions ?? [];
    for (const p of parts) {
      const pid = partitionNode(p.oid);
      const cid = centroidNode(p.oid);
      const hp = partitionHealth(p, parts, s);
      const hc = centroidHealth(p, parts, s);
      const label = stats.partitioning?.centroids_table ? `centroid ${p.value ?? p.name}` : `rows of ${p.name}`;
      g.nodes.push(
        { id: pid, kind: 'partition', label: p.name, oid: p.oid, health: hp },
        { id: cid, kind: 'centroid', label, health: hc },
      );
      g.edges.push(
        edge(g.table, pid, 'partition_link', 1, hp),
        edge(WORKLOAD, pid, 'access', 1, hp),
        edge(WORKLOAD, cid, 'centroid', 1, hc),
        edge(cid, pid, 'centroid', 1, Math.min(hc, hp)),
      );
    }
  },
  diagnoses: [
    // Hot partitions first, then skewed centroids: the first two checks of the order of checks.
    diagnosis({
      class: 'HotspotCongestion',
      scope: 'collection',
      witness: 'partition_link',
      precedence: 10,
      diagnose(_w, stats, config) {
        const parts = listed(stats.partitioning?.partitions ?? []);
        const hot = parts
          .filter((p) => partitionHealth(p, parts, config) < 1)
          .sort((a, b) => loadRatio(b, parts, config) - loadRatio(a, parts, config));
        if (hot.length === 0) return null;
        return {
          class: 'HotspotCongestion',
          partition_ids: hot.map((p) => p.value!),
          partition_names: hot.map((p) => p.name),
          load_ratio: round1(loadRatio(hot[0]!, parts, config)),
        };
      },
    }),
    diagnosis({
      class: 'CentroidSkew',
      scope: 'collection',
      witness: 'centroid',
      precedence: 20,
      diagnose(_w, stats, config) {
        const parts = listed(stats.partitioning?.partitions ?? []);
        const skewed = parts
          .filter((p) => centroidHealth(p, parts, config) < 1)
          .sort((a, b) => sizeRatio(b, parts) - sizeRatio(a, parts));
        if (skewed.length === 0) return null;
        const sizes = parts.map((p) => p.reltuples);
        const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
        const sd = Math.sqrt(sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / sizes.length);
        return {
          class: 'CentroidSkew',
          centroid_ids: skewed.map((p) => p.value!),
          skew_factor: round1(sizeRatio(skewed[0]!, parts)),
          size_cv: mean > 0 ? Math.round((sd / mean) * 1000) / 1000 : 0,
        };
      },
    }),
  ],
});
