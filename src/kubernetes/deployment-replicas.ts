import { setTimeout as sleep } from 'node:timers/promises';
import {
  clientNode,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type V1Deployment,
} from './client-node';
import type { StrategyProgress } from '../domain/strategy-progress';

export interface DeploymentRef {
  namespace: string;
  name: string;
}

/** A deployment's desired replicas and what its rollout reports (absent status counts are 0). */
export interface DeploymentReplicas {
  /** spec.replicas: what was asked for. */
  replicas: number;
  generation: number;
  observed_generation: number;
  /** status.replicas: pods that exist (not terminating). */
  current: number;
  updated: number;
  ready: number;
  available: number;
}

export type ScaleOutcome =
  /** The count was `from` and is now `to` (for a dry run: would be). */
  | { kind: 'scaled'; from: number; to: number; conflicts: number }
  /** The count already was `to`: nothing written. */
  | { kind: 'unchanged'; replicas: number }
  /** The count was neither `from` nor `to`: someone else decided it; nothing written. */
  | { kind: 'changed_elsewhere'; replicas: number };

/** Writes that lost a race (409, or 422 from the patch's test) are read and decided again this often. */
const MAX_CONFLICTS = 5;
const POLL_MS = 500;

export function describeRef(ref: DeploymentRef): string {
  return `deployment ${ref.namespace}/${ref.name}`;
}

/** Finished like `kubectl rollout status`, and every desired replica ready and available. */
export function rolloutComplete(d: DeploymentReplicas): boolean {
  return (
    d.observed_generation >= d.generation &&
    d.updated === d.replicas &&
    d.current === d.replicas &&
    d.ready === d.replicas &&
    d.available === d.replicas
  );
}

/** "4 of 6 ready (6 updated, 4 available)", plus what is still pending. */
export function describeRollout(d: DeploymentReplicas): string {
  const pending: string[] = [];
  if (d.observed_generation < d.generation)
    pending.push(`generation ${d.generation} not yet observed (at ${d.observed_generation})`);
  if (d.ready < d.replicas) pending.push(`${d.replicas - d.ready} not ready`);
  if (d.current > d.replicas) pending.push(`${d.current - d.replicas} surplus still terminating`);
  return (
    `${d.ready} of ${d.replicas} ready (${d.updated} updated, ${d.available} available)` +
    `${pending.length ? `: ${pending.join(', ')}` : ''}`
  );
}

export function replicasOf(d: V1Deployment): DeploymentReplicas {
  return {
    replicas: d.spec?.replicas ?? 1,
    generation: d.metadata?.generation ?? 0,
    observed_generation: d.status?.observedGeneration ?? 0,
    current: d.status?.replicas ?? 0,
    updated: d.status?.updatedReplicas ?? 0,
    ready: d.status?.readyReplicas ?? 0,
    available: d.status?.availableReplicas ?? 0,
  };
}

export async function readDeployment(
  kc: KubeConfig,
  ref: DeploymentRef,
  signal?: AbortSignal,
): Promise<DeploymentReplicas> {
  const api = kc.makeApiClient(clientNode().AppsV1Api);
  return replicasOf(
    await abortable(signal, () =>
      api.readNamespacedDeployment({ name: ref.name, namespace: ref.namespace }, withSignal(signal)),
    ),
  );
}

/**
 * Compare-and-set on the scale subresource: one JSON Patch that tests the count is still `from` and
 * replaces it with `to`. The API server applies it atomically, so a count someone set after our
 * read fails the test (422) or the write (409) and is read and decided again, never overwritten;
 * the Role needs only get and patch. `dryRun` asks the server to admit the write without storing
 * it (RBAC, admission, validation).
 */
export async function scaleDeployment(
  kc: KubeConfig,
  ref: DeploymentRef,
  opts: { from: number; to: number; dryRun?: boolean; signal?: AbortSignal },
): Promise<ScaleOutcome> {
  const api = kc.makeApiClient(clientNode().AppsV1Api);
  let refused: unknown;
  for (let conflicts = 0; ; conflicts++) {
    const scale = await abortable(opts.signal, () =>
      api.readNamespacedDeploymentScale({ name: ref.name, namespace: ref.namespace }, withSignal(opts.signal)),
    );
    const replicas = scale.spec?.replicas ?? 0;
    if (replicas === opts.to) return { kind: 'unchanged', replicas };
    if (replicas !== opts.from) return { kind: 'changed_elsewhere', replicas };
    // A 422 while the count is still `from` was not a lost race but the write itself refused.
    if (refused) throw refused;
    try {
      await abortable(opts.signal, () =>
        api.patchNamespacedDeploymentScale(
          {
            name: ref.name,
            namespace: ref.namespace,
            // client-node 1.x sends a patch as application/json-patch+json unless told otherwise.
            body: [
              { op: 'test', path: '/spec/replicas', value: opts.from },
              { op: 'replace', path: '/spec/replicas', value: opts.to },
            ],
            fieldManager: 'selfheal',
            ...(opts.dryRun ? { dryRun: 'All' } : {}),
          },
          withSignal(opts.signal),
        ),
      );
      return { kind: 'scaled', from: opts.from, to: opts.to, conflicts };
    } catch (err) {
      const code = statusCodeOf(err);
      if ((code !== 409 && code !== 422) || conflicts >= MAX_CONFLICTS) throw err;
      if (code === 422) refused = err;
    }
  }
}

/**
 * Polls until the rollout is complete (see rolloutComplete) or `timeoutMs` passes, heartbeating on
 * every poll. Throws the signal's reason as soon as it is aborted, mid-request included.
 */
export async function waitUntilReady(
  kc: KubeConfig,
  ref: DeploymentRef,
  opts: { timeoutMs: number; heartbeat: (progress: StrategyProgress) => void; signal: AbortSignal; pollMs?: number },
): Promise<{ ready: boolean; state: DeploymentReplicas; waited_ms: number }> {
  const started = Date.now();
  for (;;) {
    const state = await readDeployment(kc, ref, opts.signal);
    const waited = Date.now() - started;
    opts.heartbeat({
      step: 'wait for replicas',
      target: `${ref.namespace}/${ref.name}`,
      done: Math.min(state.ready, state.replicas),
      total: state.replicas,
      unit: 'replicas ready',
      detail: describeRollout(state),
    });
    if (rolloutComplete(state)) return { ready: true, state, waited_ms: waited };
    if (waited >= opts.timeoutMs) return { ready: false, state, waited_ms: waited };
    await abortable(opts.signal, () =>
      sleep(Math.min(opts.pollMs ?? POLL_MS, opts.timeoutMs - waited), undefined, { signal: opts.signal }),
    );
  }
}

/** The HTTP status of a failed API call, if it was one. */
export function statusCodeOf(err: unknown): number | undefined {
  return err instanceof clientNode().ApiException ? err.code : undefined;
}

/** "404 NotFound: deployments.apps "x" not found" from the Status the API server sent, not the client's dump of it. */
export function describeKubeError(err: unknown): string {
  if (!(err instanceof clientNode().ApiException)) return err instanceof Error ? err.message : String(err);
  let body: unknown = err.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // Not a Status object: keep the text.
    }
  }
  const status = body as { reason?: string; message?: string } | string | undefined;
  if (typeof status === 'object' && status?.message) return `${err.code} ${status.reason ?? ''}: ${status.message}`;
  return (
    `${err.code}` +
    (typeof status === 'string' && status ? `: ${status.slice(0, 200)}` : err.code === 401 ? ' Unauthorized' : '')
  );
}

/** Per-request options that abort the HTTP request itself with the signal. */
function withSignal(signal?: AbortSignal): ConfigurationOptions | undefined {
  if (!signal) return undefined;
  const { Observable } = clientNode();
  const setSignal: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (res) => new Observable(Promise.resolve(res)),
  };
  return { middleware: [setSignal], middlewareMergeStrategy: 'append' };
}

/** Runs `fn`; once the signal is aborted, rejects with its reason instead of the fetch's AbortError. */
async function abortable<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  signal?.throwIfAborted();
  try {
    return await fn();
  } catch (err) {
    signal?.throwIfAborted();
    throw err;
  }
}
