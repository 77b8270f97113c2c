import { sleep } from '@temporalio/workflow';
import type { RemediationResult } from '../../../src/domain/remediation-result';
import { enter, flushAttributes, type PreparedLedger } from '../attempt-ledger';

/** A durable timer after a successful run, so a crash here resumes the wait rather than restarting it. */
export async function stabilize(l: PreparedLedger, result: RemediationResult): Promise<void> {
  const wait = l.config.stabilization_wait;
  if (!result.success || wait <= 0) return;
  enter(l, 'stabilize', `waiting ${wait} s for the system to settle`);
  flushAttributes(l);
  await sleep(wait * 1000, { summary: `stabilize: wait ${wait} s before verifying` });
}
