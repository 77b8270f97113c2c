import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  CancellationScope,
  ParentClosePolicy,
  condition,
  defineSignal,
  setCurrentDetails,
  setHandler,
  startChild,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';

export interface LeaseHolder {
  /** The holding attempt's workflow id, its collection and its action id. */
  workflow_id: string;
  collection: string;
  attempt_id: number;
  target: string;
}

export const releaseLeaseSignal = defineSignal('release');

/** A lease lives at most this long, so a lost release cannot block a target for ever. */
const MAX_LEASE_MS = 24 * 60 * 60 * 1000;

/**
 * A lease on something several collections share (a role, a server's replication slots, a
 * deployment): running while an attempt may change it. Its workflow id names the target, so
 * Temporal itself refuses a second holder; the holder releases it by signal, and it ends with its
 * holder anyway (parent close policy TERMINATE).
 */
export async function sharedTargetLease(holder: LeaseHolder): Promise<void> {
  let released = false;
  setHandler(releaseLeaseSignal, () => void (released = true));
  setCurrentDetails(
    `**held** — ${holder.target} is being changed by action ${holder.attempt_id} (\`${holder.workflow_id}\`, ` +
      `collection \`${holder.collection}\`)`,
  );
  await condition(() => released, MAX_LEASE_MS);
}

export type Lease = { held: true; release(): Promise<void> } | { held: false; reason: string };

/**
 * Takes the lease `leaseId` for the calling attempt, or says who holds it. Started outside any
 * cancellation, so an abort of the attempt does not end the lease before its compensation has run.
 */
export async function takeLease(leaseId: string, holder: LeaseHolder): Promise<Lease> {
  let child: ChildWorkflowHandle<typeof sharedTargetLease>;
  try {
    child = await CancellationScope.nonCancellable(() =>
      startChild(sharedTargetLease, {
        workflowId: leaseId,
        args: [holder],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        staticSummary: `lease: ${holder.target} for action ${holder.attempt_id} (${holder.collection})`,
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return {
      held: false,
      reason:
        `another attempt is changing ${holder.target} (lease \`${leaseId}\` names it): one attempt at a ` +
        `time may change what collections share`,
    };
  }
  let released = false;
  return {
    held: true,
    release: async () => {
      if (released) return;
      released = true;
      // Waits for the lease to end, so the holder's own close does not race it (and terminate it).
      await CancellationScope.nonCancellable(async () => {
        await child.signal(releaseLeaseSignal);
        await child.result();
      });
    },
  };
}
