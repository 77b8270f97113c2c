import { isCancellation, log, patched } from '@temporalio/workflow';
import type { HealingOutcome } from '../src/domain/healing-outcome';
import { temporaryHoldWorkflowId } from '../src/domain/workflow-ids';
import type { Decision } from './attempt-messages';
import {
  enter,
  flushAttributes,
  openLedger,
  type HealingAttemptInput,
  type PreparedLedger,
} from './attempt/attempt-ledger';
import { TEMPORARY_HOLD_PATCH } from './attempt/attempt-patches';
import { compensated, runCompensations } from './attempt/compensation-stack';
import { handleDecisions } from './attempt/decision-handlers';
import { describeFailure } from './attempt/describe-failure';
import { endUnfinished } from './attempt/end-unfinished';
import { awaitApproval } from './attempt/phases/approval';
import { classify } from './attempt/phases/classify';
import { execute } from './attempt/phases/execute';
import { gate } from './attempt/phases/gate';
import { prepare } from './attempt/phases/prepare';
import { sandbox } from './attempt/phases/sandbox';
import { select } from './attempt/phases/select';
import { sense } from './attempt/phases/sense';
import { takeSharedLease } from './attempt/phases/shared-lease';
import { stabilize } from './attempt/phases/stabilize';
import { verify } from './attempt/phases/verify';
import { finishEarly, recordAttempt } from './attempt/record-attempt';
import { startTemporaryHold } from './attempt/start-temporary-hold';

export type { HealingAttemptInput } from './attempt/attempt-ledger';
export {
  APPROVE_ABOVE_IMPACT_CAP_PATCH,
  NEVER_WORSE_PATCH,
  NOTIFY_PERSON_PATCH,
  TEMPORARY_HOLD_PATCH,
  VALIDATE_PARAMS_PATCH,
} from './attempt/attempt-patches';

/**
 * One durable healing attempt, as phases over one ledger
 * (workflows/attempt/): prepare → sense → classify → gate → select → [lease, approval] → sandbox
 * → execute → stabilize → verify → compensate (saga, reverse order, not cancellable) → record.
 * A person may approve or reject a waiting attempt, and abort it at any phase.
 */
export async function healingAttempt(input: HealingAttemptInput): Promise<HealingOutcome> {
  const ledger = openLedger(input);
  handleDecisions(ledger);
  const l = await prepare(ledger);
  try {
    return await l.work.run(() => heal(l));
  } catch (err) {
    return await endAfter(l, err);
  } finally {
    await l.lease?.release().catch((err) => log.warn('lease release failed', { error: describeFailure(err) }));
    // A notice whose start is still pending when the attempt closes would never start.
    await Promise.all(l.notices);
  }
}

/** The phases, within the attempt's cancellable scope. */
async function heal(l: PreparedLedger): Promise<HealingOutcome> {
  const initial = await sense(l);
  const problem = classify(l, initial);
  const closed = gate(l, problem, initial);
  if (closed) return finishEarly(l, closed);
  const chosen = await select(l, problem, initial);
  if ('end' in chosen) return finishEarly(l, chosen);
  const waiting = (await takeSharedLease(l, chosen)) ?? (await awaitApproval(l, chosen, problem));
  if (waiting) return finishEarly(l, waiting);

  const tested = await sandbox(l, chosen);
  if (l.input.dry_run) {
    const reason = tested.result.passed
      ? `dry run: ${chosen.strategy.name} would run; sandbox passed`
      : `dry run: sandbox test failed: ${tested.failed_checks}`;
    await recordAttempt(l, 'DryRun', reason);
    enter(l, 'done', reason);
    flushAttributes(l);
    return {
      kind: 'DryRun',
      problem,
      strategy: chosen.strategy.name,
      sandbox_passed: tested.result.passed,
      reason,
      attempt_id: l.prepared.attempt_id,
    };
  }
  if (!tested.result.passed)
    return finishEarly(l, { end: 'Deferred', reason: `sandbox test failed: ${tested.failed_checks}` });

  const executed = await execute(l, chosen);
  await stabilize(l, executed.result);
  const v = await verify(l, chosen, initial, executed);
  if (!v.verified) await runCompensations(l, 'not verified');
  const outcomeId = await recordAttempt(
    l,
    'Completed',
    v.verified ? 'verified' : `not verified: ${v.not_verified_why}`,
  );

  // A stopgap stands for temporary_hold only: a hold named by the action restores it then.
  const name = chosen.strategy.name;
  const temporaryUntil =
    v.verified && chosen.strategy.temporary && patched(TEMPORARY_HOLD_PATCH)
      ? await startTemporaryHold(l.input.collection, l.prepared.attempt_id, name, l.config.temporary_hold)
      : null;
  enter(
    l,
    'done',
    v.verified
      ? `healed: ${v.verdict.detail}` +
          (temporaryUntil
            ? `; temporary: restored at ${temporaryUntil} by ` +
              `\`${temporaryHoldWorkflowId(l.input.collection, l.prepared.attempt_id)}\``
            : '')
      : `not healed${compensated(l) ? ', compensated' : ''}: ${v.not_verified_why}`,
  );
  flushAttributes(l);
  log.info('healing attempt finished', { collection: l.input.collection, strategy: name, verified: v.verified });
  return {
    kind: 'Completed',
    problem,
    strategy: name,
    result: { ...executed.result, improvement: v.improvement },
    verified: v.verified,
    compensated: compensated(l),
    initial_lambda: initial.lambda,
    final_lambda: v.final.lambda,
    attempt_id: l.prepared.attempt_id,
    outcome_id: outcomeId ?? 0,
    ...(temporaryUntil ? { temporary_until: temporaryUntil } : {}),
    final_state: v.final.state,
  };
}

/** An attempt that did not reach its verdict: aborted by a person or Temporal, or a step that kept failing. */
async function endAfter(l: PreparedLedger, err: unknown): Promise<HealingOutcome> {
  const { status } = l;
  if (isCancellation(err) && !status.abort) {
    // Cancelled through Temporal (its UI or CLI) rather than `selfheal abort`: an abort all the same.
    status.abort = {
      decision: 'aborted',
      by: 'a Temporal cancellation request',
      comment: null,
      at: new Date().toISOString(),
    };
  }
  if (isCancellation(err) && status.abort) {
    // Aborted by a person: undo what was done, then record it, none of it cancellable.
    const abort: Decision = status.abort;
    const reason = `aborted by ${abort.by}${abort.comment ? `: ${abort.comment}` : ''} during ${status.phase}`;
    const end = await endUnfinished(l, 'Aborted', reason);
    return {
      kind: 'Aborted',
      problem: l.problem,
      strategy: l.chosen?.strategy.name ?? null,
      reason,
      compensated: end.compensated,
      attempt_id: l.prepared.attempt_id,
      outcome_id: end.outcome_id,
    };
  }
  // A step kept failing after its retries: nothing is left half-done or uncompensated, the
  // outcome is recorded, and the workflow still fails, as Temporal shows it.
  await endUnfinished(l, 'Failed', `failed during ${status.phase}: ${describeFailure(err)}`);
  throw err;
}
