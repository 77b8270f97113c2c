import {
  armOf,
  armPosterior,
  banditModelSchema,
  DEFAULT_BANDIT_PRIOR,
  fitBanditModel,
  sampleReward,
} from '../../src/learning/bandit-model';
import {
  backSubstituteTransposed,
  cholesky,
  choleskySolve,
  forwardSubstitute,
  matVec,
} from '../../src/learning/linear-algebra';
import { mulberry32 } from '../../src/learning/random';
import { rewardOf, type OutcomeForLearning } from '../../src/learning/reward';
import { CONTEXT_FEATURES, contextFeatures } from '../../src/learning/selection-context';
import { ctx, outcome } from '../support/learning-fixtures';

describe('linear algebra', () => {
  const a = [
    [4, 12, -16],
    [12, 37, -43],
    [-16, -43, 98],
  ];

  it('factors a positive definite matrix and solves with the factor', () => {
    const l = cholesky(a);
    expect(l).toEqual([
      [2, 0, 0],
      [6, 1, 0],
      [-8, 5, 3],
    ]);
    const x = choleskySolve(l, [1, 2, 3]);
    matVec(a, x).forEach((v, i) => expect(v).toBeCloseTo([1, 2, 3][i]!, 9));
    const y = forwardSubstitute(l, [2, 7, 4]);
    matVec(l, y).forEach((v, i) => expect(v).toBeCloseTo([2, 7, 4][i]!, 12));
    const lt = l[0]!.map((_, j) => l.map((r) => r[j]!));
    const z = backSubstituteTransposed(l, [1, 1, 1]);
    matVec(lt, z).forEach((v) => expect(v).toBeCloseTo(1, 12));
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() =>
      cholesky([
        [1, 2],
        [2, 1],
      ]),
    ).toThrow(/positive definite/);
  });
});

describe('fitBanditModel', () => {
  it('predicts the prior mean for an untried strategy in any context, with a wide spread', () => {
    const model = fitBanditModel([]);
    for (const c of [ctx(), ctx({ size_band: 'large', critical: true, severity: 1 })]) {
      const p = armPosterior(model, armOf(model, 'MemoryPressure', 'tune_work_mem'), contextFeatures(c));
      expect(p.mean).toBeCloseTo(DEFAULT_BANDIT_PRIOR.prior_mean, 12);
      expect(p.sd).toBeGreaterThan(0.2);
    }
  });

  it('learns the reward per context and narrows as outcomes come in', () => {
    const r = mulberry32(3);
    const outcomes: OutcomeForLearning[] = [];
    for (let i = 0; i < 300; i++) {
      const c = ctx({ size_band: r() < 0.5 ? 'small' : 'large', severity: r() });
      // Works on small tables, fails on large ones.
      outcomes.push(outcome('tune_work_mem', c.size_band === 'small' ? r() < 0.9 : r() < 0.1, c));
    }
    const model = fitBanditModel(outcomes);
    const arm = armOf(model, 'MemoryPressure', 'tune_work_mem');
    expect(arm.outcomes).toBe(300);
    const small = armPosterior(model, arm, contextFeatures(ctx()));
    const large = armPosterior(model, arm, contextFeatures(ctx({ size_band: 'large' })));
    const good = rewardOf(outcome('x', true, null));
    const bad = rewardOf(outcome('x', false, null));
    expect(small.mean).toBeCloseTo(0.9 * good + 0.1 * bad, 1);
    expect(large.mean).toBeCloseTo(0.1 * good + 0.9 * bad, 1);
    expect(small.sd).toBeLessThan(0.05);
  });

  it('leaves out outcomes without a context and counts them', () => {
    const model = fitBanditModel([outcome('tune_work_mem', true, null), outcome('tune_work_mem', true, ctx())]);
    expect(model.skipped_outcomes).toBe(1);
    expect(model.arms.map((a) => [a.strategy_name, a.outcomes])).toEqual([['tune_work_mem', 1]]);
  });

  it('survives JSON and its schema unchanged, and refuses a model of another shape', () => {
    const model = fitBanditModel(
      [outcome('tune_work_mem', true, ctx()), outcome('throttle_ingestion', false, ctx({ critical: true }))],
      { noise: 0.3 },
    );
    const back = banditModelSchema.parse(JSON.parse(JSON.stringify(model)));
    expect(back).toEqual(model);
    expect(back.prior.noise).toBe(0.3);
    expect(model.features).toHaveLength(CONTEXT_FEATURES);
    // Small enough for a payload: 2 arms of d×d numbers.
    expect(JSON.stringify(model).length).toBeLessThan(4000);
    const bad = JSON.parse(JSON.stringify(model)) as { arms: { precision: number[][] }[] };
    bad.arms[0]!.precision.pop();
    expect(banditModelSchema.safeParse(bad).success).toBe(false);
    expect(banditModelSchema.safeParse({ ...model, version: 2 }).success).toBe(false);
  });

  it('draws samples around the posterior mean with its spread, from the random it is given', () => {
    const model = fitBanditModel([]);
    const p = armPosterior(model, armOf(model, 'MemoryPressure', 'tune_work_mem'), contextFeatures(ctx()));
    const r = mulberry32(11);
    const draws = Array.from({ length: 4000 }, () => sampleReward(p, r));
    const m = draws.reduce((s, x) => s + x, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((s, x) => s + (x - m) ** 2, 0) / draws.length);
    expect(m).toBeCloseTo(p.mean, 1);
    expect(sd / p.sd).toBeGreaterThan(0.95);
    expect(sd / p.sd).toBeLessThan(1.05);
    expect(sampleReward(p, mulberry32(5))).toBe(sampleReward(p, mulberry32(5)));
  });
});
