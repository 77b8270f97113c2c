import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type Activities, type NotifyTargets } from '../../activities';
import { lazyKubeConfig, type KubeConfigSource } from '../kubernetes/kube-config';
import type { TemporalConnectionOptions } from '../config/temporal-connection';
import { auditSigner, type AuditSigner } from '../postgres/audit-log';
import type { Pool } from '../postgres/pool';
import { WORKFLOWS_PATH } from './workflow-bundle';

export interface WorkerOptions {
  address: string;
  /** TLS and API key for a cluster or Temporal Cloud; the address above is used with them. */
  temporal?: Omit<TemporalConnectionOptions, 'address'>;
  namespace: string;
  taskQueue: string;
  pool: Pool;
  /** A bundle written by writeWorkflowBundle; without it the worker bundles on start. */
  workflowBundlePath?: string;
  /** Time activities get to finish when the worker shuts down. */
  shutdownGraceTime?: string;
  /** Kubernetes credentials; default: in-cluster or kubeconfig, loaded when a strategy first needs them. */
  kube?: KubeConfigSource;
  /** Standby URLs; default: SELFHEAL_STANDBY_URLS, comma-separated. */
  standbyUrls?: string[];
  /** Webhooks a person is told through (SELFHEAL_WEBHOOK_URLS, SELFHEAL_SLACK_WEBHOOK_URLS); default none. */
  notify?: NotifyTargets;
  /** Signs the audit trail; default: SELFHEAL_AUDIT_KEY, else rows are written unsigned (and reported so). */
  audit?: AuditSigner;
  /** Replaces some activities (tests that steer one branch of a workflow); the rest are the real ones. */
  activityOverrides?: (real: Activities) => Partial<Activities>;
}

export async function createSelfhealWorker(
  opts: WorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ ...opts.temporal, address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: withOverrides(
      createActivities({
        pool: opts.pool,
        kube: opts.kube ?? lazyKubeConfig(),
        standbyUrls: opts.standbyUrls ?? standbyUrlsFromEnv(),
        ...(opts.notify ? { notify: opts.notify } : {}),
        audit: opts.audit ?? auditSigner(process.env.SELFHEAL_AUDIT_KEY),
      }),
      opts.activityOverrides,
    ),
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath: WORKFLOWS_PATH }),
    shutdownGraceTime: opts.shutdownGraceTime ?? '10 seconds',
  });
  return { worker, connection };
}

function standbyUrlsFromEnv(): string[] {
  return (process.env.SELFHEAL_STANDBY_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
}

function withOverrides(real: Activities, overrides: WorkerOptions['activityOverrides']): Activities {
  return overrides ? { ...real, ...overrides(real) } : real;
}
