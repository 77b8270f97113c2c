import { z } from 'zod';

/** What a strategy's execute step did. */
export const remediationResultSchema = z.object({
  success: z.boolean(),
  actions_taken: z.number().int().nonnegative(),
  /** Fractional improvement of the strategy's own measure, e.g. 0.4 = 40 %. */
  improvement: z.number(),
  error: z.string().optional(),
  metadata: z.record(z.unknown()).default({}),
});
export type RemediationResult = z.infer<typeof remediationResultSchema>;

export function failedResult(error: string, metadata: Record<string, unknown> = {}): RemediationResult {
  return { success: false, actions_taken: 0, improvement: 0, error, metadata };
}
