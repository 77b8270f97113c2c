import { ActivityFailure, RetryState } from '@temporalio/common';
import { CancellationScope, patched } from '@temporalio/workflow';
import type { StrategyStepInput } from '../../activities';
import { mustFinishOptions } from '../activity-options';
import type { StrategyPlan } from '../../src/strategies/strategy';
import { mustFinish } from './attempt-activities';
import { enter, flushAttributes, type AttemptLedger } from './attempt-ledger';
import { NOTIFY_PERSON_PATCH } from './attempt-patches';
import { describeFailure } from './describe-failure';
import { tellAboutAttempt } from './tell-person';

/** Registers the undo of a reversible strategy before it acts, so a half-done step is undone too. */
export function pushCompensation(l: AttemptLedger, step: StrategyStepInput, plan: StrategyPlan): void {
  l.compensations.push({
    name: `undo ${step.strategy}`,
    strategy: step.strategy,
    run: (maximumAttempts) =>
      mustFinish.compensateStrategy.executeWithOptions(
        {
          ...mustFinishOptions,
          ...(maximumAttempts ? { retry: { ...mustFinishOptions.retry, maximumAttempts } } : {}),
          summary: `compensate: undo ${step.strategy}`,
        },
        [{ ...step, plan }],
      ),
  });
}

/** An undo still failing after this many tries (about half a minute of backoff) is told to a person. */
export const COMPENSATION_TRIES_BEFORE_TELLING = 5;

/**
 * Runs one undo until it succeeds, as before; told, a person hears of one that keeps failing while
 * it goes on trying. Its first tries are one activity with a bounded retry policy, so the workflow
 * learns that they failed (Temporal retries an unbounded one out of its sight), then it goes on
 * as the same idempotent step, unbounded.
 */
async function runUndo(l: AttemptLedger, c: AttemptLedger['compensations'][number], tell: boolean): Promise<void> {
  if (!tell) return void (await c.run());
  try {
    await c.run(COMPENSATION_TRIES_BEFORE_TELLING);
  } catch (err) {
    // A non-retryable failure is final: a second round would fail the same way.
    if (err instanceof ActivityFailure && err.retryState === RetryState.NON_RETRYABLE_FAILURE) throw err;
    tellAboutAttempt(
      l,
      'compensation_failed',
      `${c.name} keeps failing after ${COMPENSATION_TRIES_BEFORE_TELLING} tries (${describeFailure(err)}); ` +
        'selfheal goes on trying',
    );
    await c.run();
  }
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
  const tell = patched(NOTIFY_PERSON_PATCH);
  await CancellationScope.nonCancellable(async () => {
    for (const c of [...l.compensations].reverse()) {
      try {
        await runUndo(l, c, tell);
      } catch (err) {
        l.compensation_errors.push(`${c.name}: ${describeFailure(err)}`);
        // What it changed stands: only a person can restore it now, from the recorded snapshot.
        if (tell) tellAboutAttempt(l, 'compensation_failed', `${c.name} failed for good: ${describeFailure(err)}`);
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
