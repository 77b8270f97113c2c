import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { HealingConfig } from '../src/domain/healing-config';
import { isStrategyName, unknownStrategyMessage } from '../src/domain/strategy-names';
import { strategyParamsSchema } from '../src/strategies/strategy-params';
import type { IntegrityState } from '../src/domain/integrity-state';
import type { GateConfig } from '../src/guardian/gate-config';
import type { AttemptRecord } from '../src/guardian/healing-gate';
import type { FaultScope } from '../src/guardian/fault-scope';
import type { ProblemClassName } from '../src/domain/problem-class';

export const triggerRequestSchema = z
  .object({
    by: z.string().min(1).max(200).default('manual'),
    /** Manual execution: run this strategy (ruvector_healing_execute). */
    strategy: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .optional(),
    params: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.string().max(200)).optional(),
    dry_run: z.boolean().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    // Refused before anything is written: a strategy that does not exist, or parameters it does not take.
    if (r.strategy !== undefined && !isStrategyName(r.strategy)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['strategy'], message: unknownStrategyMessage(r.strategy) });
      return;
    }
    if (r.params && Object.keys(r.params).length > 0) {
      if (r.strategy === undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['params'],
          message: 'parameters are for a manual execution of a named strategy only',
        });
        return;
      }
      for (const issue of strategyParamsSchema(r.strategy).safeParse(r.params).error?.issues ?? []) {
        ctx.addIssue({ ...issue, path: ['params', ...issue.path] } as z.IssueData);
      }
    }
  });
export type TriggerRequest = z.input<typeof triggerRequestSchema>;

export type TriggerAnswer =
  | { kind: 'Started' | 'Joined'; workflow_id: string; run_id: string; action: string }
  | { kind: 'Deferred'; reason: string; cooldown_until: string | null };

export const pauseRequestSchema = z
  .object({ by: z.string().min(1).max(200), reason: z.string().max(2000).optional() })
  .strict();
export type PauseRequest = z.infer<typeof pauseRequestSchema>;

export interface GuardianStatus {
  collection: string;
  /** Auto-healing on; paused by a person when false. */
  enabled: boolean;
  paused_by: string | null;
  state: IntegrityState | 'unknown';
  lambda: number | null;
  baseline_lambda: number | null;
  last_sample_at: string | null;
  last_error: string | null;
  /** The attempt running now; a server's fault (scope 'server') is healed by it for every collection of the server. */
  active: {
    workflow_id: string;
    run_id: string;
    trigger: string;
    problem?: ProblemClassName | null;
    scope?: FaultScope | null;
  } | null;
  last_healing: AttemptRecord | null;
  cooldown_until: string | null;
  /** After attempts that could not act: no automatic attempt before this (null when none waits). */
  backoff_until: string | null;
  attempts_in_window: number;
  /** Set when auto-healing stopped because attempts kept not raising λ. */
  needs_person: string | null;
  /**
   * Why no automatic attempt starts now although the collection is degraded (a cooldown, a full attempt
   * window, a backoff, a rejection, a stop), and until when; null when one may start or none is needed.
   */
  held?: {
    reason: string;
    until: string | null;
    /** A person's trigger would start one now. */ trigger_ok: boolean;
  } | null;
  /** A server's fault this collection sees too, healed by another collection's attempt. */
  covered_by?: string | null;
  /** What the guardian decides with (the attempt reads its whole configuration itself). */
  config: GateConfig;
}

export const guardianStatusQuery = defineQuery<GuardianStatus>('guardianStatus');
/** Start an attempt now (ruvector_healing_trigger / _execute), or say why not. */
export const triggerUpdate = defineUpdate<TriggerAnswer, [TriggerRequest]>('trigger');
/** New configuration for this collection, applied without restarting (ruvector_healing_configure). */
export const configureUpdate = defineUpdate<HealingConfig, [unknown]>('configure');
export const pauseUpdate = defineUpdate<GuardianStatus, [PauseRequest]>('pause');
/** Resumes auto-healing, and clears a "needs a person" stop. */
export const resumeUpdate = defineUpdate<GuardianStatus, [PauseRequest]>('resume');
