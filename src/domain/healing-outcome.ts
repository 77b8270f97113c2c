import { z } from 'zod';
import { integrityStateSchema } from './integrity-state';
import { problemClassSchema } from './problem-class';
import { remediationResultSchema } from './remediation-result';

/** How a healing attempt ended: Completed, Deferred or NoStrategy. */
export const healingOutcomeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('Completed'),
    problem: problemClassSchema,
    strategy: z.string(),
    result: remediationResultSchema,
    verified: z.boolean(),
    compensated: z.boolean(),
    initial_lambda: z.number(),
    final_lambda: z.number().nullable(),
    attempt_id: z.number().int(),
    outcome_id: z.number().int(),
    /** A verified temporary strategy: when its hold restores the previous setting. */
    temporary_until: z.string().optional(),
    /** The state the verifying sample measured: verified is better, not necessarily normal. */
    final_state: integrityStateSchema.optional(),
  }),
  z.object({
    kind: z.literal('Deferred'),
    problem: problemClassSchema.nullable(),
    reason: z.string(),
    attempt_id: z.number().int(),
  }),
  z.object({
    kind: z.literal('NoStrategy'),
    problem: problemClassSchema,
    attempt_id: z.number().int(),
  }),
  /** Stopped by a person; every step already done was compensated. */
  z.object({
    kind: z.literal('Aborted'),
    problem: problemClassSchema.nullable(),
    strategy: z.string().nullable(),
    reason: z.string(),
    compensated: z.boolean(),
    attempt_id: z.number().int(),
    outcome_id: z.number().int().nullable(),
  }),
  /** classify, select and sandbox only: nothing was changed. */
  z.object({
    kind: z.literal('DryRun'),
    problem: problemClassSchema,
    strategy: z.string(),
    sandbox_passed: z.boolean(),
    reason: z.string(),
    attempt_id: z.number().int(),
  }),
]);
export type HealingOutcome = z.infer<typeof healingOutcomeSchema>;
