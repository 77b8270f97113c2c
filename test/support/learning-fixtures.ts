import type { OutcomeForLearning } from '../../src/learning/reward';
import type { SelectionContext } from '../../src/learning/selection-context';

/** A middling MemoryPressure context; tests change what they study. */
export const ctx = (over: Partial<SelectionContext> = {}): SelectionContext => ({
  severity: 0.4,
  critical: false,
  size_band: 'small',
  measure: 0.5,
  minutes_since_fault: 3,
  attempts_so_far: 0,
  ...over,
});

/** One MemoryPressure outcome: a verified success or a failure, in this context (null: recorded before contexts). */
export const outcome = (strategy: string, success: boolean, context: SelectionContext | null): OutcomeForLearning => ({
  problem_class: 'MemoryPressure',
  strategy_name: strategy,
  success,
  verified: success,
  improvement_pct: success ? 0.3 : 0,
  duration_ms: 30_000,
  time_to_recover_ms: success ? 30_000 : null,
  feedback_score: null,
  impact: 0.2,
  context,
  completed_at: '2025-01-01T00:00:00.000Z',
});
