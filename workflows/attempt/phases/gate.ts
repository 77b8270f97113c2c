import type { ProblemClass } from '../../../src/domain/problem-class';
import type { IntegritySample } from '../../../src/sensor/integrity-sample';
import { deferred, enter, type EarlyEnd, type PreparedLedger } from '../attempt-ledger';
import { fmt } from '../describe-failure';

/**
 * Whether to heal at all: not when healing is switched off (a manual execution is a person's own
 * call), nor when there is nothing a strategy could act on. Cooldowns and attempt windows are the
 * guardian's.
 */
export function gate(l: PreparedLedger, problem: ProblemClass, initial: IntegritySample): EarlyEnd | null {
  enter(l, 'gate', `problem class ${problem.class}`);
  if (!l.config.enabled && !l.input.strategy) return deferred('healing is disabled by configuration');
  if (problem.class === 'Unknown') {
    const why =
      initial.state === 'normal'
        ? `integrity is normal (λ ${fmt(initial.lambda)} of ${fmt(initial.baseline_lambda)}): nothing to heal`
        : 'Problem requires human review';
    return deferred(`${why}; ${problem.witness_summary}`);
  }
  return null;
}
