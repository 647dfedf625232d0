/**
 * Every PromQL expression the project issues names only metrics and labels the metrics
 * contract (src/metrics/contract.ts) lists. The expressions are collected for real: the
 * recommender, the verdict and the doctor run against a PrometheusSource whose HTTP calls are recorded
 * (and answered with empty results), and the PrometheusRule expressions come from
 * soakAlerts() of both stack plans. Each is parsed by Prometheus's own grammar
 * (@prometheus-io/lezer-promql; the check is test/support/promql-contract.ts, which the
 * dashboard test uses too).
 */
import { soakAlerts } from '../../src/constructs/monitoring';
import { RECORDED, RECORDED_LABELS, soakRecordingRules } from '../../src/monitoring/recording-rules';
import { metric, METRICS, type MetricName } from '../../src/metrics/contract';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { soakDoctor } from '../../src/recommend/doctor';
import { PrometheusSource } from '../../src/recommend/prometheus';
import { recommendPlan } from '../../src/recommend/recommend';
import { soakVerdict } from '../../src/recommend/verdict';
import { violations } from '../support/promql-contract';
import { recordedRulesFetch } from '../support/recorded-fetch';

const soak = loadStackFile(stackFile('soak')).plan;
const rightsized = loadStackFile(stackFile('rightsized')).plan;

/** Runs `body` against a PrometheusSource that records every query and answers with nothing. */
async function recordedQueries(body: (source: PrometheusSource) => Promise<unknown>): Promise<string[]> {
  const queries: string[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    const params = new URLSearchParams(String(init?.body ?? ''));
    queries.push(params.get('query') ?? '');
    const resultType = String(url).endsWith('/query_range') ? 'matrix' : 'vector';
    return new Response(JSON.stringify({ status: 'success', data: { resultType, result: [] } }), { status: 200 });
  }) as typeof fetch;
  await body(new PrometheusSource({ url: 'http://prometheus.test:9090', fetchImpl }));
  return queries;
}

describe('the metrics contract', () => {
  it('lists each metric once, with its type, labels, server and upstream path', () => {
    for (const [name, m] of Object.entries(METRICS)) {
      expect(m.name).toBe(name);
      expect(m.labels.length).toBeGreaterThan(0);
      expect(m.servedBy).not.toBe('');
      expect(m.upstream).toMatch(/\.(rs|go|md)\b/);
    }
  });

  it('makes a metric name the contract does not list a compile error (tsc checks this file)', () => {
    // @ts-expect-error a typo in a metric name does not compile
    expect(metric('isb_jetstream_isfull_total')).toBe('isb_jetstream_isfull_total');
    expect(metric('isb_jetstream_isFull_total')).toBe('isb_jetstream_isFull_total');
  });

  it('knows that isb_jetstream_* carry `buffer`, not `pipeline`, and reads carry source_partition or partition_name', () => {
    expect(METRICS.isb_jetstream_isFull_total.labels).toContain('buffer');
    expect(METRICS.isb_jetstream_isFull_total.labels).not.toContain('pipeline');
    expect(METRICS.forwarder_data_read_total.labels).toEqual(expect.arrayContaining(['source_partition', 'partition_name', 'pipeline', 'vertex']));
    expect(METRICS.forwarder_critical_error_total.labels).toContain('reason');
  });

  it('catches a selector naming a label the metric does not carry, and an unknown metric', () => {
    expect(violations('sum(increase(isb_jetstream_isFull_total{namespace="a",pipeline="p"}[5m]))').map((v) => v.problem)).toEqual([
      expect.stringContaining('isb_jetstream_isFull_total carries no label pipeline'),
    ]);
    expect(violations('rate(forwarder_forward_chunk_processing_time_bucket[5m])').map((v) => v.problem)).toEqual(['metric forwarder_forward_chunk_processing_time_bucket is not in the contract']);
    expect(violations('histogram_quantile(0.99, sum by (le) (rate(forwarder_processing_time_bucket{le="100",vertex="x"}[5m])))')).toEqual([]);
    expect(violations('sum(rate(up{a=').map((v) => v.problem)).toContainEqual(expect.stringMatching(/syntax error/));
  });

  it.each([
    ['soak', soak],
    ['rightsized', rightsized],
  ])('holds for every query recommend and verdict send for the %s plan', async (_name, plan) => {
    const window = { start: 1751328000, end: 1751328000 + 5 * 86400, stepSeconds: 60 };
    const queries = await recordedQueries(async (source) => {
      await recommendPlan({ plan, source, window });
      await soakVerdict({ plan, source, window });
    });
    // Every MetricsSource method ran: cAdvisor, kube-state-metrics and Numaflow families alike.
    const named = new Set(queries.flatMap((q) => [...q.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1])));
    for (const family of ['container_cpu_usage_seconds_total', 'kube_pod_init_container_status_restarts_total', 'isb_jetstream_isFull_total', 'forwarder_critical_error_total', 'up', 'kube_pod_info', 'pipeline_processing_lag']) {
      expect(named).toContain(family);
    }
    expect(queries.flatMap(violations)).toEqual([]);
  });

  it.each([
    ['soak', soak],
    ['rightsized', rightsized],
  ])('holds for every query recommend and verdict send for the %s plan when the recording rules cover the window (the coverage check, the recorded reads)', async (_name, plan) => {
    const window = { start: 1751328000, end: 1751328000 + 5 * 86400, stepSeconds: 60 };
    const { fetchImpl, sent } = recordedRulesFetch({ covered: true, throttled: { pod: `${plan.pipeline.name}-${plan.pipeline.batchMap.name}-0-abcde`, container: 'numa' } });
    const source = new PrometheusSource({ url: 'http://prometheus.test:9090', fetchImpl });
    await recommendPlan({ plan, source, window });
    await soakVerdict({ plan, source, window });
    const queries = sent.map((s) => s.query);
    const named = new Set(queries.flatMap((q) => [...q.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1])));
    for (const family of Object.values(RECORDED)) expect(named).toContain(family);
    expect(queries.flatMap(violations)).toEqual([]);
  });

  it('holds for every query doctor sends (the inventory of every needed family, and the namespace probes)', async () => {
    const window = { start: 1751328600, end: 1751328000 + 5 * 86400, stepSeconds: 60 };
    const queries = await recordedQueries((source) => soakDoctor({ plan: soak, source, window }));
    expect(queries.length).toBeGreaterThan(50);
    expect(queries.some((q) => q.includes('build_info{namespace="numaflow-soak",component="daemon",component_name="batch-map-soak"}'))).toBe(true);
    expect(queries.flatMap(violations)).toEqual([]);
  });

  it.each([
    ['soak', soak],
    ['rightsized', rightsized],
  ])('holds for every alert expression of the %s plan', (_name, plan) => {
    const exprs = soakAlerts(plan).map((r) => r.expr);
    expect(exprs.length).toBeGreaterThan(5);
    expect(exprs.flatMap(violations)).toEqual([]);
  });

  it.each([
    ['soak', soak],
    ['rightsized', rightsized],
  ])('holds for every recording rule of the %s plan, and each recorded name is a contract family', (_name, plan) => {
    const rules = soakRecordingRules(plan).rules;
    expect(rules.map((r) => r.record).sort()).toEqual(Object.values(RECORDED).sort());
    expect(rules.map((r) => r.expr).flatMap(violations)).toEqual([]);
    for (const rule of rules) expect(METRICS[rule.record as MetricName].labels).toEqual([...RECORDED_LABELS].sort());
  });
});
