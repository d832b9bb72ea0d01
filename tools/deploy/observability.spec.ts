import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const OBSERVABILITY = join(ROOT, 'deploy', 'observability');

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: { title: string; targets: { expr: string }[] }[];
}

/** Every metric name the code registers with prom-client (`name: 'aether_…'`), and the runtime's own. */
function registeredMetrics(): Set<string> {
  const names = new Set(['process_cpu_seconds_total']);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
        for (const match of readFileSync(path, 'utf8').matchAll(/name: '(aether_[a-z_]+)'/g))
          names.add(match[1]);
    }
  };
  walk(join(ROOT, 'apps'));
  walk(join(ROOT, 'libs'));
  return names;
}

/** The metric names a PromQL expression reads, histogram suffixes folded into their metric. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:aether|process|nodejs)_[a-z_]+)\b/g)].map(([, name]) =>
    name.replace(/_(bucket|count|sum)$/, ''),
  );
}

const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: OBSERVABILITY, encoding: 'utf8' });

describe('alert rules and dashboards (deploy/observability)', () => {
  const rules: Rule[] = (
    parse(readFileSync(join(OBSERVABILITY, 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }
  ).groups.flatMap((group) => group.rules);
  const dashboards: Dashboard[] = readdirSync(join(OBSERVABILITY, 'grafana')).map(
    (file) => JSON.parse(readFileSync(join(OBSERVABILITY, 'grafana', file), 'utf8')) as Dashboard,
  );
  const known = registeredMetrics();

  it('are valid rules, and each alert fires (and stays quiet) as its unit test says', () => {
    const check = promtool('check', 'rules', 'alerts.yml');
    expect({ status: check.status, out: check.stderr }).toEqual({ status: 0, out: '' });
    const test = promtool('test', 'rules', 'alerts.test.yml');
    expect({ status: test.status, out: test.stdout.trim() }).toEqual({
      status: 0,
      out: 'Unit Testing:  alerts.test.yml\n  SUCCESS',
    });
    const tested = readFileSync(join(OBSERVABILITY, 'alerts.test.yml'), 'utf8');
    for (const rule of rules) expect(tested).toContain(`alertname: ${rule.alert}\n`);
  });

  it('say how severe they are and what to do', () => {
    for (const rule of rules) {
      expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(critical|warning)$/),
      });
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toBeTruthy();
    }
  });

  it('read only series a service serves', () => {
    expect(known.size).toBeGreaterThan(10);
    const expressions = [
      ...rules.map((rule) => ({ where: rule.alert, expr: rule.expr })),
      ...dashboards.flatMap((dashboard) =>
        dashboard.panels.flatMap((panel) =>
          panel.targets.map((target) => ({ where: `${dashboard.uid}: ${panel.title}`, expr: target.expr })),
        ),
      ),
    ];
    const unknown = expressions.flatMap(({ where, expr }) =>
      metricsIn(expr)
        .filter((name) => !known.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
    expect(expressions.length).toBeGreaterThan(15);
  });

  it('read the gauges every replica reports in full with max, not a sum that counts each replica', () => {
    // two dispatchers each track every open job, two registries each see the whole fleet (ADR 80);
    // a sum by instance (one replica's phases together) is fine
    const whole = [
      'aether_robots',
      'aether_dispatcher_jobs',
      'aether_dispatcher_queue_depth',
      'aether_dispatcher_jobs_without_capable_robot',
    ];
    const summed = [
      ...rules.map((rule) => ({ where: rule.alert, expr: rule.expr })),
      ...dashboards.flatMap((dashboard) =>
        dashboard.panels.flatMap((panel) =>
          panel.targets.map((target) => ({ where: `${dashboard.uid}: ${panel.title}`, expr: target.expr })),
        ),
      ),
    ].filter(({ expr }) =>
      whole.some((name) =>
        new RegExp(`\\bsum(?!\\s+by\\s*\\(instance\\))(\\s+by\\s*\\([^)]*\\))?\\s*\\(\\s*${name}\\b`).test(
          expr,
        ),
      ),
    );
    expect(summed.map(({ where, expr }) => `${where}: ${expr}`)).toEqual([]);
  });

  it('ship a fleet and a workflow dashboard with unique ids', () => {
    expect(dashboards.map((dashboard) => dashboard.uid).sort()).toEqual(['aether-fleet', 'aether-workflow']);
    for (const dashboard of dashboards)
      for (const panel of dashboard.panels) expect(panel.targets.length).toBeGreaterThan(0);
  });
});
