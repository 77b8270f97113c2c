import { PROBLEM_CLASS_NAMES, type ProblemClass, type ProblemClassName } from '../../src/domain/problem-class';
import {
  CONTEXT_FEATURE_NAMES,
  contextFeatures,
  problemMeasure,
  selectionContextOf,
  selectionContextSchema,
  sizeBandOf,
  type SelectionContext,
} from '../../src/learning/selection-context';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** One problem per class; the Record makes a new class a compile error here until it has a fixture. */
const PROBLEMS: { [N in ProblemClassName]: Extract<ProblemClass, { class: N }> } = {
  HotspotCongestion: { class: 'HotspotCongestion', partition_ids: [1], partition_names: ['p1'], load_ratio: 2 },
  CentroidSkew: { class: 'CentroidSkew', centroid_ids: [1], skew_factor: 4, size_cv: 0.5 },
  ReplicationLag: { class: 'ReplicationLag', replica_ids: [1], replica_names: [], lag_seconds: 60, lag_bytes: 0 },
  MaintenanceContention: { class: 'MaintenanceContention', job_types: ['vacuum'], queue_depth: 4 },
  IndexFragmentation: { class: 'IndexFragmentation', index_ids: [1], index_names: ['i'], fragmentation_pct: 40 },
  MemoryPressure: { class: 'MemoryPressure', current_usage_pct: 300, largest_consumers: [] },
  Unknown: { class: 'Unknown', witness_summary: 'x' },
  InvalidIndex: { class: 'InvalidIndex', index_ids: [1, 2, 3], index_names: ['a', 'b', 'c'] },
  BlockingChain: {
    class: 'BlockingChain',
    root_pids: [1],
    idle_in_transaction_roots: [],
    blocked_sessions: 10,
    max_depth: 2,
  },
  RunawayQuery: { class: 'RunawayQuery', pids: [1], longest_seconds: 1800 },
  ConnectionExhaustion: { class: 'ConnectionExhaustion', used: 95, usable: 100, usage_pct: 95, top_roles: [] },
  WraparoundRisk: { class: 'WraparoundRisk', relations: ['t'], xid_age: 2 ** 30, freeze_max_age: 200_000_000 },
  StaleStatistics: { class: 'StaleStatistics', relations: ['t'], mods_since_analyze: 3000, reltuples: 1000 },
  SlotRetention: { class: 'SlotRetention', slot_names: ['s'], retained_bytes: GiB },
};

const EXPECTED: Record<ProblemClassName, number> = {
  HotspotCongestion: 0.5,
  CentroidSkew: 0.75,
  ReplicationLag: 0.5,
  MaintenanceContention: 0.5,
  IndexFragmentation: 0.4,
  MemoryPressure: 0.75,
  Unknown: 0,
  InvalidIndex: 0.75,
  BlockingChain: 0.5,
  RunawayQuery: 0.75,
  ConnectionExhaustion: 0.95,
  WraparoundRisk: 0.5,
  StaleStatistics: 0.75,
  SlotRetention: 0.5,
};

const input = (over: Partial<Parameters<typeof selectionContextOf>[0]> = {}) => ({
  lambda: 3,
  baseline_lambda: 4,
  critical: false,
  table_bytes: 10 * MiB,
  problem: PROBLEMS.IndexFragmentation,
  detected_at: '2025-01-01T00:00:00.000Z',
  now: '2025-01-01T00:30:00.000Z',
  attempts_so_far: 1,
  ...over,
});

describe('selectionContextOf', () => {
  it('normalizes every class measure to its expected point in 0..1', () => {
    for (const name of PROBLEM_CLASS_NAMES)
      expect([name, problemMeasure(PROBLEMS[name])]).toEqual([name, EXPECTED[name]]);
  });

  it('keeps measures in 0..1 at the extremes and for nonsense figures', () => {
    const extremes: ProblemClass[] = [
      { ...PROBLEMS.HotspotCongestion, load_ratio: 0 },
      { ...PROBLEMS.HotspotCongestion, load_ratio: 1e9 },
      { ...PROBLEMS.IndexFragmentation, fragmentation_pct: 250 },
      { ...PROBLEMS.IndexFragmentation, fragmentation_pct: -5 },
      { ...PROBLEMS.ReplicationLag, lag_seconds: -1 },
      { ...PROBLEMS.StaleStatistics, reltuples: 0 },
      { ...PROBLEMS.WraparoundRisk, xid_age: 2 ** 32 },
      { ...PROBLEMS.MemoryPressure, current_usage_pct: Number.NaN },
    ];
    for (const p of extremes) {
      const m = problemMeasure(p);
      expect(m).toBeGreaterThanOrEqual(0);
      expect(m).toBeLessThanOrEqual(1);
    }
    expect(problemMeasure({ ...PROBLEMS.HotspotCongestion, load_ratio: 4 })).toBeGreaterThan(
      problemMeasure(PROBLEMS.HotspotCongestion),
    );
  });

  it('throws for a class it does not know (what the exhaustive switch guards at compile time)', () => {
    expect(() => problemMeasure({ class: 'DiskFull' } as unknown as ProblemClass)).toThrow(/DiskFull/);
  });

  it('derives severity, size band, age and attempts', () => {
    const ctx = selectionContextOf(input());
    expect(ctx).toEqual({
      severity: 0.25,
      critical: false,
      size_band: 'small',
      measure: 0.4,
      minutes_since_fault: 30,
      attempts_so_far: 1,
    });
    expect(selectionContextSchema.parse(ctx)).toEqual(ctx);
    expect(selectionContextOf(input({ lambda: 5 })).severity).toBe(0);
    expect(selectionContextOf(input({ lambda: -1 })).severity).toBe(1);
    expect(selectionContextOf(input({ baseline_lambda: 0 })).severity).toBe(0);
    expect(selectionContextOf(input({ detected_at: null })).minutes_since_fault).toBe(0);
    expect(selectionContextOf(input({ detected_at: '2025-01-01T01:00:00.000Z' })).minutes_since_fault).toBe(0);
  });

  it('bands table sizes at 64 MiB and 4 GiB', () => {
    expect([0, 64 * MiB - 1, 64 * MiB, 4 * GiB - 1, 4 * GiB, 100 * GiB].map(sizeBandOf)).toEqual([
      'small',
      'small',
      'medium',
      'medium',
      'large',
      'large',
    ]);
  });
});

describe('contextFeatures', () => {
  const base: SelectionContext = {
    severity: 0.5,
    critical: true,
    size_band: 'large',
    measure: 0.3,
    minutes_since_fault: 0,
    attempts_so_far: 0,
  };

  it('has one column per name, a bias first, the size one-hot against small', () => {
    const x = contextFeatures(base);
    expect(x).toHaveLength(CONTEXT_FEATURE_NAMES.length);
    expect(x).toEqual([1, 0.5, 1, 0, 1, 0.3, 0, 0]);
    expect(contextFeatures({ ...base, size_band: 'medium' }).slice(3, 5)).toEqual([1, 0]);
    expect(contextFeatures({ ...base, size_band: 'small' }).slice(3, 5)).toEqual([0, 0]);
  });

  it('stays in 0..1 however old the fault and however many the attempts', () => {
    for (const [minutes, attempts] of [
      [0, 0],
      [5, 1],
      [1440, 5],
      [1e7, 1000],
    ]) {
      const x = contextFeatures({ ...base, minutes_since_fault: minutes!, attempts_so_far: attempts! });
      for (const v of x) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
    const age = (m: number) => contextFeatures({ ...base, minutes_since_fault: m })[6]!;
    expect(age(5)).toBeLessThan(age(60));
    expect(age(1440)).toBe(1);
  });
});
