import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

const ROOT = resolve(__dirname, '..', '..');
/** The alert rules, as Prometheus itself loads them (rule_files). */
export const ALERTS_FILE = resolve(ROOT, 'deploy', 'prometheus', 'alerts.yaml');
/** The same rules for the Prometheus operator; kustomize cannot read files outside its base, so it is written here. */
export const PROMETHEUS_RULE_FILE = resolve(ROOT, 'deploy', 'kubernetes', 'prometheus-rule.yaml');

export interface RuleFile {
  groups: unknown[];
}

/** The groups of a Prometheus rule file; anything else in it would be lost in the PrometheusRule. */
export function parseRuleFile(text: string, name = 'rule file'): RuleFile {
  const doc = parse(text) as unknown;
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as RuleFile).groups)) {
    throw new Error(`${name}: a Prometheus rule file has a top-level list \`groups\``);
  }
  const extra = Object.keys(doc).filter((k) => k !== 'groups');
  if (extra.length) throw new Error(`${name}: only \`groups\` can go into a PrometheusRule, not ${extra.join(', ')}`);
  return doc as RuleFile;
}

/** The PrometheusRule manifest whose spec.groups are the rule file's groups, unchanged. */
export function renderPrometheusRule(alertsText: string): string {
  const { groups } = parseRuleFile(alertsText, relative(ROOT, ALERTS_FILE));
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'selfheal',
      labels: { 'app.kubernetes.io/name': 'selfheal', 'app.kubernetes.io/component': 'worker' },
    },
    spec: { groups },
  };
  return (
    `# Generated from ${relative(ROOT, ALERTS_FILE)} by \`npx tsx ${relative(ROOT, __filename)}\`:\n` +
    '# edit that file and run it again (a test fails while the two differ). Like the ServiceMonitor, it\n' +
    '# needs a label its Prometheus selects (kube-prometheus-stack: `release: <name>`).\n' +
    stringify(rule, { lineWidth: 0 })
  );
}

if (require.main === module) {
  writeFileSync(PROMETHEUS_RULE_FILE, renderPrometheusRule(readFileSync(ALERTS_FILE, 'utf8')));
  console.log(`wrote ${relative(process.cwd(), PROMETHEUS_RULE_FILE)}`);
}
