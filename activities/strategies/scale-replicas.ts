import { z } from 'zod';
import type { ActionConfig } from '../../src/domain/healing-config';
import { failedResult } from '../../src/domain/remediation-result';
import type { KubeConfig } from '../../src/kubernetes/client-node';
import {
  describeKubeError,
  describeRef,
  describeRollout,
  readDeployment,
  rolloutComplete,
  scaleDeployment,
  statusCodeOf,
  waitUntilReady,
  type DeploymentRef,
} from '../../src/kubernetes/deployment-replicas';
import { NoKubeCredentialsError } from '../../src/kubernetes/kube-config';
import type { Pool } from '../../src/postgres/pool';
import { defineStrategy } from '../../src/strategies/define-strategy';
import { scaleReplicasSpec } from '../../src/domain/strategies/specs/scale-replicas';
import type { StrategyContext, StrategyPlan } from '../../src/strategies/strategy';
import { sandboxResult, type Check } from './sandbox-checks';

const snapshotSchema = z.object({
  namespace: z.string(),
  deployment: z.string(),
  previous_replicas: z.number().int().min(0),
});
const paramsSchema = z.object({ target: z.number().int().min(1) });
type Snapshot = z.infer<typeof snapshotSchema>;

/** The default target: ceil(1.5 × replicas), capped by max_replicas. */
export function scaleTarget(current: number, maxReplicas: number): number {
  return Math.min(Math.ceil(current * 1.5), maxReplicas);
}

/**
 * scale_replicas: give the read deployment (k8s_namespace/k8s_read_deployment) half as many
 * replicas again, capped by max_replicas, through the scale subresource, and wait until every one
 * is ready (replica_ready_timeout). Reversible: the compensation sets the previous count back and
 * waits for it. Writes are compare-and-set, so a count someone else chose meanwhile is never
 * overwritten, by the scale or by its undo.
 */
export const scaleReplicas = defineStrategy(scaleReplicasSpec, {
  async sharedTarget(ctx) {
    const ref = refOf(ctx.config);
    return `${ref.namespace}/${ref.name}`;
  },

  async sandbox(ctx) {
    const started = Date.now();
    const checks: Check[] = [];
    const done = () => sandboxResult('prerequisites', checks, started);
    const ref = refOf(ctx.config);
    let kc: KubeConfig;
    try {
      kc = kubeOf(ctx);
      checks.push({
        name: 'kube_credentials',
        passed: true,
        detail: `API server ${kc.getCurrentCluster()?.server ?? '(none)'}`,
      });
    } catch (err) {
      checks.push({ name: 'kube_credentials', passed: false, detail: (err as Error).message });
      return done();
    }
    let d;
    try {
      d = await readDeployment(kc, ref, ctx.signal);
      checks.push({ name: 'deployment_readable', passed: true, detail: `${describeRef(ref)}: ${d.replicas} replicas` });
    } catch (err) {
      const why = statusCodeOf(err) === 404 ? 'not found' : `cannot be read: ${describeKubeError(err)}`;
      checks.push({ name: 'deployment_readable', passed: false, detail: `${describeRef(ref)} ${why}` });
      return done();
    }
    const max = ctx.config.max_replicas;
    const target = targetOf(ctx, d.replicas);
    const given = ctx.params?.target !== undefined;
    const canGrow = d.replicas >= 1 && target > d.replicas && target <= max;
    checks.push({
      name: 'below_max_replicas',
      passed: canGrow,
      detail: canGrow
        ? `${d.replicas} → ${target} replicas (max_replicas ${max}${given ? ', target given' : ''})`
        : d.replicas === 0
          ? 'scaled to zero: nothing to grow from'
          : given
            ? `the given target ${target} must be above the ${d.replicas} replicas now and at most max_replicas ${max}`
            : `already at max_replicas: ${d.replicas} replicas, max_replicas ${max}`,
    });
    const ready = rolloutComplete(d);
    checks.push({
      name: 'deployment_ready',
      passed: ready,
      detail: `${describeRollout(d)}${ready ? '' : ' (a rollout is still in progress)'}`,
    });
    if (canGrow) {
      // The API server admits the write without storing it: RBAC on deployments/scale, admission, validation.
      try {
        const dry = await scaleDeployment(kc, ref, { from: d.replicas, to: target, dryRun: true, signal: ctx.signal });
        checks.push(
          dry.kind === 'scaled'
            ? {
                name: 'can_scale',
                passed: true,
                detail: `server-side dry run of replicas ${d.replicas} → ${target} admitted`,
              }
            : { name: 'can_scale', passed: false, detail: `the count changed to ${dry.replicas} while testing` },
        );
      } catch (err) {
        checks.push({
          name: 'can_scale',
          passed: false,
          detail: `server-side dry run refused: ${describeKubeError(err)}`,
        });
      }
    }
    return done();
  },

  async plan(ctx) {
    const ref = refOf(ctx.config);
    const d = await readDeployment(kubeOf(ctx), ref, ctx.signal);
    const snapshot: Snapshot = { namespace: ref.namespace, deployment: ref.name, previous_replicas: d.replicas };
    return {
      params: { target: targetOf(ctx, d.replicas) },
      snapshot,
      before: { replicas: d.replicas, ready: d.ready },
    };
  },

  async execute(ctx, plan) {
    const started = Date.now();
    const { snap, ref, target } = planned(plan);
    const previous = snap.previous_replicas;
    const max = ctx.config.max_replicas;
    if (target > max)
      return failedResult(`target ${target} is above max_replicas ${max}`, {
        previous_replicas: previous,
        new_replicas: previous,
      });
    if (target <= previous) {
      return failedResult(
        `nothing to scale: ${describeRef(ref)} has ${previous} replicas, target ${target} (max_replicas ${max})`,
        { previous_replicas: previous, new_replicas: previous },
      );
    }
    const kc = kubeOf(ctx);
    ctx.heartbeat({
      step: 'scale',
      target: `${ref.namespace}/${ref.name}`,
      detail: `${previous} → ${target} replicas`,
    });
    const scaled = await scaleDeployment(kc, ref, { from: previous, to: target, signal: ctx.signal });
    if (scaled.kind === 'changed_elsewhere') {
      return failedResult(
        `${describeRef(ref)} has ${scaled.replicas} replicas, not the ${previous} planned: ` +
          `someone else scaled it; left as it is`,
        {
          previous_replicas: previous,
          new_replicas: scaled.replicas,
        },
      );
    }
    // Leave a tenth of the budget to report the result before the activity times out.
    const timeoutMs = Math.max(
      0,
      Math.min(ctx.config.replica_ready_timeout * 1000, ctx.budgetMs * 0.9 - (Date.now() - started)),
    );
    const waited = await waitUntilReady(kc, ref, { timeoutMs, heartbeat: ctx.heartbeat, signal: ctx.signal });
    const metadata = {
      previous_replicas: previous,
      new_replicas: target,
      ready_replicas: waited.state.ready,
      waited_ms: waited.waited_ms,
      write_conflicts: scaled.kind === 'scaled' ? scaled.conflicts : 0,
    };
    if (!waited.ready) {
      return {
        success: false,
        actions_taken: 1,
        improvement: 0,
        error:
          `${describeRef(ref)} scaled ${previous} → ${target}, not ready after ` +
          `${(waited.waited_ms / 1000).toFixed(1)} s: ${describeRollout(waited.state)}`,
        metadata,
      };
    }
    const readyBefore = plan.before.ready ?? previous;
    return {
      success: true,
      actions_taken: 1,
      improvement: readyBefore > 0 ? (waited.state.ready - readyBefore) / readyBefore : 1,
      metadata,
    };
  },

  async verify(ctx, plan) {
    const { snap, ref, target } = planned(plan);
    const d = await readDeployment(kubeOf(ctx), ref, ctx.signal);
    return {
      verified: d.replicas === target && d.ready === target,
      after: { replicas: d.replicas, ready: d.ready },
      detail:
        `${describeRef(ref)}: replicas ${snap.previous_replicas} → ${d.replicas} ` +
        `(target ${target}), ${describeRollout(d)}`,
    };
  },

  /**
   * Sets previous_replicas back while the count is still the one execute set, then waits until
   * it is ready; retried until that holds. A count someone else chose since, or a deployment that
   * is gone, is left as it is: there is no change of ours left to undo.
   */
  async compensate(ctx, plan) {
    const { snap, ref, target } = planned(plan);
    const kc = kubeOf(ctx);
    ctx.heartbeat({
      step: 'scale back',
      target: `${ref.namespace}/${ref.name}`,
      detail: `to ${snap.previous_replicas} replicas`,
    });
    let restored;
    try {
      restored = await scaleDeployment(kc, ref, { from: target, to: snap.previous_replicas, signal: ctx.signal });
    } catch (err) {
      if (statusCodeOf(err) === 404) return;
      throw err;
    }
    if (restored.kind === 'changed_elsewhere') {
      ctx.heartbeat({ step: 'scale back', detail: `left at ${restored.replicas} replicas, set by someone else` });
      return;
    }
    const timeoutMs = Math.min(ctx.config.replica_ready_timeout * 1000, ctx.budgetMs);
    const waited = await waitUntilReady(kc, ref, { timeoutMs, heartbeat: ctx.heartbeat, signal: ctx.signal });
    if (!waited.ready) {
      throw new Error(
        `${describeRef(ref)} is back at ${snap.previous_replicas} replicas but not ready after ` +
          `${(waited.waited_ms / 1000).toFixed(1)} s: ${describeRollout(waited.state)}`,
      );
    }
  },
});

/** A person's target (execute --param target=N), else the default, 1.5 × the replicas. */
function targetOf(ctx: StrategyContext<Pool>, current: number): number {
  return ctx.params?.target ?? scaleTarget(current, ctx.config.max_replicas);
}

function refOf(config: ActionConfig): DeploymentRef {
  return { namespace: config.k8s_namespace, name: config.k8s_read_deployment };
}

function kubeOf(ctx: StrategyContext<Pool>): KubeConfig {
  if (!ctx.kube) throw new NoKubeCredentialsError('this worker was started without a Kubernetes client');
  return ctx.kube();
}

function planned(plan: StrategyPlan): { snap: Snapshot; ref: DeploymentRef; target: number } {
  const snap = snapshotSchema.parse(plan.snapshot);
  return {
    snap,
    ref: { namespace: snap.namespace, name: snap.deployment },
    target: paramsSchema.parse(plan.params).target,
  };
}
