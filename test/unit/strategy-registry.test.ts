import { DEFAULT_HEALING_CONFIG, parseHealingConfig } from '../../src/domain/healing-config';
import {
  approvalReasons,
  needsApproval,
  selectStrategy,
  STRATEGIES,
  strategyByName,
} from '../../src/strategies/registry';
import { computeWeights } from '../../src/strategies/weights';
import { strategyImplementation } from '../../activities/strategies';

describe('strategy registry', () => {
  it('selects the strategy that handles the class within the impact cap', () => {
    expect(selectStrategy('IndexFragmentation', DEFAULT_HEALING_CONFIG, {}).strategy?.name).toBe('compact_indexes');
    expect(selectStrategy('MaintenanceContention', DEFAULT_HEALING_CONFIG, {}).strategy?.name).toBe(
      'pause_maintenance',
    );
  });

  it('a strategy above max_auto_heal_impact is chosen only when none is within it, and then waits for a person', () => {
    const sel = selectStrategy('IndexFragmentation', { max_auto_heal_impact: 0.4 }, {});
    expect(sel.strategy?.name).toBe('compact_indexes');
    expect(sel.above_impact_cap).toBe(true);
    expect(sel.considered[0]).toMatchObject({ name: 'compact_indexes', eligible: false });
    expect(sel.considered[0]!.reason).toMatch(
      /impact 0.5 above max_auto_heal_impact 0.4: only with a person's approval/,
    );
    const config = parseHealingConfig({ max_auto_heal_impact: 0.4 });
    expect(needsApproval(sel.strategy!, 'IndexFragmentation', config)).toBe(true);
    expect(approvalReasons(sel.strategy!, 'IndexFragmentation', config)).toEqual([
      'impact 0.5 is above max_auto_heal_impact 0.4',
    ]);
    // Within the cap one is: it is chosen, and the one above the cap is not.
    const hot = selectStrategy('HotspotCongestion', { max_auto_heal_impact: 0.35 }, {});
    expect(hot).toMatchObject({ strategy: { name: 'rebalance_partitions' }, above_impact_cap: false });
    // Above the cap, the learned weights still choose among the strategies over it.
    const low = selectStrategy(
      'HotspotCongestion',
      { max_auto_heal_impact: 0.1 },
      { rebalance_partitions: 0.2, throttle_ingestion: 0.9, drain_hot_partition: 0.1, scale_replicas: 0.1 },
    );
    expect(low).toMatchObject({ strategy: { name: 'throttle_ingestion' }, above_impact_cap: true });
  });

  it('has no strategy for Unknown', () => {
    expect(selectStrategy('Unknown', DEFAULT_HEALING_CONFIG, {}).strategy).toBeNull();
  });

  it('needs approval by strategy name or by problem class', () => {
    const s = strategyByName('compact_indexes')!;
    expect(needsApproval(s, 'IndexFragmentation', DEFAULT_HEALING_CONFIG)).toBe(false);
    expect(
      needsApproval(s, 'IndexFragmentation', parseHealingConfig({ require_approval_strategies: ['compact_indexes'] })),
    ).toBe(true);
    expect(
      needsApproval(s, 'IndexFragmentation', parseHealingConfig({ require_approval: ['IndexFragmentation'] })),
    ).toBe(true);
  });

  it('the irreversible slot drop and the replica scale-out wait for a person by default; the reversible WAL cap does not', () => {
    expect(needsApproval(strategyByName('drop_replication_slot')!, 'SlotRetention', DEFAULT_HEALING_CONFIG)).toBe(true);
    expect(needsApproval(strategyByName('scale_replicas')!, 'HotspotCongestion', DEFAULT_HEALING_CONFIG)).toBe(true);
    expect(needsApproval(strategyByName('cap_slot_wal')!, 'SlotRetention', DEFAULT_HEALING_CONFIG)).toBe(false);
    // With no weights learned, the reversible lever is chosen first.
    expect(selectStrategy('SlotRetention', DEFAULT_HEALING_CONFIG, {}).strategy?.name).toBe('cap_slot_wal');
  });

  it('the stopgaps are temporary (their hold restores them), and every temporary strategy is reversible', () => {
    expect(STRATEGIES.filter((s) => s.temporary).map((s) => s.name)).toEqual([
      'pause_maintenance',
      'throttle_ingestion',
    ]);
    expect(STRATEGIES.filter((s) => s.temporary && !s.reversible)).toEqual([]);
    expect(parseHealingConfig({}).temporary_hold).toBe(1800);
    expect(() => parseHealingConfig({ temporary_hold: 0 })).toThrow(/temporary_hold/);
  });

  it('describes every strategy with the interface names and sane figures', () => {
    for (const s of STRATEGIES) {
      expect(s.impact).toBeGreaterThanOrEqual(0);
      expect(s.impact).toBeLessThanOrEqual(1);
      expect(s.handles.length).toBeGreaterThan(0);
    }
    expect(strategyByName('compact_indexes')).toMatchObject({ impact: 0.5, reversible: false });
    expect(strategyByName('pause_maintenance')).toMatchObject({ impact: 0.1, reversible: true });
  });

  it('a strategy names what it shares with other collections exactly when its descriptor says it changes something shared', () => {
    const shared = STRATEGIES.map((d) => ({
      name: d.name,
      kind: d.shared_target ?? null,
      names_target: typeof strategyImplementation(d.name).sharedTarget === 'function',
    }));
    expect(shared.filter((s) => (s.kind !== null) !== s.names_target)).toEqual([]);
    // Role settings and connection limits, the server's slots, the standbys and the deployment are shared; a table is
    // not.
    expect(Object.fromEntries(shared.filter((s) => s.kind).map((s) => [s.name, s.kind]))).toEqual({
      tune_work_mem: 'role',
      throttle_ingestion: 'role',
      set_role_timeouts: 'role',
      limit_role_connections: 'role',
      cap_slot_wal: 'server',
      drop_replication_slot: 'server',
      resume_wal_replay: 'standbys',
      scale_replicas: 'deployment',
    });
  });
});

describe('the design weight rule', () => {
  it('weight = success_rate × (1 + avg_improvement), success meaning success and verified', () => {
    const w = computeWeights([
      { strategy_name: 'a', success: true, verified: true, improvement_pct: 0.5 },
      { strategy_name: 'a', success: true, verified: false, improvement_pct: 0.1 },
      { strategy_name: 'a', success: false, verified: null, improvement_pct: null },
      { strategy_name: 'a', success: true, verified: true, improvement_pct: 0.2 },
      { strategy_name: 'b', success: false, verified: false, improvement_pct: 0 },
    ]);
    expect(w.a).toBeCloseTo(0.5 * (1 + 0.8 / 4));
    expect(w.b).toBe(0);
  });

  it('a strategy with a higher learned weight wins', () => {
    // Both handle nothing in common yet, so check ordering through the weights map on one class.
    const sel = selectStrategy('IndexFragmentation', DEFAULT_HEALING_CONFIG, { compact_indexes: 0.2 });
    expect(sel.considered[0]!.weight).toBe(0.2);
  });
});
