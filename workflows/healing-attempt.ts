import {
  ActivityFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities, PreparedAttempt, StrategyStepInput } from '../activities';
import { classifyProblem } from '../src/classifier/classify-problem';
import { healingConfigSchema, type HealingConfig, type HealingConfigInput } from '../src/domain/healing-config';
import type { HealingOutcome } from '../src/domain/healing-outcome';
import type { ProblemClass } from '../src/domain/problem-class';
import { failedResult, type RemediationResult } from '../src/domain/remediation-result';
import type { IntegritySample } from '../src/sensor/integrity-sample';
import { needsApproval, selectStrategy } from '../src/strategies/registry';
import type { SandboxResult, StrategyPlan, StrategyVerdict } from '../src/strategies/strategy';
import { COLLECTION_SA, PHASE_SA, PROBLEM_CLASS_SA, STRATEGY_SA } from '../src/temporal/search-attributes';
import { attemptStatusQuery, type AttemptPhase, type AttemptStatus } from './attempt-messages';

export interface HealingAttemptInput {
  collection: string;
  /** Who started it: manual, guardian, … */
  trigger: string;
  /** Overrides on top of the stored configuration, for this attempt only. */
  config?: HealingConfigInput;
}

const quickOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5 },
};
// Compensation must finish: retried (idempotent) until it does, each try bounded.
const compensateOptions: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: Number.POSITIVE_INFINITY },
  cancellationType: 'WAIT_CANCELLATION_COMPLETED',
};

const acts = proxyActivities<Activities>(quickOptions);
const compensation = proxyActivities<Activities>(compensateOptions);

/**
 * One durable healing attempt (seed 002's engine.heal):
 * prepare → sense → classify → gate → select → sandbox → execute → stabilize → verify
 * → compensate (saga, reverse order, not cancellable) → record.
 */
export async function healingAttempt(input: HealingAttemptInput): Promise<HealingOutcome> {
  const startedAt = new Date().toISOString();
  const status: AttemptStatus = {
    collection: input.collection, attempt_id: null, phase: 'prepare', problem: null, strategy: null,
    initial_lambda: null, final_lambda: null, phases: [],
  };
  setHandler(attemptStatusQuery, () => status);

  const enter = (phase: AttemptPhase, details: string): void => {
    status.phase = phase;
    status.phases.push({ phase, at: new Date().toISOString() });
    upsertSearchAttributes([{ key: PHASE_SA, value: phase }]);
    setCurrentDetails(`**${phase}** — ${details}`);
  };
  upsertSearchAttributes([{ key: COLLECTION_SA, value: input.collection }]);
  enter('prepare', `opening the attempt for collection \`${input.collection}\``);

  const prepared: PreparedAttempt = await acts.prepareAttempt.executeWithOptions(
    { ...quickOptions, summary: 'prepare: open the attempt record and load configuration' },
    [{ collection: input.collection, trigger: input.trigger }],
  );
  status.attempt_id = prepared.attempt_id;
  const config: HealingConfig = healingConfigSchema.parse({ ...prepared.config, ...(input.config ?? {}) });

  const finish = async (
    kind: 'Deferred' | 'NoStrategy',
    problem: ProblemClass | null,
    reason: string,
    extra: { sandbox?: SandboxResult; strategy?: string } = {},
  ): Promise<HealingOutcome> => {
    enter('record', `${kind}: ${reason}`);
    await acts.recordOutcome.executeWithOptions({ ...quickOptions, summary: `record: ${kind}` }, [
      {
        attempt_id: prepared.attempt_id, status: kind, problem_class: problem?.class ?? null,
        strategy_name: extra.strategy ?? null, reason, sandbox: extra.sandbox ?? null, compensation: null, outcome: null,
      },
    ]);
    enter('done', `${kind}: ${reason}`);
    return kind === 'NoStrategy' && problem
      ? { kind, problem, attempt_id: prepared.attempt_id }
      : { kind: 'Deferred', problem, reason, attempt_id: prepared.attempt_id };
  };

  // Sense.
  enter('sense', 'sampling live statistics and computing λ');
  const initial: IntegritySample = await acts.sampleIntegrity.executeWithOptions(
    { ...quickOptions, summary: 'sense: sample integrity (λ, witness edges)' },
    [{ collection: input.collection, config }],
  );
  status.initial_lambda = initial.lambda;

  // Classify.
  enter('classify', `λ = ${fmt(initial.lambda)} of baseline ${fmt(initial.baseline_lambda)} (${initial.state}); ${initial.witness_edges.length} witness edges`);
  const problem = classifyProblem(initial, config);
  status.problem = problem;
  upsertSearchAttributes([{ key: PROBLEM_CLASS_SA, value: problem.class }]);

  // Gate (seed 002 should_auto_heal; cooldowns and attempt windows are the guardian's).
  enter('gate', `problem class ${problem.class}`);
  if (!config.enabled) return finish('Deferred', problem, 'healing is disabled by configuration');
  if (problem.class === 'Unknown') {
    const why = initial.state === 'normal' ? `integrity is normal (λ ${fmt(initial.lambda)} of ${fmt(initial.baseline_lambda)}): nothing to heal` : 'Problem requires human review';
    return finish('Deferred', problem, `${why}; ${problem.witness_summary}`);
  }

  // Select.
  enter('select', `choosing a strategy for ${problem.class}`);
  const weights = await acts.loadStrategyWeights.executeWithOptions(
    { ...quickOptions, summary: 'select: load learned strategy weights' },
    [{ days: 30, learning_enabled: config.learning_enabled }],
  );
  const selection = selectStrategy(problem.class, config, weights);
  if (!selection.strategy) return finish('NoStrategy', problem, `no strategy handles ${problem.class} within impact ${config.max_auto_heal_impact}`);
  const strategy = selection.strategy;
  status.strategy = strategy.name;
  upsertSearchAttributes([{ key: STRATEGY_SA, value: strategy.name }]);
  if (needsApproval(strategy, problem.class, config)) {
    return finish('Deferred', problem, `${strategy.name} requires human approval`, { strategy: strategy.name });
  }

  const step: StrategyStepInput = { strategy: strategy.name, collection: input.collection, problem, state: initial.state, config };

  // Sandbox.
  enter('sandbox', `testing ${strategy.name} (${strategy.sandbox_levels.join(', ')})`);
  const sandbox = await acts.sandboxTest.executeWithOptions({ ...quickOptions, summary: `sandbox: test ${strategy.name}` }, [step]);
  if (!sandbox.passed) {
    const failed = sandbox.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`).join('; ');
    return finish('Deferred', problem, `sandbox test failed: ${failed}`, { sandbox, strategy: strategy.name });
  }

  // Execute, with the compensation registered before acting so a half-done step is undone too.
  enter('execute', `running ${strategy.name}`);
  const plan: StrategyPlan = await acts.planStrategy.executeWithOptions(
    { ...quickOptions, summary: `execute: measure and snapshot before ${strategy.name}` },
    [step],
  );
  const compensations: { name: string; run: () => Promise<unknown> }[] = [];
  if (strategy.reversible) {
    compensations.push({
      name: `undo ${strategy.name}`,
      run: () => compensation.compensateStrategy.executeWithOptions({ ...compensateOptions, summary: `compensate: undo ${strategy.name}` }, [{ ...step, plan }]),
    });
  }
  const timeoutMs = 2 * strategy.estimated_duration_seconds * 1000;
  let result: RemediationResult;
  try {
    result = await acts.executeStrategy.executeWithOptions(
      {
        summary: `execute: ${strategy.name}`,
        startToCloseTimeout: timeoutMs,
        scheduleToCloseTimeout: timeoutMs,
        heartbeatTimeout: '10 seconds',
        cancellationType: 'WAIT_CANCELLATION_COMPLETED',
        retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidInput', 'UnknownCollection'] },
      },
      [{ ...step, plan, budget_ms: timeoutMs }],
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    result = failedResult(describeFailure(err));
  }

  // A failed execute may leave half-done work (an invalid index build): removed before anything else.
  let cleanedUp: string[] = [];
  if (!result.success) {
    enter('cleanup', `${strategy.name} failed: removing what it left half-done`);
    cleanedUp = (
      await CancellationScope.nonCancellable(() =>
        compensation.cleanupStrategy.executeWithOptions({ ...compensateOptions, summary: `cleanup: after failed ${strategy.name}` }, [{ ...step, plan }]),
      )
    ).removed;
  }

  // Stabilize: a durable timer, so a crash here resumes the wait rather than restarting it.
  if (result.success && config.stabilization_wait > 0) {
    enter('stabilize', `waiting ${config.stabilization_wait} s for the system to settle`);
    await sleep(config.stabilization_wait * 1000, { summary: `stabilize: wait ${config.stabilization_wait} s before verifying` });
  }

  // Verify by measuring again.
  enter('verify', `measuring λ again (needs ≥ ${config.min_lambda_improvement} × ${fmt(initial.lambda)}) and ${strategy.name}'s own measure`);
  const final: IntegritySample = await acts.sampleIntegrity.executeWithOptions(
    { ...quickOptions, summary: 'verify: sample integrity again' },
    [{ collection: input.collection, config }],
  );
  status.final_lambda = final.lambda;
  const verdict: StrategyVerdict = await acts.verifyStrategy.executeWithOptions(
    { ...quickOptions, summary: `verify: ${strategy.name}'s own measure` },
    [{ ...step, plan }],
  );
  const lambdaImproved = final.lambda > initial.lambda && final.lambda >= config.min_lambda_improvement * initial.lambda;
  const verified = result.success && (lambdaImproved || verdict.verified);

  // Compensate in reverse order; nothing may cancel it once started.
  let compensated = false;
  const compensationErrors: string[] = [];
  if (!verified && compensations.length > 0) {
    enter('compensate', `not verified: undoing ${compensations.map((c) => c.name).join(', ')}`);
    await CancellationScope.nonCancellable(async () => {
      for (const c of [...compensations].reverse()) {
        try {
          await c.run();
        } catch (err) {
          compensationErrors.push(`${c.name}: ${describeFailure(err)}`);
        }
      }
    });
    compensated = compensationErrors.length === 0;
  }

  // Record.
  const improvement = initial.lambda > 0 ? (final.lambda - initial.lambda) / initial.lambda : final.lambda > 0 ? 1 : 0;
  enter('record', `${verified ? 'verified' : 'not verified'}: ${verdict.detail}`);
  const completedAt = new Date().toISOString();
  const recorded = await acts.recordOutcome.executeWithOptions({ ...quickOptions, summary: 'record: outcome' }, [
    {
      attempt_id: prepared.attempt_id,
      status: 'Completed',
      problem_class: problem.class,
      strategy_name: strategy.name,
      reason: verified ? 'verified' : `not verified: ${result.error ?? verdict.detail}`,
      sandbox,
      compensation: compensations.length ? { ran: !verified, compensated, errors: compensationErrors, snapshot: plan.snapshot } : null,
      outcome: {
        problem_class: problem.class,
        problem_details: problem,
        strategy_name: strategy.name,
        strategy_params: { ...plan.params, sandbox },
        started_at: startedAt,
        completed_at: completedAt,
        duration_ms: Math.max(0, Date.parse(completedAt) - Date.parse(startedAt)),
        success: result.success,
        verified,
        actions_taken: result.actions_taken,
        improvement_pct: improvement,
        error_message: result.error ?? (compensationErrors.length ? compensationErrors.join('; ') : null),
        initial_lambda: initial.lambda,
        final_lambda: final.lambda,
        witness_edges: initial.witness_edges,
        system_metrics: {
          before: plan.before,
          after: verdict.after,
          verification: { lambda_improved: lambdaImproved, strategy_verified: verdict.verified, detail: verdict.detail },
          baseline_lambda: initial.baseline_lambda,
          state_before: initial.state,
          state_after: final.state,
          sample_cost_ms: initial.stats.sample_cost_ms,
          result_metadata: result.metadata,
          cleaned_up: cleanedUp,
        },
      },
    },
  ]);
  enter('done', verified ? `healed: ${verdict.detail}` : `not healed${compensated ? ', compensated' : ''}: ${verdict.detail}`);
  log.info('healing attempt finished', { collection: input.collection, strategy: strategy.name, verified });
  return {
    kind: 'Completed', problem, strategy: strategy.name, result, verified, compensated,
    initial_lambda: initial.lambda, final_lambda: final.lambda, attempt_id: prepared.attempt_id, outcome_id: recorded.outcome_id ?? 0,
  };
}

function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return `${err.message}: ${err.cause.message}`;
  return err instanceof Error ? err.message : String(err);
}

function fmt(x: number): string {
  return x.toFixed(3);
}

