import { enter, flushAttributes, type PreparedLedger } from './attempt-ledger';
import { compensated, runCleanup, runCompensations } from './compensation-stack';
import { recordAttempt } from './record-attempt';

/**
 * An attempt that did not run to its verdict (aborted, or a step failed past its retries):
 * what the strategy left half-done is cleaned up, what it changed is compensated, and the record
 * says so; none of it cancellable.
 */
export async function endUnfinished(
  l: PreparedLedger,
  ending: 'Aborted' | 'Failed',
  reason: string,
): Promise<{ compensated: boolean; outcome_id: number | null }> {
  const { chosen, plan, initial } = l;
  if (l.execute_started && chosen && plan && initial && !l.result?.success) await runCleanup(l, chosen.step, plan);
  await runCompensations(l, ending === 'Aborted' ? 'aborted' : 'failed');
  const outcomeId = await recordAttempt(l, ending, reason);
  enter(l, 'done', reason);
  flushAttributes(l);
  return { compensated: compensated(l), outcome_id: outcomeId };
}
