import { recoveryPatterns, type PatternOccurrence } from '../../src/domain/recovery-patterns';

let minute = 0;
const occ = (component: string, strategy: string, healed: boolean, cls = 'IndexFragmentation'): PatternOccurrence => ({
  problem_class: cls,
  component,
  strategy,
  healed,
  at: new Date(Date.UTC(2025, 2, 3, 12, minute++)).toISOString(),
});

describe('recovery patterns', () => {
  it('keeps a class on one part seen 3 times or more, and drops the one seen twice', () => {
    const patterns = recoveryPatterns([
      occ('index a in demo', 'compact_indexes', true),
      occ('index a in demo', 'compact_indexes', true),
      occ('index a in demo', 'compact_indexes', false),
      occ('index b in demo', 'compact_indexes', true),
      occ('index b in demo', 'compact_indexes', true),
    ]);
    expect(patterns).toEqual([
      expect.objectContaining({
        problem_class: 'IndexFragmentation',
        component: 'index a in demo',
        occurrences: 3,
        best_strategy: 'compact_indexes',
        success_rate: 2 / 3,
      }),
    ]);
  });

  it('the same part under another class is another pattern', () => {
    const list = [0, 1, 2].flatMap(() => [
      occ('index a in demo', 'compact_indexes', true),
      occ('index a in demo', 'rebuild_invalid_index', true, 'InvalidIndex'),
    ]);
    expect(recoveryPatterns(list).map((p) => [p.problem_class, p.occurrences])).toEqual([
      ['IndexFragmentation', 3],
      ['InvalidIndex', 3],
    ]);
  });

  it("names the strategy with the best rate, the rate being that strategy's own on the pattern", () => {
    const [p] = recoveryPatterns([
      occ('table in demo', 'terminate_blocking_root', true, 'BlockingChain'),
      occ('table in demo', 'terminate_blocking_root', true, 'BlockingChain'),
      occ('table in demo', 'set_role_timeouts', true, 'BlockingChain'),
      occ('table in demo', 'set_role_timeouts', false, 'BlockingChain'),
      occ('table in demo', 'set_role_timeouts', false, 'BlockingChain'),
    ]);
    expect(p).toMatchObject({ occurrences: 5, best_strategy: 'terminate_blocking_root', success_rate: 1 });
    expect(p!.strategies.map((s) => [s.strategy, s.healed, s.occurrences])).toEqual([
      ['terminate_blocking_root', 2, 2],
      ['set_role_timeouts', 1, 3],
    ]);
    expect(p!.last_seen).toBe(new Date(Date.UTC(2025, 2, 3, 12, minute - 1)).toISOString());
  });

  it('breaks a tie of rates by tries, then by name, whatever the order of the rows', () => {
    const rows = [
      occ('table in demo', 'set_role_timeouts', true, 'RunawayQuery'),
      occ('table in demo', 'cancel_runaway_query', true, 'RunawayQuery'),
      occ('table in demo', 'cancel_runaway_query', true, 'RunawayQuery'),
      occ('table in demo', 'terminate_blocking_root', true, 'RunawayQuery'),
    ];
    expect(recoveryPatterns(rows)[0]!.best_strategy).toBe('cancel_runaway_query');
    expect(recoveryPatterns([...rows].reverse())[0]!.best_strategy).toBe('cancel_runaway_query');
    const even = [rows[0]!, rows[3]!, rows[0]!, rows[3]!];
    expect(recoveryPatterns(even)[0]!.best_strategy).toBe('set_role_timeouts');
    expect(recoveryPatterns([...even].reverse())[0]!.best_strategy).toBe('set_role_timeouts');
  });

  it('lists the most frequent patterns first', () => {
    const list = [
      ...[0, 1, 2].map(() => occ('index a in demo', 'compact_indexes', true)),
      ...[0, 1, 2, 3].map(() => occ('index b in demo', 'compact_indexes', false)),
    ];
    expect(recoveryPatterns(list).map((p) => [p.component, p.success_rate])).toEqual([
      ['index b in demo', 0],
      ['index a in demo', 1],
    ]);
  });
});
