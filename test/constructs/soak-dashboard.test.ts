/**
 * The Grafana dashboard ConfigMap: what kube-prometheus-stack 70.4.1's sidecar needs to load
 * it (label grafana_dashboard "1", one JSON file), that the JSON parses and has the panels
 * the soak is watched by, that it is deterministic, and that every query, once Grafana has
 * replaced its interval variable, passes the metrics contract check (the same check as
 * test/metrics/contract.test.ts) and stays inside the soak.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { SoakMonitoring } from '../../src/constructs/monitoring';
import { dashboardFileName, RATE_INTERVAL, soakDashboard } from '../../src/constructs/soak-dashboard';
import { dashboardJson, type Dashboard, type TimeSeriesPanel } from '../../src/monitoring/grafana-dashboard';
import { listVariants } from '../../src/plan/load';
import { Duration } from '../../src/plan/quantity';
import type { SoakPlan } from '../../src/plan/schema';
import { validateCoreObject } from '../support/kube';
import { requireBinary } from '../support/prometheus';
import { violations } from '../support/promql-contract';
import { loadVariant, type Manifest } from '../support/synth';

function configMap(plan: SoakPlan): Manifest {
  const chart = Testing.chart();
  new SoakMonitoring(chart, 'monitoring', { plan });
  const maps = (Testing.synth(chart) as Manifest[]).filter((o) => o.kind === 'ConfigMap');
  if (maps.length !== 1) throw new Error(`expected one ConfigMap, got ${maps.length}`);
  return maps[0];
}

function timeSeries(dashboard: Dashboard): TimeSeriesPanel[] {
  return dashboard.panels.filter((p): p is TimeSeriesPanel => p.type === 'timeseries');
}

/**
 * A query as Grafana sends it: `$__rate_interval` replaced by a duration (at least four
 * min steps: max($__interval + min step, 4 × min step), grafana/grafana#77234). Any other
 * `$` left would be a variable this test does not model.
 */
function interpolated(expr: string, minStep: string): string {
  const seconds = Duration.parse(minStep).seconds;
  const out = expr.split(RATE_INTERVAL).join(`${4 * seconds}s`);
  if (out.includes('$')) throw new Error(`unmodelled Grafana variable in: ${expr}`);
  return out;
}

/** Every series selector (metric{...}) of an expression. */
const selectors = (expr: string) => expr.match(/[a-zA-Z_:][a-zA-Z0-9_:]*\{[^}]*\}/g) ?? [];

describe.each(listVariants())('the dashboard of the %s plan', (variant) => {
  const plan = loadVariant(variant);
  const { namespace } = plan;
  const pipeline = plan.pipeline.name;
  const buffer = plan.buffer.name;
  const map = configMap(plan);
  const text: string = map.data[dashboardFileName(plan)];
  const dashboard = JSON.parse(text) as Dashboard;

  it('is a ConfigMap in the plan namespace that the kube-prometheus-stack Grafana sidecar loads: label grafana_dashboard "1", one .json key', () => {
    expect(map.apiVersion).toBe('v1');
    expect(map.metadata).toMatchObject({ name: `${pipeline}-dashboard`, namespace });
    expect(map.metadata.labels).toMatchObject({ grafana_dashboard: '1', 'app.kubernetes.io/part-of': 'numaflow-soak' });
    expect(Object.keys(map.data)).toEqual([`numaflow-soak-${namespace}-${pipeline}.json`]);
    expect(validateCoreObject(map)).toBe(true);
    // kubectl apply keeps the object in an annotation of at most 256 KiB.
    expect(Buffer.byteLength(text)).toBeLessThan(256 * 1024);
  });

  it('parses, and names the soak, a uid Grafana accepts and a Prometheus data-source variable defaulting to the chart\'s data source', () => {
    expect(dashboard.title).toBe(`Numaflow soak ${namespace}/${pipeline}`);
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.templating.list).toEqual([expect.objectContaining({ type: 'datasource', name: 'datasource', query: 'prometheus', current: { text: 'prometheus', value: 'prometheus' } })]);
    for (const panel of timeSeries(dashboard)) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const target of panel.targets) expect(target.datasource).toEqual(panel.datasource);
    }
  });

  it('has the panels: throughput, p99 latency, back pressure, pending, restarts, and CPU and memory per workload', () => {
    const titles = timeSeries(dashboard).map((p) => p.title);
    expect(titles).toEqual([
      'Throughput per vertex',
      'Processing latency p99 per vertex',
      'Back pressure per buffer',
      'Pending messages per buffer',
      'Buffer volume usage',
      'Container restarts',
      'Processing lag',
      ...[plan.pipeline.source.name, plan.pipeline.batchMap.name, plan.pipeline.sink.name, 'daemon', 'jetstream'].flatMap((w) => [`CPU: ${w}`, `Memory: ${w}`]),
    ]);
    const panel = (title: string) => timeSeries(dashboard).find((p) => p.title === title)!;
    const exprs = (title: string) => panel(title).targets.map((t) => t.expr);

    expect(exprs('Throughput per vertex')[0]).toBe(`sum by (vertex) (rate(forwarder_data_read_total{namespace="${namespace}", pipeline="${pipeline}"}[$__rate_interval]))`);
    expect(exprs('Processing latency p99 per vertex')).toEqual([
      `histogram_quantile(0.99, sum by (vertex, le) (rate(forwarder_processing_time_bucket{namespace="${namespace}", pipeline="${pipeline}"}[$__rate_interval])))`,
    ]);
    expect(panel('Processing latency p99 per vertex').fieldConfig.defaults.unit).toBe('µs');
    // isb_jetstream_* carry `buffer`, not `pipeline`.
    expect(exprs('Back pressure per buffer')).toEqual([`sum by (buffer) (rate(isb_jetstream_isFull_total{namespace="${namespace}", buffer=~"${namespace}-${pipeline}-.*"}[$__rate_interval]))`]);
    expect(exprs('Pending messages per buffer')).toEqual([`max by (buffer) (isb_jetstream_buffer_pending{namespace="${namespace}", buffer=~"${namespace}-${pipeline}-.*"})`]);
    // Native sidecars (udf, monitor) restart as init containers.
    const restarts = exprs('Container restarts');
    expect(restarts.some((e) => e.includes('kube_pod_container_status_restarts_total{'))).toBe(true);
    expect(restarts.some((e) => e.includes('kube_pod_init_container_status_restarts_total{'))).toBe(true);
    for (const title of titles.filter((t) => /^(CPU|Memory): /.test(t))) {
      const resource = title.startsWith('CPU') ? 'cpu' : 'memory';
      const [used, requests, limits] = exprs(title);
      expect(used).toContain(resource === 'cpu' ? 'container_cpu_usage_seconds_total{' : 'container_memory_working_set_bytes{');
      for (const [kind, expr] of [['requests', requests], ['limits', limits]] as const) {
        expect(expr).toContain(`kube_pod_container_resource_${kind}{`);
        expect(expr).toContain(`kube_pod_init_container_resource_${kind}{`);
        expect(expr.match(new RegExp(`resource="${resource}"`, 'g'))).toHaveLength(2);
      }
      expect(panel(title).targets.map((t) => t.legendFormat)).toEqual(['{{container}} used (busiest pod)', '{{container}} request', '{{container}} limit']);
    }
  });

  it('passes the metrics contract check with every query, after Grafana replaces $__rate_interval', () => {
    const targets = timeSeries(dashboard).flatMap((p) => p.targets);
    expect(targets.length).toBeGreaterThan(20);
    for (const target of targets) expect(target.interval).toBe(String(plan.monitoring.scrapeInterval.seconds) + 's');
    const problems = targets.flatMap((t) => violations(interpolated(t.expr, t.interval)));
    expect(problems).toEqual([]);
  });

  it('promtool check rules accepts every query (as a recording rule): types and functions, beyond the grammar', () => {
    const rules = timeSeries(dashboard).flatMap((p) => p.targets.map((t) => ({ record: `dashboard:panel_${p.id}_${t.refId}`, expr: interpolated(t.expr, t.interval) })));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-dashboard-'));
    try {
      const file = path.join(dir, 'dashboard.rules.yaml');
      fs.writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      // promtool on PATH, at a version the tests accept, as test/constructs/alert-rules.promtool.test.ts uses.
      const run = spawnSync(requireBinary('promtool'), ['check', 'rules', file], { encoding: 'utf8', timeout: 30_000 });
      if (run.error) throw run.error;
      expect({ status: run.status, output: `${run.stdout}${run.stderr}` }).toEqual({ status: 0, output: expect.stringContaining(`SUCCESS: ${rules.length} rules found`) });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the check bites: a query as written (Grafana variable unreplaced) or selecting a buffer family by pipeline fails it', () => {
    const backPressure = timeSeries(dashboard).find((p) => p.title === 'Back pressure per buffer')!.targets[0];
    expect(violations(backPressure.expr).map((v) => v.problem)).toContainEqual(expect.stringMatching(/syntax error/));
    const byPipeline = interpolated(backPressure.expr, backPressure.interval).replace('isb_jetstream_isFull_total{', `isb_jetstream_isFull_total{pipeline="${pipeline}", `);
    expect(violations(byPipeline).map((v) => v.problem)).toEqual([expect.stringContaining('isb_jetstream_isFull_total carries no label pipeline')]);
  });

  it('limits every series selector to the namespace and to the pipeline, its buffers, volumes or pods', () => {
    const scopes = [
      `pipeline="${pipeline}"`,
      `buffer=~"${namespace}-${pipeline}-.*"`,
      `persistentvolumeclaim=~"isbsvc-${buffer}-js-vol-.*"`,
      `pod=~"${pipeline}-.*|isbsvc-${buffer}-js-.*"`,
      `pod=~"${pipeline}-`,
      `pod=~"isbsvc-${buffer}-js-[0-9]+"`,
    ];
    for (const target of timeSeries(dashboard).flatMap((p) => p.targets)) {
      for (const selector of selectors(target.expr)) {
        expect(selector).toContain(`namespace="${namespace}"`);
        expect({ selector, scoped: scopes.some((scope) => selector.includes(scope)) }).toEqual({ selector, scoped: true });
      }
    }
  });

  it('has stable panel ids (1, 2, ... in order) and a grid without overlaps', () => {
    expect(dashboard.panels.map((p) => p.id)).toEqual(dashboard.panels.map((_, i) => i + 1));
    const cells = new Set<string>();
    for (const { gridPos } of dashboard.panels) {
      expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('is deterministic: the same plan gives the same bytes, with every key sorted', () => {
    expect(configMap(plan).data).toEqual(map.data);
    expect(dashboardJson(dashboard)).toBe(text);
    const keysSorted = (value: unknown): boolean =>
      Array.isArray(value)
        ? value.every(keysSorted)
        : value !== null && typeof value === 'object'
          ? Object.keys(value).join('\n') === Object.keys(value).sort().join('\n') && Object.values(value).every(keysSorted)
          : true;
    expect(keysSorted(JSON.parse(text))).toBe(true);
  });
});

describe('the dashboard follows the plan', () => {
  const plan = loadVariant('soak');

  it('takes the scrape interval as every query\'s min step, in a form Grafana reads (one number, one unit)', () => {
    const slow = soakDashboard({ ...plan, monitoring: { ...plan.monitoring, scrapeInterval: Duration.parse('1m30s') } });
    const intervals = new Set(timeSeries(slow).flatMap((p) => p.targets.map((t) => t.interval)));
    expect([...intervals]).toEqual(['90s']);
  });

  it('draws the throughput target and the alert floor from the plan', () => {
    const throughput = timeSeries(soakDashboard(plan)).find((p) => p.title === 'Throughput per vertex')!;
    expect(throughput.targets.slice(2).map((t) => [t.expr, t.legendFormat])).toEqual([
      ['vector(50000)', 'target (in)'],
      ['vector(45000)', 'alert below (90% of target)'],
    ]);
  });

  it('gives another namespace or pipeline another uid and file, so dashboards of several soaks do not collide', () => {
    const other = { ...plan, namespace: 'other-soak' };
    expect(soakDashboard(other).uid).not.toBe(soakDashboard(plan).uid);
    expect(dashboardFileName(other)).not.toBe(dashboardFileName(plan));
  });

  it('uses the plan\'s dashboard labels for other Grafana setups', () => {
    const labelled = configMap({ ...plan, monitoring: { ...plan.monitoring, dashboardLabels: { 'grafana.example.com/dashboard': 'soak' } } });
    expect(labelled.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'numaflow-soak', 'grafana.example.com/dashboard': 'soak' });
  });
});
