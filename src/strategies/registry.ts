import type { CollectionKind } from '../domain/collection-kind';
import type { HealingConfig } from '../domain/healing-config';
import type { ProblemClassName } from '../domain/problem-class';
import { strategyDescriptorSchema, type StrategyDescriptor } from '../domain/strategy-descriptor';
import { STRATEGY_NAMES } from '../domain/strategy-names';

/**
 * Every strategy selfheal knows, as pure descriptors (seed 002's registry). The code that acts
 * lives in activities/strategies/, one file per name.
 */
export const STRATEGIES: readonly StrategyDescriptor[] = [
  // Seed order for HotspotCongestion and CentroidSkew: with equal weights the first eligible wins.
  {
    name: 'rebalance_partitions',
    handles: ['HotspotCongestion'],
    impact: 0.3,
    estimated_duration_seconds: 60,
    reversible: true,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    collection_kinds: ['ivf'],
    description: 'move rows from the hot partition to the coldest in increments, sampling integrity after each and undoing one that made it worse; every move recorded',
  },
  {
    name: 'rebuild_centroids',
    handles: ['CentroidSkew'],
    impact: 0.5,
    estimated_duration_seconds: 120,
    reversible: true,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    collection_kinds: ['ivf'],
    description: 'recompute the centroids (k-means from the current ones) and reassign every row with a capacity per list; previous centroids and placements kept',
  },
  {
    name: 'compact_indexes',
    handles: ['IndexFragmentation'],
    impact: 0.5,
    estimated_duration_seconds: 120,
    reversible: false,
    requires_approval: false,
    sandbox_levels: ['complete', 'prerequisites'],
    description: 'REINDEX INDEX CONCURRENTLY the fragmented btree indexes, most fragmented first',
  },
  {
    name: 'pause_maintenance',
    handles: ['MaintenanceContention'],
    impact: 0.1,
    estimated_duration_seconds: 30,
    reversible: true,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    temporary: true,
    description: "disable autovacuum on the collection's table and cancel its running autovacuum workers",
  },
  {
    name: 'rebuild_invalid_index',
    handles: ['InvalidIndex'],
    impact: 0.3,
    estimated_duration_seconds: 120,
    reversible: false,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    description: 'drop an INVALID index and build it again CONCURRENTLY from its recorded definition; a leftover _ccnew/_ccold is only dropped',
  },
  {
    name: 'tune_work_mem',
    handles: ['MemoryPressure'],
    impact: 0.2,
    estimated_duration_seconds: 15,
    reversible: true,
    requires_approval: false,
    sandbox_levels: ['read_only', 'prerequisites'],
    shared_target: 'role',
    description: "raise work_mem for the role whose sorts spill most (ALTER ROLE … IN DATABASE … SET, capped by max_work_mem_bytes); its previous setting is restored on rollback",
  },
  {
    name: 'throttle_ingestion',
    handles: ['HotspotCongestion', 'MemoryPressure'],
    impact: 0.4,
    estimated_duration_seconds: 30,
    reversible: true,
    requires_approval: false,
    sandbox_levels: ['read_only', 'prerequisites'],
    shared_target: 'role',
    // On a table collection a hotspot is the application's own traffic: a person or the read side decides.
    kinds_by_class: { HotspotCongestion: ['ivf'] },
    temporary: true,
    description: "lower the ingest role's connection limit by 50 % under stress, 90 % when critical, closing its newest sessions; the previous limit is restored on rollback",
  },
  {
    name: 'evict_cold_data',
    handles: ['CentroidSkew'],
    impact: 0.3,
    estimated_duration_seconds: 60,
    reversible: true,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    collection_kinds: ['ivf'],
    description: 'move the coldest rows of the oversized list into <table>_archive until it is under the skew ratio; moved back on rollback',
  },
  {
    name: 'drain_hot_partition',
    handles: ['HotspotCongestion'],
    impact: 0.4,
    estimated_duration_seconds: 60,
    reversible: true,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    collection_kinds: ['ivf'],
    description: "empty the hot partition at once, spreading its rows evenly over the others; every move recorded",
  },
  {
    name: 'cap_slot_wal',
    handles: ['SlotRetention'],
    impact: 0.3,
    estimated_duration_seconds: 30,
    reversible: true,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    shared_target: 'server',
    description: 'ALTER SYSTEM SET max_slot_wal_keep_size (slot_wal_keep_size_mb) + reload + CHECKPOINT: a slot past the cap is invalidated and its WAL recycled; the setting is restored on rollback',
  },
  {
    name: 'drop_replication_slot',
    handles: ['SlotRetention'],
    impact: 0.5,
    estimated_duration_seconds: 10,
    reversible: false,
    requires_approval: true,
    sandbox_levels: ['prerequisites'],
    shared_target: 'server',
    description: 'drop the inactive slots that retain WAL past the warning size; never an active one',
  },
  {
    name: 'resume_wal_replay',
    handles: ['ReplicationLag'],
    impact: 0.1,
    estimated_duration_seconds: 60,
    reversible: false,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    shared_target: 'standbys',
    description: 'resume WAL replay on a standby whose replay was paused, and wait until the primary sees it caught up',
  },
  {
    name: 'terminate_blocking_root',
    handles: ['BlockingChain'],
    impact: 0.4,
    estimated_duration_seconds: 15,
    reversible: false,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    description: 'end the session at the head of each lock chain: cancel an active root first, terminate an idle-in-transaction one; never a superuser session',
  },
  {
    name: 'cancel_runaway_query',
    handles: ['RunawayQuery'],
    impact: 0.2,
    estimated_duration_seconds: 10,
    reversible: false,
    requires_approval: false,
    sandbox_levels: ['prerequisites'],
    description: 'pg_cancel_backend the statements on the collection running past runaway_query_seconds; the sessions stay',
  },
  // After the acute levers: a role setting reaches only new sessions, so it prevents, not heals.
  {
    name: 'set_role_timeouts',
    handles: ['BlockingChain', 'RunawayQuery'],
    impact: 0.1,
    estimated_duration_seconds: 10,
    reversible: true,
    requires_approval: false,
    sandbox_levels: ['read_only', 'prerequisites'],
    shared_target: 'role',
    description: "the reversible lever: idle_in_transaction_session_timeout and lock_timeout (BlockingChain) or statement_timeout (RunawayQuery) for the offending role in this database; new sessions only, so it prevents rather than ends the incident; previous value restored",
  },
  {
    name: 'limit_role_connections',
    handles: ['ConnectionExhaustion'],
    impact: 0.3,
    estimated_duration_seconds: 15,
    reversible: true,
    requires_approval: false,
    sandbox_levels: ['read_only', 'prerequisites'],
    shared_target: 'role',
    description: "cap the connection limit of the role holding the most sessions and close its long-idle sessions; the previous limit is restored on rollback",
  },
  {
    name: 'freeze_table',
    handles: ['WraparoundRisk'],
    impact: 0.3,
    estimated_duration_seconds: 300,
    reversible: false,
    requires_approval: false,
    sandbox_levels: ['complete', 'prerequisites'],
    description: "VACUUM (FREEZE) the collection's table so its relfrozenxid age falls to about zero",
  },
  {
    name: 'analyze_table',
    handles: ['StaleStatistics'],
    impact: 0.1,
    estimated_duration_seconds: 60,
    reversible: false,
    requires_approval: false,
    sandbox_levels: ['complete', 'prerequisites'],
    description: "ANALYZE the collection's table so the planner's estimates match the data again",
  },
  {
    name: 'scale_replicas',
    handles: ['HotspotCongestion'],
    impact: 0.2,
    estimated_duration_seconds: 300,
    reversible: true,
    requires_approval: true,
    sandbox_levels: ['prerequisites'],
    shared_target: 'deployment',
    description: 'scale the read deployment (k8s_read_deployment) to ceil(1.5 × replicas), capped by max_replicas, and wait until every replica is ready; scaled back to the previous count on rollback',
  },
].map((s) => strategyDescriptorSchema.parse(s));

// The pure name list (what configuration is checked against) and the descriptors must agree.
{
  const names = STRATEGIES.map((s) => s.name);
  if (names.length !== STRATEGY_NAMES.length || names.some((n, i) => n !== STRATEGY_NAMES[i])) {
    throw new Error(`src/domain/strategy-names.ts lists ${STRATEGY_NAMES.join(', ')}, but the registry describes ${names.join(', ')}`);
  }
}

export function strategyByName(name: string): StrategyDescriptor | undefined {
  return STRATEGIES.find((s) => s.name === name);
}

export type StrategyWeights = Readonly<Record<string, number>>;

export interface Selection {
  /** Within the impact cap when one is; otherwise the best above it, which waits for a person. */
  strategy: StrategyDescriptor | null;
  /** The chosen strategy's impact is above max_auto_heal_impact: it runs only once a person approves. */
  above_impact_cap: boolean;
  /** Strategies that handle the class, with why each was or was not chosen. */
  considered: { name: string; weight: number; eligible: boolean; reason: string }[];
}

/**
 * Seed 002 select: strategies that handle the class, within the impact cap, highest learned weight
 * (default 1). When none is within the cap, the best of those above it, to wait for a person's
 * approval (not dropped: the README's "impact above max_auto_heal_impact waits for a person").
 */
export function selectStrategy(
  problem: ProblemClassName,
  config: Pick<HealingConfig, 'max_auto_heal_impact'>,
  weights: StrategyWeights,
  /** The collection's kind; null (attempts recorded before kinds) considers every strategy as then. */
  kind: CollectionKind | null = null,
): Selection {
  const considered: Selection['considered'] = [];
  let best: StrategyDescriptor | null = null;
  let bestWeight = Number.NEGATIVE_INFINITY;
  let aboveCap: StrategyDescriptor | null = null;
  let aboveCapWeight = Number.NEGATIVE_INFINITY;
  for (const s of STRATEGIES) {
    if (!s.handles.includes(problem)) continue;
    const weight = weights[s.name] ?? 1;
    const kindRefusal = kindRefusalReason(s, kind, problem);
    const eligible = kindRefusal === null && s.impact <= config.max_auto_heal_impact;
    considered.push({
      name: s.name,
      weight,
      eligible,
      reason: kindRefusal ?? (eligible ? 'handles the class within the impact cap' : `impact ${s.impact} above max_auto_heal_impact ${config.max_auto_heal_impact}: only with a person's approval`),
    });
    if (eligible && weight > bestWeight) {
      best = s;
      bestWeight = weight;
    }
    // Above the cap a person may approve it; a strategy barred for this kind of collection never runs.
    if (!eligible && kindRefusal === null && weight > aboveCapWeight) {
      aboveCap = s;
      aboveCapWeight = weight;
    }
  }
  return best ? { strategy: best, above_impact_cap: false, considered } : { strategy: aboveCap, above_impact_cap: aboveCap !== null, considered };
}

/** Why a strategy may not act on a collection of this kind, or null when it may. */
export function kindRefusalReason(s: StrategyDescriptor, kind: CollectionKind | null, problem: ProblemClassName): string | null {
  if (kind === null) return null;
  const kinds = s.kinds_by_class?.[problem] ?? s.collection_kinds;
  if (kinds.includes(kind)) return null;
  return `${s.name} runs${s.kinds_by_class?.[problem] ? ` for ${problem}` : ''} only on ${kinds.join(' or ')} collections; this one is a ${kind} collection, whose rows and partition key are the user's data`;
}

/** Whether a person must approve this strategy for this class before it runs (seed 002 HealingConfig). */
export function needsApproval(s: StrategyDescriptor, problem: ProblemClassName, config: HealingConfig): boolean {
  return approvalReasons(s, problem, config).length > 0;
}

/** Why a person must approve it: empty when the strategy may run by itself. */
export function approvalReasons(s: StrategyDescriptor, problem: ProblemClassName, config: HealingConfig): string[] {
  const why: string[] = [];
  if (s.requires_approval) why.push(`${s.name} always waits for approval`);
  if (config.require_approval_strategies.includes(s.name)) why.push(`${s.name} is in require_approval_strategies`);
  if (config.require_approval.includes(problem)) why.push(`${problem} is in require_approval`);
  if (s.impact > config.max_auto_heal_impact) why.push(`impact ${s.impact} is above max_auto_heal_impact ${config.max_auto_heal_impact}`);
  return why;
}
