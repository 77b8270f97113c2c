import {
  actionConfigOf,
  actionConfigSchema,
  DATABASE_WIDE_KEYS,
  DEFAULT_HEALING_CONFIG,
  healingConfigSchema,
  parseHealingConfig,
  storedHealingConfigSchema,
} from '../../src/domain/healing-config';
import { STRATEGY_NAMES } from '../../src/domain/strategy-names';
import { STRATEGIES } from '../../src/strategies/registry';

describe('HealingConfig', () => {
  it("has the design's defaults", () => {
    expect(DEFAULT_HEALING_CONFIG).toMatchObject({
      min_healing_interval: 300,
      max_attempts_per_window: 3,
      attempt_window: 3600,
      max_auto_heal_impact: 0.5,
      require_approval: [],
      require_approval_strategies: ['scale_replicas'],
      learning_enabled: true,
      min_lambda_improvement: 1.1,
    });
  });

  it('refuses unknown keys, out-of-range values and unknown problem classes with a message naming the field', () => {
    expect(() => parseHealingConfig({ min_healing_intervall: 5 })).toThrow(/min_healing_intervall/);
    expect(() => parseHealingConfig({ max_auto_heal_impact: 1.5 })).toThrow(/max_auto_heal_impact/);
    expect(() => parseHealingConfig({ require_approval: ['DiskFull'] })).toThrow(/require_approval/);
    expect(() => parseHealingConfig({ stress_ratio: 0.5, critical_ratio: 0.7 })).toThrow(/critical_ratio/);
  });

  it('refuses require_approval_strategies naming a strategy that does not exist, listing the known ones', () => {
    for (const bad of ['drop_database; --', 'compact_index', '']) {
      const r = healingConfigSchema.safeParse({ require_approval_strategies: ['compact_indexes', bad] });
      expect(r.success).toBe(false);
      const issues = r.success ? [] : r.error.issues;
      expect(issues.map((i) => i.path)).toEqual([['require_approval_strategies', 1]]);
      expect(issues[0]!.message).toMatch(
        new RegExp(
          `^no strategy "${bad.replace(/[-;]/g, '\\$&')}" \\(known: rebalance_partitions, rebuild_centroids, ` +
            `compact_indexes, .*, scale_replicas\\)$`,
        ),
      );
    }
    // Every known name is accepted.
    expect(
      parseHealingConfig({ require_approval_strategies: [...STRATEGY_NAMES] }).require_approval_strategies,
    ).toEqual([...STRATEGY_NAMES]);
  });

  it("the pure name list is exactly the registry's, in its order", () => {
    expect(STRATEGIES.map((s) => s.name)).toEqual([...STRATEGY_NAMES]);
  });

  it('keeps history for history_retention_days, 30 by default, a whole number of days from 1 to 3650', () => {
    expect(DEFAULT_HEALING_CONFIG.history_retention_days).toBe(30);
    expect(parseHealingConfig({ history_retention_days: 1 }).history_retention_days).toBe(1);
    expect(parseHealingConfig({ history_retention_days: 3650 }).history_retention_days).toBe(3650);
    for (const bad of [0, 3651, 1.5, '30'])
      expect(() => parseHealingConfig({ history_retention_days: bad })).toThrow(/history_retention_days/);
    expect(DATABASE_WIDE_KEYS).toEqual(['history_retention_days']);
  });

  it('keeps given values and fills the rest with defaults', () => {
    const c = parseHealingConfig({ min_healing_interval: 10, require_approval: ['IndexFragmentation'] });
    expect(c.min_healing_interval).toBe(10);
    expect(c.require_approval).toEqual(['IndexFragmentation']);
    expect(c.max_attempts_per_window).toBe(3);
  });
});

describe('stored configuration from a newer selfheal', () => {
  it('is read without the keys this version does not know, while typed input still refuses them', () => {
    const stored = { ...healingConfigSchema.parse({}), knob_from_the_future: 3 };
    expect(storedHealingConfigSchema.parse(stored)).toEqual(healingConfigSchema.parse({}));
    expect(() => healingConfigSchema.parse(stored)).toThrow(/knob_from_the_future/);
    expect(() => storedHealingConfigSchema.parse({ stress_ratio: 0.5, critical_ratio: 0.7 })).toThrow(
      /critical_ratio must not exceed/,
    );
  });

  it('drops strategy names it does not know (stored before names were checked, or by a newer selfheal) rather than failing', () => {
    const stored = {
      require_approval_strategies: ['drop_database; --', 'compact_indexes', 'strategy_from_the_future'],
    };
    expect(storedHealingConfigSchema.parse(stored).require_approval_strategies).toEqual(['compact_indexes']);
    expect(() => healingConfigSchema.parse(stored)).toThrow(/no strategy \\"drop_database; --\\"/);
  });
});

describe('the configuration activities are given', () => {
  it('leaves out what only workflows decide with and what is database-wide, and is the same for the sensor and the strategies', () => {
    const full = parseHealingConfig({
      require_approval_strategies: ['compact_indexes'],
      xid_age_warn: 1000,
      xid_age_critical: 2000,
    });
    const action = actionConfigOf(full);
    expect(Object.keys(action)).not.toContain('require_approval_strategies');
    expect(Object.keys(action)).not.toContain('check_interval');
    // Database-wide, read from the store by retention: no attempt's input carries it.
    expect(Object.keys(action)).not.toContain('history_retention_days');
    expect(action).toMatchObject({ xid_age_warn: 1000, xid_age_critical: 2000, index_fragmentation_threshold_pct: 30 });
    // The 15 keys only workflows decide with, and the one database-wide key.
    expect(Object.keys(full).length - Object.keys(action).length).toBe(16);
    // A whole configuration (an attempt begun before) is accepted and trimmed; the cross-checks still hold.
    expect(actionConfigSchema.parse(full)).toEqual(action);
    expect(() => actionConfigSchema.parse({ ...action, xid_age_critical: 10 })).toThrow(
      /xid_age_critical must exceed xid_age_warn/,
    );
  });
});
