import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityFailure,
  CancellationScope,
  ParentClosePolicy,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, PreparedAttempt, StrategyStepInput } from '../activities';
import { mustFinishOptions, NON_RETRYABLE_TYPES, quickOptions } from './activity-options';
import type { FinishAttempt } from '../src/postgres/outcome-store';
import { classifyProblem } from '../src/classifier/classify-problem';
import { healingConfigSchema, storedHealingConfigSchema, type HealingConfig, type HealingConfigInput } from '../src/domain/healing-config';
import type { HealingOutcome } from '../src/domain/healing-outcome';
import type { ProblemClass } from '../src/domain/problem-class';
import { failedResult, type RemediationResult } from '../src/domain/remediation-result';
import type { StrategyDescriptor } from '../src/domain/strategy-descriptor';
import type { IntegritySample } from '../src/sensor/integrity-sample';
import { approvalReasons, kindRefusalReason, selectStrategy, strategyByName } from '../src/strategies/registry';
import type { SandboxResult, StrategyPlan, StrategyVerdict } from '../src/strategies/strategy';
import { strategyParamsProblem } from '../src/strategies/strategy-params';
import { COLLECTION_SA, PHASE_SA, PROBLEM_CLASS_SA, STRATEGY_SA } from '../src/temporal/search-attributes';
import { temporaryHoldWorkflowId } from '../src/temporal/task-queue';
import {
  abortUpdate,
  approveUpdate,
  attemptStatusQuery,
  decisionInputSchema,
  rejectUpdate,
  type AttemptPhase,
  type AttemptStatus,
  type Decision,
  type DecisionInput,
} from './attempt-messages';
import { takeLease, type Lease } from './shared-target-lease';
import { temporaryHold } from './temporary-hold';

export interface HealingAttemptInput {
  collection: string;
  /** Who started it: manual, guardian, execute, … */
  trigger: string;
  /** When the guardian's sample first saw the collection degraded (ISO); absent for manual attempts. */
  detected_at?: string;
  /** Overrides on top of the stored configuration, for this attempt only. */
  config?: HealingConfigInput;
  /** Manual execution (ruvector_healing_execute): this strategy instead of the selected one. */
  strategy?: string;
  /** Parameters for a manual execution, recorded with the plan. */
  params?: Record<string, string>;
  /** classify, select and sandbox only: change nothing. */
  dry_run?: boolean;
}

const acts = proxyActivities<Activities>(quickOptions);
const mustFinish = proxyActivities<Activities>(mustFinishOptions);

class DecisionRefused extends Error {}

/** Workflow versions (patched()): attempts begun before a change replay along the old path. */
export const NEVER_WORSE_PATCH = 'verify-never-worse';
export const APPROVE_ABOVE_IMPACT_CAP_PATCH = 'approve-above-impact-cap';
export const TEMPORARY_HOLD_PATCH = 'temporary-hold';
export const VALIDATE_PARAMS_PATCH = 'validate-strategy-params';

/**
 * One durable healing attempt (seed 002's engine.heal):
 * prepare → sense → classify → gate → select → [approval] → sandbox → execute → stabilize → verify
 * → compensate (saga, reverse order, not cancellable) → record.
 * A person may approve or reject a waiting attempt, and abort it at any phase.
 */
export async function healingAttempt(input: HealingAttemptInput): Promise<HealingOutcome> {
  const startedAt = new Date().toISOString();
  const status: AttemptStatus = {
    collection: input.collection, attempt_id: null, phase: 'prepare', problem: null, strategy: null,
    initial_lambda: null, final_lambda: null, awaiting_approval: false, approval_deadline: null, approval_reason: null,
    approval: null, abort: null, phases: [],
  };
  const enter = (phase: AttemptPhase, details: string): void => {
    status.phase = phase;
    status.phases.push({ phase, at: new Date().toISOString() });
    upsertSearchAttributes([{ key: PHASE_SA, value: phase }]);
    setCurrentDetails(`**${phase}** — ${details}`);
  };

  // Everything up to recording runs in this scope, so an abort cancels whatever step is running.
  const work = new CancellationScope();
  const decide = (kind: Decision['decision'], d: DecisionInput): Decision => ({ decision: kind, by: d.by, comment: d.comment ?? null, at: new Date().toISOString() });
  const checkAction = (raw: unknown): DecisionInput => {
    const d = decisionInputSchema.parse(raw);
    if (status.attempt_id === null) throw new DecisionRefused('the attempt has no action id yet: try again in a moment');
    if (d.action_id !== status.attempt_id) throw new DecisionRefused(`this attempt is action ${status.attempt_id}, not ${d.action_id}`);
    return d;
  };
  setHandler(attemptStatusQuery, () => status);
  setHandler(approveUpdate, (raw) => (status.approval = decide('approved', raw)), { validator: (raw) => validateApproval(raw) });
  setHandler(rejectUpdate, (raw) => (status.approval = decide('rejected', raw)), { validator: (raw) => validateApproval(raw) });
  setHandler(
    abortUpdate,
    (raw) => {
      status.abort = decide('aborted', raw);
      work.cancel();
      return status.abort;
    },
    {
      validator: (raw) => {
        checkAction(raw);
        if (status.abort) throw new DecisionRefused(`action ${status.attempt_id} was already aborted by ${status.abort.by}`);
        if (status.phase === 'compensate' || status.phase === 'record' || status.phase === 'done') {
          throw new DecisionRefused(`action ${status.attempt_id} is finishing (${status.phase}): too late to abort`);
        }
      },
    },
  );
  function validateApproval(raw: unknown): void {
    checkAction(raw);
    if (status.approval) throw new DecisionRefused(`action ${status.attempt_id} was already ${status.approval.decision} by ${status.approval.by}`);
    if (!status.awaiting_approval) throw new DecisionRefused(`action ${status.attempt_id} is not waiting for approval (phase ${status.phase})`);
    if (status.abort) throw new DecisionRefused(`action ${status.attempt_id} was aborted`);
  }

  upsertSearchAttributes([{ key: COLLECTION_SA, value: input.collection }]);
  enter('prepare', `opening the attempt for collection \`${input.collection}\``);
  const prepared: PreparedAttempt = await acts.prepareAttempt.executeWithOptions(
    { ...quickOptions, summary: 'prepare: open the attempt record and load configuration' },
    [{ collection: input.collection, trigger: input.trigger, ...(input.detected_at ? { detected_at: input.detected_at } : {}) }],
  );
  status.attempt_id = prepared.attempt_id;
  // Stored configuration may carry keys from a newer selfheal: dropped; this attempt's overrides must be known.
  const config: HealingConfig = healingConfigSchema.parse({ ...storedHealingConfigSchema.parse(prepared.config), ...(input.config ?? {}) });

  // What the record step needs, filled in as the attempt goes.
  let problem: ProblemClass | null = null;
  let strategy: StrategyDescriptor | null = null;
  let initial: IntegritySample | null = null;
  let sandbox: SandboxResult | null = null;
  let plan: StrategyPlan | null = null;
  let result: RemediationResult | null = null;
  let executeStarted = false;
  const compensations: { name: string; run: () => Promise<unknown> }[] = [];
  const compensationErrors: string[] = [];
  let compensationsRan = false;
  let cleanedUp: string[] = [];
  let lease: Extract<Lease, { held: true }> | null = null;
  let leaseTaken: { lease_id: string; target: string } | null = null;

  const record = async (f: Omit<FinishAttempt, 'attempt_id' | 'approval'>): Promise<number | null> => {
    enter('record', `${f.status}: ${f.reason ?? ''}`);
    const r = await CancellationScope.nonCancellable(() =>
      acts.recordOutcome.executeWithOptions({ ...quickOptions, summary: `record: ${f.status}` }, [
        { ...f, attempt_id: prepared.attempt_id, approval: status.approval ? { ...status.approval } : null },
      ]),
    );
    return r.outcome_id;
  };
  const finishEarly = async (kind: 'Deferred' | 'NoStrategy', reason: string): Promise<HealingOutcome> => {
    await record({
      status: kind, problem_class: problem?.class ?? null, strategy_name: strategy?.name ?? null, reason,
      sandbox: sandbox ?? null, compensation: null, outcome: null,
    });
    enter('done', `${kind}: ${reason}`);
    return kind === 'NoStrategy' && problem
      ? { kind, problem, attempt_id: prepared.attempt_id }
      : { kind: 'Deferred', problem, reason, attempt_id: prepared.attempt_id };
  };
  const runCompensations = async (why: string): Promise<void> => {
    if (compensations.length === 0 || compensationsRan) return;
    compensationsRan = true;
    enter('compensate', `${why}: undoing ${compensations.map((c) => c.name).join(', ')}`);
    await CancellationScope.nonCancellable(async () => {
      for (const c of [...compensations].reverse()) {
        try {
          await c.run();
        } catch (err) {
          compensationErrors.push(`${c.name}: ${describeFailure(err)}`);
        }
      }
    });
  };
  const runCleanup = async (step: StrategyStepInput, p: StrategyPlan): Promise<void> => {
    enter('cleanup', `${step.strategy} did not finish: removing what it left half-done`);
    cleanedUp = (
      await CancellationScope.nonCancellable(() =>
        mustFinish.cleanupStrategy.executeWithOptions({ ...mustFinishOptions, summary: `cleanup: after ${step.strategy}` }, [{ ...step, plan: p }]),
      )
    ).removed;
  };

  /** An attempt that did not run to its verdict: cleanup, compensation and record, none of it cancellable. */
  const endUnfinished = async (
    kind: 'Aborted' | 'Failed',
    reason: string,
    extraParams: Record<string, unknown>,
  ): Promise<{ problem: ProblemClass | null; strategy: string | null; compensated: boolean; outcome_id: number | null }> => {
    // Assigned inside the attempt's scope: TypeScript does not see those assignments here.
    const s = strategy as StrategyDescriptor | null;
    const p = plan as StrategyPlan | null;
    const r = result as RemediationResult | null;
    const pr = problem as ProblemClass | null;
    const init = initial as IntegritySample | null;
    if (executeStarted && s && p && pr && init && !r?.success) {
      await runCleanup({ strategy: s.name, collection: input.collection, problem: pr, state: init.state, config }, p);
    }
    await runCompensations(kind === 'Aborted' ? 'aborted' : 'failed');
    const compensated = compensationsRan && compensationErrors.length === 0;
    const now = new Date().toISOString();
    const outcomeId = await record({
      status: kind,
      problem_class: pr?.class ?? null,
      strategy_name: s?.name ?? null,
      reason,
      sandbox: sandbox ?? null,
      compensation: compensations.length ? { ran: compensationsRan, compensated, errors: compensationErrors, snapshot: p?.snapshot ?? null } : null,
      plan: null,
      // An outcome row only when the strategy acted: the weights learn what strategies did.
      outcome:
        executeStarted && s && pr && init
          ? {
              problem_class: pr.class, problem_details: pr, strategy_name: s.name,
              strategy_params: p ? { ...p.params, ...extraParams } : extraParams, started_at: startedAt, completed_at: now,
              duration_ms: Math.max(0, Date.parse(now) - Date.parse(startedAt)), success: r?.success ?? false, verified: false,
              actions_taken: r?.actions_taken ?? 0, improvement_pct: null, error_message: reason,
              initial_lambda: init.lambda, final_lambda: status.final_lambda, witness_edges: init.witness_edges,
              system_metrics: { before: p?.before ?? null, cleaned_up: cleanedUp, compensation_errors: compensationErrors },
            }
          : null,
    });
    enter('done', reason);
    return { problem: pr, strategy: s?.name ?? null, compensated, outcome_id: outcomeId };
  };

  try {
    return await work.run(async () => {
      // Sense.
      enter('sense', 'sampling live statistics and computing λ');
      initial = await acts.sampleIntegrity.executeWithOptions(
        { ...quickOptions, summary: 'sense: sample integrity (λ, witness edges)' },
        [{ collection: input.collection, config }],
      );
      status.initial_lambda = initial.lambda;

      // Classify.
      enter('classify', `λ = ${fmt(initial.lambda)} of baseline ${fmt(initial.baseline_lambda)} (${initial.state}); ${initial.witness_edges.length} witness edges`);
      problem = classifyProblem(initial, config);
      status.problem = problem;
      upsertSearchAttributes([{ key: PROBLEM_CLASS_SA, value: problem.class }]);

      // Gate (seed 002 should_auto_heal; cooldowns and attempt windows are the guardian's).
      enter('gate', `problem class ${problem.class}`);
      if (!config.enabled && !input.strategy) return finishEarly('Deferred', 'healing is disabled by configuration');
      if (problem.class === 'Unknown') {
        const why = initial.state === 'normal' ? `integrity is normal (λ ${fmt(initial.lambda)} of ${fmt(initial.baseline_lambda)}): nothing to heal` : 'Problem requires human review';
        return finishEarly('Deferred', `${why}; ${problem.witness_summary}`);
      }

      // Select: the learned choice, or the one a person asked for.
      enter('select', input.strategy ? `manual execution of ${input.strategy}` : `choosing a strategy for ${problem.class}`);
      if (input.strategy) {
        strategy = strategyByName(input.strategy) ?? null;
        if (!strategy) return finishEarly('Deferred', `no strategy named ${input.strategy}`);
        const refusal = kindRefusalReason(strategy, prepared.kind ?? null, problem.class);
        if (refusal) return finishEarly('Deferred', refusal);
        if (!strategy.handles.includes(problem.class)) {
          return finishEarly('Deferred', `${strategy.name} handles ${strategy.handles.join(', ')}, but the problem now is ${problem.class}`);
        }
        // The guardian's validator refuses bad parameters; an attempt started otherwise is refused here.
        const bad = strategyParamsProblem(strategy.name, input.params);
        if (bad && patched(VALIDATE_PARAMS_PATCH)) return finishEarly('Deferred', `invalid parameters: ${bad}`);
      } else if (input.params && Object.keys(input.params).length > 0 && patched(VALIDATE_PARAMS_PATCH)) {
        return finishEarly('Deferred', 'parameters are for a manual execution of a named strategy only');
      } else {
        const weights = await acts.loadStrategyWeights.executeWithOptions(
          { ...quickOptions, summary: 'select: load learned strategy weights' },
          [{ days: 30, learning_enabled: config.learning_enabled }],
        );
        const selection = selectStrategy(problem.class, config, weights, prepared.kind ?? null);
        // Above the impact cap it waits for a person (below); attempts begun before that ended NoStrategy.
        const approveAboveCap = selection.above_impact_cap ? patched(APPROVE_ABOVE_IMPACT_CAP_PATCH) : true;
        strategy = approveAboveCap ? selection.strategy : null;
        if (!strategy) {
          const why = selection.considered.map((c) => `${c.name}: ${c.reason}`).join('; ');
          return finishEarly('NoStrategy', `no strategy may act on ${problem.class} here${why ? ` (${why})` : ''}: it needs a person`);
        }
      }
      const chosen: StrategyDescriptor = strategy;
      status.strategy = chosen.name;
      upsertSearchAttributes([{ key: STRATEGY_SA, value: chosen.name }]);
      const step: StrategyStepInput = {
        strategy: chosen.name, collection: input.collection, problem, state: initial.state, config,
        ...(input.strategy && input.params && Object.keys(input.params).length > 0 ? { params: input.params } : {}),
      };

      // What other collections share (a role, a server's slots, a deployment) is changed by one attempt
      // at a time: its lease is held from before approval to the end, compensation included.
      if (chosen.shared_target && !input.dry_run) {
        const shared = await acts.findSharedTarget.executeWithOptions(
          { ...quickOptions, summary: `lease: what ${chosen.name} changes beyond ${input.collection}` },
          [step],
        );
        if (shared) {
          const l = await takeLease(shared.lease_id, { workflow_id: workflowInfo().workflowId, collection: input.collection, attempt_id: prepared.attempt_id, target: shared.target });
          if (!l.held) return finishEarly('Deferred', l.reason);
          lease = l;
          leaseTaken = shared;
        }
      }

      // Approval: wait for a person, up to the timeout; a manual execution is itself the person's decision.
      const approvalWhy = approvalReasons(chosen, problem.class, config);
      if (!input.dry_run && !input.strategy && approvalWhy.length > 0) {
        status.awaiting_approval = true;
        status.approval_deadline = new Date(Date.now() + config.approval_timeout * 1000).toISOString();
        status.approval_reason = approvalWhy.join('; ');
        enter('approval', `action ${prepared.attempt_id}: ${chosen.name} for ${problem.class} waits for approval until ${status.approval_deadline} (${status.approval_reason}; \`selfheal approve ${prepared.attempt_id}\`)`);
        const decided = await condition(() => status.approval !== null, config.approval_timeout * 1000, {
          summary: `approval: wait up to ${config.approval_timeout} s for action ${prepared.attempt_id}`,
        });
        status.awaiting_approval = false;
        if (!decided) return finishEarly('Deferred', `approval timed out after ${config.approval_timeout} s`);
        const approval = status.approval as Decision | null;
        if (approval?.decision === 'rejected') {
          return finishEarly('Deferred', `rejected by ${approval.by}${approval.comment ? `: ${approval.comment}` : ''}`);
        }
      }

      // Sandbox.
      enter('sandbox', `testing ${chosen.name} (${chosen.sandbox_levels.join(', ')})`);
      sandbox = await acts.sandboxTest.executeWithOptions({ ...quickOptions, summary: `sandbox: test ${chosen.name}` }, [step]);
      const failedChecks = sandbox.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`).join('; ');
      if (input.dry_run) {
        const reason = sandbox.passed ? `dry run: ${chosen.name} would run; sandbox passed` : `dry run: sandbox test failed: ${failedChecks}`;
        await record({
          status: 'DryRun', problem_class: problem.class, strategy_name: chosen.name, reason, sandbox, compensation: null, outcome: null,
        });
        enter('done', reason);
        return { kind: 'DryRun', problem, strategy: chosen.name, sandbox_passed: sandbox.passed, reason, attempt_id: prepared.attempt_id };
      }
      if (!sandbox.passed) return finishEarly('Deferred', `sandbox test failed: ${failedChecks}`);

      // Execute, with the compensation registered before acting so a half-done step is undone too.
      enter('execute', `running ${chosen.name}`);
      const p: StrategyPlan = await acts.planStrategy.executeWithOptions(
        { ...quickOptions, summary: `plan: measure and snapshot before ${chosen.name}` },
        [step],
      );
      // A person's parameters reached the strategy (step.params), validated; its plan holds what they made of them.
      plan = { ...p, ...(leaseTaken ? { lease: leaseTaken } : {}) };
      const planned = plan;
      if (chosen.reversible) {
        compensations.push({
          name: `undo ${chosen.name}`,
          run: () => mustFinish.compensateStrategy.executeWithOptions({ ...mustFinishOptions, summary: `compensate: undo ${chosen.name}` }, [{ ...step, plan: planned }]),
        });
      }
      const timeoutMs = 2 * chosen.estimated_duration_seconds * 1000;
      executeStarted = true;
      try {
        result = await acts.executeStrategy.executeWithOptions(
          {
            summary: `execute: ${chosen.name}`,
            startToCloseTimeout: timeoutMs,
            scheduleToCloseTimeout: timeoutMs,
            // Short, so an abort reaches the activity within seconds (heartbeats carry the cancel).
            heartbeatTimeout: '3 seconds',
            cancellationType: 'WAIT_CANCELLATION_COMPLETED',
            retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
          },
          [{ ...step, plan: planned, budget_ms: timeoutMs }],
        );
      } catch (err) {
        if (isCancellation(err) || work.consideredCancelled) throw err;
        result = failedResult(describeFailure(err));
      }
      const executed: RemediationResult = result;
      // Rates (temp bytes, partition load) at verification count only what happened from here on.
      const executedAt = new Date().toISOString();
      if (!executed.success) await runCleanup(step, planned);

      // Stabilize: a durable timer, so a crash here resumes the wait rather than restarting it.
      if (executed.success && config.stabilization_wait > 0) {
        enter('stabilize', `waiting ${config.stabilization_wait} s for the system to settle`);
        await sleep(config.stabilization_wait * 1000, { summary: `stabilize: wait ${config.stabilization_wait} s before verifying` });
      }

      // Verify by measuring again.
      const before: IntegritySample = initial;
      enter('verify', `measuring λ again (needs ≥ ${config.min_lambda_improvement} × ${fmt(before.lambda)}) and ${chosen.name}'s own measure`);
      const final: IntegritySample = await acts.sampleIntegrity.executeWithOptions(
        { ...quickOptions, summary: 'verify: sample integrity again' },
        [{ collection: input.collection, config, rates_after: executedAt }],
      );
      status.final_lambda = final.lambda;
      const verdict: StrategyVerdict = await acts.verifyStrategy.executeWithOptions(
        { ...quickOptions, summary: `verify: ${chosen.name}'s own measure` },
        [{ ...step, plan: planned }],
      );
      const lambdaImproved = final.lambda > before.lambda && final.lambda >= config.min_lambda_improvement * before.lambda;
      // Never worse: whatever the strategy's own measure says, an attempt after which λ fell is not
      // verified, and is compensated like any other. (Attempts begun before this rule keep the old one.)
      const lambdaFell = final.lambda < before.lambda && patched(NEVER_WORSE_PATCH);
      const verified = executed.success && !lambdaFell && (lambdaImproved || verdict.verified);
      const notVerifiedWhy = executed.error ?? (lambdaFell ? `λ fell from ${fmt(before.lambda)} to ${fmt(final.lambda)} (${verdict.detail})` : verdict.detail);

      // Compensate in reverse order; nothing may cancel it once started.
      if (!verified) await runCompensations('not verified');
      const compensated = compensationsRan && compensationErrors.length === 0;

      // Record.
      const improvement = before.lambda > 0 ? (final.lambda - before.lambda) / before.lambda : final.lambda > 0 ? 1 : 0;
      const completedAt = new Date().toISOString();
      const outcomeId = await record({
        status: 'Completed',
        problem_class: problem.class,
        strategy_name: chosen.name,
        reason: verified ? 'verified' : `not verified: ${notVerifiedWhy}`,
        sandbox,
        compensation: compensations.length ? { ran: compensationsRan, compensated, errors: compensationErrors, snapshot: planned.snapshot } : null,
        plan: planned,
        outcome: {
          problem_class: problem.class,
          problem_details: problem,
          strategy_name: chosen.name,
          strategy_params: { ...planned.params, sandbox, trigger: input.trigger, approval: status.approval, ...(step.params ? { given_params: step.params } : {}) },
          started_at: startedAt,
          completed_at: completedAt,
          duration_ms: Math.max(0, Date.parse(completedAt) - Date.parse(startedAt)),
          success: executed.success,
          verified,
          actions_taken: executed.actions_taken,
          improvement_pct: improvement,
          error_message: executed.error ?? (compensationErrors.length ? compensationErrors.join('; ') : null),
          initial_lambda: before.lambda,
          final_lambda: final.lambda,
          witness_edges: before.witness_edges,
          system_metrics: {
            before: planned.before,
            after: verdict.after,
            verification: { lambda_improved: lambdaImproved, lambda_fell: lambdaFell, strategy_verified: verdict.verified, detail: verdict.detail },
            baseline_lambda: before.baseline_lambda,
            state_before: before.state,
            state_after: final.state,
            sample_cost_ms: before.stats.sample_cost_ms,
            result_metadata: executed.metadata,
            cleaned_up: cleanedUp,
          },
        },
      });
      // A stopgap stands for temporary_hold only: an abandoned child named by the action restores it
      // then, so this attempt (and the guardian waiting on it) ends now.
      let temporaryUntil: string | null = null;
      if (verified && chosen.temporary && patched(TEMPORARY_HOLD_PATCH)) {
        temporaryUntil = await startTemporaryHold(input.collection, prepared.attempt_id, chosen.name, config.temporary_hold);
      }
      enter(
        'done',
        verified
          ? `healed: ${verdict.detail}${temporaryUntil ? `; temporary: restored at ${temporaryUntil} by \`${temporaryHoldWorkflowId(input.collection, prepared.attempt_id)}\`` : ''}`
          : `not healed${compensated ? ', compensated' : ''}: ${notVerifiedWhy}`,
      );
      log.info('healing attempt finished', { collection: input.collection, strategy: chosen.name, verified });
      return {
        kind: 'Completed', problem, strategy: chosen.name, result: { ...executed, improvement }, verified, compensated,
        initial_lambda: before.lambda, final_lambda: final.lambda, attempt_id: prepared.attempt_id, outcome_id: outcomeId ?? 0,
        ...(temporaryUntil ? { temporary_until: temporaryUntil } : {}),
      };
    });
  } catch (err) {
    if (isCancellation(err) && !status.abort) {
      // Cancelled through Temporal (its UI or CLI) rather than `selfheal abort`: an abort all the same.
      status.abort = { decision: 'aborted', by: 'a Temporal cancellation request', comment: null, at: new Date().toISOString() };
    }
    if (isCancellation(err) && status.abort) {
      // Aborted by a person: undo what was done, then record it, none of it cancellable.
      const abort: Decision = status.abort;
      const reason = `aborted by ${abort.by}${abort.comment ? `: ${abort.comment}` : ''} during ${status.phase}`;
      const end = await endUnfinished('Aborted', reason, { abort });
      return { kind: 'Aborted', problem: end.problem, strategy: end.strategy, reason, compensated: end.compensated, attempt_id: prepared.attempt_id, outcome_id: end.outcome_id };
    }
    // A step kept failing after its retries: nothing is left half-done or uncompensated, the
    // outcome is recorded, and the workflow still fails, as Temporal shows it.
    await endUnfinished('Failed', `failed during ${status.phase}: ${describeFailure(err)}`, {});
    throw err;
  } finally {
    // Taken inside the attempt's scope: TypeScript does not see the assignment there.
    await (lease as Extract<Lease, { held: true }> | null)?.release().catch((err) => log.warn('lease release failed', { error: describeFailure(err) }));
  }
}

/**
 * Starts the hold that restores a verified temporary strategy's change after holdSeconds; returns
 * when it will. Not cancellable: the attempt has recorded its outcome already.
 */
async function startTemporaryHold(collection: string, attemptId: number, strategyName: string, holdSeconds: number): Promise<string> {
  const until = new Date(Date.now() + holdSeconds * 1000).toISOString();
  try {
    await CancellationScope.nonCancellable(() =>
      startChild(temporaryHold, {
        workflowId: temporaryHoldWorkflowId(collection, attemptId),
        args: [{ collection, attempt_id: attemptId, strategy: strategyName, hold_seconds: holdSeconds }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: COLLECTION_SA, value: collection }],
        staticSummary: `temporary hold: ${strategyName} on ${collection} (action ${attemptId}) restored after ${holdSeconds} s`,
      }),
    );
  } catch (err) {
    // Started already (this attempt's id names it): that hold restores it.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return until;
}

function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return `${err.message}: ${err.cause.message}`;
  return err instanceof Error ? err.message : String(err);
}

function fmt(x: number): string {
  return x.toFixed(3);
}
