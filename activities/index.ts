import { Context } from '@temporalio/activity';
import { z } from 'zod';
import type { CollectionKind } from '../src/domain/collection-kind';
import { actionConfigSchema, type HealingConfig } from '../src/domain/healing-config';
import { integrityStateSchema } from '../src/domain/integrity-state';
import { problemClassSchema } from '../src/domain/problem-class';
import type { RemediationResult } from '../src/domain/remediation-result';
import type { KubeConfigSource } from '../src/kubernetes/kube-config';
import { collectionNameSchema, getCollection, listCollections, type Collection } from '../src/postgres/collections';
import { syncWatchedTables, type WatchSync } from '../src/postgres/sync-watched';
import { UNSIGNED_AUDIT, type AuditSigner } from '../src/postgres/audit-log';
import * as store from '../src/postgres/outcome-store';
import type { Pool } from '../src/postgres/pool';
import { serverIdentity } from '../src/postgres/server-identity';
import { sampleCollection } from '../src/probes/sample-collection';
import { integrityOf, type IntegritySample } from '../src/sensor/integrity-sample';
import { parseStrategyParams } from '../src/strategies/strategy-params';
import {
  strategyPlanSchema,
  type SandboxResult,
  type StrategyContext,
  type StrategyPlan,
  type StrategyVerdict,
} from '../src/strategies/strategy';
import { loadStoredWeights } from '../src/postgres/learned-weights';
import { sharedTargetLeaseWorkflowId } from '../src/domain/workflow-ids';
import { classified, CollectionGoneError } from './activity-errors';
import { createDatabasePassActivities } from './database-pass';
import { createLearningActivities } from './learning';
import { createNotificationActivities, NO_NOTIFY_TARGETS, type NotifyTargets } from './notifications';
import { createRetentionActivities } from './retention';
import { strategyImplementation } from './strategies';

export interface ActivityDeps {
  pool: Pool;
  /** Kubernetes credentials for strategies that scale deployments; loaded when first needed. */
  kube?: KubeConfigSource;
  /** Standbys the strategies may connect to (resume_wal_replay). */
  standbyUrls?: string[];
  /** Webhooks a person is told through; none: notices are accepted and go nowhere. */
  notify?: NotifyTargets;
  /** Signs the audit rows the store writes with each fact; without it they are written unsigned. */
  audit?: AuditSigner;
}

/**
 * The collection as prepareAttempt resolved it: later steps of the attempt act on it without
 * looking it up again (and finish, compensation included, even if it is unwatched meanwhile).
 */
const collectionRefSchema = z.object({
  id: z.number().int(),
  name: collectionNameSchema,
  kind: z.enum(['table', 'ivf']),
  table_schema: z.string(),
  table_name: z.string(),
  table_oid: z.number().int(),
  centroids_table: z.string().nullable(),
  archive_table: z.string().nullable(),
  source: z.enum(['manual', 'rule', 'demo']),
  unwatched_at: z.string().nullable(),
  unwatch_reason: z.string().nullable(),
});
export type CollectionRef = z.infer<typeof collectionRefSchema>;

const prepareInput = z.object({
  collection: collectionNameSchema,
  trigger: z.string().min(1).max(100),
  detected_at: z.string().datetime({ offset: true }).optional(),
});
const sampleInput = z.object({
  collection: collectionNameSchema,
  /** Resolved once by prepareAttempt; absent in attempts begun before (then looked up). */
  collection_ref: collectionRefSchema.optional(),
  config: actionConfigSchema,
  /** Rates count only readings after this: the verification after a change. */
  rates_after: z.string().datetime({ offset: true }).optional(),
  /** The guardian's periodic sample: never wait for a rate window (the next sample is one interval away). */
  periodic: z.boolean().optional(),
});
const weightsInput = z.object({ days: z.number().int().min(1).max(365), learning_enabled: z.boolean() });
const stepInput = z.object({
  strategy: z.string().min(1),
  collection: collectionNameSchema,
  /** Resolved once by prepareAttempt; absent in attempts begun before (then looked up). */
  collection_ref: collectionRefSchema.optional(),
  problem: problemClassSchema,
  state: integrityStateSchema,
  config: actionConfigSchema,
  /** A person's parameters (manual execution), as text: validated against the strategy's schema. */
  params: z.record(z.string(), z.string()).optional(),
});
const planInput = stepInput.extend({ plan: strategyPlanSchema });
const executeInput = planInput.extend({ budget_ms: z.number().int().positive() });

export type StrategyStepInput = z.input<typeof stepInput>;

export interface PreparedAttempt {
  attempt_id: number;
  collection_id: number;
  config: HealingConfig;
  /** Absent in attempts recorded before collections had kinds. */
  kind?: CollectionKind;
  /** The collection, for the attempt's later steps; absent when its table is gone (or before this was passed). */
  collection?: CollectionRef;
}

/**
 * Every side effect of a healing attempt. Each activity validates its input, is safe to run twice
 * (retries), and heartbeats while it runs long.
 */
export function createActivities({ pool, kube, standbyUrls, notify, audit = UNSIGNED_AUDIT }: ActivityDeps) {
  /** The attempt's collection: as prepareAttempt resolved it, or looked up (an attempt begun before refs). */
  async function attemptCollection(input: {
    collection: string;
    collection_ref?: CollectionRef | undefined;
  }): Promise<Collection & { table_oid: number }> {
    if (input.collection_ref && input.collection_ref.name === input.collection) return input.collection_ref;
    return liveCollection(input.collection);
  }

  async function liveCollection(name: string): Promise<Collection & { table_oid: number }> {
    const c = await getCollection(pool, name);
    if (c.table_oid === null)
      throw new CollectionGoneError(
        `collection ${name}: table ${c.table_schema}.${c.table_name} does not exist ` +
          `(dropped, or renamed while unwatched)`,
      );
    return c as Collection & { table_oid: number };
  }

  async function strategyContext(input: z.infer<typeof stepInput>, budgetMs = 60_000): Promise<StrategyContext<Pool>> {
    const ctx = Context.current();
    // Refused (non-retryable InvalidInput) before the strategy sees them.
    const params = input.params === undefined ? undefined : parseStrategyParams(input.strategy, input.params);
    return {
      db: pool,
      collection: await attemptCollection(input),
      problem: input.problem,
      state: input.state,
      config: input.config,
      ...(params ? { params } : {}),
      heartbeat: (d) => ctx.heartbeat(d),
      signal: ctx.cancellationSignal,
      budgetMs,
      attemptKey: ctx.info.workflowExecution?.workflowId ?? `activity/${ctx.info.activityId}`,
      kube,
      standbyUrls: standbyUrls ?? [],
    };
  }

  return {
    ...createDatabasePassActivities(pool, audit),
    ...createLearningActivities(pool),
    ...createRetentionActivities(pool),
    ...createNotificationActivities(pool, notify ?? NO_NOTIFY_TARGETS),

    /** Opens the attempt's row (its id is the action id) and loads the collection's configuration. */
    async prepareAttempt(raw: z.input<typeof prepareInput>): Promise<PreparedAttempt> {
      return classified(async () => {
        const input = prepareInput.parse(raw);
        const info = Context.current().info.workflowExecution;
        if (!info) throw new Error('prepareAttempt runs only inside a workflow');
        const c = await getCollection(pool, input.collection);
        const attemptId = await store.openAttempt(
          pool,
          {
            workflow_id: info.workflowId,
            run_id: info.runId,
            collection_id: c.id,
            trigger: input.trigger,
            detected_at: input.detected_at ?? null,
          },
          audit,
        );
        return {
          attempt_id: attemptId,
          collection_id: c.id,
          config: await store.loadHealingConfig(pool, input.collection),
          kind: c.kind,
          ...(c.table_oid !== null ? { collection: { ...c, table_oid: c.table_oid } } : {}),
        };
      });
    },

    /** The collection's stored configuration (defaults, then '*', then its own row). */
    async loadConfig(raw: { collection: string }): Promise<HealingConfig> {
      return classified(async () => {
        const { collection } = z.object({ collection: collectionNameSchema }).parse(raw);
        await getCollection(pool, collection);
        return store.loadHealingConfig(pool, collection);
      });
    },

    /** The sensor: live statistics → health-weighted graph → λ, witness edges, state. */
    async sampleIntegrity(raw: z.input<typeof sampleInput>): Promise<IntegritySample> {
      return classified(async () => {
        const input = sampleInput.parse(raw);
        const c = await attemptCollection(input);
        const stats = await sampleCollection(pool, c, input.config, {
          ...(input.rates_after ? { after: input.rates_after } : {}),
          ...(input.periodic ? { noWait: true } : {}),
        });
        return integrityOf(stats, input.config);
      });
    },

    /**
     * The watcher's pass: renames followed, dropped tables unwatched (once), rule matches watched;
     * returns every watched collection and the interval to the next pass.
     */
    async syncWatchedTables(): Promise<
      WatchSync & { database: string; collections: string[]; check_interval: number }
    > {
      return classified(async () => {
        const sync = await syncWatchedTables(pool, audit);
        const collections = (await listCollections(pool)).map((c) => c.name);
        const database = (await pool.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
        return {
          ...sync,
          database,
          collections,
          check_interval: (await store.loadHealingConfig(pool, '*')).check_interval,
        };
      });
    },

    /**
     * The stored weights per strategy (the mean over its classes), for attempts begun before
     * selection read its class's weights (loadLearnedSelection); none when learning is off.
     */
    async loadStrategyWeights(raw: z.input<typeof weightsInput>): Promise<Record<string, number>> {
      return classified(async () => {
        const input = weightsInput.parse(raw);
        if (!input.learning_enabled) return {};
        const by = new Map<string, number[]>();
        for (const w of (await loadStoredWeights(pool)).weights)
          by.set(w.strategy_name, [...(by.get(w.strategy_name) ?? []), w.weight]);
        return Object.fromEntries([...by].map(([name, ws]) => [name, ws.reduce((a, b) => a + b, 0) / ws.length]));
      });
    },

    async sandboxTest(raw: StrategyStepInput): Promise<SandboxResult> {
      return classified(async () => {
        const input = stepInput.parse(raw);
        return strategyImplementation(input.strategy).sandbox(await strategyContext(input));
      });
    },

    /**
     * What the strategy would change beyond the collection, as the id of the lease an attempt holds
     * on it; null when the strategy changes nothing shared or finds nothing to change now.
     */
    async findSharedTarget(raw: StrategyStepInput): Promise<{ lease_id: string; target: string } | null> {
      return classified(async () => {
        const input = stepInput.parse(raw);
        const s = strategyImplementation(input.strategy);
        const kind = s.descriptor.shared_target;
        if (!kind || !s.sharedTarget) return null;
        const name = await s.sharedTarget(await strategyContext(input));
        if (name === null) return null;
        // A deployment is shared across servers; everything else belongs to one PostgreSQL server.
        const scope = kind === 'deployment' ? 'kubernetes' : await serverIdentity(pool);
        return { lease_id: sharedTargetLeaseWorkflowId(scope, kind, name), target: `${kind} ${name}` };
      });
    },

    /** Measures before acting and captures what compensation needs. */
    async planStrategy(raw: StrategyStepInput): Promise<StrategyPlan> {
      return classified(async () => {
        const input = stepInput.parse(raw);
        return strategyImplementation(input.strategy).plan(await strategyContext(input));
      });
    },

    async executeStrategy(raw: z.input<typeof executeInput>): Promise<RemediationResult> {
      return classified(async () => {
        const input = executeInput.parse(raw);
        const ctx = await strategyContext(input, input.budget_ms);
        ctx.heartbeat({ step: 'start', target: input.strategy });
        try {
          const result = await strategyImplementation(input.strategy).execute(ctx, input.plan);
          if (ctx.signal.aborted) throw ctx.signal.reason;
          return result;
        } catch (err) {
          // Cancelled: report the cancellation itself, not the error the interrupted statement raised.
          if (ctx.signal.aborted) throw ctx.signal.reason;
          throw err;
        }
      });
    },

    async verifyStrategy(raw: z.input<typeof planInput>): Promise<StrategyVerdict> {
      return classified(async () => {
        const input = planInput.parse(raw);
        return strategyImplementation(input.strategy).verify(await strategyContext(input), input.plan);
      });
    },

    /** Undoes the strategy from its plan's snapshot; idempotent, so it is retried until it is done. */
    async compensateStrategy(raw: z.input<typeof planInput>): Promise<{ compensated: boolean }> {
      return classified(async () => {
        const input = planInput.parse(raw);
        const s = strategyImplementation(input.strategy);
        if (!s.compensate) return { compensated: false };
        const ctx = await strategyContext(input);
        ctx.heartbeat({ step: 'compensate', target: input.strategy });
        await s.compensate(ctx, input.plan);
        return { compensated: true };
      });
    },

    /** After a failed execute: removes half-done work (e.g. an invalid *_ccnew index); retried until done. */
    async cleanupStrategy(raw: z.input<typeof planInput>): Promise<{ removed: string[] }> {
      return classified(async () => {
        const input = planInput.parse(raw);
        const s = strategyImplementation(input.strategy);
        if (!s.cleanup) return { removed: [] };
        const ctx = await strategyContext(input);
        ctx.heartbeat({ step: 'cleanup', target: input.strategy });
        return { removed: await s.cleanup(ctx, input.plan) };
      });
    },

    /**
     * What `rollback` would undo (the last change that stands, or the one action a temporary hold
     * names), or why there is nothing it can undo; `retry` when it can be undone later.
     */
    async loadRollbackTarget(raw: {
      collection: string;
      attempt_id?: number;
    }): Promise<
      { ok: true; target: store.RollbackTarget; reversible: true } | { ok: false; reason: string; retry?: boolean }
    > {
      return classified(async () => {
        const { collection, attempt_id } = z
          .object({ collection: collectionNameSchema, attempt_id: z.number().int().positive().optional() })
          .strict()
          .parse(raw);
        let target: store.RollbackTarget | undefined;
        if (attempt_id === undefined) {
          target = await store.findRollbackTarget(pool, collection);
          if (!target)
            return { ok: false, reason: `collection ${collection} has no completed attempt whose change still stands` };
        } else {
          const found = await store.findStandingChange(pool, collection, attempt_id);
          if (found.kind === 'undone') return { ok: false, reason: found.reason };
          if (found.kind === 'covered')
            return {
              ok: false,
              reason:
                `action ${found.by_attempt_id} (the same strategy, later) stands on action ${attempt_id}` +
                `: it is undone first`,
              retry: true,
            };
          target = found.target;
        }
        const impl = strategyImplementation(target.strategy_name);
        if (!impl.descriptor.reversible || !impl.compensate) {
          return {
            ok: false,
            reason:
              `the last attempt (action ${target.attempt_id}) ran ${target.strategy_name}, ` +
              `which is irreversible: it cannot be rolled back`,
          };
        }
        return { ok: true, target, reversible: true };
      });
    },

    /** Whether the change of the action a temporary hold keeps still stands, is undone, or has a later one on top. */
    async loadHoldTarget(raw: {
      collection: string;
      attempt_id: number;
    }): Promise<
      { kind: 'standing' } | { kind: 'undone'; reason: string } | { kind: 'covered'; by_attempt_id: number }
    > {
      return classified(async () => {
        const { collection, attempt_id } = z
          .object({ collection: collectionNameSchema, attempt_id: z.number().int().positive() })
          .strict()
          .parse(raw);
        const found = await store.findStandingChange(pool, collection, attempt_id);
        return found.kind === 'standing' ? { kind: 'standing' } : found;
      });
    },

    async recordRollback(raw: {
      attempt_id: number;
      target_attempt_id: number;
      strategy_name: string;
      reason: string;
    }): Promise<void> {
      return classified(async () =>
        store.finishRollback(
          pool,
          z
            .object({
              attempt_id: z.number().int(),
              target_attempt_id: z.number().int(),
              strategy_name: z.string(),
              reason: z.string(),
            })
            .parse(raw),
          audit,
        ),
      );
    },

    async recordOutcome(raw: store.FinishAttempt): Promise<{ outcome_id: number | null }> {
      return classified(async () => store.finishAttempt(pool, store.finishAttemptSchema.parse(raw), audit));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { LearnedSelection, WeightUpdateSummary } from './learning';
export type { NoticeDelivery, NotifyTargets } from './notifications';
