import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaleReplicas, scaleTarget } from '../../activities/strategies/scale-replicas';
import { parseHealingConfig, type HealingConfigInput } from '../../src/domain/healing-config';
import type { StrategyProgress } from '../../src/domain/strategy-progress';
import { clientNode } from '../../src/kubernetes/client-node';
import {
  kubeConfigForServer,
  lazyKubeConfig,
  loadKubeConfig,
  type KubeConfigSource,
} from '../../src/kubernetes/kube-config';
import type { Pool } from '../../src/postgres/pool';
import type { StrategyContext } from '../../src/strategies/strategy';
import { parseStrategyParams } from '../../src/strategies/strategy-params';
import { startFakeKubernetes, type FakeKubernetes } from '../support/fake-kubernetes';
import { waitFor } from '../support/test-system';

const NS = 'selfheal-test';
const NAME = 'ruvector-read';

/** scale_replicas never touches PostgreSQL: any use of the pool fails the test. */
const noDatabase = new Proxy({} as Pool, {
  get: (_t, prop) => {
    throw new Error(`scale_replicas used the database (pool.${String(prop)})`);
  },
});

interface TestContext extends StrategyContext<Pool> {
  beats: (StrategyProgress | undefined)[];
}

function context(
  kube: KubeConfigSource | undefined,
  config: HealingConfigInput = {},
  opts: { budgetMs?: number; signal?: AbortSignal; params?: Record<string, string> } = {},
): TestContext {
  const beats: (StrategyProgress | undefined)[] = [];
  return {
    db: noDatabase,
    collection: {
      id: 1,
      name: 'scale',
      kind: 'table',
      table_schema: 'public',
      table_name: 'scale',
      table_oid: 1,
      centroids_table: null,
      archive_table: null,
      source: 'manual',
      unwatched_at: null,
      unwatch_reason: null,
    },
    problem: { class: 'HotspotCongestion' } as StrategyContext<Pool>['problem'],
    state: 'stress',
    config: parseHealingConfig({ k8s_namespace: NS, k8s_read_deployment: NAME, ...config }),
    heartbeat: (d) => beats.push(d),
    signal: opts.signal ?? new AbortController().signal,
    budgetMs: opts.budgetMs ?? 60_000,
    attemptKey: 'test/scale',
    ...(kube ? { kube } : {}),
    // As the activity hands them over: a person's text, validated by the strategy's schema.
    ...(opts.params ? { params: parseStrategyParams('scale_replicas', opts.params) } : {}),
    beats,
  };
}

const scalePath = `/apis/apps/v1/namespaces/${NS}/deployments/${NAME}/scale`;

/** The count a stored JSON Patch write replaced the old one with. */
function replacedWith(write: { body: unknown }): unknown {
  return (write.body as { op: string; value: unknown }[]).find((op) => op.op === 'replace')?.value;
}

describe('scale_replicas against a Kubernetes API server', () => {
  let fake: FakeKubernetes;
  let kube: KubeConfigSource;

  beforeEach(async () => {
    fake = await startFakeKubernetes({ podReadyMs: 150 });
    const kc = kubeConfigForServer(fake.url, { token: 'test-token' });
    kube = () => kc;
  });
  afterEach(async () => {
    await fake.close();
  });

  const spec = () => fake.deployment(NAME, NS).spec.replicas;
  const status = () => fake.deployment(NAME, NS).status;

  it('follows the design rule: ceil(1.5 × replicas), capped by max_replicas', () => {
    expect([1, 2, 4, 7, 8, 10].map((n) => scaleTarget(n, 10))).toEqual([2, 3, 6, 10, 10, 10]);
  });

  it('scales 4 → 6, waits until all 6 are ready, verifies; the compensation restores 4, and a second one writes nothing', async () => {
    fake.addDeployment({ namespace: NS, name: NAME, replicas: 4 });
    const ctx = context(kube);

    const sandbox = await scaleReplicas.sandbox(ctx);
    expect(sandbox).toMatchObject({ passed: true, level: 'prerequisites' });
    expect(sandbox.checks.map((c) => [c.name, c.passed])).toEqual([
      ['kube_credentials', true],
      ['deployment_readable', true],
      ['below_max_replicas', true],
      ['deployment_ready', true],
      ['can_scale', true],
    ]);
    // The dry run reached the server with the target, and stored nothing.
    expect(fake.requests.filter((r) => r.query.dryRun === 'All')).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: scalePath,
        status: 200,
        body: [
          { op: 'test', path: '/spec/replicas', value: 4 },
          { op: 'replace', path: '/spec/replicas', value: 6 },
        ],
      }),
    ]);
    expect(fake.writes()).toEqual([]);
    expect(spec()).toBe(4);
    // The token of the KubeConfig is what the server saw.
    expect(new Set(fake.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer test-token']));

    const plan = await scaleReplicas.plan(ctx);
    expect(plan).toEqual({
      strategy: 'scale_replicas',
      params: { target: 6 },
      snapshot: { namespace: NS, deployment: NAME, previous_replicas: 4 },
      before: { replicas: 4, ready: 4 },
    });

    const result = await scaleReplicas.execute(ctx, plan);
    expect(result).toMatchObject({
      success: true,
      actions_taken: 1,
      improvement: 0.5,
      metadata: { previous_replicas: 4, new_replicas: 6, ready_replicas: 6, write_conflicts: 0 },
    });
    // It returned only once the rollout was over: the server says so now, without any waiting here.
    expect(status()).toMatchObject({
      observedGeneration: 2,
      replicas: 6,
      updatedReplicas: 6,
      readyReplicas: 6,
      availableReplicas: 6,
    });
    expect(fake.writes()).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: scalePath,
        // A compare-and-set: the count is replaced only while it still is the one read.
        contentType: 'application/json-patch+json',
        query: { fieldManager: 'selfheal' },
        body: [
          { op: 'test', path: '/spec/replicas', value: 4 },
          { op: 'replace', path: '/spec/replicas', value: 6 },
        ],
      }),
    ]);
    // It heartbeat on every poll, replicas ready of those asked for, and saw the rollout unfinished at first.
    const waits = ctx.beats.filter((b) => b?.step === 'wait for replicas');
    const rollouts = waits.map((b) => b!.detail);
    expect(rollouts.length).toBeGreaterThanOrEqual(2);
    expect(rollouts[0]).not.toBe('6 of 6 ready (6 updated, 6 available)');
    expect(rollouts.at(-1)).toBe('6 of 6 ready (6 updated, 6 available)');
    expect(waits.at(-1)).toMatchObject({ target: `${NS}/${NAME}`, done: 6, total: 6, unit: 'replicas ready' });

    expect(await scaleReplicas.verify(ctx, plan)).toMatchObject({ verified: true, after: { replicas: 6, ready: 6 } });

    await scaleReplicas.compensate!(ctx, plan);
    expect(spec()).toBe(4);
    expect(status()).toMatchObject({ replicas: 4, readyReplicas: 4, availableReplicas: 4 });
    expect(fake.writes().map(replacedWith)).toEqual([6, 4]);

    const requestsBefore = fake.requests.length;
    await scaleReplicas.compensate!(ctx, plan);
    expect(fake.requests.slice(requestsBefore).map((r) => r.method)).not.toContain('PUT');
    expect(fake.requests.slice(requestsBefore).map((r) => r.method)).not.toContain('PATCH');
    expect(fake.writes()).toHaveLength(2);
    expect(spec()).toBe(4);
  });

  it('caps at max_replicas: 8 → 10; at 10 the sandbox fails and nothing is written', async () => {
    fake.addDeployment({ namespace: NS, name: NAME, replicas: 8 });
    const ctx = context(kube, { max_replicas: 10 });
    expect((await scaleReplicas.sandbox(ctx)).passed).toBe(true);
    const plan = await scaleReplicas.plan(ctx);
    expect(plan.params).toEqual({ target: 10 });
    expect(await scaleReplicas.execute(ctx, plan)).toMatchObject({
      success: true,
      metadata: { previous_replicas: 8, new_replicas: 10 },
    });
    expect(spec()).toBe(10);
    expect(status().readyReplicas).toBe(10);

    const writes = fake.writes().length;
    const sandbox = await scaleReplicas.sandbox(ctx);
    expect(sandbox.passed).toBe(false);
    expect(sandbox.checks.find((c) => !c.passed)).toEqual({
      name: 'below_max_replicas',
      passed: false,
      detail: 'already at max_replicas: 10 replicas, max_replicas 10',
    });
    // Executing anyway (a plan taken at the cap) does nothing.
    const atCap = await scaleReplicas.plan(ctx);
    expect(await scaleReplicas.execute(ctx, atCap)).toMatchObject({
      success: false,
      actions_taken: 0,
      error: expect.stringMatching(/^nothing to scale: .* has 10 replicas, target 10/),
    });
    expect(fake.writes()).toHaveLength(writes);
    expect(spec()).toBe(10);
  });

  it("a person's --param target=N replaces the design rule; above max_replicas or not above the current count, the sandbox fails and nothing is written", async () => {
    fake.addDeployment({ namespace: NS, name: NAME, replicas: 4 });
    const given = context(kube, { max_replicas: 10 }, { params: { target: '9' } });
    const sandbox = await scaleReplicas.sandbox(given);
    expect(sandbox.passed).toBe(true);
    expect(sandbox.checks.find((c) => c.name === 'below_max_replicas')!.detail).toBe(
      '4 → 9 replicas (max_replicas 10, target given)',
    );
    const plan = await scaleReplicas.plan(given);
    expect(plan.params).toEqual({ target: 9 });
    expect(await scaleReplicas.execute(given, plan)).toMatchObject({
      success: true,
      metadata: { previous_replicas: 4, new_replicas: 9 },
    });
    expect(spec()).toBe(9);
    await scaleReplicas.compensate!(given, plan);
    expect(spec()).toBe(4);

    const writes = fake.writes().length;
    for (const target of ['11', '4']) {
      const bad = await scaleReplicas.sandbox(context(kube, { max_replicas: 10 }, { params: { target } }));
      expect(bad.checks.find((c) => !c.passed)).toEqual({
        name: 'below_max_replicas',
        passed: false,
        detail: `the given target ${target} must be above the 4 replicas now and at most max_replicas 10`,
      });
    }
    expect(fake.writes()).toHaveLength(writes);
  });

  it('a deployment that never gets ready: execute fails within replica_ready_timeout, saying what is not ready; the compensation restores 4', async () => {
    // Pods past the fifth never become ready (say, an image that cannot be pulled).
    fake.addDeployment({ namespace: NS, name: NAME, replicas: 4, maxReady: 5 });
    const ctx = context(kube, { replica_ready_timeout: 1 });
    expect((await scaleReplicas.sandbox(ctx)).passed).toBe(true);
    const plan = await scaleReplicas.plan(ctx);

    const started = Date.now();
    const result = await scaleReplicas.execute(ctx, plan);
    const took = Date.now() - started;
    expect(result).toMatchObject({
      success: false,
      actions_taken: 1,
      metadata: { previous_replicas: 4, new_replicas: 6, ready_replicas: 5 },
    });
    expect(result.error).toMatch(
      /^deployment selfheal-test\/ruvector-read scaled 4 → 6, not ready after 1\.\d s: 5 of 6 ready \(6 updated, 5 available\): 1 not ready$/,
    );
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(2500);
    expect(spec()).toBe(6);

    expect(await scaleReplicas.verify(ctx, plan)).toMatchObject({ verified: false, after: { replicas: 6, ready: 5 } });
    await scaleReplicas.compensate!(ctx, plan);
    expect(spec()).toBe(4);
    expect(status()).toMatchObject({ replicas: 4, readyReplicas: 4 });
    expect(fake.writes().map(replacedWith)).toEqual([6, 4]);
  });

  it('a missing deployment fails the sandbox, and so do missing credentials, each saying so', async () => {
    const missing = await scaleReplicas.sandbox(context(kube));
    expect(missing.passed).toBe(false);
    expect(missing.checks).toEqual([
      expect.objectContaining({ name: 'kube_credentials', passed: true, detail: `API server ${fake.url}` }),
      { name: 'deployment_readable', passed: false, detail: 'deployment selfheal-test/ruvector-read not found' },
    ]);

    const noClient = await scaleReplicas.sandbox(context(undefined));
    expect(noClient.passed).toBe(false);
    expect(noClient.checks).toEqual([
      {
        name: 'kube_credentials',
        passed: false,
        detail: 'no Kubernetes credentials: this worker was started without a Kubernetes client',
      },
    ]);

    // What a worker without kubeconfig and outside a cluster gets from its default loader.
    const home = mkdtempSync(join(tmpdir(), 'selfheal-home-'));
    try {
      const noKubeconfig = await scaleReplicas.sandbox(context(lazyKubeConfig(() => loadKubeConfig({}, home))));
      expect(noKubeconfig.checks).toEqual([
        {
          name: 'kube_credentials',
          passed: false,
          detail:
            `no Kubernetes credentials: not in a cluster (KUBERNETES_SERVICE_HOST unset) and no kubeconfig at ` +
            `${join(home, '.kube', 'config')}`,
        },
      ]);
      expect(fake.requests).toHaveLength(1);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('finds credentials in a kubeconfig file and uses its token', async () => {
    fake.addDeployment({ namespace: NS, name: NAME, replicas: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'selfheal-kube-'));
    try {
      const file = join(dir, 'config');
      writeFileSync(
        file,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'fake',
          clusters: [{ name: 'fake', cluster: { server: fake.url, 'insecure-skip-tls-verify': true } }],
          users: [{ name: 'fake', user: { token: 'from-kubeconfig' } }],
          contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
        }),
      );
      const sandbox = await scaleReplicas.sandbox(
        context(lazyKubeConfig(() => loadKubeConfig({ KUBECONFIG: file }, dir))),
      );
      expect(sandbox.passed).toBe(true);
      expect(sandbox.checks.find((c) => c.name === 'below_max_replicas')?.detail).toBe(
        '2 → 3 replicas (max_replicas 10)',
      );
      expect(fake.requests.map((r) => r.authorization)).toEqual(fake.requests.map(() => 'Bearer from-kubeconfig'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without the right to scale, the sandbox fails on the server-side dry run with the API server's reason", async () => {
    fake.addDeployment({ namespace: NS, name: NAME, replicas: 4 });
    fake.forbidWrites(true);
    const sandbox = await scaleReplicas.sandbox(context(kube));
    expect(sandbox.passed).toBe(false);
    expect(sandbox.checks.filter((c) => !c.passed)).toEqual([
      {
        name: 'can_scale',
        passed: false,
        detail: expect.stringMatching(
          /^server-side dry run refused: 403 Forbidden: .*cannot patch resource "deployments\/scale"/,
        ),
      },
    ]);
    expect(spec()).toBe(4);
  });

  it('cancellation stops the wait at once, even mid-request; the compensation then restores the previous count', async () => {
    fake.addDeployment({ namespace: NS, name: NAME, replicas: 4, maxReady: 5 });
    const controller = new AbortController();
    const ctx = context(kube, { replica_ready_timeout: 120 }, { signal: controller.signal });
    const plan = await scaleReplicas.plan(ctx);

    const running = scaleReplicas.execute(ctx, plan);
    const settled = running.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await waitFor('the scale write', async () => fake.writes().length === 1, 10_000, 20);
    // The API server turns slow: the next poll hangs until the cancellation cuts it.
    fake.setLatency(30_000);
    await waitFor('a poll held by the server', async () => fake.inFlight() > 0, 10_000, 20);
    const abortedAt = Date.now();
    controller.abort(new Error('cancelled by the test'));
    expect(await settled).toBe('cancelled by the test');
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(spec()).toBe(6);

    fake.setLatency(0);
    // The rollout goes on after the cancellation (2 of 6 may still be starting on a slow run):
    // wait for it to stall at the deployment's 5 ready pods before judging the next attempt.
    await waitFor(
      'the rollout to stall at 5 ready',
      async () => status().observedGeneration === 2 && status().readyReplicas === 5,
      10_000,
      20,
    );
    // Half-scaled and stuck: no new attempt may start from here.
    const stuck = await scaleReplicas.sandbox(context(kube));
    expect(stuck.passed).toBe(false);
    expect(stuck.checks.find((c) => c.name === 'deployment_ready')).toEqual({
      name: 'deployment_ready',
      passed: false,
      detail: '5 of 6 ready (6 updated, 5 available): 1 not ready (a rollout is still in progress)',
    });
    await scaleReplicas.compensate!(context(kube, { replica_ready_timeout: 120 }), plan);
    expect(spec()).toBe(4);
    expect(status()).toMatchObject({ replicas: 4, readyReplicas: 4 });
  });

  it('someone else scaling after the plan is left alone, by execute and by the compensation', async () => {
    fake.addDeployment({ namespace: NS, name: NAME, replicas: 4 });
    const ctx = context(kube);
    const plan = await scaleReplicas.plan(ctx);

    // A person scales to 5 with a merge patch. client-node 1.x sends a PATCH as JSON Patch unless
    // the Content-Type is set through per-request options.
    const k8s = clientNode();
    const api = kube().makeApiClient(k8s.AppsV1Api);
    await api.patchNamespacedDeploymentScale(
      { name: NAME, namespace: NS, body: { spec: { replicas: 5 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    // Without them: application/json-patch+json, whatever the body.
    await api.patchNamespacedDeploymentScale({
      name: NAME,
      namespace: NS,
      body: [{ op: 'test', path: '/spec/replicas', value: 5 }],
    });
    expect(fake.requests.filter((r) => r.method === 'PATCH').map((r) => [r.contentType, r.status])).toEqual([
      ['application/merge-patch+json', 200],
      ['application/json-patch+json', 200],
    ]);
    const writes = fake.writes().length;

    const result = await scaleReplicas.execute(ctx, plan);
    expect(result).toMatchObject({
      success: false,
      actions_taken: 0,
      metadata: { previous_replicas: 4, new_replicas: 5 },
    });
    expect(result.error).toBe(
      'deployment selfheal-test/ruvector-read has 5 replicas, not the 4 planned: someone else scaled it; left as it is',
    );
    await scaleReplicas.compensate!(ctx, plan);
    expect(fake.writes()).toHaveLength(writes);
    expect(spec()).toBe(5);
  });

  it("someone scaling between the read and the write fails the patch's test: read again, left alone", async () => {
    fake.addDeployment({ namespace: NS, name: NAME, replicas: 4 });
    const ctx = context(kube);
    const plan = await scaleReplicas.plan(ctx);
    fake.scaleBeforeNextWrite(5);
    const result = await scaleReplicas.execute(ctx, plan);
    expect(result).toMatchObject({ success: false, actions_taken: 0, metadata: { new_replicas: 5 } });
    expect(fake.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([422]);
    expect(fake.writes()).toEqual([]);
    expect(spec()).toBe(5);
  });

  it('a write that loses a race (409 Conflict) is read and decided again', async () => {
    fake.addDeployment({ namespace: NS, name: NAME, replicas: 4 });
    const ctx = context(kube);
    const plan = await scaleReplicas.plan(ctx);
    fake.conflictNextWrites(2);
    expect(await scaleReplicas.execute(ctx, plan)).toMatchObject({
      success: true,
      metadata: { new_replicas: 6, write_conflicts: 2 },
    });
    expect(fake.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([409, 409, 200]);
    // Read again before each try.
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path === scalePath)).toHaveLength(3);
    expect(spec()).toBe(6);
  });
});
