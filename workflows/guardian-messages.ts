import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { HealingConfig } from '../src/domain/healing-config';
import type { IntegrityState } from '../src/domain/integrity-state';
import type { AttemptRecord } from '../src/guardian/healing-gate';

export const triggerRequestSchema = z
  .object({
    by: z.string().min(1).max(200).default('manual'),
    /** Manual execution: run this strategy (ruvector_healing_execute). */
    strategy: z.string().regex(/^[a-z][a-z0-9_]*$/).optional(),
    params: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.string().max(200)).optional(),
    dry_run: z.boolean().optional(),
  })
  .strict();
export type TriggerRequest = z.input<typeof triggerRequestSchema>;

export type TriggerAnswer =
  | { kind: 'Started' | 'Joined'; workflow_id: string; run_id: string; action: string }
  | { kind: 'Deferred'; reason: string; cooldown_until: string | null };

export const pauseRequestSchema = z.object({ by: z.string().min(1).max(200), reason: z.string().max(2000).optional() }).strict();
export type PauseRequest = z.infer<typeof pauseRequestSchema>;

export interface GuardianStatus {
  collection: string;
  /** Auto-healing on (seed: enabled); paused by a person when false. */
  enabled: boolean;
  paused_by: string | null;
  state: IntegrityState | 'unknown';
  lambda: number | null;
  baseline_lambda: number | null;
  last_sample_at: string | null;
  last_error: string | null;
  active: { workflow_id: string; run_id: string; trigger: string } | null;
  last_healing: AttemptRecord | null;
  cooldown_until: string | null;
  /** After attempts that could not act: no automatic attempt before this (null when none waits). */
  backoff_until: string | null;
  attempts_in_window: number;
  /** Set when auto-healing stopped because attempts kept not raising λ. */
  needs_person: string | null;
  config: HealingConfig;
}

export const guardianStatusQuery = defineQuery<GuardianStatus>('guardianStatus');
/** Start an attempt now (ruvector_healing_trigger / _execute), or say why not. */
export const triggerUpdate = defineUpdate<TriggerAnswer, [TriggerRequest]>('trigger');
/** New configuration for this collection, applied without restarting (ruvector_healing_configure). */
export const configureUpdate = defineUpdate<HealingConfig, [unknown]>('configure');
export const pauseUpdate = defineUpdate<GuardianStatus, [PauseRequest]>('pause');
/** Resumes auto-healing, and clears a "needs a person" stop. */
export const resumeUpdate = defineUpdate<GuardianStatus, [PauseRequest]>('resume');
