import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { ProblemClass } from '../src/domain/problem-class';

export const ATTEMPT_PHASES = [
  'prepare',
  'sense',
  'classify',
  'gate',
  'select',
  'approval',
  'sandbox',
  'execute',
  'cleanup',
  'stabilize',
  'verify',
  'compensate',
  'record',
  'done',
] as const;
export type AttemptPhase = (typeof ATTEMPT_PHASES)[number];

export const decisionInputSchema = z
  .object({
    action_id: z.number().int().positive(),
    by: z.string().min(1).max(200),
    comment: z.string().max(2000).optional(),
  })
  .strict();
export type DecisionInput = z.infer<typeof decisionInputSchema>;

export interface Decision {
  decision: 'approved' | 'rejected' | 'aborted';
  by: string;
  comment: string | null;
  at: string;
}

export interface AttemptStatus {
  collection: string;
  attempt_id: number | null;
  phase: AttemptPhase;
  problem: ProblemClass | null;
  strategy: string | null;
  initial_lambda: number | null;
  final_lambda: number | null;
  awaiting_approval: boolean;
  approval_deadline: string | null;
  /** Why it waits for a person: require_approval_strategies, require_approval, impact above the cap… */
  approval_reason: string | null;
  approval: Decision | null;
  abort: Decision | null;
  /** Phases entered so far, in order, with workflow time. */
  phases: { phase: AttemptPhase; at: string }[];
}

export const attemptStatusQuery = defineQuery<AttemptStatus>('attemptStatus');
/** A person lets a waiting attempt proceed (ruvector_healing_approve). */
export const approveUpdate = defineUpdate<Decision, [DecisionInput]>('approve');
/** A person refuses a waiting attempt: it ends Deferred. */
export const rejectUpdate = defineUpdate<Decision, [DecisionInput]>('reject');
/** A person stops the attempt at any phase (ruvector_healing_abort): steps done are compensated. */
export const abortUpdate = defineUpdate<Decision, [DecisionInput]>('abort');
