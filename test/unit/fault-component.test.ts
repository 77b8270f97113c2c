import type { ProblemClass, ProblemClassName } from '../../src/domain/problem-class';
import { PROBLEM_CLASS_NAMES } from '../../src/domain/problem-class';
import { edge } from '../../src/graph/system-graph';
import { componentLabel, faultComponent, storedFaultComponent } from '../../src/guardian/fault-component';
import { faultScope } from '../../src/guardian/fault-scope';

/** One problem of every class, with the label its component must read as on collection "demo". */
const EXAMPLES: Record<ProblemClassName, [ProblemClass, string]> = {
  HotspotCongestion: [
    { class: 'HotspotCongestion', partition_ids: [3, 1], partition_names: ['demo_p3', 'demo_p1'], load_ratio: 4 },
    'partition demo_p3 in demo',
  ],
  CentroidSkew: [{ class: 'CentroidSkew', centroid_ids: [7, 2], skew_factor: 5, size_cv: 1 }, 'centroid 7 in demo'],
  ReplicationLag: [
    { class: 'ReplicationLag', replica_ids: [4242], replica_names: ['standby_b'], lag_seconds: 90, lag_bytes: 1 },
    'standby standby_b (server)',
  ],
  MaintenanceContention: [
    { class: 'MaintenanceContention', job_types: ['vacuum', 'autovacuum', 'vacuum'], queue_depth: 3 },
    'maintenance autovacuum+vacuum in demo',
  ],
  IndexFragmentation: [
    { class: 'IndexFragmentation', index_ids: [11, 12], index_names: ['demo_pkey', 'demo_b'], fragmentation_pct: 70 },
    'index demo_pkey in demo',
  ],
  MemoryPressure: [
    {
      class: 'MemoryPressure',
      current_usage_pct: 300,
      largest_consumers: [
        ['app: SELECT … ORDER BY', 1e9],
        ['etl: SELECT …', 1e6],
      ],
    },
    'role app (server)',
  ],
  Unknown: [{ class: 'Unknown', witness_summary: 'access …' }, 'part in demo'],
  InvalidIndex: [{ class: 'InvalidIndex', index_ids: [13], index_names: ['demo_ccnew'] }, 'index demo_ccnew in demo'],
  BlockingChain: [
    { class: 'BlockingChain', root_pids: [99], idle_in_transaction_roots: [99], blocked_sessions: 5, max_depth: 2 },
    'table in demo',
  ],
  RunawayQuery: [{ class: 'RunawayQuery', pids: [98], longest_seconds: 900 }, 'table in demo'],
  ConnectionExhaustion: [
    {
      class: 'ConnectionExhaustion',
      used: 95,
      usable: 97,
      usage_pct: 98,
      top_roles: [
        ['web', 80],
        ['app', 15],
      ],
    },
    'role web (server)',
  ],
  WraparoundRisk: [
    { class: 'WraparoundRisk', relations: ['public.demo'], xid_age: 1.9e9, freeze_max_age: 2e8 },
    'relation public.demo in demo',
  ],
  StaleStatistics: [
    { class: 'StaleStatistics', relations: ['public.demo'], mods_since_analyze: 5e5, reltuples: 1e5 },
    'relation public.demo in demo',
  ],
  SlotRetention: [
    { class: 'SlotRetention', slot_names: ['lost_slot'], retained_bytes: 1e10 },
    'slot lost_slot (server)',
  ],
};

describe('what a fault was on', () => {
  it.each(PROBLEM_CLASS_NAMES.map((n) => [n, ...EXAMPLES[n]] as const))(
    '%s: the part the problem names first',
    (_name, problem, label) => {
      expect(componentLabel(faultComponent(problem, 'demo'))).toBe(label);
    },
  );

  it("a server's fault is the same part whichever collection saw it; a collection's own is that collection's", () => {
    for (const name of PROBLEM_CLASS_NAMES) {
      const [problem] = EXAMPLES[name];
      const [a, b] = [faultComponent(problem, 'a'), faultComponent(problem, 'b')];
      if (faultScope(name) === 'server') {
        expect([name, a.collection, componentLabel(a)]).toEqual([name, null, componentLabel(b)]);
      } else {
        expect([name, a.collection, b.collection]).toEqual([name, 'a', 'b']);
        expect(componentLabel(a)).not.toBe(componentLabel(b));
      }
    }
  });

  it('names no pid: two lags of one standby on different walsenders are one part', () => {
    const lag = (pid: number): ProblemClass => ({
      class: 'ReplicationLag',
      replica_ids: [pid],
      replica_names: ['standby_b'],
      lag_seconds: 90,
      lag_bytes: 0,
    });
    expect(faultComponent(lag(1), 'demo')).toEqual(faultComponent(lag(2), 'demo'));
  });

  it('falls back to ids, and to the kind alone, when the problem names nothing', () => {
    const hot: ProblemClass = { class: 'HotspotCongestion', partition_ids: [5], partition_names: [], load_ratio: 3 };
    expect(componentLabel(faultComponent(hot, 'demo'))).toBe('partition 5 in demo');
    const full: ProblemClass = { class: 'ConnectionExhaustion', used: 9, usable: 9, usage_pct: 100, top_roles: [] };
    expect(componentLabel(faultComponent(full, 'demo'))).toBe('connection slots (server)');
  });

  it("Unknown: the weakest witness edge's part that is neither the clients nor the table", () => {
    const witnesses = [
      edge('workload', 'table:1', 'access', 1, 0.9),
      edge('index:77', 'table:1', 'index_link', 1, 0.2),
      edge('workload', 'maintenance', 'dependency', 1, 0.5),
    ];
    const unknown: ProblemClass = { class: 'Unknown', witness_summary: '…' };
    expect(componentLabel(faultComponent(unknown, 'demo', witnesses))).toBe('part index:77 in demo');
  });

  it('a stored outcome reads as its problem; details no version wrote are the collection’s table, not an error', () => {
    const [problem] = EXAMPLES.IndexFragmentation;
    expect(componentLabel(storedFaultComponent(problem, null, 'demo'))).toBe('index demo_pkey in demo');
    expect(storedFaultComponent({ class: 'DiskFull' }, null, 'demo')).toEqual({
      kind: 'table',
      name: null,
      collection: 'demo',
    });
    const unknown = { class: 'Unknown', witness_summary: '…' };
    expect(componentLabel(storedFaultComponent(unknown, [{ not: 'an edge' }], 'demo'))).toBe('part in demo');
    expect(componentLabel(storedFaultComponent(unknown, [edge('workload', 'slots', 'slot', 1, 0.1)], 'demo'))).toBe(
      'part slots in demo',
    );
  });
});
