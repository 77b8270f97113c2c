import { detectDrift, slopeOf } from '../../src/learning/learning-drift';
import { mulberry32 } from '../../src/learning/random';

const series = (rewards: number[]) =>
  rewards.map((reward, i) => ({ at: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString(), reward }));
const rep = (n: number, v: number) => new Array<number>(n).fill(v);

describe('detectDrift', () => {
  it('detects a sustained fall of outcome quality', () => {
    const v = detectDrift(series([...rep(10, 0.85), ...rep(5, 0.1)]));
    expect(v.drifting).toBe(true);
    expect(v.detail).toMatch(/last 5 rewards 0\.10 vs 0\.85 for the 10 before/);
    // Still falling gradually, rather than a step.
    expect(detectDrift(series([...rep(8, 0.9), 0.7, 0.5, 0.35, 0.2, 0.1, 0.1])).drifting).toBe(true);
  });

  it('ignores one bad outcome, and two, however bad', () => {
    expect(detectDrift(series([...rep(14, 0.85), 0]))).toMatchObject({ drifting: false });
    expect(detectDrift(series([...rep(12, 0.85), 0, 0.85, 0]))).toMatchObject({ drifting: false });
    expect(detectDrift(series([...rep(12, 0.85), 0, 0.85, 0.85]))).toMatchObject({ drifting: false });
  });

  it('ignores noise around a steady level, on every prefix of long series', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = mulberry32(seed);
      const rewards = Array.from({ length: 60 }, () => 0.3 + 0.6 * r());
      for (let n = 8; n <= rewards.length; n++)
        expect([seed, n, detectDrift(series(rewards.slice(0, n))).drifting]).toEqual([seed, n, false]);
    }
  });

  it('says nothing before it has enough outcomes, and nothing about improving ones', () => {
    expect(detectDrift(series([0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1]))).toEqual({
      drifting: false,
      detail: '7 outcomes, fewer than the 8 needed',
    });
    expect(detectDrift(series([0.9])).detail).toBe('1 outcome, fewer than the 8 needed');
    expect(detectDrift(series([...rep(10, 0.1), ...rep(5, 0.9)])).drifting).toBe(false);
  });

  it('takes the outcomes in time order', () => {
    const s = series([...rep(10, 0.85), ...rep(5, 0.1)]);
    expect(detectDrift([...s].reverse()).drifting).toBe(true);
  });

  it('honours its options', () => {
    const s = series([...rep(10, 0.85), ...rep(5, 0.55)]);
    expect(detectDrift(s).drifting).toBe(true);
    expect(detectDrift(s, { window: 5, minOutcomes: 8, drop: 0.4 }).drifting).toBe(false);
    expect(detectDrift(s, { window: 5, minOutcomes: 20, drop: 0.3 }).drifting).toBe(false);
  });

  it('fits a least-squares slope', () => {
    expect(slopeOf([1, 2, 3, 4])).toBeCloseTo(1, 12);
    expect(slopeOf([4, 2, 0])).toBeCloseTo(-2, 12);
    expect(slopeOf([5])).toBe(0);
  });
});
