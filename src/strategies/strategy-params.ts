import { z } from 'zod';
import type { ParamSpecs } from '../domain/strategies/param-spec';
import { STRATEGY_SPECS } from '../domain/strategies/strategy-specs';

/**
 * The parameters a person may give a strategy (`selfheal execute … --param k=v`), as its spec
 * declares them (src/strategies/specs/): the CLI, the guardian's trigger validator, the attempt
 * workflow and the activities all validate with this. Values arrive as text and leave typed. A
 * strategy whose spec lists none takes none and refuses any. Pure: safe in workflow code.
 */
const PARAMETERS: ReadonlyMap<string, ParamSpecs> = new Map(STRATEGY_SPECS.map((s) => [s.name, s.params]));

export type StrategyParams = Record<string, number>;

/** The parameter names a strategy takes, in order. */
export function strategyParameterNames(strategy: string): string[] {
  return Object.keys(PARAMETERS.get(strategy) ?? {});
}

/** "takes no parameters" or "takes target (…)": what a refusal says the strategy takes. */
export function describeStrategyParameters(strategy: string): string {
  const specs = Object.entries(PARAMETERS.get(strategy) ?? {});
  return specs.length === 0
    ? `${strategy} takes no parameters`
    : `${strategy} takes ${specs.map(([k, s]) => `${k} (${s.help})`).join(', ')}`;
}

/** Text parameters → typed ones, or issues naming each bad one and what the strategy takes. */
export function strategyParamsSchema(
  strategy: string,
): z.ZodType<StrategyParams, z.ZodTypeDef, Record<string, string>> {
  const specs = PARAMETERS.get(strategy) ?? {};
  return z.record(z.string(), z.string()).transform((raw, ctx) => {
    const out: StrategyParams = {};
    for (const [k, text] of Object.entries(raw)) {
      const spec = Object.hasOwn(specs, k) ? specs[k] : undefined;
      if (!spec) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [k],
          message: `no parameter "${k}": ${describeStrategyParameters(strategy)}`,
        });
        continue;
      }
      const r = spec.parse(text);
      if (r.ok) out[k] = r.value;
      else
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [k],
          message: `${k} is ${r.expected} (${spec.help}), not "${text}"`,
        });
    }
    return out;
  });
}

/** Validates a person's parameters for `strategy`; throws a ZodError saying what is wrong. */
export function parseStrategyParams(strategy: string, raw: Record<string, string> | undefined): StrategyParams {
  return strategyParamsSchema(strategy).parse(raw ?? {});
}

/** One line for a refusal: every issue, each naming its parameter. */
export function strategyParamsProblem(strategy: string, raw: Record<string, string> | undefined): string | null {
  const r = strategyParamsSchema(strategy).safeParse(raw ?? {});
  return r.success ? null : r.error.issues.map((i) => i.message).join('; ');
}
