import type { HealingConfig } from '../domain/healing-config';
import type { BlockingChain, ConnectionUsage, RunawayQuery } from './collection-stats';
import type { TableStats } from '../probes/table-stats';

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
export function staleStatisticsThreshold(t: Pick<TableStats, 'reltuples'>, c: Pick<HealingConfig, 'stale_statistics_ratio'>): number {
  return c.stale_statistics_ratio * Math.max(t.reltuples, 1000);
}

export function statisticsHealth(t: Pick<TableStats, 'reltuples' | 'mods_since_analyze'>, c: Pick<HealingConfig, 'stale_statistics_ratio'>): number {
  const threshold = staleStatisticsThreshold(t, c);
  return t.mods_since_analyze <= threshold ? 1 : threshold / t.mods_since_analyze;
}
