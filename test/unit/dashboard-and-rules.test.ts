import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EXPORTED_SERIES, METRICS } from '../../src/metrics/metric-definitions';
import { metricNamesIn, metricNamesInVariableQuery } from '../support/promql-names';

const ROOT = join(__dirname, '..', '..');
const exported = new Set(EXPORTED_SERIES);

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}
const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy', 'grafana', 'selfheal.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string | { query: string } }[] };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (
  parse(readFileSync(join(ROOT, 'deploy', 'prometheus', 'alerts.yaml'), 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const readmeAnchors = new Set(
  readFileSync(join(ROOT, 'README.md'), 'utf8')
    .split('\n')
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => anchor(l.replace(/^#+ /, ''))),
);

describe('the PromQL name reader', () => {
  it('finds the metrics, not the functions, labels, keywords, durations or Grafana variables', () => {
    expect(
      metricNamesIn(
        'sum by (collection, strategy) (increase(a_total{collection=~"$collection",x="y z"}[$__rate_interval])) ' +
          '/ on (collection) group_left max without (instance) (b) > bool 0.5 unless c offset 5m or time() - d_seconds',
      ).sort(),
    ).toEqual(['a_total', 'b', 'c', 'd_seconds']);
    expect(metricNamesInVariableQuery('label_values(ruvector_integrity_state, collection)')).toEqual([
      'ruvector_integrity_state',
    ]);
  });
});

describe('the Grafana dashboard', () => {
  it('names only series the worker exports, in every panel and variable', () => {
    const used = panels.flatMap((p) =>
      (p.targets ?? []).flatMap((t) => metricNamesIn(t.expr).map((name) => ({ panel: p.title, name }))),
    );
    const variables = dashboard.templating.list
      .filter((v) => v.type === 'query')
      .flatMap((v) =>
        metricNamesInVariableQuery(typeof v.query === 'string' ? v.query : v.query.query).map((name) => ({
          panel: `$${v.name}`,
          name,
        })),
      );
    expect(used.length).toBeGreaterThan(15);
    expect([...used, ...variables].filter((u) => !exported.has(u.name))).toEqual([]);
    // Every panel has a query, and every query selects at least one exported metric.
    for (const p of panels) {
      expect([p.title, (p.targets ?? []).length > 0]).toEqual([p.title, true]);
      for (const t of p.targets!) expect([p.title, metricNamesIn(t.expr).length > 0]).toEqual([p.title, true]);
    }
  });

  it('shows λ and state per collection, attempts and success rate, time to recovery, and who waits for a person', () => {
    const shown = new Set(panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNamesIn(t.expr))));
    for (const m of [
      METRICS.lambda,
      METRICS.baselineLambda,
      METRICS.state,
      METRICS.attempts,
      METRICS.successes,
      METRICS.successRate,
      METRICS.timeToRecovery,
      METRICS.waitingForPerson,
    ])
      expect([m.name, shown.has(m.name)]).toEqual([m.name, true]);
  });
});

describe('the alert rules', () => {
  it("keep the design's three rules, and alert on a person needed, a guardian not sampling, an overdue attempt", () => {
    expect(rules.map((r) => r.alert)).toEqual([
      'RuVectorHealingIneffective',
      'RuVectorHealingDisabled',
      'RuVectorProlongedDegradation',
      'SelfhealWaitingForPerson',
      'SelfhealGuardianNotSampling',
      'SelfhealMetricsAbsent',
      'SelfhealAttemptOverdue',
    ]);
    const byName = new Map(rules.map((r) => [r.alert, r]));
    expect(byName.get('RuVectorHealingIneffective')).toMatchObject({
      expr: 'ruvector_healing_success_rate < 0.5',
      for: '1h',
      labels: { severity: 'warning' },
    });
    expect(byName.get('RuVectorHealingDisabled')).toMatchObject({
      expr: 'ruvector_healing_enabled == 0',
      for: '5m',
      labels: { severity: 'info' },
    });
    expect(byName.get('RuVectorProlongedDegradation')).toMatchObject({ for: '30m', labels: { severity: 'critical' } });
    expect(byName.get('RuVectorProlongedDegradation')!.expr).toMatch(/^ruvector_integrity_state > 1\b/);
  });

  it.each(rules.map((r) => [r.alert, r] as const))(
    '%s: exported names only, a severity, a summary, a description and a runbook in the README',
    (_name, r) => {
      expect(metricNamesIn(r.expr).filter((n) => !exported.has(n))).toEqual([]);
      expect(['critical', 'warning', 'info']).toContain(r.labels?.severity);
      expect(r.annotations?.summary).toEqual(expect.any(String));
      expect(r.annotations?.description).toEqual(expect.any(String));
      const url = r.annotations?.runbook_url ?? '';
      expect(url).toMatch(/^README\.md#/);
      expect([url, readmeAnchors.has(url.replace(/^README\.md#/, ''))]).toEqual([url, true]);
      expect(url).toBe(`README.md#${r.alert.toLowerCase()}`);
    },
  );
});
