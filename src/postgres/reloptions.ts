import { quoteLiteral, quoteOptionName } from './quote-ident';

/** pg_class.reloptions entries are "name=value"; the value may itself hold '='. */
export function parseReloptions(opts: readonly string[] | null): [string, string][] {
  return (opts ?? []).map((o) => {
    const i = o.indexOf('=');
    return i < 0 ? [o, ''] : [o.slice(0, i), o.slice(i + 1)];
  });
}

/** `SET (a = 'x', b = 'y')` text for ALTER TABLE; values as literals, names quoted part by part. */
export function setClause(pairs: readonly [string, string][]): string {
  return `SET (${pairs.map(([k, v]) => `${quoteOptionName(k)} = ${quoteLiteral(v)}`).join(', ')})`;
}

export function resetClause(names: readonly string[]): string {
  return `RESET (${names.map(quoteOptionName).join(', ')})`;
}

export function sameReloptions(a: readonly string[] | null, b: readonly string[] | null): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
