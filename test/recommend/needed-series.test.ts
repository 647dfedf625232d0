/**
 * The doctor's table of needed series (src/recommend/needed-series.ts) against the code that
 * queries them: every family `recommend` and `verdict` send a query for, as recorded from a
 * PrometheusSource, is in the table, and the table names nothing else (but the doctor's own
 * build_info); every row is in the metrics contract, with labels the contract lists.
 */
import { contractFor, METRICS } from '../../src/metrics/contract';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { neededSeries, NEEDED_FAMILIES, seriesName } from '../../src/recommend/needed-series';
import { PrometheusSource } from '../../src/recommend/prometheus';
import { recommendPlan } from '../../src/recommend/recommend';
import { soakVerdict } from '../../src/recommend/verdict';
import { RECORDED } from '../../src/monitoring/recording-rules';

const plan = loadStackFile(stackFile('soak')).plan;
const WINDOW = { start: 1751328000, end: 1751328000 + 5 * 86400, stepSeconds: 60 };

/** The series names every query of recommend and verdict selects (answered with nothing). */
async function queriedFamilies(): Promise<Set<string>> {
  const queries: string[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    queries.push(new URLSearchParams(String(init?.body ?? '')).get('query') ?? '');
    const resultType = String(url).endsWith('/query_range') ? 'matrix' : 'vector';
    return new Response(JSON.stringify({ status: 'success', data: { resultType, result: [] } }), { status: 200 });
  }) as typeof fetch;
  const source = new PrometheusSource({ url: 'http://prometheus.test:9090', fetchImpl });
  await recommendPlan({ plan, source, window: WINDOW });
  await soakVerdict({ plan, source, window: WINDOW });
  return new Set(queries.flatMap((q) => [...q.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1])));
}

describe('the needed-series table', () => {
  it('names exactly the families recommend and verdict query, plus the doctor\'s build_info', async () => {
    // The soak's recorded series stand in for cAdvisor families where they cover the window
    // (PrometheusSource checks first and falls back to the raw ones): never needed.
    const recorded = new Set<string>(Object.values(RECORDED));
    const queried = new Set([...(await queriedFamilies())].filter((f) => !recorded.has(f)));
    expect(recorded.size).toBe(3);
    const required = NEEDED_FAMILIES.filter((f) => f.required).map(seriesName);
    expect([...queried].sort()).toEqual([...required].sort());
    expect(NEEDED_FAMILIES.filter((f) => !f.required).map(seriesName)).toEqual(['build_info']);
    expect(new Set(NEEDED_FAMILIES.map(seriesName)).size).toBe(NEEDED_FAMILIES.length);
  });

  it('holds only contract families; a counter read as zero when absent is lazy in the contract', () => {
    for (const f of NEEDED_FAMILIES) {
      expect(contractFor(seriesName(f))).toBeDefined();
      if (f.absentIsNone) expect(METRICS[f.name].lazy).toBe(true);
    }
    // Reads, writes and latency are lazy upstream too, but without them there is nothing to judge.
    expect(NEEDED_FAMILIES.filter((f) => f.absentIsNone).map((f) => f.name)).toEqual([
      'kube_pod_container_status_last_terminated_reason',
      'kube_pod_init_container_status_last_terminated_reason',
      'forwarder_drop_total',
      'forwarder_read_error_total',
      'forwarder_write_error_total',
      'forwarder_udf_error_total',
      'forwarder_critical_error_total',
      'isb_jetstream_read_error_total',
      'isb_jetstream_write_error_total',
      'isb_jetstream_write_timeout_total',
      'isb_jetstream_isFull_error_total',
      'isb_jetstream_isFull_total',
    ]);
  });

  it('counts every row over the pod groups and containers the selectors name, with labels the contract lists', () => {
    const rows = neededSeries(plan);
    const groups = (name: string) => rows.filter((r) => r.query.metric === name).map((r) => r.group.id);
    expect(groups('container_cpu_usage_seconds_total')).toEqual(['in', 'batch-cat', 'out', 'daemon', 'isbsvc']);
    expect(groups('kube_pod_init_container_status_restarts_total')).toEqual(['in', 'batch-cat', 'out', 'daemon']);
    expect(groups('forwarder_data_read_total')).toEqual(['in', 'batch-cat', 'out']);
    expect(groups('forwarder_write_total')).toEqual(['out']);
    expect(groups('isb_jetstream_isFull_total')).toEqual(['buffers']);
    expect(groups('build_info')).toEqual(['daemon']);
    const selector = (name: string, group: string) => rows.find((r) => r.query.metric === name && r.group.id === group)!.selector;
    expect(selector('container_cpu_usage_seconds_total', 'batch-cat')).toBe(
      'container_cpu_usage_seconds_total{namespace="numaflow-soak",pod=~"^batch-map-soak-batch-cat-\\\\d+-[a-z0-9]{5}$",container=~"monitor|numa|udf"}',
    );
    expect(selector('kube_pod_init_container_status_restarts_total', 'batch-cat')).toContain('container=~"init|monitor|udf"');
    expect(selector('kube_pod_container_status_restarts_total', 'isbsvc')).toContain('container=~"main|metrics|reloader"');
    expect(selector('isb_jetstream_buffer_pending', 'buffers')).toBe('isb_jetstream_buffer_pending{namespace="numaflow-soak",buffer=~"^numaflow-soak-batch-map-soak-(batch-cat|out)-\\\\d+$"}');
    expect(selector('build_info', 'daemon')).toBe('build_info{namespace="numaflow-soak",component="daemon",component_name="batch-map-soak"}');
    for (const r of rows) {
      const labels = contractFor(r.query.metric)!.labels;
      for (const m of r.query.matchers) expect(labels).toContain(m.label);
      expect(labels).toContain(r.query.by);
    }
  });

  it('follows --namespace, --pipeline and --buffer', () => {
    const rows = neededSeries(plan, { namespace: 'ns2', pipeline: 'p2', buffer: 'b2' });
    expect(rows.every((r) => r.query.matchers.some((m) => m.label === 'namespace' && m.value === 'ns2'))).toBe(true);
    expect(rows.find((r) => r.query.metric === 'up' && r.group.id === 'in')!.selector).toContain('pod=~"^p2-in-');
    expect(rows.find((r) => r.query.metric === 'container_memory_working_set_bytes' && r.group.id === 'isbsvc')!.selector).toContain('pod=~"^isbsvc-b2-js-');
  });
});
