import { classifyProblem } from '../../src/classifier/classify-problem';
import { DEFAULT_HEALING_CONFIG, parseHealingConfig } from '../../src/domain/healing-config';
import type { BlockingChain, CollectionStats, IndexStats, MaintenanceJob } from '../../src/sensor/collection-stats';
import { btree as index, collectionStats, maintenanceJob as job } from '../support/collection-stats';

function stats(
  indexes: IndexStats[],
  maintenance: MaintenanceJob[] = [],
  over: Partial<CollectionStats> = {},
): CollectionStats {
  return collectionStats({ indexes, maintenance, ...over });
}
import { integrityOf } from '../../src/sensor/integrity-sample';

function chain(over: Partial<BlockingChain> = {}): BlockingChain {
  return {
    root_pid: 7,
    root_state: 'idle in transaction',
    root_user: 'app',
    root_superuser: false,
    root_backend_type: 'client backend',
    root_is_maintenance: false,
    root_query: 'UPDATE t SET x = 1',
    root_xact_seconds: 120,
    blocked: 2,
    depth: 2,
    longest_wait_seconds: 30,
    ...over,
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
    // 22 % fragmented: healthy enough that λ stays at its baseline.
    const mild = integrityOf(stats([index(10, 70)]), config);
    expect(mild.state).toBe('normal');
    expect(classifyProblem(mild, config).class).toBe('Unknown');
    // 44 % fragmented lowers λ; whether it is the problem depends on the threshold.
    expect(classifyProblem(integrityOf(stats([index(10, 50)]), config), config).class).toBe('IndexFragmentation');
    const lenient = parseHealingConfig({ index_fragmentation_threshold_pct: 50 });
    const s = integrityOf(stats([index(10, 50)]), lenient);
    expect(s.state).not.toBe('normal');
    expect(classifyProblem(s, lenient).class).toBe('Unknown');
  });

  it('healthy parts are contracted: the cut falls around the weak part only, and λ is the baseline when nothing is weak', () => {
    const s = integrityOf(stats([index(10, 90), index(11, 18)]), config);
    expect(s.cut_side).toEqual(['index:11']);
    expect(s.witness_edges.map((e) => e.kind).sort()).toEqual(['access', 'dependency', 'index_link']);
    const healthy = integrityOf(stats([index(10, 90)]), config);
    expect(healthy.lambda).toBe(healthy.baseline_lambda);
  });

  it('a lock chain behind an idle-in-transaction session is BlockingChain, naming its root', () => {
    const s = integrityOf(stats([index(10, 90)], [], { blocking_chains: [chain({ blocked: 3, depth: 2 })] }), config);
    expect(s.cut_side).toEqual(['locks']);
    expect(s.state).toBe('critical');
    expect(classifyProblem(s, config)).toEqual({
      class: 'BlockingChain',
      root_pids: [7],
      idle_in_transaction_roots: [7],
      blocked_sessions: 3,
      max_depth: 2,
    });
  });

  it('a chain whose root is a vacuum is MaintenanceContention, not BlockingChain', () => {
    const s = integrityOf(
      stats([index(10, 90)], [job({ pid: 7, blocking: 2, is_autovacuum: false, job_type: 'vacuum' })], {
        blocking_chains: [chain({ root_is_maintenance: true, root_state: 'active' })],
      }),
      config,
    );
    expect(classifyProblem(s, config).class).toBe('MaintenanceContention');
  });

  it('a long statement holding the table is RunawayQuery', () => {
    const runaway = [
      { pid: 9, user_name: 'app', superuser: false, running_seconds: 900.4, query: 'SELECT pg_sleep(1000)' },
    ];
    const s = integrityOf(stats([index(10, 90)], [], { runaway_queries: runaway }), config);
    expect(classifyProblem(s, config)).toEqual({ class: 'RunawayQuery', pids: [9], longest_seconds: 900 });
  });

  it('connection slots nearly all taken is ConnectionExhaustion with the top roles; under the stress share it is normal', () => {
    const top = [{ role: 'app', superuser: false, sessions: 90, idle: 80, connection_limit: -1 }];
    const full = integrityOf(
      stats([index(10, 90)], [], { connections: { max_connections: 100, reserved: 3, used: 95, top_roles: top } }),
      config,
    );
    expect(full.state).not.toBe('normal');
    expect(classifyProblem(full, config)).toEqual({
      class: 'ConnectionExhaustion',
      used: 95,
      usable: 97,
      usage_pct: 97.9,
      top_roles: [['app', 90]],
    });
    const busy = integrityOf(
      stats([index(10, 90)], [], { connections: { max_connections: 100, reserved: 3, used: 70, top_roles: top } }),
      config,
    );
    expect(busy.state).toBe('normal');
  });

  it('an old relfrozenxid past the warning age is WraparoundRisk; stale statistics are StaleStatistics', () => {
    const c = parseHealingConfig({ xid_age_warn: 100_000, xid_age_critical: 300_000 });
    const old = stats([index(10, 90)]);
    old.table.xid_age = 250_000;
    expect(classifyProblem(integrityOf(old, c), c)).toMatchObject({ class: 'WraparoundRisk', xid_age: 250_000 });
    const stale = stats([index(10, 90)]);
    const part = stale.table.analysis[0]!;
    part.mods_since_analyze = 90_000;
    const s = integrityOf(stale, config);
    expect(s.cut_side).toEqual(['statistics']);
    expect(classifyProblem(s, config)).toMatchObject({
      class: 'StaleStatistics',
      relations: ['t'],
      mods_since_analyze: 90_000,
      reltuples: 100_000,
    });
    // Analyzed a minute ago: autovacuum is keeping up, so it is not stale yet.
    part.analyzed_age_seconds = 60;
    expect(integrityOf(stale, config).state).toBe('normal');
    // 20 % of the table changed is still fresh.
    part.analyzed_age_seconds = 3600;
    part.mods_since_analyze = 20_000;
    expect(integrityOf(stale, config).state).toBe('normal');
    // Partitions are judged one by one: a busy leaf analyzed a minute ago is fine beside a quiet old one.
    stale.table.analysis = [
      {
        name: 'p0',
        reltuples: 5000,
        mods_since_analyze: 40_000,
        analyzed_age_seconds: 60,
        autoanalyze_due: false,
        stale_for_seconds: null,
      },
      {
        name: 'p1',
        reltuples: 5000,
        mods_since_analyze: 0,
        analyzed_age_seconds: 86_400,
        autoanalyze_due: false,
        stale_for_seconds: null,
      },
    ];
    expect(integrityOf(stale, config).state).toBe('normal');

    // With a sample history, what counts is how long it has been stale, and whether autovacuum will come.
    const hot = stale.table.analysis[0]!;
    Object.assign(hot, { analyzed_age_seconds: 86_400, autoanalyze_due: true, stale_for_seconds: 10 });
    // A leaf taking heavy writes right now (a hotspot) is due for autoanalyze: not stale, however old its last ANALYZE.
    expect(integrityOf(stale, config).state).toBe('normal');
    // Still stale after stale_statistics_min_age_seconds: autovacuum had its chance.
    hot.stale_for_seconds = config.stale_statistics_min_age_seconds + 1;
    expect(classifyProblem(integrityOf(stale, config), config)).toMatchObject({
      class: 'StaleStatistics',
      relations: ['p0'],
    });
    // Autoanalyze off (or its threshold above the changes): stale from the first sample.
    Object.assign(hot, { analyzed_age_seconds: 60, autoanalyze_due: false, stale_for_seconds: 0 });
    expect(classifyProblem(integrityOf(stale, config), config)).toMatchObject({
      class: 'StaleStatistics',
      relations: ['p0'],
    });
  });

  it('long-running maintenance that blocks sessions is MaintenanceContention with its job types and queue depth', () => {
    const s = integrityOf(
      stats(
        [index(10, 90)],
        [job({ blocking: 3 }), job({ pid: 43, job_type: 'analyze', is_autovacuum: false, running_seconds: 900 })],
      ),
      config,
    );
    expect(s.state).toBe('critical');
    expect(s.witness_edges.every((e) => e.kind === 'dependency')).toBe(true);
    expect(classifyProblem(s, config)).toEqual({
      class: 'MaintenanceContention',
      job_types: ['analyze', 'autovacuum'],
      queue_depth: 3,
    });
  });

  it('a short autovacuum that blocks nobody is not contention', () => {
    const s = integrityOf(stats([index(10, 90)], [job({ running_seconds: 5 })]), config);
    expect(s.state).toBe('normal');
    expect(classifyProblem(s, config).class).toBe('Unknown');
  });

  const part = (value: number, reltuples: number, ops_per_s: number) => ({
    oid: 100 + value,
    name: `p${value}`,
    value,
    reltuples,
    live_tuples: reltuples,
    ops: 0,
    ops_per_s,
  });
  const partitioned = (parts: ReturnType<typeof part>[]) =>
    stats([index(10, 90)], [], {
      partitioning: {
        key: 'partition_id',
        centroids_table: 'c',
        archive_table: null,
        partitions: parts,
        window_ms: 2000,
      },
    });

  it('one partition taking most of the load is HotspotCongestion (postgres-notes: share 0.93, 3.7× the mean)', () => {
    const s = integrityOf(
      partitioned([part(0, 5000, 930), part(1, 5000, 30), part(2, 5000, 20), part(3, 5000, 20)]),
      config,
    );
    expect(s.state).not.toBe('normal');
    expect(s.witness_edges.some((e) => e.kind === 'partition_link')).toBe(true);
    expect(classifyProblem(s, config)).toEqual({
      class: 'HotspotCongestion',
      partition_ids: [0],
      partition_names: ['p0'],
      load_ratio: 3.7,
    });
  });

  it('an evenly loaded, evenly sized partitioned collection is normal; an idle one is not hot', () => {
    expect(
      integrityOf(partitioned([part(0, 5000, 100), part(1, 5000, 90), part(2, 5000, 110), part(3, 5000, 100)]), config)
        .state,
    ).toBe('normal');
    expect(
      integrityOf(partitioned([part(0, 5000, 5), part(1, 5000, 0), part(2, 5000, 0), part(3, 5000, 0)]), config).state,
    ).toBe('normal');
  });

  it('one centroid list far larger than the others is CentroidSkew with its skew factor (postgres-notes: ratio 3.09)', () => {
    const s = integrityOf(
      partitioned([part(0, 230_000, 0), part(1, 25_000, 0), part(2, 25_000, 0), part(3, 17_500, 0)]),
      config,
    );
    expect(s.state).not.toBe('normal');
    expect(classifyProblem(s, config)).toMatchObject({ class: 'CentroidSkew', centroid_ids: [0], skew_factor: 3.1 });
  });

  it('a standby far behind in replay (bytes) is ReplicationLag, naming it', () => {
    const s = integrityOf(
      stats([index(10, 90)], [], {
        replicas: [
          {
            pid: 70,
            application_name: 'standby_a',
            slot_name: null,
            state: 'streaming',
            replay_gap_bytes: 28 * 1024 * 1024 * 2,
            replay_lag_seconds: 0.355,
          },
          {
            pid: 71,
            application_name: 'standby_b',
            slot_name: null,
            state: 'streaming',
            replay_gap_bytes: 0,
            replay_lag_seconds: null,
          },
        ],
      }),
      config,
    );
    expect(s.cut_side).toEqual(['replica:70']);
    expect(classifyProblem(s, config)).toEqual({
      class: 'ReplicationLag',
      replica_ids: [70],
      replica_names: ['standby_a'],
      lag_seconds: 0.355,
      lag_bytes: 56 * 1024 * 1024,
    });
  });
});
