import { healingConfigSchema, storedHealingConfigSchema } from '../../src/domain/healing-config';
import { DEFAULT_HEALING_CONFIG, parseHealingConfig } from '../../src/domain/healing-config';

describe('HealingConfig', () => {
  it("has seed 002's defaults", () => {
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
    expect(() => storedHealingConfigSchema.parse({ stress_ratio: 0.5, critical_ratio: 0.7 })).toThrow(/critical_ratio must not exceed/);
  });
});
