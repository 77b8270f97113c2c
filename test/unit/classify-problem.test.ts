import { classifyProblem } from '../../src/classifier/classify-problem';
import { DEFAULT_HEALING_CONFIG, parseHealingConfig } from '../../src/domain/healing-config';
import type { CollectionStats, IndexStats, MaintenanceJob } from '../../src/sensor/collection-stats';
import { integrityOf } from '../../src/sensor/integrity-sample';

function index(oid: number, density: number | null, valid = true): IndexStats {
  return { oid, name: `ix${oid}`, size_bytes: 4e6, is_btree: true, is_valid: valid, avg_leaf_density: density, leaf_fragmentation: 0, leaf_pages: 500 };
}

function job(over: Partial<MaintenanceJob> = {}): MaintenanceJob {
  return { pid: 42, job_type: 'autovacuum', phase: 'scanning heap', running_seconds: 600, is_autovacuum: true, blocking: 0, ...over };
}

function stats(indexes: IndexStats[], maintenance: MaintenanceJob[] = []): CollectionStats {
  return {
    collection: 'c',
    table: { oid: 1, name: 't', live_tuples: 1000, dead_tuples: 0, reloptions: null },
    indexes,
    maintenance,
    sampled_at: '2026-01-01T00:00:00Z',
    sample_cost_ms: 1,
  };
}

describe('classifyProblem', () => {
  const config = DEFAULT_HEALING_CONFIG;

  it('a healthy collection is normal at its baseline and names no problem', () => {
    const s = integrityOf(stats([index(10, 90), index(11, 89)]), config);
    expect(s.state).toBe('normal');
    expect(s.lambda / s.baseline_lambda).toBeGreaterThan(0.98);
    expect(classifyProblem(s, config).class).toBe('Unknown');
  });

  it('a bloated btree lowers λ, shows in the witness edges and is IndexFragmentation, most fragmented first', () => {
    const s = integrityOf(stats([index(10, 90), index(11, 18), index(12, 40)]), config);
    expect(s.state).not.toBe('normal');
    expect(s.witness_edges.some((e) => e.source === 'index:11' || e.target === 'index:11')).toBe(true);
    const p = classifyProblem(s, config);
    expect(p).toMatchObject({ class: 'IndexFragmentation', index_ids: [11, 12] });
    if (p.class === 'IndexFragmentation') expect(p.fragmentation_pct).toBeCloseTo(80, 0);
  });

  it('an INVALID index carries no capacity: the cut isolates it and the class is InvalidIndex', () => {
    const s = integrityOf(stats([index(10, 90), index(11, null, false)]), config);
    expect(s.state).toBe('critical');
    expect(s.cut_side).toEqual(['index:11']);
    expect(classifyProblem(s, config)).toEqual({ class: 'InvalidIndex', index_ids: [11], index_names: ['ix11'] });
  });

  it('fragmentation under the threshold is not IndexFragmentation', () => {
    const s = integrityOf(stats([index(10, 70)]), config);
    expect(classifyProblem(s, config).class).toBe('Unknown');
    const strict = parseHealingConfig({ index_fragmentation_threshold_pct: 10 });
    expect(classifyProblem(integrityOf(stats([index(10, 70)]), strict), strict).class).toBe('IndexFragmentation');
  });

  it('long-running maintenance that blocks sessions is MaintenanceContention with its job types and queue depth', () => {
    const s = integrityOf(stats([index(10, 90)], [job({ blocking: 3 }), job({ pid: 43, job_type: 'analyze', is_autovacuum: false, running_seconds: 900 })]), config);
    expect(s.state).toBe('critical');
    expect(s.witness_edges.every((e) => e.kind === 'dependency')).toBe(true);
    expect(classifyProblem(s, config)).toEqual({ class: 'MaintenanceContention', job_types: ['analyze', 'autovacuum'], queue_depth: 3 });
  });

  it('a short autovacuum that blocks nobody is not contention', () => {
    const s = integrityOf(stats([index(10, 90)], [job({ running_seconds: 5 })]), config);
    expect(s.state).toBe('normal');
    expect(classifyProblem(s, config).class).toBe('Unknown');
  });
});
