import { CancellationScope } from '@temporalio/workflow';
import { quickOptions } from '../activity-options';
import type { FinishAttempt } from '../../src/postgres/outcome-store';
import type { HealingOutcome } from '../../src/domain/healing-outcome';
import { acts } from './attempt-activities';
import { enter, flushAttributes, type EarlyEnd, type PreparedLedger } from './attempt-ledger';
import { compensated } from './compensation-stack';

type Ending = FinishAttempt['status'];

/**
 * The outcome row (ruvector.healing_outcomes), built from the ledger whichever way the attempt
 * ended: only an attempt whose strategy began to act has one, for the weights learn what
 * strategies did. Unverified unless the verify phase said so.
 */
export function outcomeRow(
  l: PreparedLedger,
  ending: Ending,
  reason: string,
  completedAt: string,
): FinishAttempt['outcome'] {
  const { chosen, problem, initial, plan, result, verification: v } = l;
  if (!l.execute_started || !chosen || !problem || !initial) return null;
  const given = chosen.step.params;
  return {
    problem_class: problem.class,
    problem_details: problem,
    strategy_name: chosen.strategy.name,
    strategy_params: {
      ...(plan?.params ?? {}),
      sandbox: l.sandbox,
      trigger: l.input.trigger,
      approval: l.status.approval,
      ...(given ? { given_params: given } : {}),
      ...(l.status.abort ? { abort: l.status.abort } : {}),
    },
    started_at: l.started_at,
    completed_at: completedAt,
    duration_ms: Math.max(0, Date.parse(completedAt) - Date.parse(l.started_at)),
    success: result?.success ?? false,
    verified: v?.verified ?? false,
    actions_taken: result?.actions_taken ?? 0,
    improvement_pct: v ? v.improvement : null,
    error_message:
      ending === 'Completed'
        ? (result?.error ?? (l.compensation_errors.length ? l.compensation_errors.join('; ') : null))
        : reason,
    initial_lambda: initial.lambda,
    final_lambda: v?.final.lambda ?? l.status.final_lambda,
    witness_edges: initial.witness_edges,
    system_metrics: {
      before: plan?.before ?? null,
      after: v?.verdict.after ?? null,
      verification: v
        ? {
            lambda_improved: v.lambda_improved,
            lambda_fell: v.lambda_fell,
            strategy_verified: v.verdict.verified,
            detail: v.verdict.detail,
          }
        : null,
      baseline_lambda: initial.baseline_lambda,
      state_before: initial.state,
      state_after: v?.final.state ?? null,
      sample_cost_ms: initial.stats.sample_cost_ms,
      result_metadata: result?.metadata ?? null,
      cleaned_up: l.cleaned_up,
      compensation_errors: l.compensation_errors,
    },
  };
}

/**
 * Records how the attempt ended, once, from the ledger; not cancellable (an abort must not lose
 * the record). Returns the outcome row's id when there is one.
 */
export async function recordAttempt(l: PreparedLedger, ending: Ending, reason: string): Promise<number | null> {
  enter(l, 'record', `${ending}: ${reason}`);
  const f: FinishAttempt = {
    attempt_id: l.prepared.attempt_id,
    status: ending,
    problem_class: l.problem?.class ?? null,
    strategy_name: l.chosen?.strategy.name ?? null,
    reason,
    sandbox: l.sandbox,
    compensation: l.compensations.length
      ? {
          ran: l.compensations_ran,
          compensated: compensated(l),
          errors: l.compensation_errors,
          snapshot: l.plan?.snapshot ?? null,
        }
      : null,
    approval: l.status.approval ? { ...l.status.approval } : null,
    // What a later rollback compensates from: only an attempt that ran to its verdict leaves it.
    plan: ending === 'Completed' ? l.plan : null,
    ...(l.selection ? { selection: { ...l.selection } } : {}),
    outcome: outcomeRow(l, ending, reason, new Date().toISOString()),
  };
  flushAttributes(l);
  const r = await CancellationScope.nonCancellable(() =>
    acts.recordOutcome.executeWithOptions({ ...quickOptions, summary: `record: ${ending}` }, [f]),
  );
  return r.outcome_id;
}

/** An attempt that ends before acting: recorded, and said so. */
export async function finishEarly(l: PreparedLedger, e: EarlyEnd): Promise<HealingOutcome> {
  await recordAttempt(l, e.end, e.reason);
  enter(l, 'done', `${e.end}: ${e.reason}`);
  flushAttributes(l);
  return e.end === 'NoStrategy' && l.problem
    ? { kind: 'NoStrategy', problem: l.problem, attempt_id: l.prepared.attempt_id }
    : { kind: 'Deferred', problem: l.problem, reason: e.reason, attempt_id: l.prepared.attempt_id };
}
