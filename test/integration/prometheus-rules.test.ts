import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ensurePromtool } from '../../src/infra/ensure-promtool';

const ROOT = join(__dirname, '..', '..');
const RULES = join(ROOT, 'deploy', 'prometheus', 'alerts.yaml');
const RULE_TESTS = join(ROOT, 'deploy', 'prometheus', 'alerts.test.yaml');

/** The first build of promtool compiles Prometheus' dependencies: about 17 minutes on 2 busy cores. */
const PROMTOOL_BUILD_MS = 40 * 60_000;

function run(bin: string, args: string[], cwd = ROOT): { status: number | null; out: string } {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('the Prometheus rules and the dashboard, checked by promtool', () => {
  let promtool: string;
  beforeAll(async () => {
    promtool = await ensurePromtool();
  }, PROMTOOL_BUILD_MS);

  it('promtool check rules: the rule file is valid', () => {
    const r = run(promtool, ['check', 'rules', RULES]);
    expect(r).toEqual({ status: 0, out: expect.stringContaining('SUCCESS: 7 rules found') });
  });

  it('promtool test rules: every case passes, and every rule has a case that fires and one that must not', () => {
    const r = run(promtool, ['test', 'rules', RULE_TESTS]);
    expect(r).toEqual({ status: 0, out: expect.stringContaining('SUCCESS') });
    const alerts = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string }[] }[] }).groups.flatMap(
      (g) => g.rules.map((x) => x.alert),
    );
    const cases = (
      parse(readFileSync(RULE_TESTS, 'utf8')) as {
        tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
      }
    ).tests.flatMap((t) => t.alert_rule_test);
    for (const a of alerts) {
      const mine = cases.filter((c) => c.alertname === a);
      expect([a, mine.some((c) => c.exp_alerts.length > 0), mine.some((c) => c.exp_alerts.length === 0)]).toEqual([
        a,
        true,
        true,
      ]);
    }
  });

  it("every dashboard panel's expression is valid PromQL (as recording rules, Grafana's variables filled in)", () => {
    interface Panel {
      type: string;
      targets?: { expr: string }[];
      panels?: Panel[];
    }
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy', 'grafana', 'selfheal.json'), 'utf8')) as {
      panels: Panel[];
    };
    const exprs = dashboard.panels
      .flatMap((p) => [p, ...(p.panels ?? [])])
      .flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const filled = exprs.map((e) =>
      e
        .replace(/\$\{?__(rate_)?interval\}?/g, '1m')
        .replace(/\$\{?__range\}?/g, '1h')
        .replace(/\$\{?collection\}?/g, '.*'),
    );
    const dir = mkdtempSync(join(tmpdir(), 'selfheal-dashboard-'));
    try {
      const file = join(dir, 'dashboard-rules.yaml');
      writeFileSync(
        file,
        stringify({
          groups: [{ name: 'dashboard', rules: filled.map((expr, i) => ({ record: `selfheal:panel_${i}`, expr })) }],
        }),
      );
      const r = run(promtool, ['check', 'rules', file]);
      expect(r).toEqual({ status: 0, out: expect.stringContaining(`SUCCESS: ${exprs.length} rules found`) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
