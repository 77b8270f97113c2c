import { isCancellation } from '@temporalio/workflow';
import { NON_RETRYABLE_TYPES, quickOptions } from '../../activity-options';
import { failedResult, type RemediationResult } from '../../../src/domain/remediation-result';
import type { StrategyPlan } from '../../../src/strategies/strategy';
import { acts } from '../attempt-activities';
import { enter, flushAttributes, type Chosen, type PreparedLedger } from '../attempt-ledger';
import { pushCompensation, runCleanup } from '../compensation-stack';
import { describeFailure } from '../describe-failure';

/**
 * Plans (measures and snapshots), registers the undo before acting, then runs the strategy within
 * twice its estimated duration. A failed run is cleaned up; a cancelled one (an abort) is left to
 * the abort's saga.
 */
export async function execute(
  l: PreparedLedger,
  { strategy, step }: Chosen,
): Promise<{ plan: StrategyPlan; result: RemediationResult; executed_at: string }> {
  enter(l, 'execute', `running ${strategy.name}`);
  flushAttributes(l);
  const p = await acts.planStrategy.executeWithOptions(
    { ...quickOptions, summary: `plan: measure and snapshot before ${strategy.name}` },
    [step],
  );
  // A person's parameters reached the strategy (step.params), validated; its plan holds what they made of them.
  const plan: StrategyPlan = { ...p, ...(l.lease_taken ? { lease: l.lease_taken } : {}) };
  l.plan = plan;
  if (strategy.reversible) pushCompensation(l, step, plan);
  const timeoutMs = 2 * strategy.estimated_duration_seconds * 1000;
  l.execute_started = true;
  let result: RemediationResult;
  try {
    result = await acts.executeStrategy.executeWithOptions(
      {
        summary: `execute: ${strategy.name}`,
        startToCloseTimeout: timeoutMs,
        scheduleToCloseTimeout: timeoutMs,
        // Short, so an abort reaches the activity within seconds (heartbeats carry the cancel).
        heartbeatTimeout: '3 seconds',
        cancellationType: 'WAIT_CANCELLATION_COMPLETED',
        retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
      },
      [{ ...step, plan, budget_ms: timeoutMs }],
    );
  } catch (err) {
    if (isCancellation(err) || l.work.consideredCancelled) throw err;
    result = failedResult(describeFailure(err));
  }
  l.result = result;
  // Rates (temp bytes, partition load) at verification count only what happened from here on.
  const executedAt = new Date().toISOString();
  if (!result.success) await runCleanup(l, step, plan);
  return { plan, result, executed_at: executedAt };
}
