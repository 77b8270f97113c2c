import type { HealingConfig } from '../domain/healing-config';
import type { BlockingChain, ConnectionUsage, MemoryStats, PartitionLoadStats, RunawayQuery, SlotStats, StandbyStats } from './collection-stats';
import type { PartAnalysis, TableStats } from '../probes/table-stats';

/**
 * Health, 0–1, of the parts beyond tables and indexes, each from one measured figure, so that λ falls
 * as the part weakens and a person can read why from the figure.
 */

/** Chains whose root is ordinary work; a maintenance root is MaintenanceContention's. */
export function sessionChains(chains: BlockingChain[]): BlockingChain[] {
  return chains.filter((c) => !c.root_is_maintenance);
}

export function lockHealth(chains: BlockingChain[]): number {
  return 1 / (1 + sessionChains(chains).reduce((n, c) => n + c.blocked, 0));
}

export function queryHealth(runaway: RunawayQuery[]): number {
  return 1 / (1 + runaway.length);
}

/** Client sessions as a percentage of the slots ordinary roles may use. */
export function connectionUsagePct(u: ConnectionUsage): number {
  const usable = Math.max(1, u.max_connections - u.reserved);
  return (100 * u.used) / usable;
}

/** Full health up to the stress share, then falling linearly to 0 when every usable slot is taken. */
export function connectionHealth(u: ConnectionUsage, c: Pick<HealingConfig, 'connection_stress_pct'>): number {
  const pct = connectionUsagePct(u);
  if (pct <= c.connection_stress_pct) return 1;
  return Math.max(0, (100 - pct) / (100 - c.connection_stress_pct));
}

/** Full health up to the warning age, then falling linearly to 0 at the critical age. */
export function freezeHealth(t: Pick<TableStats, 'xid_age'>, c: Pick<HealingConfig, 'xid_age_warn' | 'xid_age_critical'>): number {
  if (t.xid_age <= c.xid_age_warn) return 1;
  return Math.max(0, (c.xid_age_critical - t.xid_age) / (c.xid_age_critical - c.xid_age_warn));
}

/** Rows changed since ANALYZE above which statistics are stale (postgres-notes: 20 % of at least 1000 rows). */
export function staleStatisticsThreshold(t: Pick<PartAnalysis, 'reltuples'>, c: Pick<HealingConfig, 'stale_statistics_ratio'>): number {
  return c.stale_statistics_ratio * Math.max(t.reltuples, 1000);
}

type StaleSettings = Pick<HealingConfig, 'stale_statistics_ratio' | 'stale_statistics_min_age_seconds'>;

/**
 * One part (the table, or a leaf partition) is stale when its changes pass the threshold and
 * autovacuum will not fix that by itself: it is off for the part or its own threshold is higher,
 * or it is due but the part has stayed stale for stale_statistics_min_age_seconds. A part taking
 * heavy writes right now (a hotspot) is due for autoanalyze, not stale. Without a sample history
 * (a one-off reading), the age of the last ANALYZE stands in for how long it has been stale.
 */
export function partStatisticsHealth(p: PartAnalysis, c: StaleSettings): number {
  const threshold = staleStatisticsThreshold(p, c);
  if (p.mods_since_analyze <= threshold) return 1;
  const minAge = c.stale_statistics_min_age_seconds;
  if (p.stale_for_seconds === null) {
    if (p.analyzed_age_seconds !== null && p.analyzed_age_seconds < minAge) return 1;
  } else if (p.autoanalyze_due && p.stale_for_seconds < minAge) {
    return 1;
  }
  return threshold / p.mods_since_analyze;
}

export function stalestParts(t: Pick<TableStats, 'analysis'>, c: StaleSettings): PartAnalysis[] {
  return t.analysis.filter((p) => partStatisticsHealth(p, c) < 1).sort((a, b) => partStatisticsHealth(a, c) - partStatisticsHealth(b, c));
}

export function statisticsHealth(t: Pick<TableStats, 'analysis'>, c: StaleSettings): number {
  return Math.min(1, ...t.analysis.map((p) => partStatisticsHealth(p, c)));
}

/** A partition's load over the mean of all partitions; 0 while the collection is nearly idle. */
export function loadRatio(p: PartitionLoadStats, all: PartitionLoadStats[], c: Pick<HealingConfig, 'hotspot_min_ops_per_second'>): number {
  const total = all.reduce((n, x) => n + x.ops_per_s, 0);
  if (all.length < 2 || total < c.hotspot_min_ops_per_second) return 0;
  return p.ops_per_s / (total / all.length);
}

export function partitionHealth(p: PartitionLoadStats, all: PartitionLoadStats[], c: Pick<HealingConfig, 'hotspot_min_ops_per_second' | 'hotspot_load_ratio'>): number {
  const r = loadRatio(p, all, c);
  return r <= c.hotspot_load_ratio ? 1 : c.hotspot_load_ratio / r;
}

/** A partition's rows over the mean (postgres-notes: reltuples, not n_live_tup, after bulk loads). */
export function sizeRatio(p: PartitionLoadStats, all: PartitionLoadStats[]): number {
  const mean = all.reduce((n, x) => n + x.reltuples, 0) / Math.max(1, all.length);
  return mean > 0 ? p.reltuples / mean : 0;
}

export function centroidHealth(p: PartitionLoadStats, all: PartitionLoadStats[], c: Pick<HealingConfig, 'centroid_skew_ratio'>): number {
  const r = sizeRatio(p, all);
  return r <= c.centroid_skew_ratio ? 1 : c.centroid_skew_ratio / r;
}

/**
 * Spill pressure: temp bytes written per second over the window, or temp files held right now,
 * whichever is larger. The rate counts a spill only once its sort ends, which a short window can
 * miss; the files in use show it while it runs.
 */
export function spillPressure(m: MemoryStats): number {
  return Math.max(m.temp_bytes_per_s, m.consumers.reduce((n, c) => n + c.bytes, 0));
}

/** Full health while the spill pressure stays under the warning level. */
export function memoryHealth(m: MemoryStats, c: Pick<HealingConfig, 'temp_spill_warn_bytes_per_s'>): number {
  const p = spillPressure(m);
  return p <= c.temp_spill_warn_bytes_per_s ? 1 : c.temp_spill_warn_bytes_per_s / p;
}

/** Inactive slots holding WAL beyond the warning size; an active one is a standby's, not a leak. */
export function retainingSlots(slots: SlotStats[], c: Pick<HealingConfig, 'slot_retained_warn_bytes'>): SlotStats[] {
  return slots.filter((s) => !s.active && s.wal_status !== 'lost' && s.retained_bytes > c.slot_retained_warn_bytes);
}

export function slotHealth(slots: SlotStats[], c: Pick<HealingConfig, 'slot_retained_warn_bytes'>): number {
  const worst = Math.max(0, ...retainingSlots(slots, c).map((s) => s.retained_bytes));
  return worst === 0 ? 1 : c.slot_retained_warn_bytes / worst;
}

/** A standby's health from its replay gap in bytes. */
export function replicaHealth(r: StandbyStats, c: Pick<HealingConfig, 'replication_lag_warn_bytes'>): number {
  return r.replay_gap_bytes <= c.replication_lag_warn_bytes ? 1 : c.replication_lag_warn_bytes / r.replay_gap_bytes;
}
