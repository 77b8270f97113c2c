import { DEFAULT_HEALING_CONFIG, healingConfigSchema } from '../../src/domain/healing-config';
import { PROBLEM_CLASS_NAMES } from '../../src/domain/problem-class';
import { STRATEGY_NAMES } from '../../src/domain/strategy-names';
import { knownConfigKeyRows, knownStrategyRows } from '../../src/postgres/sql-catalog';
import { STRATEGIES } from '../../src/strategies/registry';
import { strategyParameterNames } from '../../src/strategies/strategy-params';

/** What the SQL functions check against is derived, never typed twice: a new strategy or setting reaches it. */
describe('the lists the SQL interface checks against', () => {
  it('every strategy of the registry, in its order, with what it handles, its reversibility and its parameters', () => {
    const rows = knownStrategyRows();
    expect(rows.map((r) => r.name)).toEqual(STRATEGY_NAMES);
    for (const s of STRATEGIES) {
      const row = rows.find((r) => r.name === s.name)!;
      expect([s.name, row.handles, row.reversible, Object.keys(row.params)]).toEqual([
        s.name,
        [...s.handles],
        s.reversible,
        strategyParameterNames(s.name),
      ]);
    }
  });

  it('every setting with its JSON type, bounds and default; lists name what they may hold; the other spellings', () => {
    const rows = knownConfigKeyRows();
    const keys = Object.keys(healingConfigSchema.innerType().shape);
    expect(rows.filter((r) => r.alias_of === null).map((r) => r.key)).toEqual(keys);
    for (const r of rows.filter((x) => x.alias_of === null))
      expect([r.key, r.default_value]).toEqual([
        r.key,
        DEFAULT_HEALING_CONFIG[r.key as keyof typeof DEFAULT_HEALING_CONFIG],
      ]);
    const of = (k: string) => rows.find((r) => r.key === k)!;
    expect(of('max_auto_heal_impact')).toMatchObject({
      json_type: 'number',
      min_value: 0,
      max_value: 1,
      whole_number: false,
    });
    expect(of('stress_ratio')).toMatchObject({ min_value: 0, min_exclusive: true, max_value: 1, max_exclusive: false });
    expect(of('max_attempts_per_window')).toMatchObject({ whole_number: true, min_value: 1, max_value: 1000 });
    expect(of('enabled')).toMatchObject({ json_type: 'boolean' });
    expect(of('k8s_namespace')).toMatchObject({ json_type: 'string' });
    expect(of('history_retention_days')).toMatchObject({ database_wide: true });
    expect(of('require_approval').allowed).toEqual([...PROBLEM_CLASS_NAMES]);
    expect(of('require_approval_strategies').allowed).toEqual([...STRATEGY_NAMES]);
    for (const r of rows.filter((x) => x.json_type === 'array')) expect([r.key, r.allowed]).not.toEqual([r.key, null]);
    expect(of('min_healing_interval_seconds')).toMatchObject({ alias_of: 'min_healing_interval', default_value: null });
    expect(of('max_attempts_per_hour')).toMatchObject({ alias_of: 'max_attempts_per_window', whole_number: true });
  });
});
