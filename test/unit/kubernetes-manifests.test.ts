import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { workerEnvSchema, parseWorkerEnv } from '../../src/config/worker-env';
import { DEFAULT_HEALING_CONFIG } from '../../src/domain/healing-config';
import {
  ensureKubernetesTools,
  kubeconform,
  kubeconformArgs,
  kustomizeBuild,
  KUSTOMIZE_BASE,
  type KubernetesTools,
} from '../../src/infra/ensure-kubeconform';
import { ALERTS_FILE, PROMETHEUS_RULE_FILE, renderPrometheusRule } from '../../src/infra/prometheus-rule';

const ROOT = resolve(__dirname, '..', '..');
const read = (...p: string[]): string => readFileSync(resolve(ROOT, ...p), 'utf8');

/** The first time on a machine, kubeconform and kustomize are built with Go and the schemas derived. */
const FIRST_BUILD_MS = 15 * 60_000;

/**
 * Settings the Deployment passes for features on their way in (notifications, the signed audit
 * trail): allowed while no source reads them. Once one is read, this check asks to drop it here.
 */
const PENDING_SETTINGS: string[] = [];

// Loose shapes: kubeconform has checked the manifests against the API's schemas already.
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command: string[];
  env: EnvVar[];
  envFrom: { configMapRef?: { name: string } }[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe: Probe;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  serviceAccountName: string;
  terminationGracePeriodSeconds: number;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; emptyDir?: object; secret?: { secretName: string; optional?: boolean } }[];
}
interface RoleRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

function docsOf(yaml: string): Manifest[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
}

function only(docs: Manifest[], kind: string): Manifest {
  const found = docs.filter((d) => d.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

describe('deploy/kubernetes', () => {
  let tools: KubernetesTools;
  let rendered: string;
  let docs: Manifest[];
  let pod: PodSpec;
  let worker: Container;
  let configMap: Record<string, string>;

  beforeAll(async () => {
    const started = Date.now();
    tools = await ensureKubernetesTools((l) => console.log(l));
    const ready = Date.now() - started;
    if (ready > 5_000) console.log(`kubeconform, kustomize and schemas ready in ${Math.round(ready / 1000)} s`);
    rendered = await kustomizeBuild(tools);
    docs = docsOf(rendered);
    pod = (only(docs, 'Deployment').spec as { template: { spec: PodSpec } }).template.spec;
    worker = pod.containers.find((c) => c.name === 'worker')!;
    configMap = only(docs, 'ConfigMap').data as Record<string, string>;
  }, FIRST_BUILD_MS);

  it('kustomize build renders the base, and kubeconform finds every resource valid (strict)', async () => {
    const result = await kubeconform(tools, rendered);
    console.log(`kubeconform ${kubeconformArgs(tools.schemas).join(' ')} - < (kustomize build)\n${result.output}`);
    expect(result).toMatchObject({ ok: true, exitCode: 0 });
    expect(result.output).toMatch(/Valid: 10, Invalid: 0, Errors: 0, Skipped: 0/);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
      expect.stringMatching(/^ConfigMap\/selfheal-worker-[a-z0-9]+$/),
      'Deployment/selfheal-worker',
      'Namespace/selfheal',
      'PodDisruptionBudget/selfheal-worker',
      'PrometheusRule/selfheal',
      'Role/selfheal-scale-read-replicas',
      'RoleBinding/selfheal-scale-read-replicas',
      'Service/selfheal-worker',
      'ServiceAccount/selfheal-worker',
      'ServiceMonitor/selfheal-worker',
    ]);
    for (const d of docs.filter((d) => d.kind !== 'Namespace'))
      expect([d.kind, d.metadata.namespace]).toEqual([d.kind, 'selfheal']);
  });

  it('kubeconform rejects a broken manifest: an unknown field, a wrong type, a misspelt CR field, an unknown kind', async () => {
    const broken = docsOf(rendered).map((d) => {
      if (d.kind === 'Deployment') {
        const spec = d.spec as { replicas: unknown; template: { spec: { containers: Record<string, unknown>[] } } };
        spec.replicas = 'two';
        spec.template.spec.containers[0]!.imagePullPolcy = 'Always';
      }
      if (d.kind === 'PrometheusRule') {
        const group = (d.spec as { groups: { rules: Record<string, unknown>[] }[] }).groups[0]!;
        group.rules[0]!.forr = '5m';
      }
      if (d.kind === 'ServiceMonitor') (d.spec as { endpoints: { port: unknown }[] }).endpoints[0]!.port = 9464;
      return d;
    });
    const stream = [...broken, { apiVersion: 'v1', kind: 'Frobnicator', metadata: { name: 'x' } }]
      .map((d) => stringify(d))
      .join('---\n');
    const result = await kubeconform(tools, stream);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/Deployment selfheal-worker is invalid.*'imagePullPolcy'(, '\w+')* not allowed/);
    expect(result.output).toMatch(/Deployment selfheal-worker is invalid.*\/spec\/replicas': got string, want integer/);
    expect(result.output).toMatch(/PrometheusRule selfheal is invalid.*'forr' not allowed/);
    expect(result.output).toMatch(/ServiceMonitor selfheal-worker is invalid.*got number, want string/);
    expect(result.output).toMatch(/could not find schema for Frobnicator/);
    expect(result.output).toMatch(/Invalid: 3, Errors: 1/);
  });

  it('kustomization.yaml lists every manifest in the folder, and leaves out secret.example.yaml', () => {
    const k = parse(read('deploy/kubernetes/kustomization.yaml')) as {
      resources: string[];
      configMapGenerator: { envs: string[] }[];
    };
    const used = [...k.resources, ...k.configMapGenerator.flatMap((g) => g.envs)];
    const files = readdirSync(KUSTOMIZE_BASE).filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml');
    expect(used.sort()).toEqual(files.sort());
  });

  it('secret.example.yaml is a valid Secret with every key the Deployment reads from it', async () => {
    const text = read('deploy/kubernetes/secret.example.yaml');
    const result = await kubeconform(tools, text);
    expect(result).toMatchObject({ ok: true });
    const secret = only(docsOf(text), 'Secret') as Manifest & { stringData: Record<string, string> };
    const refs = worker.env.flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : []));
    expect(new Set(refs.map((r) => r.name))).toEqual(new Set([secret.metadata.name]));
    expect(Object.keys(secret.stringData).sort()).toEqual(refs.map((r) => r.key).sort());
    // DATABASE_URL and the audit key are required: the worker does not start without them, but without the rest.
    expect(refs.filter((r) => !r.optional).map((r) => r.key)).toEqual(['database-url', 'audit-key']);
  });

  it("the PrometheusRule's groups are deploy/prometheus/alerts.yaml's, and the file is what the generator writes", () => {
    const alerts = parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: unknown[] };
    expect(alerts.groups.length).toBeGreaterThan(0);
    const committed = readFileSync(PROMETHEUS_RULE_FILE, 'utf8');
    expect((parse(committed) as { spec: { groups: unknown[] } }).spec.groups).toEqual(alerts.groups);
    expect((only(docs, 'PrometheusRule').spec as { groups: unknown[] }).groups).toEqual(alerts.groups);
    // Same text too: a hand edit is caught, and the fix is to run the generator.
    expect(committed).toBe(renderPrometheusRule(readFileSync(ALERTS_FILE, 'utf8')));
  });

  it('runs `selfheal worker` as the Dockerfile does, 2 replicas, probed on /readyz and /healthz', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'));
    expect(worker.command).toEqual(JSON.parse(cmd![1]!));
    expect(worker.command.slice(-2)).toEqual(['src/cli/main.ts', 'worker']);
    expect(worker.image).toBe('selfheal:0.1.0');
    expect((only(docs, 'Deployment').spec as { replicas: number }).replicas).toBe(2);
    const http = worker.ports.find((p) => p.name === 'http')!;
    expect(http.containerPort).toBe(Number(configMap.SELFHEAL_HTTP_PORT));
    expect(http.containerPort).toBe(9464);
    expect(worker.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(worker.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(worker.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  });

  it('the Service exposes port 9464 as `metrics`, and the ServiceMonitor scrapes it from the worker pods', () => {
    const service = only(docs, 'Service').spec as {
      selector: Record<string, string>;
      ports: { name: string; port: number; targetPort: string }[];
    };
    expect(service.ports).toEqual([{ name: 'metrics', port: 9464, targetPort: 'http', protocol: 'TCP' }]);
    const podLabels = (only(docs, 'Deployment').spec as { template: { metadata: { labels: Record<string, string> } } })
      .template.metadata.labels;
    expect(podLabels).toMatchObject(service.selector);
    const monitor = only(docs, 'ServiceMonitor').spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string }[];
    };
    expect(only(docs, 'Service').metadata.labels).toMatchObject(monitor.selector.matchLabels);
    expect(monitor.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
  });

  it('its environment is one the worker accepts, and names every setting the worker reads', () => {
    const secret = only(docsOf(read('deploy/kubernetes/secret.example.yaml')), 'Secret') as Manifest & {
      stringData: Record<string, string>;
    };
    const env: Record<string, string> = { ...configMap };
    for (const e of worker.env) {
      const ref = e.valueFrom?.secretKeyRef;
      env[e.name] = ref ? secret.stringData[ref.key]! : e.value!;
    }
    expect(() => parseWorkerEnv(env)).not.toThrow();
    expect(() => parseWorkerEnv(configMap)).toThrow(/DATABASE_URL: not set/);

    // Every setting appears in worker.env, set or as a commented line to uncomment, or in the Deployment.
    const settings = [
      ...Object.keys(workerEnvSchema._def.left.innerType().shape),
      ...Object.keys(workerEnvSchema._def.right.shape),
    ];
    const envFile = read('deploy/kubernetes/worker.env');
    const named = (s: string) => new RegExp(`^(# )?${s}=`, 'm').test(envFile) || worker.env.some((e) => e.name === s);
    expect(settings.filter((s) => !named(s))).toEqual([]);

    // And nothing is set that no source reads (a misspelt name would be ignored silently).
    const sources = ['src', 'activities']
      .flatMap((d) => readdirSync(resolve(ROOT, d), { recursive: true, encoding: 'utf8' }).map((f) => join(d, f)))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => read(f))
      .join('\n');
    const isRead = (name: string) => new RegExp(`\\b${name}\\b`).test(sources);
    const passed = [...Object.keys(configMap), ...worker.env.map((e) => e.name)];
    expect(passed.filter((n) => !isRead(n) && !PENDING_SETTINGS.includes(n))).toEqual([]);
    expect(PENDING_SETTINGS.filter(isRead)).toEqual([]);
  });

  it('stops within its grace period: terminationGracePeriodSeconds leaves 10 s beyond the shutdown grace', () => {
    const grace = Number(configMap.SELFHEAL_SHUTDOWN_GRACE_SECONDS);
    expect(grace).toBe(30);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(grace + 10);
  });

  it('runs as non-root on a read-only root filesystem with a writable /tmp, no privileges, bounded resources', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(worker.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(worker.securityContext.capabilities?.drop).toEqual(['ALL']);
    const tmp = worker.volumeMounts.find((m) => m.mountPath === '/tmp')!;
    expect(pod.volumes.find((v) => v.name === tmp.name)?.emptyDir).toBeDefined();
    // The mTLS certificates are optional: without their Secret the pod still starts.
    const tls = pod.volumes.find((v) => v.secret)!;
    expect(tls.secret).toEqual({ secretName: 'selfheal-temporal-tls', optional: true });
    expect(worker.volumeMounts.find((m) => m.name === tls.name)?.readOnly).toBe(true);
    for (const r of ['cpu', 'memory']) {
      expect(worker.resources.requests[r]).toBeDefined();
      expect(worker.resources.limits[r]).toBeDefined();
    }
  });

  it('the Role grants exactly the calls src/kubernetes makes, on the read deployment only', () => {
    // Each client call and the RBAC verb and resource it needs; a new call fails here until it is added.
    const VERBS: Record<string, [string, string]> = {
      readNamespacedDeployment: ['deployments', 'get'],
      readNamespacedDeploymentScale: ['deployments/scale', 'get'],
      replaceNamespacedDeploymentScale: ['deployments/scale', 'update'],
      patchNamespacedDeploymentScale: ['deployments/scale', 'patch'],
    };
    const dir = resolve(ROOT, 'src', 'kubernetes');
    const calls = new Set(
      readdirSync(dir).flatMap((f) =>
        [...readFileSync(join(dir, f), 'utf8').matchAll(/\bapi\.(\w+Namespaced\w+)\(/g)].map((m) => m[1]!),
      ),
    );
    expect([...calls].filter((c) => !VERBS[c])).toEqual([]);
    const needed = [...calls].map((c) => VERBS[c]!.join(':'));
    const rules = (only(docs, 'Role') as Manifest & { rules: RoleRule[] }).rules;
    const granted = rules.flatMap((r) => r.resources.flatMap((res) => r.verbs.map((v) => `${res}:${v}`)));
    expect(granted.sort()).toEqual([...new Set(needed)].sort());
    for (const r of rules) {
      expect(r.apiGroups).toEqual(['apps']);
      expect(r.resourceNames).toEqual([DEFAULT_HEALING_CONFIG.k8s_read_deployment]);
    }
    const binding = only(docs, 'RoleBinding') as Manifest & {
      roleRef: { name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    };
    expect(binding.roleRef.name).toBe(only(docs, 'Role').metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: 'selfheal' }]);
    expect(only(docs, 'ServiceAccount').metadata.name).toBe(pod.serviceAccountName);
  });

  it("README's overlay for read replicas in another namespace builds, validates, and binds across namespaces", async () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('\n## Kubernetes'));
    const block = /```yaml\n([\s\S]*?kind: Kustomization[\s\S]*?)```/.exec(section);
    expect(block).not.toBeNull();
    const overlay = parse(block![1]!) as { resources: string[] };
    expect(overlay.resources).toHaveLength(1);
    const dir = mkdtempSync(join(tmpdir(), 'selfheal-overlay-'));
    try {
      // kustomize takes only relative paths to a base.
      const base = relative(dir, KUSTOMIZE_BASE);
      writeFileSync(join(dir, 'kustomization.yaml'), stringify({ ...overlay, resources: [base] }));
      const out = await kustomizeBuild(tools, dir);
      const result = await kubeconform(tools, out);
      expect(result).toMatchObject({ ok: true });
      const built = docsOf(out);
      const role = only(built, 'Role') as Manifest & { rules: RoleRule[] };
      const binding = only(built, 'RoleBinding') as Manifest & { subjects: { namespace: string }[] };
      expect(role.metadata.namespace).not.toBe('selfheal');
      expect(binding.metadata.namespace).toBe(role.metadata.namespace);
      expect(binding.subjects[0]!.namespace).toBe('selfheal');
      expect(role.rules.flatMap((r) => r.resourceNames)).not.toContain(DEFAULT_HEALING_CONFIG.k8s_read_deployment);
      expect(only(built, 'Deployment').metadata.namespace).toBe('selfheal');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
