import { proxyActivities, setCurrentDetails, type ActivityOptions } from '@temporalio/workflow';
import type { Activities, WeightUpdateSummary } from '../activities';

/** Learning reads every outcome of the window once: minutes at most, even on a long history. */
const learningOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
};
const acts = proxyActivities<Activities>(learningOptions);

export interface UpdateWeightsInput {
  /** The database whose store it learns from (`<server>/<database>`): named so the UI tells them apart. */
  database: string;
  /** Outcomes of the last this many days. */
  window_days?: number;
}

/**
 * update-weights, run by its Schedule (hourly; the UI and `selfheal weights --update-now` trigger
 * it too): recomputes every (class, strategy) weight and selection model from the outcomes and
 * stores them; attempts read what it stored. With learning off the weights stay as they are.
 */
export async function updateWeights(input: UpdateWeightsInput): Promise<WeightUpdateSummary> {
  setCurrentDetails(`**update-weights** — learning from the outcomes of ${input.database}`);
  const summary = await acts.updateStrategyWeights.executeWithOptions(
    { ...learningOptions, summary: 'update-weights: recompute the weights from the outcomes and store them' },
    [{ trigger: 'schedule', window_days: input.window_days ?? 30 }],
  );
  setCurrentDetails(
    summary.skipped_reason
      ? `**done** — weights left as they were: ${summary.skipped_reason}`
      : `**done** — ${summary.pairs} weights from ${summary.outcomes_used} outcomes` +
          (summary.resets.length ? `; reset: ${summary.resets.join(', ')}` : ''),
  );
  return summary;
}
