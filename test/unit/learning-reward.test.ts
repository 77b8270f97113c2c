import { mulberry32 } from '../../src/learning/random';
import { REWARD, rewardOf, type OutcomeForLearning } from '../../src/learning/reward';

const outcome = (over: Partial<OutcomeForLearning> = {}): OutcomeForLearning => ({
  problem_class: 'MemoryPressure',
  strategy_name: 'tune_work_mem',
  success: true,
  verified: true,
  improvement_pct: 0.3,
  duration_ms: 60_000,
  time_to_recover_ms: 60_000,
  feedback_score: null,
  impact: 0.2,
  context: null,
  completed_at: '2025-01-01T00:00:00.000Z',
  ...over,
});

describe('rewardOf', () => {
  it('orders verified success > unchecked success > refuted success > failure', () => {
    const r = [
      rewardOf(outcome()),
      rewardOf(outcome({ verified: null })),
      rewardOf(outcome({ verified: false })),
      rewardOf(outcome({ success: false, verified: false })),
    ];
    expect(r).toEqual([...r].sort((a, b) => b - a));
    expect(new Set(r).size).toBe(4);
  });

  it('puts the worst verified success above the best unverified one', () => {
    const worst = rewardOf(outcome({ improvement_pct: 0, time_to_recover_ms: 1e12, duration_ms: 1e12, impact: 1 }));
    const best = rewardOf(outcome({ verified: null, improvement_pct: 1, time_to_recover_ms: 0, impact: 0 }));
    expect(worst).toBeGreaterThan(best);
    expect(worst).toBeCloseTo(REWARD.verified_success, 2);
  });

  it('scores faster recovery, more improvement and lower impact higher', () => {
    expect(rewardOf(outcome({ time_to_recover_ms: 10_000 }))).toBeGreaterThan(rewardOf(outcome()));
    expect(rewardOf(outcome({ improvement_pct: 0.8 }))).toBeGreaterThan(rewardOf(outcome()));
    expect(rewardOf(outcome({ impact: 0.1 }))).toBeGreaterThan(rewardOf(outcome()));
    expect(rewardOf(outcome({ success: false, impact: 0.1 }))).toBeGreaterThan(
      rewardOf(outcome({ success: false, impact: 0.9 })),
    );
    // The duration stands in when the time to recover is unknown.
    expect(rewardOf(outcome({ time_to_recover_ms: null, duration_ms: 10_000 }))).toBeGreaterThan(
      rewardOf(outcome({ time_to_recover_ms: null, duration_ms: 600_000 })),
    );
  });

  it('moves with feedback: negative towards 0, positive towards 1, in proportion', () => {
    for (const o of [outcome(), outcome({ verified: null }), outcome({ success: false, verified: false })]) {
      const r = rewardOf(o);
      const down = rewardOf({ ...o, feedback_score: -1 });
      const halfDown = rewardOf({ ...o, feedback_score: -0.5 });
      const up = rewardOf({ ...o, feedback_score: 1 });
      expect(down).toBeLessThan(halfDown);
      expect(halfDown).toBeLessThan(r);
      expect(up).toBeGreaterThan(r);
      expect(down).toBeCloseTo(r * (1 - REWARD.feedback_pull), 10);
      expect(up).toBeCloseTo(r + REWARD.feedback_pull * (1 - r), 10);
    }
    // A person's −1 on a verified success puts it below an unverified success nobody judged.
    expect(rewardOf(outcome({ feedback_score: -1 }))).toBeLessThan(rewardOf(outcome({ verified: null })));
  });

  it('stays in 0..1 for any figures', () => {
    const r = mulberry32(7);
    for (let i = 0; i < 500; i++) {
      const v = rewardOf(
        outcome({
          success: r() < 0.5,
          verified: r() < 0.3 ? null : r() < 0.5,
          improvement_pct: r() < 0.2 ? null : (r() - 0.3) * 4,
          time_to_recover_ms: r() < 0.2 ? null : r() * 1e7,
          feedback_score: r() < 0.5 ? null : r() * 2 - 1,
          impact: r(),
        }),
      );
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});
