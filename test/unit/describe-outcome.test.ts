import { describeOutcome } from '../../src/cli/follow-attempt';
import type { HealingOutcome } from '../../src/domain/healing-outcome';

describe("an attempt's one-line ending", () => {
  const completed = (o: Partial<Extract<HealingOutcome, { kind: 'Completed' }>>): HealingOutcome => ({
    kind: 'Completed',
    problem: { class: 'StaleStatistics', relations: ['public.t'], mods_since_analyze: 9000, reltuples: 1000 },
    strategy: 'analyze_table',
    result: { success: true, actions_taken: 1, improvement: 1, metadata: {} },
    verified: true,
    compensated: false,
    initial_lambda: 0.1,
    final_lambda: 0.206,
    attempt_id: 3,
    outcome_id: 4,
    ...o,
  });

  it('says healed only when the verifying sample was normal; better but still degraded is said as such', () => {
    expect(describeOutcome(completed({ final_state: 'critical' }))).toBe(
      'improved, still critical: StaleStatistics → analyze_table; λ 0.100 → 0.206',
    );
    expect(describeOutcome(completed({ final_state: 'normal', final_lambda: 2 }))).toBe(
      'healed: StaleStatistics → analyze_table; λ 0.100 → 2.000',
    );
    // An attempt begun before the state was reported: verified reads as healed, as it did.
    expect(describeOutcome(completed({}))).toMatch(/^healed: /);
    expect(describeOutcome(completed({ verified: false, final_state: 'critical' }))).toMatch(/^not healed: /);
  });
});
