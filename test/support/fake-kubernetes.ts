import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeDeploymentInit {
  namespace?: string;
  name: string;
  replicas: number;
  /** Pods beyond this many never become ready (say, an image that cannot be pulled). */
  maxReady?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | null;
  authorization: string | null;
  body: unknown;
  /** The HTTP status the fake answered with (0 while the answer is delayed). */
  status: number;
}

export interface FakeKubernetes {
  url: string;
  /** Every request, in arrival order. */
  requests: RecordedRequest[];
  /** Scale writes that were stored: PUT or PATCH, not dry runs, answered 200. */
  writes(): RecordedRequest[];
  addDeployment(d: FakeDeploymentInit): void;
  /** The deployment as a GET would return it now. */
  deployment(name: string, namespace?: string): KubeDeployment;
  /** The next `n` scale writes fail with 409 Conflict, as if another writer had won the race. */
  conflictNextWrites(n: number): void;
  /** Just before the next scale write is decided, another writer sets the count to `replicas`. */
  scaleBeforeNextWrite(replicas: number): void;
  /** Every scale write (dry runs too) is refused with 403, as RBAC without deployments/scale patch would. */
  forbidWrites(forbid: boolean): void;
  /** Answers are held this long (a slow API server); 0 answers at once. */
  setLatency(ms: number): void;
  /** Requests whose answer is being held. */
  inFlight(): number;
  close(): Promise<void>;
}

interface KubeDeployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation: number;
    resourceVersion: string;
    creationTimestamp: string;
  };
  spec: { replicas: number; selector: unknown; template: unknown };
  status: Record<string, number | undefined>;
}

/** One deployment and its rollout, computed from the time since its last spec change. */
interface Sim {
  namespace: string;
  name: string;
  uid: string;
  created: string;
  replicas: number;
  generation: number;
  maxReady: number;
  /** resourceVersion at the last write; status changes since then add to it. */
  rv: number;
  since: number;
  /** Status when the spec last changed. */
  at: { observed: number; pods: number; ready: number };
}

interface Rollout {
  observed: number;
  pods: number;
  ready: number;
  /** Status changes since the last write (each one is a new resourceVersion on a real server). */
  changes: number;
}

/**
 * A Kubernetes API server in the test process, for the paths @kubernetes/client-node uses to read
 * and scale a deployment: GET …/deployments/{name}, GET/PUT/PATCH …/deployments/{name}/scale, with
 * real object shapes (generation, resourceVersion, zero counts omitted) and 404/409/403/415/422
 * Status objects. A rollout is simulated: the controller observes a new spec after `podReadyMs`,
 * creates or removes pods at once, and one new pod becomes ready every `podReadyMs` after that.
 */
export async function startFakeKubernetes(opts: { podReadyMs?: number } = {}): Promise<FakeKubernetes> {
  const podReadyMs = opts.podReadyMs ?? 100;
  const sims = new Map<string, Sim>();
  const requests: RecordedRequest[] = [];
  const held = new Set<NodeJS.Timeout>();
  let rvCounter = 1000;
  let conflicts = 0;
  let raceTo: number | undefined;
  let forbidden = false;
  let latencyMs = 0;

  const key = (namespace: string, name: string) => `${namespace}/${name}`;
  /** Spaced out, so the status changes a rollout adds to a write's version never reach the next write's. */
  const nextResourceVersion = () => (rvCounter += 1000);

  function rollout(s: Sim, now = Date.now()): Rollout {
    const steps = Math.floor((now - s.since) / podReadyMs);
    if (steps < 1) return { ...s.at, changes: 0 };
    const ready = Math.min(s.replicas, s.maxReady, s.at.ready + steps - 1);
    // Observed (with pods created or removed) at step 1, then one pod ready per step.
    return {
      observed: s.generation,
      pods: s.replicas,
      ready,
      changes: 1 + Math.max(0, ready - Math.min(s.at.ready, s.replicas)),
    };
  }

  const resourceVersion = (s: Sim) => String(s.rv + rollout(s).changes);

  function deploymentJson(s: Sim): KubeDeployment {
    const r = rollout(s);
    const labels = { app: s.name };
    // A real API server omits counts that are 0.
    const count = (n: number) => (n === 0 ? undefined : n);
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: s.name,
        namespace: s.namespace,
        uid: s.uid,
        generation: s.generation,
        resourceVersion: resourceVersion(s),
        creationTimestamp: s.created,
      },
      spec: {
        replicas: s.replicas,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'read', image: 'ruvector/read:test' }] } },
      },
      status: {
        observedGeneration: r.observed,
        replicas: count(r.pods),
        updatedReplicas: count(r.pods),
        readyReplicas: count(r.ready),
        availableReplicas: count(r.ready),
        unavailableReplicas: count(r.pods - r.ready),
      },
    };
  }

  function scaleJson(s: Sim, replicas = s.replicas) {
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: {
        name: s.name,
        namespace: s.namespace,
        uid: s.uid,
        resourceVersion: resourceVersion(s),
        creationTimestamp: s.created,
      },
      spec: { replicas },
      status: { replicas: rollout(s).pods, selector: `app=${s.name}` },
    };
  }

  /** A new spec: the rollout so far becomes the starting point, the generation moves on. */
  function setReplicas(s: Sim, replicas: number): void {
    if (replicas === s.replicas) return;
    const now = Date.now();
    const r = rollout(s, now);
    s.at = { observed: r.observed, pods: r.pods, ready: r.ready };
    s.since = now;
    s.replicas = replicas;
    s.generation += 1;
    s.rv = nextResourceVersion();
  }

  function statusJson(code: number, reason: string, message: string, details?: Record<string, string>) {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    };
  }

  /** The replicas a scale write asks for, or an error Status. */
  function requestedReplicas(
    s: Sim,
    method: string,
    contentType: string | null,
    body: unknown,
  ): number | { code: number; reason: string; message: string } {
    const invalid = (message: string) => ({ code: 422, reason: 'Invalid', message });
    if (method === 'PUT') {
      const b = body as {
        kind?: string;
        metadata?: { name?: string; resourceVersion?: string };
        spec?: { replicas?: unknown };
      } | null;
      if (b?.kind !== 'Scale')
        return { code: 400, reason: 'BadRequest', message: `expected kind Scale, got ${String(b?.kind)}` };
      if (b.metadata?.name !== s.name)
        return {
          code: 400,
          reason: 'BadRequest',
          message: 'the name of the object does not match the name on the URL',
        };
      if (b.metadata.resourceVersion && b.metadata.resourceVersion !== resourceVersion(s)) {
        return {
          code: 409,
          reason: 'Conflict',
          message:
            `Operation cannot be fulfilled on deployments.apps "${s.name}": the object has been modified; ` +
            `please apply your changes to the latest version and try again`,
        };
      }
      const n = b.spec?.replicas;
      return Number.isInteger(n) && (n as number) >= 0
        ? (n as number)
        : invalid('spec.replicas: Invalid value: must be greater than or equal to 0');
    }
    // PATCH
    const type = contentType?.split(';')[0]?.trim();
    if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
      const n = (body as { spec?: { replicas?: unknown } } | null)?.spec?.replicas;
      return n === undefined
        ? s.replicas
        : Number.isInteger(n) && (n as number) >= 0
          ? (n as number)
          : invalid('spec.replicas: Invalid value');
    }
    if (type === 'application/json-patch+json') {
      if (!Array.isArray(body))
        return { code: 400, reason: 'BadRequest', message: 'a JSON patch is an array of operations' };
      let n = s.replicas;
      for (const op of body as { op?: string; path?: string; value?: unknown }[]) {
        if (op.path !== '/spec/replicas') return invalid(`unsupported path ${String(op.path)}`);
        if (op.op === 'test' && op.value !== n)
          return invalid(`testing value /spec/replicas failed: ${n}, not ${String(op.value)}`);
        else if (op.op === 'replace' || op.op === 'add') {
          if (!Number.isInteger(op.value) || (op.value as number) < 0) return invalid('spec.replicas: Invalid value');
          n = op.value as number;
        } else if (op.op !== 'test') return invalid(`unsupported op ${String(op.op)}`);
      }
      return n;
    }
    return {
      code: 415,
      reason: 'UnsupportedMediaType',
      message:
        `the body of the request was in an unknown format - accepted media types include: ` +
        `application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json ` +
        `(got ${String(contentType)})`,
    };
  }

  function handle(
    req: IncomingMessage,
    url: URL,
    body: unknown,
    rec: RecordedRequest,
  ): { code: number; json: unknown } {
    const m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)(\/scale)?$/.exec(url.pathname);
    if (!m) return { code: 404, json: statusJson(404, 'NotFound', 'the server could not find the requested resource') };
    const [, namespace, name, scale] = m as unknown as [string, string, string, string | undefined];
    const s = sims.get(key(namespace, name));
    if (!s)
      return {
        code: 404,
        json: statusJson(404, 'NotFound', `deployments.apps "${name}" not found`, {
          name,
          group: 'apps',
          kind: 'deployments',
        }),
      };
    const method = req.method ?? 'GET';
    if (method === 'GET') return { code: 200, json: scale ? scaleJson(s) : deploymentJson(s) };
    if (!scale || (method !== 'PUT' && method !== 'PATCH')) {
      return {
        code: 405,
        json: statusJson(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`),
      };
    }
    if (forbidden) {
      return {
        code: 403,
        json: statusJson(
          403,
          'Forbidden',
          `deployments.apps "${name}" is forbidden: User "system:serviceaccount:selfheal:selfheal" cannot ` +
            `${method === 'PUT' ? 'update' : 'patch'} resource "deployments/scale" in API group "apps" in the ` +
            `namespace "${namespace}"`,
        ),
      };
    }
    if (conflicts > 0) {
      conflicts -= 1;
      return {
        code: 409,
        json: statusJson(
          409,
          'Conflict',
          `Operation cannot be fulfilled on deployments.apps "${name}": the object has been modified; ` +
            `please apply your changes to the latest version and try again`,
        ),
      };
    }
    if (raceTo !== undefined) {
      setReplicas(s, raceTo);
      raceTo = undefined;
    }
    const wanted = requestedReplicas(s, method, rec.contentType, body);
    if (typeof wanted !== 'number')
      return { code: wanted.code, json: statusJson(wanted.code, wanted.reason, wanted.message) };
    if (rec.query.dryRun === 'All') return { code: 200, json: scaleJson(s, wanted) };
    setReplicas(s, wanted);
    return { code: 200, json: scaleJson(s) };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        contentType: req.headers['content-type'] ?? null,
        authorization: req.headers.authorization ?? null,
        body,
        status: 0,
      };
      requests.push(rec);
      const answer = () => {
        const { code, json } = handle(req, url, body, rec);
        rec.status = code;
        if (res.destroyed) return;
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (latencyMs <= 0) return answer();
      const t = setTimeout(() => {
        held.delete(t);
        answer();
      }, latencyMs);
      held.add(t);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    writes: () =>
      requests.filter(
        (r) => (r.method === 'PUT' || r.method === 'PATCH') && r.query.dryRun !== 'All' && r.status === 200,
      ),
    addDeployment(d) {
      const namespace = d.namespace ?? 'default';
      const ready = Math.min(d.replicas, d.maxReady ?? Number.POSITIVE_INFINITY);
      sims.set(key(namespace, d.name), {
        namespace,
        name: d.name,
        uid: randomUUID(),
        created: new Date().toISOString(),
        replicas: d.replicas,
        generation: 1,
        maxReady: d.maxReady ?? Number.POSITIVE_INFINITY,
        rv: nextResourceVersion(),
        since: Date.now() - podReadyMs,
        at: { observed: 1, pods: d.replicas, ready },
      });
    },
    deployment(name, namespace = 'default') {
      const s = sims.get(key(namespace, name));
      if (!s) throw new Error(`fake kubernetes: no deployment ${namespace}/${name}`);
      return deploymentJson(s);
    },
    conflictNextWrites(n) {
      conflicts = n;
    },
    scaleBeforeNextWrite(replicas) {
      raceTo = replicas;
    },
    forbidWrites(forbid) {
      forbidden = forbid;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    inFlight: () => held.size,
    async close() {
      for (const t of held) clearTimeout(t);
      held.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
