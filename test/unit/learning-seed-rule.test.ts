import type { OutcomeForLearning } from '../../src/learning/reward';
import { seedWeightOf, seedWeights, successCredit, UNTRIED_WEIGHT } from '../../src/learning/seed-rule';

type O = Pick<
  OutcomeForLearning,
  'problem_class' | 'strategy_name' | 'success' | 'verified' | 'improvement_pct' | 'feedback_score'
>;
const o = (over: Partial<O> = {}): O => ({
  problem_class: 'MemoryPressure',
  strategy_name: 'tune_work_mem',
  success: true,
  verified: true,
  improvement_pct: null,
  feedback_score: null,
  ...over,
});

describe('seedWeights', () => {
  it('is success_rate × (1 + avg_improvement), success meaning success and verified', () => {
    const [w, ...rest] = seedWeights([
      o({ improvement_pct: 0.5 }),
      o({ improvement_pct: 0.2 }),
      o({ success: false, verified: false }),
      // Succeeded but not verified: not a success here, its improvement still averaged in.
      o({ verified: null, improvement_pct: 0.1 }),
    ]);
    expect(rest).toEqual([]);
    expect(w).toMatchObject({ problem_class: 'MemoryPressure', strategy_name: 'tune_work_mem', outcomes: 4 });
    expect(w!.success_rate).toBeCloseTo(0.5, 12);
    expect(w!.avg_improvement).toBeCloseTo(0.8 / 4, 12);
    expect(w!.weight).toBeCloseTo(0.5 * 1.2, 12);
    expect(w!.feedback_count).toBe(0);
  });

  it('keeps (class, strategy) pairs apart, in the order they first appear', () => {
    const ws = seedWeights([
      o({ problem_class: 'HotspotCongestion', strategy_name: 'throttle_ingestion', success: false }),
      o({ problem_class: 'MemoryPressure', strategy_name: 'throttle_ingestion' }),
      o({ problem_class: 'HotspotCongestion', strategy_name: 'throttle_ingestion' }),
    ]);
    expect(ws.map((w) => [w.problem_class, w.strategy_name, w.outcomes, w.success_rate])).toEqual([
      ['HotspotCongestion', 'throttle_ingestion', 2, 0.5],
      ['MemoryPressure', 'throttle_ingestion', 1, 1],
    ]);
  });

  it('lowers a weight for negative feedback and raises it for positive feedback', () => {
    const plain = [o({ improvement_pct: 0.3 }), o({ success: false, verified: false })];
    const weight = (list: O[]) => seedWeights(list)[0]!.weight;
    const w = weight(plain);
    const disliked = weight([{ ...plain[0]!, feedback_score: -1 }, plain[1]!]);
    const liked = weight([plain[0]!, { ...plain[1]!, feedback_score: 0.8 }]);
    expect(disliked).toBeLessThan(w);
    expect(liked).toBeGreaterThan(w);
    expect(seedWeights([{ ...plain[0]!, feedback_score: -1 }, plain[1]!])[0]!.feedback_count).toBe(1);
    expect(successCredit(o({ feedback_score: -1 }))).toBe(0);
    expect(successCredit(o({ feedback_score: -0.5 }))).toBe(0.5);
    expect(successCredit(o({ success: false, feedback_score: 1 }))).toBe(1);
    expect(successCredit(o({ feedback_score: 1 }))).toBe(1);
  });

  it('gives strategies without outcomes the prior weight of 1', () => {
    const table = seedWeights([o({ success: false })]);
    expect(seedWeightOf(table, 'MemoryPressure', 'tune_work_mem')).toBe(0);
    expect(seedWeightOf(table, 'MemoryPressure', 'throttle_ingestion')).toBe(UNTRIED_WEIGHT);
    expect(seedWeightOf(table, 'HotspotCongestion', 'tune_work_mem')).toBe(1);
    expect(seedWeights([])).toEqual([]);
  });
});
