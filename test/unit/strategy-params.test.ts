import { STRATEGY_NAMES } from '../../src/domain/strategy-names';
import {
  describeStrategyParameters,
  parseStrategyParams,
  strategyParameterNames,
  strategyParamsProblem,
} from '../../src/strategies/strategy-params';
import { triggerRequestSchema } from '../../workflows/guardian-messages';

describe("a person's strategy parameters (execute --param)", () => {
  it('are parsed from text into the typed values the strategy uses', () => {
    expect(parseStrategyParams('scale_replicas', { target: '5' })).toEqual({ target: 5 });
    expect(parseStrategyParams('cap_slot_wal', { max_slot_wal_keep_size_mb: '64' })).toEqual({
      max_slot_wal_keep_size_mb: 64,
    });
    expect(parseStrategyParams('compact_indexes', {})).toEqual({});
    expect(parseStrategyParams('compact_indexes', undefined)).toEqual({});
  });

  it('a strategy that takes none refuses any, and says so', () => {
    expect(strategyParamsProblem('compact_indexes', { note: 'by-hand' })).toBe(
      'no parameter "note": compact_indexes takes no parameters',
    );
    expect(() => parseStrategyParams('pause_maintenance', { table: 'x' })).toThrow(
      /pause_maintenance takes no parameters/,
    );
  });

  it('an unknown name is refused with the parameters the strategy takes; a bad value with what it must be', () => {
    expect(strategyParamsProblem('scale_replicas', { replicas: '3' })).toBe(
      `no parameter "replicas": ${describeStrategyParameters('scale_replicas')}`,
    );
    expect(describeStrategyParameters('scale_replicas')).toMatch(
      /^scale_replicas takes target \(the replica count .*max_replicas\)$/,
    );
    for (const bad of ['abc', '-1', '0', '1.5', '1e3', ' 3', '', '1001', '99999999999']) {
      expect(strategyParamsProblem('scale_replicas', { target: bad })).toMatch(
        new RegExp(`^target is a whole number from 1 to 1000 \\(.*\\), not "${bad.replace('.', '\\.')}"$`),
      );
    }
    // Names inherited from Object.prototype are not parameters either.
    expect(strategyParamsProblem('scale_replicas', { constructor: '1' })).toMatch(/^no parameter "constructor"/);
  });

  it('every strategy has an answer: its parameters or none', () => {
    for (const name of STRATEGY_NAMES) expect(describeStrategyParameters(name)).toMatch(new RegExp(`^${name} takes `));
    expect(STRATEGY_NAMES.filter((n) => strategyParameterNames(n).length > 0)).toEqual([
      'cap_slot_wal',
      'scale_replicas',
    ]);
  });

  it("the guardian's trigger validator refuses them as the CLI does, and an unknown strategy", () => {
    expect(
      triggerRequestSchema.safeParse({ by: 'x', strategy: 'scale_replicas', params: { target: '4' } }).success,
    ).toBe(true);
    const issues = (raw: unknown) =>
      triggerRequestSchema.safeParse(raw).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues({ by: 'x', strategy: 'compact_indexes', params: { note: 'x' } })).toEqual([
      ['params.note', 'no parameter "note": compact_indexes takes no parameters'],
    ]);
    expect(issues({ by: 'x', strategy: 'scale_replicas', params: { target: 'many' } })![0]![0]).toBe('params.target');
    expect(issues({ by: 'x', params: { target: '4' } })).toEqual([
      ['params', 'parameters are for a manual execution of a named strategy only'],
    ]);
    expect(issues({ by: 'x', strategy: 'compact_index' })![0]![1]).toMatch(/^no strategy "compact_index" \(known: /);
  });
});
