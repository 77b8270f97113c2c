import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { clientNode, type KubeConfig } from './client-node';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The controller has no way to reach a Kubernetes API server; the message says what was looked for. */
export class NoKubeCredentialsError extends Error {
  constructor(detail: string) {
    super(`no Kubernetes credentials: ${detail}`);
    this.name = 'NoKubeCredentialsError';
  }
}

export function isNoKubeCredentials(err: unknown): err is NoKubeCredentialsError {
  return err instanceof NoKubeCredentialsError;
}

/** Credentials on demand: throws NoKubeCredentialsError when there are none. */
export type KubeConfigSource = () => KubeConfig;

/**
 * How the controller reaches Kubernetes: SELFHEAL_KUBE_SERVER (e.g. `kubectl proxy` on
 * http://127.0.0.1:8001) when set; in-cluster (service account) when KUBERNETES_SERVICE_HOST is set;
 * else the kubeconfig (KUBECONFIG, else ~/.kube/config). Unlike KubeConfig.loadFromDefault, never
 * falls back to an unauthenticated http://localhost:8080.
 */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): KubeConfig {
  if (env.SELFHEAL_KUBE_SERVER) return kubeConfigForServer(env.SELFHEAL_KUBE_SERVER);
  const kc = new (clientNode().KubeConfig)();
  if (env.KUBERNETES_SERVICE_HOST) {
    if (!existsSync(SERVICE_ACCOUNT_TOKEN)) {
      throw new NoKubeCredentialsError(
        `KUBERNETES_SERVICE_HOST is set but ${SERVICE_ACCOUNT_TOKEN} is missing (automountServiceAccountToken off?)`,
      );
    }
    kc.loadFromCluster();
    return kc;
  }
  const files = env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter(Boolean) : [join(home, '.kube', 'config')];
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) {
    throw new NoKubeCredentialsError(
      `not in a cluster (KUBERNETES_SERVICE_HOST unset) and no kubeconfig at ${files.join(delimiter)}`,
    );
  }
  kc.loadFromFile(present[0]!);
  for (const f of present.slice(1)) {
    const more = new (clientNode().KubeConfig)();
    more.loadFromFile(f);
    kc.mergeConfig(more);
  }
  if (!kc.getCurrentCluster())
    throw new NoKubeCredentialsError(`kubeconfig ${present.join(delimiter)} has no current context`);
  return kc;
}

/**
 * A KubeConfig for one API server URL, optionally with a bearer token. The client refuses plain
 * http unless skipTLSVerify is set, so it is set for http:// URLs (where it means nothing else).
 */
export function kubeConfigForServer(server: string, opts: { token?: string } = {}): KubeConfig {
  const kc = new (clientNode().KubeConfig)();
  kc.loadFromOptions({
    clusters: [{ name: 'selfheal', server, skipTLSVerify: server.startsWith('http:') }],
    users: [{ name: 'selfheal', ...(opts.token ? { token: opts.token } : {}) }],
    contexts: [{ name: 'selfheal', cluster: 'selfheal', user: 'selfheal' }],
    currentContext: 'selfheal',
  });
  return kc;
}

/**
 * Loads credentials on first use and keeps them; a failure is not kept, so credentials that appear
 * later (a kubeconfig written after the worker started) are found on the next attempt.
 */
export function lazyKubeConfig(load: () => KubeConfig = () => loadKubeConfig()): KubeConfigSource {
  let kc: KubeConfig | undefined;
  return () => (kc ??= load());
}
