/** One parameter a person may give a strategy (`selfheal execute … --param k=v`): text in, typed out. */
export interface ParamSpec {
  /** What it is, for messages and `--help`. */
  help: string;
  parse: (text: string) => { ok: true; value: number } | { ok: false; expected: string };
}

export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** A whole number within bounds, written plainly (no exponent, no sign). */
export function wholeNumberParam(help: string, min: number, max: number): ParamSpec {
  return {
    help,
    parse: (text) => {
      const n = /^[0-9]{1,10}$/.test(text) ? Number(text) : Number.NaN;
      return Number.isInteger(n) && n >= min && n <= max
        ? { ok: true, value: n }
        : { ok: false, expected: `a whole number from ${min} to ${max}` };
    },
  };
}
