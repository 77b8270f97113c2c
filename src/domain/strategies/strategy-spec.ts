import type { z } from 'zod';
import { strategyDescriptorSchema, type SharedTarget, type StrategyDescriptor } from '../strategy-descriptor';
import type { ParamSpecs } from './param-spec';

type DescriptorFields = Omit<StrategyDescriptor, 'name' | 'reversible' | 'shared_target' | 'collection_kinds'> &
  Partial<Pick<StrategyDescriptor, 'collection_kinds'>>;

/**
 * What is known of a strategy without touching any system, in its own file under
 * src/strategies/specs/: its descriptor, the parameters a person may give it, and the
 * shape of the snapshot its plan records to undo it (only a reversible strategy has one). Pure, so
 * workflows select and gate with it; the steps that act are in activities/strategies/.
 */
export type StrategySpec<
  N extends string = string,
  R extends boolean = boolean,
  T extends SharedTarget | undefined = SharedTarget | undefined,
  P extends ParamSpecs = ParamSpecs,
  S extends z.ZodTypeAny = z.ZodTypeAny,
> = DescriptorFields & {
  readonly name: N;
  readonly reversible: R;
  readonly shared_target?: T;
  /** The parameters a person may give (`execute --param`); {} when it takes none. */
  readonly params: P;
} & (R extends true ? { readonly snapshot: S } : { readonly snapshot?: never });

/**
 * Checks the descriptor when the module loads (a bad one never reaches a workflow) and keeps the
 * spec's literal name, reversibility and shared target in its type, for defineStrategy to require
 * the steps they imply.
 */
export function strategySpec<
  const N extends string,
  const R extends boolean,
  const T extends SharedTarget | undefined = undefined,
  const P extends ParamSpecs = Record<never, never>,
  S extends z.ZodTypeAny = z.ZodNull,
>(spec: StrategySpec<N, R, T, P, S>): StrategySpec<N, R, T, P, S> & { readonly descriptor: StrategyDescriptor } {
  const { params: _p, snapshot: _s, ...fields } = spec as StrategySpec;
  return { ...spec, descriptor: strategyDescriptorSchema.parse(fields) };
}

export type AnyStrategySpec = StrategySpec<string, boolean, SharedTarget | undefined, ParamSpecs, z.ZodTypeAny> & {
  readonly descriptor: StrategyDescriptor;
};
