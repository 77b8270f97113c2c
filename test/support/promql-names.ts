/** Words of PromQL that are not metric names: operators and modifiers (functions are told by their parenthesis). */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects, Grafana's variables ($collection, ${datasource},
 * $__rate_interval) allowed: strings, label matchers, ranges and grouping label lists are dropped,
 * then every remaining word that is not a function call or a keyword is a metric name.
 */
export function metricNamesIn(expr: string): string[] {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  s = s.replace(/\{[^}]*\}/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\$\{?\w+\}?/g, '1');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/(?<![A-Za-z0-9_:.])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    const [, word, call] = m;
    if (call || KEYWORDS.has(word!.toLowerCase())) continue;
    names.add(word!);
  }
  return [...names];
}

/** The metric of a Grafana variable query such as label_values(metric, label), or a plain PromQL query's names. */
export function metricNamesInVariableQuery(query: string): string[] {
  const m = /^\s*label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,/.exec(query);
  if (m) return [m[1]!];
  const q = /^\s*query_result\((.*)\)\s*$/s.exec(query);
  return metricNamesIn(q ? q[1]! : query);
}
