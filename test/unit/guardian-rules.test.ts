import { parseHealingConfig } from '../../src/domain/healing-config';
import {
  attemptsInWindow,
  cooldownUntil,
  deferralBackoffUntil,
  deferralStreak,
  healingGate,
  ineffectiveStreak,
  type AttemptRecord,
} from '../../src/guardian/healing-gate';
import { nextIntegrityState } from '../../src/guardian/hysteresis';

const T = { stress_ratio: 0.9, critical_ratio: 0.6 };

describe('integrity state hysteresis', () => {
  it('gets worse on one sample below a threshold', () => {
    expect(nextIntegrityState('normal', 0.89, T)).toBe('stress');
    expect(nextIntegrityState('normal', 0.5, T)).toBe('critical');
    expect(nextIntegrityState('stress', 0.59, T)).toBe('critical');
  });

  it('gets better only past the threshold plus the margin, so a ratio at a threshold does not flap', () => {
    const ratios = [0.89, 0.91, 0.89, 0.92, 0.9];
    let s: ReturnType<typeof nextIntegrityState> = 'normal';
    const seen = ratios.map((r) => (s = nextIntegrityState(s, r, T)));
    expect(seen).toEqual(['stress', 'stress', 'stress', 'stress', 'stress']);
    expect(nextIntegrityState('stress', 0.95, T)).toBe('normal');
    expect(nextIntegrityState('critical', 0.62, T)).toBe('critical');
    expect(nextIntegrityState('critical', 0.66, T)).toBe('stress');
    expect(nextIntegrityState('critical', 0.96, T)).toBe('normal');
  });

  it('starts from the raw state when nothing was known', () => {
    expect(nextIntegrityState('unknown', 0.7, T)).toBe('stress');
  });
});

describe('healing gate (should_auto_heal across attempts)', () => {
  const config = parseHealingConfig({
    min_healing_interval: 300,
    max_attempts_per_window: 2,
    attempt_window: 3600,
    ineffective_after: 2,
  });
  const at = (
    startS: number,
    endS: number | null,
    outcome: string | null = 'Completed',
    raised: boolean | null = true,
  ): AttemptRecord => ({
    workflow_id: 'w',
    run_id: `r${startS}`,
    trigger: 't',
    started_at_ms: startS * 1000,
    finished_at_ms: endS === null ? null : endS * 1000,
    outcome,
    raised_lambda: raised,
  });

  it('defers inside the cooldown after an attempt that acted, and says until when', () => {
    const s = { attempts: [at(0, 10)], needs_person: null };
    expect(cooldownUntil(s, config)).toBe(310_000);
    expect(healingGate(s, 100_000, config, true)).toEqual({
      ok: false,
      reason: expect.stringMatching(/cooling down/),
      until_ms: 310_000,
    });
    expect(healingGate(s, 310_000, config, true)).toEqual({ ok: true });
  });

  it('deferred, no-strategy and dry-run attempts start no cooldown and do not fill the window', () => {
    const s = {
      attempts: [at(0, 1, 'Deferred', null), at(2, 3, 'DryRun', null), at(4, 5, 'NoStrategy', null)],
      needs_person: null,
    };
    expect(cooldownUntil(s, config)).toBeNull();
    expect(attemptsInWindow(s, 10_000, config)).toEqual([]);
    expect(healingGate(s, 10_000, config, true)).toEqual({ ok: true });
  });

  it('backs off after attempts that could not act: check_interval, doubling, capped; a manual trigger goes at once', () => {
    const cfg = parseHealingConfig({ check_interval: 10, min_healing_interval: 60 });
    const deferred = (n: number) => ({
      attempts: Array.from({ length: n }, (_, i) => at(i * 2, i * 2 + 1, 'Deferred', null)),
      needs_person: null,
    });
    // The nth deferral in a row ends at 2n − 1 s; the next automatic attempt waits 10, 20, 40, then 60 s (the cap).
    expect([1, 2, 3, 4, 5].map((n) => deferralBackoffUntil(deferred(n), cfg))).toEqual([
      11_000, 23_000, 45_000, 67_000, 69_000,
    ]);
    expect(healingGate(deferred(2), 22_000, cfg, false)).toEqual({
      ok: false,
      reason: expect.stringMatching(/last 2 attempts could not act/),
      until_ms: 23_000,
    });
    expect(healingGate(deferred(2), 23_000, cfg, false)).toEqual({ ok: true });
    expect(healingGate(deferred(2), 12_000, cfg, true)).toEqual({ ok: true });
    // An attempt that acted ends the streak; a dry run does not break it.
    expect(
      deferralStreak([
        at(0, 1, 'Deferred', null),
        at(2, 3, 'Completed'),
        at(4, 5, 'NoStrategy', null),
        at(6, 7, 'DryRun', null),
      ]),
    ).toBe(1);
    expect(deferralBackoffUntil({ attempts: [at(0, 1, 'Completed')], needs_person: null }, cfg)).toBeNull();
  });

  it("holds automatic attempts off for attempt_window after a person's rejection; a manual trigger goes at once", () => {
    const cfg = parseHealingConfig({ check_interval: 10, min_healing_interval: 60, attempt_window: 3600 });
    const rejected = { ...at(0, 1, 'Deferred', null), rejected: true };
    const s = { attempts: [rejected], needs_person: null };
    expect(deferralBackoffUntil(s, cfg)).toBe(3_601_000);
    expect(healingGate(s, 600_000, cfg, false)).toEqual({
      ok: false,
      reason: expect.stringMatching(/^a person rejected the last attempt's strategy; next automatic attempt at /),
      until_ms: 3_601_000,
    });
    expect(healingGate(s, 600_000, cfg, true)).toEqual({ ok: true });
    // A dry run after it does not end the hold; a deferral of another cause after it does.
    expect(deferralBackoffUntil({ attempts: [rejected, at(2, 3, 'DryRun', null)], needs_person: null }, cfg)).toBe(
      3_601_000,
    );
    expect(deferralBackoffUntil({ attempts: [rejected, at(2, 3, 'Deferred', null)], needs_person: null }, cfg)).toBe(
      23_000,
    );
  });

  it('allows max_attempts_per_window per attempt_window', () => {
    const s = { attempts: [at(0, 1), at(400, 401)], needs_person: null };
    const g = healingGate(s, 1000_000, config, true);
    expect(g).toMatchObject({ ok: false, until_ms: 3600_000 });
    expect(healingGate(s, 3601_000, config, true)).toEqual({ ok: true });
  });

  it('stops automatic attempts when a person is needed; a manual trigger still goes', () => {
    const s = { attempts: [], needs_person: 'healing ineffective' };
    expect(healingGate(s, 0, config, false)).toEqual({ ok: false, reason: 'healing ineffective', until_ms: null });
    expect(healingGate(s, 0, config, true)).toEqual({ ok: true });
  });

  it('counts consecutive finished attempts that did not raise λ, skipping those that say nothing', () => {
    expect(
      ineffectiveStreak([
        at(0, 1, 'Completed', true),
        at(2, 3, 'Completed', false),
        at(4, 5, 'Deferred', null),
        at(6, 7, 'Completed', false),
      ]),
    ).toBe(2);
    expect(ineffectiveStreak([at(0, 1, 'Completed', false), at(2, 3, 'Completed', true)])).toBe(0);
  });
});
