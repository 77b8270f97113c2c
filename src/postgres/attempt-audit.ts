import { STRATEGY_SPECS } from '../domain/strategies/strategy-specs';
import type { AuditEvent, AuditFact } from './audit-log';

/**
 * The audit rows of an attempt's facts, built from what the store records anyway (the attempt row,
 * FinishAttempt, a rollback), so nothing about the workflow changes to keep the trail.
 */

const REVERSIBLE = new Map<string, boolean>(STRATEGY_SPECS.map((s) => [s.name, s.reversible]));

/** Whether a strategy's change can be undone; null for a name this version does not know. */
export function strategyReversible(name: string): boolean | null {
  return REVERSIBLE.get(name) ?? null;
}

/** Who an attempt's facts are by: the person in `manual by alice`, else the trigger as recorded (guardian, …). */
export function actorOfTrigger(trigger: string): string {
  return /^(?:manual|execute|rollback) by (.+)$/s.exec(trigger)?.[1] ?? trigger;
}

export interface AttemptAuditRow {
  id: number;
  collection: string;
  trigger: string;
  workflow_id: string;
  run_id: string;
  detected_at: string | null;
}

export function startedFact(a: AttemptAuditRow): AuditFact {
  return {
    actor: actorOfTrigger(a.trigger),
    event: 'started',
    collection: a.collection,
    action_id: a.id,
    strategy: null,
    reversible: null,
    allowed_by: null,
    details: { trigger: a.trigger, workflow_id: a.workflow_id, run_id: a.run_id, detected_at: a.detected_at },
  };
}

/** The parts of FinishAttempt the trail reads (as finishAttemptSchema parses it). */
export interface FinishedAttempt {
  status: 'Completed' | 'Deferred' | 'NoStrategy' | 'Aborted' | 'DryRun' | 'Failed';
  problem_class: string | null;
  strategy_name: string | null;
  reason: string | null;
  compensation: Record<string, unknown> | null;
  approval: Record<string, unknown> | null;
  selection: Record<string, unknown> | null;
  outcome: {
    success: boolean;
    verified: boolean | null;
    actions_taken: number | null;
    improvement_pct: number | null;
    error_message: string | null;
    initial_lambda: number;
    final_lambda: number | null;
    strategy_params: Record<string, unknown> | null;
  } | null;
}

const END_EVENT: Record<FinishedAttempt['status'], AuditEvent> = {
  Completed: 'completed',
  Deferred: 'deferred',
  NoStrategy: 'no_strategy',
  Aborted: 'aborted',
  DryRun: 'dry_run',
  Failed: 'failed',
};

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Who let the strategy act: the rule gate alone, a person's approval, a refusal, or the person who executed it. */
export function allowedBy(a: AttemptAuditRow, f: FinishedAttempt): string | null {
  if (!f.strategy_name) return null;
  const decision = text(f.approval?.decision);
  if (decision === 'approved') return `approved by ${text(f.approval?.by) ?? 'unknown'}`;
  if (decision === 'rejected') return 'refused';
  // Stopped before its strategy ran (while it waited for approval, or earlier): nothing was allowed to act.
  if (f.status === 'Aborted' && f.outcome === null) return 'not allowed: aborted before it acted';
  if (f.status === 'Deferred' && f.reason?.startsWith('approval timed out')) return 'refused';
  if (f.selection?.rule === 'manual' || /^execute\b/.test(a.trigger)) return `manual (${a.trigger})`;
  return 'auto';
}

/** Who aborted: the abort decision the outcome kept, else the name in the recorded reason. */
function abortedBy(f: FinishedAttempt): string | null {
  const abort = f.outcome?.strategy_params?.abort as Record<string, unknown> | undefined;
  return text(abort?.by) ?? /^aborted by (.+?)(?:: .*)? during \w+$/s.exec(f.reason ?? '')?.[1] ?? null;
}

/** In order: what was found, chosen and decided, what was done and measured, what was undone, how it ended. */
export function finishedFacts(a: AttemptAuditRow, f: FinishedAttempt, outcomeId: number | null): AuditFact[] {
  const strategy = f.strategy_name;
  const reversible = strategy === null ? null : strategyReversible(strategy);
  const allowed = allowedBy(a, f);
  const by = actorOfTrigger(a.trigger);
  const fact = (event: AuditEvent, details: Record<string, unknown>, extra: Partial<AuditFact> = {}): AuditFact => ({
    actor: by,
    event,
    collection: a.collection,
    action_id: a.id,
    strategy,
    reversible,
    allowed_by: null,
    details,
    ...extra,
  });
  const facts: AuditFact[] = [];
  if (f.problem_class) facts.push(fact('detected', { problem_class: f.problem_class, detected_at: a.detected_at }));
  if (strategy)
    facts.push(
      fact(
        'chosen',
        { why: text(f.selection?.why), rule: text(f.selection?.rule), problem_class: f.problem_class },
        { allowed_by: allowed },
      ),
    );
  const decision = text(f.approval?.decision);
  if (decision === 'approved' || decision === 'rejected')
    facts.push(
      fact(
        decision,
        { at: text(f.approval?.at), comment: text(f.approval?.comment) },
        { actor: text(f.approval?.by) ?? 'unknown' },
      ),
    );
  const o = f.outcome;
  if (o) {
    facts.push(
      fact(
        'executed',
        {
          outcome_id: outcomeId,
          success: o.success,
          actions_taken: o.actions_taken,
          error: o.error_message,
        },
        { allowed_by: allowed },
      ),
    );
    if (f.status === 'Completed')
      facts.push(
        fact(o.verified ? 'verified' : 'not_verified', {
          initial_lambda: o.initial_lambda,
          final_lambda: o.final_lambda,
          improvement_pct: o.improvement_pct,
        }),
      );
  }
  if (f.compensation?.ran === true)
    facts.push(
      fact('compensated', {
        compensated: f.compensation.compensated ?? null,
        errors: f.compensation.errors ?? [],
      }),
    );
  facts.push(
    fact(
      END_EVENT[f.status],
      { status: f.status, reason: f.reason },
      {
        allowed_by: allowed,
        ...(f.status === 'Aborted' ? { actor: abortedBy(f) ?? by } : {}),
      },
    ),
  );
  return facts;
}

export function rolledBackFact(
  a: AttemptAuditRow,
  r: { target_attempt_id: number; strategy_name: string; reason: string },
): AuditFact {
  return {
    actor: actorOfTrigger(a.trigger),
    event: 'rolled_back',
    collection: a.collection,
    action_id: a.id,
    strategy: r.strategy_name,
    reversible: strategyReversible(r.strategy_name),
    // A temporary hold's restore is selfheal's own; any other rollback is a person's.
    allowed_by: /^rollback by the temporary hold\b/.test(a.trigger) ? 'auto' : `manual (${a.trigger})`,
    details: { rolled_back: r.target_attempt_id, reason: r.reason },
  };
}
