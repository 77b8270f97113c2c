import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { CancellationScope, patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { PreparedAttempt, StrategyStepInput } from '../../activities';
import type { HealingConfig, HealingConfigInput } from '../../src/domain/healing-config';
import type { ProblemClass } from '../../src/domain/problem-class';
import type { RemediationResult } from '../../src/domain/remediation-result';
import type { StrategyDescriptor } from '../../src/domain/strategy-descriptor';
import type { Choice } from '../../src/learning/choose-strategy';
import type { SelectionContext } from '../../src/learning/selection-context';
import type { IntegritySample } from '../../src/sensor/integrity-sample';
import type { SandboxResult, StrategyPlan, StrategyVerdict } from '../../src/strategies/strategy';
import { PHASE_SA } from '../../src/domain/search-attributes';
import type { AttemptPhase, AttemptStatus } from '../attempt-messages';
import type { Lease } from '../shared-target-lease';
import { BATCH_SEARCH_ATTRIBUTES_PATCH } from './attempt-patches';

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

/** How the learned selection chose: recorded with the attempt and shown in `history`. */
export type AttemptSelection = Omit<Choice, 'rule'> & {
  /** manual: a person named the strategy; the context is recorded all the same, for learning. */
  rule: Choice['rule'] | 'manual';
  context: SelectionContext;
  weights_computed_at: string | null;
};

/** The chosen strategy, with what every one of its steps receives. */
export interface Chosen {
  strategy: StrategyDescriptor;
  step: StrategyStepInput;
}

/** What the verify phase measured and concluded. */
export interface Verification {
  final: IntegritySample;
  verdict: StrategyVerdict;
  verified: boolean;
  lambda_improved: boolean;
  lambda_fell: boolean;
  /** Why it is not verified; null when it is. */
  not_verified_why: string | null;
  /** (λ after − λ before) / λ before. */
  improvement: number;
}

/** An attempt that ends before acting: Deferred (for a reason, a person's or the system's) or NoStrategy. */
export interface EarlyEnd {
  end: 'Deferred' | 'NoStrategy';
  reason: string;
}

export const deferred = (reason: string): EarlyEnd => ({ end: 'Deferred', reason });

/**
 * Everything one attempt decided, did and measured, filled in phase by phase, and the
 * compensation stack. The outcome is built from it once (record-attempt.ts), whichever way the
 * attempt ends, so an abort or a failure in any phase records what was done so far.
 */
export interface AttemptLedger {
  readonly input: HealingAttemptInput;
  readonly started_at: string;
  /** What the Temporal UI and `selfheal status` show; the decision handlers read and write it. */
  readonly status: AttemptStatus;
  /** Everything up to recording runs in this scope, so an abort cancels whatever step is running. */
  readonly work: CancellationScope;
  prepared: PreparedAttempt | null;
  config: HealingConfig | null;
  initial: IntegritySample | null;
  problem: ProblemClass | null;
  chosen: Chosen | null;
  /** Why the strategy was chosen (the context and estimates compared); null for a person's choice or older attempts. */
  selection: AttemptSelection | null;
  sandbox: SandboxResult | null;
  plan: StrategyPlan | null;
  execute_started: boolean;
  result: RemediationResult | null;
  verification: Verification | null;
  /**
   * Undo steps, pushed before the change they undo; run in reverse order, never cancelled. `run`
   * retries until it succeeds, or at most `maximumAttempts` tries when given.
   */
  readonly compensations: { name: string; strategy: string; run: (maximumAttempts?: number) => Promise<unknown> }[];
  compensations_ran: boolean;
  readonly compensation_errors: string[];
  cleaned_up: string[];
  lease: Extract<Lease, { held: true }> | null;
  lease_taken: { lease_id: string; target: string } | null;
  /** Notices to a person being started (notify-person.ts): awaited before the attempt closes. */
  readonly notices: Promise<void>[];
  /**
   * Search attributes set since the attempt last waited, sent as one upsert before it next waits
   * (each upsert is a history event and an index write); null for attempts begun before, which
   * upserted each at once.
   */
  readonly attributes: Map<string, SearchAttributeUpdatePair> | null;
}

export function openLedger(input: HealingAttemptInput): AttemptLedger {
  return {
    input,
    started_at: new Date().toISOString(),
    status: {
      collection: input.collection,
      attempt_id: null,
      phase: 'prepare',
      problem: null,
      strategy: null,
      initial_lambda: null,
      final_lambda: null,
      awaiting_approval: false,
      approval_deadline: null,
      approval_reason: null,
      approval: null,
      abort: null,
      phases: [],
    },
    work: new CancellationScope(),
    prepared: null,
    config: null,
    initial: null,
    problem: null,
    chosen: null,
    selection: null,
    sandbox: null,
    plan: null,
    execute_started: false,
    result: null,
    verification: null,
    compensations: [],
    compensations_ran: false,
    compensation_errors: [],
    cleaned_up: [],
    lease: null,
    lease_taken: null,
    notices: [],
    attributes: patched(BATCH_SEARCH_ATTRIBUTES_PATCH) ? new Map() : null,
  };
}

/** Sets a search attribute the Temporal UI lists attempts by; sent with the others at the next wait. */
export function setAttribute(l: AttemptLedger, pair: SearchAttributeUpdatePair): void {
  if (l.attributes) l.attributes.set(pair.key.name, pair);
  else upsertSearchAttributes([pair]);
}

/** Sends the attributes set since the last wait, in one upsert: called before every activity, timer or wait. */
export function flushAttributes(l: AttemptLedger): void {
  if (!l.attributes || l.attributes.size === 0) return;
  upsertSearchAttributes([...l.attributes.values()]);
  l.attributes.clear();
}

/** Enters a phase: the status, the Phase search attribute and the UI's current details follow. */
export function enter(l: AttemptLedger, phase: AttemptPhase, details: string): void {
  l.status.phase = phase;
  l.status.phases.push({ phase, at: new Date().toISOString() });
  setAttribute(l, { key: PHASE_SA, value: phase });
  setCurrentDetails(`**${phase}** — ${details}`);
}

/** The ledger from the prepare phase on: the attempt has its action id and configuration. */
export type PreparedLedger = AttemptLedger & { prepared: PreparedAttempt; config: HealingConfig };
