import type { HealingConfig } from '../domain/healing-config';

export interface AttemptRecord {
  workflow_id: string;
  run_id: string;
  trigger: string;
  started_at_ms: number;
  finished_at_ms: number | null;
  outcome: string | null;
  raised_lambda: boolean | null;
  /** A person rejected its strategy (recorded by guardians that hold off after a rejection). */
  rejected?: boolean;
}

export interface GateState {
  attempts: AttemptRecord[];
  needs_person: string | null;
}

export type GateAnswer = { ok: true } | { ok: false; reason: string; until_ms: number | null };

/** Attempts that ended before any strategy acted (deferred, no strategy, dry run) do not count. */
const DID_NOT_ACT = new Set(['Deferred', 'NoStrategy', 'DryRun']);
export const acted = (a: AttemptRecord): boolean => a.outcome === null || !DID_NOT_ACT.has(a.outcome);

/** When the cooldown after the last attempt that acted ends, or null when there is none. */
export function cooldownUntil(s: GateState, config: Pick<HealingConfig, 'min_healing_interval'>): number | null {
  const finished = s.attempts
    .filter(acted)
    .map((a) => a.finished_at_ms)
    .filter((t): t is number => t !== null);
  return finished.length ? Math.max(...finished) + config.min_healing_interval * 1000 : null;
}

/** Ended without acting because it could not act (not a person's dry run). */
const COULD_NOT_ACT = new Set(['Deferred', 'NoStrategy']);

/** Consecutive finished attempts, newest first, that ended without acting; dry runs say nothing. */
export function deferralStreak(attempts: AttemptRecord[]): number {
  let n = 0;
  for (const a of [...attempts].reverse()) {
    if (a.outcome === 'DryRun') continue;
    if (a.outcome === null || !COULD_NOT_ACT.has(a.outcome)) break;
    n++;
  }
  return n;
}

/**
 * After attempts that could not act (deferred: sandbox failed, target leased, a person needed; no
 * strategy), the next automatic one waits check_interval, doubling with each further such attempt,
 * up to max(check_interval, min_healing_interval): a fault selfheal cannot fix is not retried in a
 * tight loop, yet one that becomes fixable is tried again soon. A person's rejection is an answer,
 * not a failure: the next automatic attempt waits attempt_window (an hour by default) before it
 * asks again; `selfheal trigger` asks at once.
 */
export function deferralBackoffUntil(
  s: GateState,
  config: Pick<HealingConfig, 'check_interval' | 'min_healing_interval' | 'attempt_window'>,
): number | null {
  const n = deferralStreak(s.attempts);
  const last = s.attempts[s.attempts.length - 1];
  if (n === 0 || !last || last.finished_at_ms === null) return null;
  const cap = Math.max(config.check_interval, config.min_healing_interval) * 1000;
  const backoff = last.finished_at_ms + Math.min(config.check_interval * 1000 * 2 ** (n - 1), cap);
  const decided = lastDecided(s.attempts);
  if (decided?.rejected !== true || decided.finished_at_ms === null) return backoff;
  return Math.max(backoff, decided.finished_at_ms + config.attempt_window * 1000);
}

/** The last finished attempt a dry run does not stand in for. */
function lastDecided(attempts: AttemptRecord[]): AttemptRecord | undefined {
  return [...attempts].reverse().find((a) => a.finished_at_ms !== null && a.outcome !== 'DryRun');
}

/** Attempts started within the window ending now. */
export function attemptsInWindow(
  s: GateState,
  now: number,
  config: Pick<HealingConfig, 'attempt_window'>,
): AttemptRecord[] {
  return s.attempts.filter((a) => acted(a) && a.started_at_ms > now - config.attempt_window * 1000);
}

/**
 * Whether to heal automatically, the parts that span attempts: cooldown, attempts per window, and
 * (for automatic attempts) healing that keeps not working and the backoff after attempts that could
 * not act. A person's manual trigger skips the last two.
 */
export function healingGate(
  s: GateState,
  now: number,
  config: Pick<HealingConfig, 'min_healing_interval' | 'max_attempts_per_window' | 'attempt_window' | 'check_interval'>,
  manual: boolean,
): GateAnswer {
  const cooldown = cooldownUntil(s, config);
  if (cooldown !== null && now < cooldown) {
    return {
      ok: false,
      reason: `cooling down after the last attempt until ${new Date(cooldown).toISOString()}`,
      until_ms: cooldown,
    };
  }
  const recent = attemptsInWindow(s, now, config);
  if (recent.length >= config.max_attempts_per_window) {
    const until = Math.min(...recent.map((a) => a.started_at_ms)) + config.attempt_window * 1000;
    return {
      ok: false,
      reason:
        `${recent.length} attempts in the last ${config.attempt_window} s ` +
        `(max_attempts_per_window ${config.max_attempts_per_window}); next at ${new Date(until).toISOString()}`,
      until_ms: until,
    };
  }
  if (!manual && s.needs_person) return { ok: false, reason: s.needs_person, until_ms: null };
  const backoff = manual ? null : deferralBackoffUntil(s, config);
  if (backoff !== null && now < backoff) {
    return {
      ok: false,
      reason:
        lastDecided(s.attempts)?.rejected === true
          ? `a person rejected the last attempt's strategy; next automatic attempt at ` +
            `${new Date(backoff).toISOString()}`
          : `the last ${deferralStreak(s.attempts)} attempts could not act; next automatic attempt at ` +
            `${new Date(backoff).toISOString()}`,
      until_ms: backoff,
    };
  }
  return { ok: true };
}

/** Consecutive finished strategy runs, newest first, that did not raise λ. */
export function ineffectiveStreak(attempts: AttemptRecord[]): number {
  let n = 0;
  for (const a of [...attempts].reverse()) {
    if (a.raised_lambda === null) continue; // deferred or running: says nothing about effectiveness
    if (a.raised_lambda) break;
    n++;
  }
  return n;
}
