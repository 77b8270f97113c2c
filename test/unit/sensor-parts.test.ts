import { classifyProblem } from '../../src/classifier/classify-problem';
import { DEFAULT_HEALING_CONFIG, type HealingConfig } from '../../src/domain/healing-config';
import { PROBLEM_CLASS_NAMES } from '../../src/domain/problem-class';
import { faultScope } from '../../src/guardian/fault-scope';
import type { CollectionStats } from '../../src/sensor/collection-stats';
import { integrityOf } from '../../src/sensor/integrity-sample';
import { tableNode, WORKLOAD, type GraphDraft } from '../../src/sensor/sensor-part';
import { DIAGNOSES, SENSOR_PARTS } from '../../src/sensor/sensor-parts';
import { btree, collectionStats, maintenanceJob } from '../support/collection-stats';

/** A collection with one of everything a part reads, all healthy. */
function healthy(): CollectionStats {
  const base = collectionStats();
  return collectionStats({
    table: {
      ...base.table,
      analysis: [{ ...base.table.analysis[0]!, analyzed_age_seconds: 60, stale_for_seconds: 0 }],
    },
    indexes: [btree(10, 90)],
    maintenance: [maintenanceJob({ running_seconds: 5 })],
    partitioning: {
      key: 'partition_id',
      centroids_table: null,
      archive_table: null,
      window_ms: 2000,
      partitions: [0, 1, 2].map((k) => ({
        oid: 20 + k,
        name: `p${k}`,
        value: k,
        reltuples: 1000,
        live_tuples: 1000,
        ops: 0,
        ops_per_s: 50,
      })),
    },
    slots: [{ slot_name: 's', slot_type: 'physical', active: true, retained_bytes: 1000, wal_status: 'reserved' }],
    replicas: [
      {
        pid: 77,
        application_name: 'r1',
        slot_name: 's',
        state: 'streaming',
        replay_gap_bytes: 0,
        replay_lag_seconds: 0,
      },
    ],
  });
}

describe('the sensor part registry', () => {
  it('diagnoses every class but Unknown exactly once, in one order of checks', () => {
    const classes = DIAGNOSES.map((d) => d.class);
    expect(new Set(classes).size).toBe(classes.length);
    expect([...classes].sort()).toEqual(PROBLEM_CLASS_NAMES.filter((c) => c !== 'Unknown').sort());
    const precedences = DIAGNOSES.map((d) => d.precedence);
    expect(new Set(precedences).size).toBe(precedences.length);
    expect(precedences).toEqual([...precedences].sort((a, b) => a - b));
    // Hot partitions and skewed centroids, the first checks, stay first.
    expect(classes.slice(0, 2)).toEqual(['HotspotCongestion', 'CentroidSkew']);
  });

  it('gives server-wide faults the server scope, from the part that diagnoses them', () => {
    const server = PROBLEM_CLASS_NAMES.filter((c) => faultScope(c) === 'server').sort();
    expect(server).toEqual(['ConnectionExhaustion', 'MemoryPressure', 'ReplicationLag', 'SlotRetention']);
    expect(faultScope('Unknown')).toBe('collection');
  });

  it.each(SENSOR_PARTS.map((p) => [p.name, p] as const))(
    '%s weighs only the settings it declares, and only links its own nodes',
    (_name, part) => {
      const declared = new Set<string>(part.thresholds);
      const touched: string[] = [];
      const settings = new Proxy(DEFAULT_HEALING_CONFIG, {
        get(target, key) {
          if (typeof key === 'string') touched.push(key);
          return target[key as keyof HealingConfig];
        },
      });
      const g: GraphDraft = { table: tableNode(1), nodes: [], edges: [] };
      part.contribute(g, healthy(), settings);
      expect(touched.filter((k) => !declared.has(k))).toEqual([]);
      expect(g.nodes.length).toBeGreaterThan(0);
      // Every link runs between the part's own nodes and the shared ones (clients, the table, maintenance for indexes).
      const own = new Set([...g.nodes.map((n) => n.id), WORKLOAD, tableNode(1), 'maintenance']);
      for (const e of g.edges) expect([own.has(e.source), own.has(e.target)]).toEqual([true, true]);
      // Healthy measures, healthy part.
      expect(g.nodes.every((n) => (n.health ?? 1) >= 0.98)).toBe(true);
    },
  );

  it('a collection healthy in every part is at its baseline and names no problem', () => {
    const s = integrityOf(healthy(), DEFAULT_HEALING_CONFIG);
    expect(s.state).toBe('normal');
    expect(s.lambda).toBe(s.baseline_lambda);
    expect(classifyProblem(s, DEFAULT_HEALING_CONFIG).class).toBe('Unknown');
  });

  it('checks a class only when a weak witness of its kind says so, or when it reads the witnesses itself', () => {
    for (const d of DIAGNOSES) {
      if (d.witness) continue;
      // Without a witness kind the diagnosis must look at the witnesses: with none weak it finds nothing.
      const none = { weak: [], has: () => false, touches: () => false };
      const bad = { ...healthy(), indexes: [{ ...healthy().indexes[0]!, is_valid: false, avg_leaf_density: 10 }] };
      expect([d.class, d.diagnose(none, bad, DEFAULT_HEALING_CONFIG)]).toEqual([d.class, null]);
    }
    // A measure past its threshold whose part is not on the cut (its links are not witnesses) is not the problem.
    const s = integrityOf(healthy(), DEFAULT_HEALING_CONFIG);
    const spilling = { ...s, stats: { ...s.stats, memory: { ...s.stats.memory, temp_bytes_per_s: 1e12 } } };
    expect(classifyProblem(spilling, DEFAULT_HEALING_CONFIG).class).toBe('Unknown');
  });

  it('classifies a sample recorded by an older version, which lacks the parts added since', () => {
    // Attempts in flight replay their recorded samples through today's classifier.
    const { replicas: _r, slots: _s, memory: _m, ...old } = healthy();
    const bloated = { ...old, indexes: [{ ...old.indexes[0]!, avg_leaf_density: 15 }] } as unknown as CollectionStats;
    const graph = integrityOf(
      { ...bloated, replicas: [], slots: [], memory: healthy().memory },
      DEFAULT_HEALING_CONFIG,
    );
    const recorded = { ...graph, stats: bloated };
    expect(classifyProblem(recorded, DEFAULT_HEALING_CONFIG)).toMatchObject({
      class: 'IndexFragmentation',
      index_ids: [10],
    });
  });
});
