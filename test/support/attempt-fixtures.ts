import type { WorkflowHandle } from '@temporalio/client';
import type { LearnedSelection, PreparedAttempt } from '../../activities';
import { parseHealingConfig, type HealingConfig, type HealingConfigInput } from '../../src/domain/healing-config';
import type { RemediationResult } from '../../src/domain/remediation-result';
import type { CollectionStats, MaintenanceJob } from '../../src/sensor/collection-stats';
import { integrityOf, type IntegritySample } from '../../src/sensor/integrity-sample';
import type { SandboxResult, StrategyPlan, StrategyVerdict } from '../../src/strategies/strategy';
import { attemptStatusQuery, type AttemptStatus } from '../../workflows/attempt-messages';
import type { healingAttempt } from '../../workflows/healing-attempt';
import { btree as index, collectionStats, maintenanceJob } from './collection-stats';
import { queryWhen, type MockActivities } from './time-skipping';

const job = (over: Partial<MaintenanceJob> = {}): MaintenanceJob => maintenanceJob({ blocking: 3, ...over });
const stats = (collection: string, over: Partial<CollectionStats> = {}): CollectionStats =>
  collectionStats({ collection, indexes: [index(10, 90)], ...over });

/**
 * Inputs the mocked activities return to the workflows: real samples from the real sensor code
 * (integrityOf), so the workflow classifies and selects as it would on a live collection.
 */

/** Before the first update-weights run: no weights, no model; the weight rule's registry order decides. */
export const nothingLearned: LearnedSelection = {
  seed: [],
  model: null,
  computed_at: null,
  attempts_so_far: 1,
  table_bytes: 8192,
};

export const config = (over: HealingConfigInput = {}): HealingConfig => parseHealingConfig(over);

/** Nothing weak: λ is the baseline, the class Unknown. */
export const healthy = (collection: string, c = config()): IntegritySample => integrityOf(stats(collection), c);
/** A bloated btree: IndexFragmentation, healed by compact_indexes (irreversible). */
export const bloated = (collection: string, c = config()): IntegritySample =>
  integrityOf(stats(collection, { indexes: [index(10, 90), index(11, 18)] }), c);
/** A long autovacuum blocking sessions: MaintenanceContention, healed by pause_maintenance (reversible, temporary). */
export const contended = (collection: string, c = config()): IntegritySample =>
  integrityOf(stats(collection, { maintenance: [job()] }), c);
/** Sorts spilling to disk: MemoryPressure, healed by tune_work_mem (reversible, changes a role: leased). */
export const spilling = (collection: string, c = config()): IntegritySample =>
  integrityOf(
    stats(collection, {
      memory: {
        temp_bytes_per_s: 64 * 1024 * 1024,
        window_ms: 2000,
        work_mem_bytes: 4 * 1024 * 1024,
        consumers: [{ pid: 9, role: 'app', superuser: false, bytes: 128 * 1024 * 1024, query: 'SELECT … ORDER BY' }],
      },
    }),
    c,
  );

const part = (value: number, reltuples: number) => ({
  oid: 100 + value,
  name: `p${value}`,
  value,
  reltuples,
  live_tuples: reltuples,
  ops: 0,
  ops_per_s: 0,
});
/** One centroid list far larger than the rest: CentroidSkew, whose strategies run on ivf collections only. */
export const skewed = (collection: string, c = config()): IntegritySample =>
  integrityOf(
    stats(collection, {
      partitioning: {
        key: 'partition_id',
        centroids_table: 'c',
        archive_table: null,
        partitions: [part(0, 230_000), part(1, 25_000), part(2, 25_000), part(3, 17_500)],
        window_ms: 2000,
      },
    }),
    c,
  );

export const prepared = (attemptId: number, c: HealingConfigInput = {}): PreparedAttempt => ({
  attempt_id: attemptId,
  collection_id: 1,
  config: config(c),
  kind: 'table',
});

export const sandboxPassed: SandboxResult = {
  passed: true,
  level: 'prerequisites',
  checks: [{ name: 'prerequisites', passed: true, detail: 'ok' }],
  duration_ms: 3,
};
export const sandboxFailed: SandboxResult = {
  passed: false,
  level: 'prerequisites',
  checks: [{ name: 'privileges', passed: false, detail: 'missing MAINTAIN' }],
  duration_ms: 3,
};

export const planOf = (strategy: string): StrategyPlan => ({
  strategy,
  params: { target: 'ix11' },
  snapshot: { previous: 'on' },
  before: { density: 18 },
});
export const executed: RemediationResult = { success: true, actions_taken: 1, improvement: 0.5, metadata: {} };
export const verdict = (verified: boolean): StrategyVerdict => ({
  verified,
  after: { density: verified ? 90 : 18 },
  detail: verified ? 'density 90 %' : 'density still 18 %',
});

/** The attempt's status once it matches (e.g. waiting for approval, in a phase). */
export const statusWhen = (
  handle: WorkflowHandle<typeof healingAttempt>,
  ok: (s: AttemptStatus) => boolean,
): Promise<AttemptStatus> => queryWhen(() => handle.query(attemptStatusQuery), ok, 'the attempt status');

export const ACTION_ID = 41;
export const OUTCOME_ID = 7;

/**
 * The activities of one healing attempt that goes well: the samples in order (before, after),
 * the given strategy planned, executed and verified (or not); `over` replaces any of them.
 */
export function attemptActivities(
  o: { samples: IntegritySample[]; strategy: string; config?: HealingConfigInput; verified?: boolean },
  over: MockActivities = {},
): MockActivities {
  const samples = [...o.samples];
  return {
    prepareAttempt: async () => prepared(ACTION_ID, o.config),
    sampleIntegrity: async () => {
      const s = samples.length > 1 ? samples.shift() : samples[0];
      if (!s) throw new Error('no sample left');
      return s;
    },
    loadLearnedSelection: async () => nothingLearned,
    sandboxTest: async () => sandboxPassed,
    planStrategy: async () => planOf(o.strategy),
    executeStrategy: async () => executed,
    verifyStrategy: async () => verdict(o.verified ?? true),
    compensateStrategy: async () => ({ compensated: true }),
    cleanupStrategy: async () => ({ removed: [] }),
    // As the store does: an outcome row only for an attempt whose strategy acted.
    recordOutcome: async (f) => ({ outcome_id: f.outcome ? OUTCOME_ID : null }),
    ...over,
  };
}

/** A verified pause_maintenance of action `attemptId`, as the store keeps it for a rollback. */
export function pauseMaintenanceTarget(attemptId: number) {
  return {
    attempt_id: attemptId,
    strategy_name: 'pause_maintenance',
    problem_details: { class: 'MaintenanceContention', job_types: ['autovacuum'], queue_depth: 3 },
    completed_at: '2026-01-01T00:00:00.000Z',
  };
}

/** The rollback workflow's activities, undoing `target` as action `rollbackId`; `over` replaces some. */
export function rollbackActivities(
  rollbackId: number,
  target: ReturnType<typeof pauseMaintenanceTarget>,
  over: MockActivities = {},
): MockActivities {
  return {
    prepareAttempt: async () => prepared(rollbackId),
    loadRollbackTarget: async () => ({
      ok: true,
      reversible: true,
      target: { ...target, plan: planOf('pause_maintenance') },
    }),
    compensateStrategy: async () => ({ compensated: true }),
    recordRollback: async () => undefined,
    recordOutcome: async () => ({ outcome_id: null }),
    ...over,
  };
}
