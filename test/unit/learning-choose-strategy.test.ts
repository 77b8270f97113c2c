import { fitBanditModel, type BanditModel } from '../../src/learning/bandit-model';
import { chooseStrategy, choiceSchema, DEFAULT_SELECTION_MARGIN } from '../../src/learning/choose-strategy';
import { mulberry32, type Random } from '../../src/learning/random';
import type { OutcomeForLearning } from '../../src/learning/reward';
import { seedWeights, type SeedWeight } from '../../src/learning/seed-rule';
import type { SizeBand } from '../../src/learning/selection-context';
import { ctx, outcome } from '../support/learning-fixtures';

const problem = { class: 'MemoryPressure' } as const;
/** A random that replays the given values and counts its calls. */
function scripted(values: number[]): Random & { calls: number } {
  const f = Object.assign(() => values[f.calls++ % values.length]!, { calls: 0 });
  return f;
}

const A = 'tune_work_mem';
const B = 'throttle_ingestion';

describe('chooseStrategy', () => {
  const history = [
    ...Array.from({ length: 6 }, () => outcome(A, true, ctx())),
    ...Array.from({ length: 4 }, () => outcome(B, false, ctx())),
  ];
  const model = fitBanditModel(history);
  const seed = seedWeights(history);
  const input = (random: Random, over: Partial<Parameters<typeof chooseStrategy>[0]> = {}) => ({
    problem,
    candidates: [A, B],
    context: ctx(),
    model,
    seed,
    margin: DEFAULT_SELECTION_MARGIN,
    random,
    ...over,
  });

  it('makes the same choice from the same inputs and random sequence, and says why in one line', () => {
    for (let s = 0; s < 20; s++) {
      const one = chooseStrategy(input(mulberry32(s)));
      const two = chooseStrategy(input(mulberry32(s)));
      expect(two).toEqual(one);
      expect(choiceSchema.parse(JSON.parse(JSON.stringify(one)))).toEqual(one);
      expect(one.why).not.toMatch(/\n/);
    }
    const c = chooseStrategy(input(mulberry32(1)));
    expect(c.rule).toBe('bandit');
    expect(c.strategy).toBe(A);
    expect(c.why).toMatch(
      /^bandit: tune_work_mem sampled \d\.\d\d \(mean \d\.\d\d, 6 outcomes\) over throttle_ingestion /,
    );
    expect(c.estimates.map((e) => [e.strategy, e.outcomes])).toEqual([
      [A, 6],
      [B, 4],
    ]);
  });

  it('calls random twice per candidate, and not at all for one candidate or without a model', () => {
    const r = scripted([0.3, 0.6]);
    chooseStrategy(input(r, { candidates: [A, B, 'x'] }));
    expect(r.calls).toBe(6);
    const only = scripted([0.5]);
    const c = chooseStrategy(input(only, { candidates: [B] }));
    expect(only.calls).toBe(0);
    expect(c).toMatchObject({
      strategy: B,
      rule: 'only',
      why: 'only: throttle_ingestion is the one eligible strategy',
    });
    const none = scripted([0.5]);
    const s = chooseStrategy(input(none, { model: null }));
    expect(none.calls).toBe(0);
    expect(s).toMatchObject({ strategy: A, rule: 'seed' });
    expect(s.why).toMatch(/^seed: no learned model; tune_work_mem weight/);
  });

  it('breaks ties in registry order', () => {
    const empty = fitBanditModel([]);
    // The same draw for every candidate: every sample equal.
    const same = scripted([0.5, 0.1]);
    expect(chooseStrategy(input(same, { model: empty, seed: [] })).strategy).toBe(A);
    expect(chooseStrategy(input(scripted([0.5, 0.1]), { model: empty, seed: [], candidates: [B, A] })).strategy).toBe(
      B,
    );
    expect(chooseStrategy(input(same, { model: null, seed: [], candidates: [B, A] })).strategy).toBe(B);
  });

  it("falls back to the rule's pick when the bandit's pick has a mean below the rule's pick's by the margin", () => {
    // B has done well; A was never tried: the rule weighs B 1.3 over A's untried 1, the bandit knows B's mean is high.
    const good: OutcomeForLearning[] = Array.from({ length: 8 }, () => outcome(B, true, ctx()));
    const m: BanditModel = fitBanditModel(good);
    const s: SeedWeight[] = seedWeights(good);
    // A draws z ≈ +3.7, B draws z = 0: A's sample wins though its mean is the prior's 0.5.
    const luckyA = () => scripted([0.999, 0, 0.5, 0.25]);
    const conservative = chooseStrategy(input(luckyA(), { model: m, seed: s }));
    expect(conservative.estimates[0]!.sampled).toBeGreaterThan(conservative.estimates[1]!.sampled);
    expect(conservative.estimates[0]!.mean).toBeLessThan(conservative.estimates[1]!.mean - DEFAULT_SELECTION_MARGIN);
    expect(conservative).toMatchObject({ strategy: B, rule: 'seed' });
    expect(conservative.why).toMatch(/^seed: throttle_ingestion weight 1\.30 .*bandit's tune_work_mem sampled/);
    // With room enough, the draw stands: that is how an untried strategy gets its chance.
    const daring = chooseStrategy(input(luckyA(), { model: m, seed: s, margin: 0.6 }));
    expect(daring).toMatchObject({ strategy: A, rule: 'bandit' });
  });

  it('learns in a small loop to prefer A on small tables and B on large ones', () => {
    const truth: Record<string, Record<SizeBand, number>> = {
      [A]: { small: 0.9, medium: 0.5, large: 0.1 },
      [B]: { small: 0.2, medium: 0.5, large: 0.85 },
    };
    const world = mulberry32(42);
    const random = mulberry32(43);
    const seen: OutcomeForLearning[] = [];
    let m = fitBanditModel([]);
    let s: SeedWeight[] = [];
    const late: Record<'small' | 'large', string[]> = { small: [], large: [] };
    for (let i = 0; i < 240; i++) {
      if (i % 10 === 0) [m, s] = [fitBanditModel(seen), seedWeights(seen)];
      const band: 'small' | 'large' = world() < 0.5 ? 'small' : 'large';
      const c = ctx({ size_band: band, severity: world() });
      const choice = chooseStrategy({
        problem,
        candidates: [A, B],
        context: c,
        model: m,
        seed: s,
        margin: 0.1,
        random,
      });
      seen.push(outcome(choice.strategy, world() < truth[choice.strategy]![band], c));
      if (i >= 140) late[band].push(choice.strategy);
    }
    const share = (xs: string[], name: string) => xs.filter((x) => x === name).length / xs.length;
    expect(share(late.small, A)).toBeGreaterThan(0.85);
    expect(share(late.large, B)).toBeGreaterThan(0.85);
    // A single weight per strategy cannot say this: the rule ranks one of them first everywhere.
    const final = fitBanditModel(seen);
    const mean = (name: string, band: SizeBand) =>
      chooseStrategy({
        problem,
        candidates: [name],
        context: ctx({ size_band: band }),
        model: final,
        seed: s,
        margin: 0.1,
        random,
      }).estimates[0]!.mean;
    // The loser in each band is tried rarely once known, so its estimate there stays nearer the prior.
    expect(mean(A, 'small')).toBeGreaterThan(mean(B, 'small') + 0.2);
    expect(mean(B, 'large')).toBeGreaterThan(mean(A, 'large') + 0.2);
  });

  it('refuses an empty candidate list', () => {
    expect(() => chooseStrategy(input(mulberry32(1), { candidates: [] }))).toThrow(/no candidate/);
  });
});
