import { workflowInfo } from '@temporalio/workflow';
import { quickOptions } from '../../activity-options';
import { takeLease } from '../../shared-target-lease';
import { acts } from '../attempt-activities';
import { deferred, flushAttributes, type Chosen, type EarlyEnd, type PreparedLedger } from '../attempt-ledger';

/**
 * What other collections share (a role, a server's slots, a deployment) is changed by one attempt
 * at a time: its lease is held from before approval to the end, compensation included.
 */
export async function takeSharedLease(l: PreparedLedger, { strategy, step }: Chosen): Promise<EarlyEnd | null> {
  if (!strategy.shared_target || l.input.dry_run) return null;
  flushAttributes(l);
  const shared = await acts.findSharedTarget.executeWithOptions(
    { ...quickOptions, summary: `lease: what ${strategy.name} changes beyond ${l.input.collection}` },
    [step],
  );
  if (!shared) return null;
  const lease = await takeLease(shared.lease_id, {
    workflow_id: workflowInfo().workflowId,
    collection: l.input.collection,
    attempt_id: l.prepared.attempt_id,
    target: shared.target,
  });
  if (!lease.held) return deferred(lease.reason);
  l.lease = lease;
  l.lease_taken = shared;
  return null;
}
