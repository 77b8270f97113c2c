import {
  CancellationScope,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { problemClassSchema } from '../src/domain/problem-class';
import { strategyPlanSchema } from '../src/strategies/strategy';
import { COLLECTION_SA, PHASE_SA, STRATEGY_SA } from '../src/domain/search-attributes';
import { mustFinishOptions, quickOptions } from './activity-options';
import { takeLease } from './shared-target-lease';

export interface RollbackInput {
  collection: string;
  by: string;
  /** Undo this action's change (a temporary hold's restore); without it, the last change that stands. */
  attempt_id?: number;
}

export type RollbackResult =
  | { kind: 'RolledBack'; attempt_id: number; rolled_back: number; strategy: string }
  /** retry: refused for now (its target is leased, or a later change stands on it), not for good. */
  | { kind: 'Refused'; attempt_id: number; reason: string; retry?: boolean };

const acts = proxyActivities<Activities>(quickOptions);
const mustFinish = proxyActivities<Activities>(mustFinishOptions);

/**
 * ruvector_healing_rollback: undoes the collection's last completed reversible attempt from the
 * plan it recorded (the exact snapshot taken before it acted). Irreversible strategies are refused.
 */
export async function rollbackAttempt(input: RollbackInput): Promise<RollbackResult> {
  upsertSearchAttributes([
    { key: COLLECTION_SA, value: input.collection },
    { key: PHASE_SA, value: 'prepare' },
  ]);
  const prepared = await acts.prepareAttempt.executeWithOptions(
    { ...quickOptions, summary: 'prepare: open the rollback record' },
    [{ collection: input.collection, trigger: `rollback by ${input.by}` }],
  );
  const found = await acts.loadRollbackTarget.executeWithOptions(
    {
      ...quickOptions,
      summary:
        input.attempt_id === undefined
          ? 'select: the last change that still stands'
          : `select: the change of action ${input.attempt_id}`,
    },
    [{ collection: input.collection, ...(input.attempt_id === undefined ? {} : { attempt_id: input.attempt_id }) }],
  );
  const refuse = async (reason: string, retry = false): Promise<RollbackResult> => {
    await acts.recordOutcome.executeWithOptions({ ...quickOptions, summary: 'record: refused' }, [
      {
        attempt_id: prepared.attempt_id,
        status: 'Deferred',
        problem_class: null,
        strategy_name: null,
        reason: `rollback refused: ${reason}`,
        sandbox: null,
        compensation: null,
        outcome: null,
      },
    ]);
    upsertSearchAttributes([{ key: PHASE_SA, value: 'done' }]);
    setCurrentDetails(`rollback refused: ${reason}`);
    return { kind: 'Refused', attempt_id: prepared.attempt_id, reason, ...(retry ? { retry } : {}) };
  };
  if (!found.ok) return refuse(found.reason, found.retry === true);
  const t = found.target;
  const plan = strategyPlanSchema.parse(t.plan);
  // What the change touched beyond the collection may be in another attempt's hands right now.
  const lease = plan.lease
    ? await takeLease(plan.lease.lease_id, {
        workflow_id: workflowInfo().workflowId,
        collection: input.collection,
        attempt_id: prepared.attempt_id,
        target: plan.lease.target,
      })
    : null;
  if (lease && !lease.held) return refuse(lease.reason, true);
  try {
    return await undo();
  } finally {
    if (lease?.held) await lease.release();
  }

  async function undo(): Promise<RollbackResult> {
    upsertSearchAttributes([
      { key: STRATEGY_SA, value: t.strategy_name },
      { key: PHASE_SA, value: 'compensate' },
    ]);
    setCurrentDetails(`**compensate** — undoing action ${t.attempt_id} (${t.strategy_name})`);
    await CancellationScope.nonCancellable(() =>
      mustFinish.compensateStrategy.executeWithOptions(
        { ...mustFinishOptions, summary: `compensate: undo action ${t.attempt_id} (${t.strategy_name})` },
        [
          {
            strategy: t.strategy_name,
            collection: input.collection,
            problem: problemClassSchema.parse(t.problem_details),
            state: 'normal',
            config: prepared.config,
            plan,
          },
        ],
      ),
    );
    const reason = `rolled back action ${t.attempt_id} (${t.strategy_name}) for ${input.by}`;
    await acts.recordRollback.executeWithOptions({ ...quickOptions, summary: 'record: rolled back' }, [
      { attempt_id: prepared.attempt_id, target_attempt_id: t.attempt_id, strategy_name: t.strategy_name, reason },
    ]);
    upsertSearchAttributes([{ key: PHASE_SA, value: 'done' }]);
    setCurrentDetails(`**done** — ${reason}`);
    return {
      kind: 'RolledBack',
      attempt_id: prepared.attempt_id,
      rolled_back: t.attempt_id,
      strategy: t.strategy_name,
    };
  }
}
