import { z } from 'zod';

/**
 * zod's issues about a configuration in the words ruvector.check_config uses (migration 015), so
 * `selfheal configure` and ruvector_healing_configure refuse a setting alike. The key is the issue's
 * path, which the CLI and the relay put in front (`check_interval: 0 is too small (at least 1)`).
 */
export function configErrorMap(known: readonly string[]): z.ZodErrorMap {
  return (issue, ctx) => {
    switch (issue.code) {
      case z.ZodIssueCode.unrecognized_keys:
        return { message: issue.keys.map((k) => unknownSettingMessage(k, known)).join('; ') };
      case z.ZodIssueCode.invalid_type:
        if (issue.expected === 'integer' && issue.received === 'float')
          return { message: `expected a whole number, not ${String(ctx.data)}` };
        return { message: `expected ${jsonType(issue.expected)} but got ${jsonType(issue.received)}` };
      case z.ZodIssueCode.too_small:
        if (issue.type === 'number')
          return {
            message: `${String(ctx.data)} is too small (${issue.inclusive ? 'at least' : 'above'} ${issue.minimum})`,
          };
        break;
      case z.ZodIssueCode.too_big:
        if (issue.type === 'number')
          return {
            message: `${String(ctx.data)} is too large (${issue.inclusive ? 'at most' : 'below'} ${issue.maximum})`,
          };
        break;
    }
    return { message: ctx.defaultError };
  };
}

/** `unknown setting "x" (known: …)`, as the SQL side says it, with the likeliest meant key named first. */
export function unknownSettingMessage(key: string, known: readonly string[]): string {
  const sorted = [...known].sort();
  const near = sorted
    .map((k) => ({ k, d: distance(key.toLowerCase(), k) }))
    .filter((c) => c.d <= Math.max(2, Math.floor(c.k.length / 3)))
    .sort((a, b) => a.d - b.d)[0]?.k;
  return `unknown setting "${key}" (${near ? `did you mean ${near}? ` : ''}known: ${sorted.join(', ')})`;
}

/** zod's type names as JSON's, as jsonb_typeof says them. */
function jsonType(t: string): string {
  return t === 'integer' || t === 'float' ? 'number' : t === 'undefined' ? 'nothing' : t;
}

/** Levenshtein distance: how many single-character edits turn a into b. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
