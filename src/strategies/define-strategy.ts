import type { z } from 'zod';
import type { Pool } from '../postgres/pool';
import type { RemediationResult } from '../domain/remediation-result';
import type { SharedTarget } from '../domain/strategy-descriptor';
import type { ParamSpecs } from '../domain/strategies/param-spec';
import type { SandboxResult, Strategy, StrategyContext, StrategyPlan, StrategyVerdict } from './strategy';
import type { StrategySpec } from '../domain/strategies/strategy-spec';

/** The typed parameters of a spec: each it declares, given or not. */
export type ParamsOf<P extends ParamSpecs> = { readonly [K in keyof P]?: number };

type Fields = Record<string, unknown>;

/**
 * A plan in the strategy's own types: its snapshot in the spec's shape (null for an irreversible
 * strategy), and the params and before-measures its plan step made.
 */
export interface TypedPlan<Snap, PP extends Fields = Fields, B extends Fields = Fields> extends Omit<
  StrategyPlan,
  'snapshot' | 'params' | 'before'
> {
  params: PP;
  snapshot: Snap;
  before: B;
}

/** What a plan step returns; the strategy's name is filled in from its spec. */
export type PlanOf<Snap, PP extends Fields = Fields, B extends Fields = Fields> = Omit<
  TypedPlan<Snap, PP, B>,
  'strategy' | 'lease'
>;

type Context<Db, P extends ParamSpecs> = Omit<StrategyContext<Db>, 'params'> & { params?: ParamsOf<P> };

interface CoreSteps<Db, P extends ParamSpecs, Snap, PP extends Fields, B extends Fields> {
  sandbox(ctx: Context<Db, P>): Promise<SandboxResult>;
  plan(ctx: Context<Db, P>): Promise<PlanOf<Snap, PP, B>>;
  execute(ctx: Context<Db, P>, plan: TypedPlan<Snap, PP, B>): Promise<RemediationResult>;
  verify(ctx: Context<Db, P>, plan: TypedPlan<Snap, PP, B>): Promise<StrategyVerdict>;
  /**
   * Removes what a failed or cancelled execute left half-done (not an undo: irreversible strategies
   * have one too). Idempotent; returns what it removed.
   */
  cleanup?(ctx: Context<Db, P>, plan: TypedPlan<Snap, PP, B>): Promise<string[]>;
}

/** An undo exactly when the spec says reversible; idempotent, as it is retried until it is done. */
type Compensation<
  Db,
  P extends ParamSpecs,
  Snap,
  PP extends Fields,
  B extends Fields,
  R extends boolean,
> = R extends true
  ? { compensate(ctx: Context<Db, P>, plan: TypedPlan<Snap, PP, B>): Promise<void> }
  : { compensate?: never };

/**
 * What it would change beyond the collection (a role, a standby set…), exactly when the spec names
 * a shared target; null when there is nothing to change now.
 */
type Target<Db, P extends ParamSpecs, T> = [T] extends [SharedTarget]
  ? { sharedTarget(ctx: Context<Db, P>): Promise<string | null> }
  : { sharedTarget?: never };

export type StrategySteps<
  Db,
  R extends boolean,
  T,
  P extends ParamSpecs,
  Snap,
  PP extends Fields,
  B extends Fields,
> = CoreSteps<Db, P, Snap, PP, B> & Compensation<Db, P, Snap, PP, B, R> & Target<Db, P, T>;

type SnapshotOf<R extends boolean, S extends z.ZodTypeAny> = R extends true ? z.infer<S> : null;

/**
 * A strategy from its spec and its steps. The types ask for `compensate` exactly when the spec is
 * reversible and `sharedTarget` exactly when it names a shared target; the steps see the person's
 * parameters and the plan's snapshot in the spec's own types. A plan coming back from a workflow is
 * checked against the snapshot schema before any step acts on it: a plan recorded by another
 * version, or mangled, is refused with what is wrong, never half-understood.
 */
export function defineStrategy<
  N extends string,
  R extends boolean,
  T extends SharedTarget | undefined,
  P extends ParamSpecs,
  S extends z.ZodTypeAny,
  PP extends Fields,
  B extends Fields,
>(
  spec: StrategySpec<N, R, T, P, S> & { readonly descriptor: Strategy<Pool>['descriptor'] },
  steps: StrategySteps<Pool, R, T, P, SnapshotOf<R, S>, PP, B>,
): Strategy<Pool> & { readonly spec: typeof spec } {
  type Db = Pool;
  type Snap = SnapshotOf<R, S>;
  // Params and before-measures come back as the plan step made them (the workflow carries them
  // untouched); the snapshot, what undoing relies on, is checked against the spec's schema.
  const typed = (plan: StrategyPlan): TypedPlan<Snap, PP, B> => {
    if (plan.strategy !== spec.name) throw new Error(`a plan of ${plan.strategy} given to ${spec.name}`);
    const made = { ...plan, params: plan.params as PP, before: plan.before as B };
    if (!spec.snapshot) return { ...made, snapshot: null as Snap };
    const r = (spec.snapshot as z.ZodTypeAny).safeParse(plan.snapshot);
    if (!r.success) {
      const why = r.error.issues.map((i) => `${i.path.join('.') || 'snapshot'}: ${i.message}`).join('; ');
      throw new Error(
        `the plan's snapshot is not what ${spec.name} records (${why}): it was made by another version or changed; ` +
          `undo by hand from the attempt's plan`,
      );
    }
    return { ...made, snapshot: r.data as Snap };
  };
  const ctxOf = (ctx: StrategyContext<Db>): Context<Db, P> => ctx as Context<Db, P>;
  // The steps' own types are narrower than the facade's; the facade is what activities call by name.
  const s = steps as CoreSteps<Db, P, Snap, PP, B> & {
    compensate?: (ctx: Context<Db, P>, plan: TypedPlan<Snap, PP, B>) => Promise<void>;
    sharedTarget?: (ctx: Context<Db, P>) => Promise<string | null>;
  };
  return {
    spec,
    descriptor: spec.descriptor,
    sandbox: (ctx) => s.sandbox(ctxOf(ctx)),
    plan: async (ctx) => {
      const p = await s.plan(ctxOf(ctx));
      return {
        strategy: spec.name,
        params: p.params,
        snapshot: p.snapshot as StrategyPlan['snapshot'],
        before: p.before,
      };
    },
    execute: (ctx, plan) => s.execute(ctxOf(ctx), typed(plan)),
    verify: (ctx, plan) => s.verify(ctxOf(ctx), typed(plan)),
    ...(s.cleanup
      ? { cleanup: (ctx: StrategyContext<Db>, plan: StrategyPlan) => s.cleanup!(ctxOf(ctx), typed(plan)) }
      : {}),
    ...(s.compensate
      ? { compensate: (ctx: StrategyContext<Db>, plan: StrategyPlan) => s.compensate!(ctxOf(ctx), typed(plan)) }
      : {}),
    ...(s.sharedTarget ? { sharedTarget: (ctx: StrategyContext<Db>) => s.sharedTarget!(ctxOf(ctx)) } : {}),
  };
}
