import { z } from 'zod';
import type { StrategyName } from '../domain/strategy-names';

/**
 * The parameters a person may give a strategy (`selfheal execute … --param k=v`), one zod schema
 * per strategy that takes any, here only: the CLI, the guardian's trigger validator, the attempt
 * workflow and the activities all validate with it. Values arrive as text and leave typed. A
 * strategy not listed takes none and refuses any. Pure: safe in workflow code.
 */
interface ParamSpec {
  /** What it is, for messages and `--help`. */
  help: string;
  parse: (text: string) => { ok: true; value: number } | { ok: false; expected: string };
}

function wholeNumber(min: number, max: number): ParamSpec['parse'] {
  return (text) => {
    const n = /^[0-9]{1,10}$/.test(text) ? Number(text) : Number.NaN;
    return Number.isInteger(n) && n >= min && n <= max ? { ok: true, value: n } : { ok: false, expected: `a whole number from ${min} to ${max}` };
  };
}

const PARAMETERS: Partial<Record<StrategyName, Record<string, ParamSpec>>> = {
  scale_replicas: {
    target: { help: 'the replica count to scale the read deployment to, above the current one and at most max_replicas', parse: wholeNumber(1, 1000) },
  },
  cap_slot_wal: {
    max_slot_wal_keep_size_mb: { help: 'the max_slot_wal_keep_size to set, in MB, instead of slot_wal_keep_size_mb', parse: wholeNumber(1, 2_147_483_647) },
  },
};

export type StrategyParams = Record<string, number>;

/** The parameter names a strategy takes, in order. */
export function strategyParameterNames(strategy: string): string[] {
  return Object.keys(PARAMETERS[strategy as StrategyName] ?? {});
}

/** "takes no parameters" or "takes target (…)": what a refusal says the strategy takes. */
export function describeStrategyParameters(strategy: string): string {
  const specs = Object.entries(PARAMETERS[strategy as StrategyName] ?? {});
  return specs.length === 0 ? `${strategy} takes no parameters` : `${strategy} takes ${specs.map(([k, s]) => `${k} (${s.help})`).join(', ')}`;
}

/** Text parameters → typed ones, or issues naming each bad one and what the strategy takes. */
export function strategyParamsSchema(strategy: string): z.ZodType<StrategyParams, z.ZodTypeDef, Record<string, string>> {
  const specs = PARAMETERS[strategy as StrategyName] ?? {};
  return z.record(z.string(), z.string()).transform((raw, ctx) => {
    const out: StrategyParams = {};
    for (const [k, text] of Object.entries(raw)) {
      const spec = Object.hasOwn(specs, k) ? specs[k] : undefined;
      if (!spec) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [k], message: `no parameter "${k}": ${describeStrategyParameters(strategy)}` });
        continue;
      }
      const r = spec.parse(text);
      if (r.ok) out[k] = r.value;
      else ctx.addIssue({ code: z.ZodIssueCode.custom, path: [k], message: `${k} is ${r.expected} (${spec.help}), not "${text}"` });
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
