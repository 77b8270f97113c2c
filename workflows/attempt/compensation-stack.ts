import { CancellationScope } from '@temporalio/workflow';
import type { StrategyStepInput } from '../../activities';
import { mustFinishOptions } from '../activity-options';
import type { StrategyPlan } from '../../src/strategies/strategy';
import { mustFinish } from './attempt-activities';
import { enter, flushAttributes, type AttemptLedger } from './attempt-ledger';
import { describeFailure } from './describe-failure';

/** Registers the undo of a reversible strategy before it acts, so a half-done step is undone too. */
export function pushCompensation(l: AttemptLedger, step: StrategyStepInput, plan: StrategyPlan): void {
  l.compensations.push({
    name: `undo ${step.strategy}`,
    run: () =>
      mustFinish.compensateStrategy.executeWithOptions(
        { ...mustFinishOptions, summary: `compensate: undo ${step.strategy}` },
        [{ ...step, plan }],
      ),
  });
}

/**
 * The saga's compensation: every registered undo, in reverse order, once. Nothing may cancel it
 * once begun; an undo that keeps failing is recorded, and the others still run.
 */
export async function runCompensations(l: AttemptLedger, why: string): Promise<void> {
  if (l.compensations.length === 0 || l.compensations_ran) return;
  l.compensations_ran = true;
  enter(l, 'compensate', `${why}: undoing ${l.compensations.map((c) => c.name).join(', ')}`);
  flushAttributes(l);
  await CancellationScope.nonCancellable(async () => {
    for (const c of [...l.compensations].reverse()) {
      try {
        await c.run();
      } catch (err) {
        l.compensation_errors.push(`${c.name}: ${describeFailure(err)}`);
      }
    }
  });
}

/** Whether every registered undo ran and none failed. */
export function compensated(l: AttemptLedger): boolean {
  return l.compensations_ran && l.compensation_errors.length === 0;
}

/** Removes what a strategy that did not finish left half-done (not an undo); not cancellable. */
export async function runCleanup(l: AttemptLedger, step: StrategyStepInput, plan: StrategyPlan): Promise<void> {
  enter(l, 'cleanup', `${step.strategy} did not finish: removing what it left half-done`);
  flushAttributes(l);
  l.cleaned_up = (
    await CancellationScope.nonCancellable(() =>
      mustFinish.cleanupStrategy.executeWithOptions(
        { ...mustFinishOptions, summary: `cleanup: after ${step.strategy}` },
        [{ ...step, plan }],
      ),
    )
  ).removed;
}
