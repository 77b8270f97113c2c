import { z } from 'zod';
import type { ActionConfig } from '../domain/healing-config';
import type { IntegrityState } from '../domain/integrity-state';
import type { ProblemClass } from '../domain/problem-class';
import type { RemediationResult } from '../domain/remediation-result';
import type { StrategyProgress } from '../domain/strategy-progress';
import { sandboxLevelSchema, type StrategyDescriptor } from '../domain/strategy-descriptor';
import type { KubeConfigSource } from '../kubernetes/kube-config';
import type { Collection } from '../postgres/collections';
import type { StrategyParams } from './strategy-params';

/** What a sandbox test found: the cheapest real check that the action can succeed here. */
export const sandboxResultSchema = z.object({
  passed: z.boolean(),
  level: sandboxLevelSchema,
  checks: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string() })),
  duration_ms: z.number(),
});
export type SandboxResult = z.infer<typeof sandboxResultSchema>;

/** Taken before acting: the strategy's own measure, its parameters, and what undoing needs. */
export const strategyPlanSchema = z.object({
  strategy: z.string(),
  params: z.record(z.unknown()),
  /** Compensation data; null for an irreversible strategy. */
  snapshot: z.record(z.unknown()).nullable(),
  before: z.record(z.unknown()),
  /** The lease the attempt held on what other collections share: a rollback takes the same one. */
  lease: z.object({ lease_id: z.string(), target: z.string() }).optional(),
});
export type StrategyPlan = z.infer<typeof strategyPlanSchema>;

export const strategyVerdictSchema = z.object({
  verified: z.boolean(),
  after: z.record(z.unknown()),
  detail: z.string(),
});
export type StrategyVerdict = z.infer<typeof strategyVerdictSchema>;

/** What every strategy step receives. Activities fill it; tests can build one directly. */
export interface StrategyContext<Db> {
  db: Db;
  collection: Collection & { table_oid: number };
  problem: ProblemClass;
  state: IntegrityState;
  /** The configuration to measure and act with (the workflow-only keys are the workflow's). */
  config: ActionConfig;
  /**
   * A person's parameters for a manual execution (`execute --param`), validated with the
   * strategy's schema (strategy-params.ts); absent for an automatic attempt.
   */
  params?: StrategyParams;
  /**
   * Reports progress, in the one shape `selfheal follow` reads; must be called at least every few
   * seconds while work runs.
   */
  heartbeat: (progress?: StrategyProgress) => void;
  /** Aborted when the attempt is cancelled: stop promptly and leave nothing half-done. */
  signal: AbortSignal;
  /** Time the execute step may use before it must give up, in ms. */
  budgetMs: number;
  /** Names this attempt's saved state (e.g. row placements) so compensation finds it: the workflow id. */
  attemptKey: string;
  /** Kubernetes credentials, loaded on first use; absent or throwing when the worker has none. */
  kube?: KubeConfigSource;
  /**
   * Connection URLs of the standbys, given to the worker (SELFHEAL_STANDBY_URLS), never to a workflow:
   * they carry credentials, and workflow inputs are stored in history.
   */
  standbyUrls?: string[];
}

/**
 * A strategy as code, as activities call it by name: the descriptor plus how it sandboxes, plans,
 * executes, verifies and compensates. Built by defineStrategy from a spec and typed steps.
 */
export interface Strategy<Db> {
  descriptor: StrategyDescriptor;
  sandbox(ctx: StrategyContext<Db>): Promise<SandboxResult>;
  plan(ctx: StrategyContext<Db>): Promise<StrategyPlan>;
  execute(ctx: StrategyContext<Db>, plan: StrategyPlan): Promise<RemediationResult>;
  verify(ctx: StrategyContext<Db>, plan: StrategyPlan): Promise<StrategyVerdict>;
  /**
   * Removes what a failed or cancelled execute left half-done (not an undo: irreversible strategies
   * have one too). Idempotent; returns what it removed.
   */
  cleanup?(ctx: StrategyContext<Db>, plan: StrategyPlan): Promise<string[]>;
  /**
   * Names what it would change beyond the collection (a role, a standby set…), within the kind its
   * descriptor's shared_target gives; null when there is nothing to change now. Present exactly when
   * the descriptor has a shared_target.
   */
  sharedTarget?(ctx: StrategyContext<Db>): Promise<string | null>;
  /** Present only on reversible strategies; must be idempotent. */
  compensate?(ctx: StrategyContext<Db>, plan: StrategyPlan): Promise<void>;
}
