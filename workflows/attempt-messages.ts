import { defineQuery } from '@temporalio/workflow';
import type { ProblemClass } from '../src/domain/problem-class';

export const ATTEMPT_PHASES = [
  'prepare', 'sense', 'classify', 'gate', 'select', 'sandbox', 'execute', 'cleanup', 'stabilize', 'verify', 'compensate', 'record', 'done',
] as const;
export type AttemptPhase = (typeof ATTEMPT_PHASES)[number];

export interface AttemptStatus {
  collection: string;
  attempt_id: number | null;
  phase: AttemptPhase;
  problem: ProblemClass | null;
  strategy: string | null;
  initial_lambda: number | null;
  final_lambda: number | null;
  /** Phases entered so far, in order, with workflow time. */
  phases: { phase: AttemptPhase; at: string }[];
}

export const attemptStatusQuery = defineQuery<AttemptStatus>('attemptStatus');
