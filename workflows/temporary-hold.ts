import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ParentClosePolicy,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { COLLECTION_SA, PHASE_SA, STRATEGY_SA } from '../src/domain/search-attributes';
import { healingAttemptWorkflowId } from '../src/domain/workflow-ids';
import { quickOptions } from './activity-options';
import { rollbackAttempt } from './rollback-attempt';

export interface TemporaryHoldInput {
  collection: string;
  /** The verified attempt whose change this hold restores. */
  attempt_id: number;
  strategy: string;
  /** How long the change stands, in seconds (HealingConfig.temporary_hold when it was verified). */
  hold_seconds: number;
  /** Set by continue-as-new: the hold is over, only the restore is left. */
  restore_now?: boolean;
}

export type TemporaryHoldResult =
  /** Restored by the rollback workflow, recorded as action rollback_attempt_id. */
  | { kind: 'Restored'; attempt_id: number; rollback_attempt_id: number; strategy: string }
  /** A person (or another hold) undid it first: nothing to restore, nothing restored twice. */
  | { kind: 'AlreadyRestored'; attempt_id: number; reason: string };

const acts = proxyActivities<Activities>(quickOptions);

/**
 * The temporary hold of a verified stopgap (pause_maintenance, throttle_ingestion): a durable timer
 * of hold_seconds, then the change is restored from its recorded snapshot and the restoration
 * recorded, by the rollback workflow (the one `selfheal rollback` starts) aimed at this action.
 * Started by the attempt as an abandoned child named by the action id, so the guardian goes on
 * handling the collection meanwhile. The restore runs under the collection's attempt workflow id,
 * one at a time with its attempts and a person's rollback: while one of those runs, or a later
 * change of the same strategy stands on this one, or what it changed is leased, it waits and tries
 * again. When the change is undone already (a person's rollback), it ends without restoring twice.
 * Cancelling the hold (Temporal UI or CLI) keeps the change.
 */
export async function temporaryHold(input: TemporaryHoldInput): Promise<TemporaryHoldResult> {
  upsertSearchAttributes([
    { key: COLLECTION_SA, value: input.collection },
    { key: STRATEGY_SA, value: input.strategy },
    { key: PHASE_SA, value: 'hold' },
  ]);
  const what = `action ${input.attempt_id} (${input.strategy}) on ${input.collection}`;
  if (!input.restore_now) {
    const until = new Date(Date.now() + input.hold_seconds * 1000).toISOString();
    setCurrentDetails(
      `**hold** — ${what} stands until ${until}, then its previous setting is restored ` +
        `(cancel this workflow to keep it)`,
    );
    await sleep(input.hold_seconds * 1000, { summary: `hold: ${input.strategy} stands for ${input.hold_seconds} s` });
  }
  upsertSearchAttributes([{ key: PHASE_SA, value: 'compensate' }]);
  const retryMs = Math.min(30, Math.max(1, input.hold_seconds)) * 1000;
  const wait = async (why: string): Promise<void> => {
    setCurrentDetails(`**restore** — ${what}: ${why}; trying again in ${retryMs / 1000} s`);
    await sleep(retryMs, { summary: `restore: wait (${why})` });
    if (workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof temporaryHold>({ ...input, restore_now: true });
  };
  for (;;) {
    const state = await acts.loadHoldTarget.executeWithOptions(
      { ...quickOptions, summary: `restore: does the change of action ${input.attempt_id} still stand?` },
      [{ collection: input.collection, attempt_id: input.attempt_id }],
    );
    if (state.kind === 'undone')
      return done({ kind: 'AlreadyRestored', attempt_id: input.attempt_id, reason: state.reason });
    if (state.kind === 'covered') {
      await wait(`action ${state.by_attempt_id} (the same strategy, later) stands on it and is undone first`);
      continue;
    }
    let child;
    try {
      child = await startChild(rollbackAttempt, {
        workflowId: healingAttemptWorkflowId(input.collection),
        args: [
          {
            collection: input.collection,
            by: `the temporary hold of action ${input.attempt_id} (${input.hold_seconds} s)`,
            attempt_id: input.attempt_id,
          },
        ],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `restore after the temporary hold: ${what}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await wait(`an attempt or rollback runs on ${input.collection}`);
      continue;
    }
    const r = await child.result();
    if (r.kind === 'RolledBack')
      return done({
        kind: 'Restored',
        attempt_id: input.attempt_id,
        rollback_attempt_id: r.attempt_id,
        strategy: r.strategy,
      });
    if (!r.retry) return done({ kind: 'AlreadyRestored', attempt_id: input.attempt_id, reason: r.reason });
    await wait(r.reason);
  }

  function done(r: TemporaryHoldResult): TemporaryHoldResult {
    upsertSearchAttributes([{ key: PHASE_SA, value: 'done' }]);
    setCurrentDetails(
      r.kind === 'Restored'
        ? `**done** — ${what} restored after ${input.hold_seconds} s, recorded as action ${r.rollback_attempt_id}`
        : `**done** — nothing to restore: ${r.reason}`,
    );
    return r;
  }
}
