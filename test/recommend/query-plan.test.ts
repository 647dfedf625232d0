/**
 * PrometheusSource sends a query plan, not a query per container (issue 12): one query per
 * metric family for every container of the soak, each request once per process. The
 * requests are recorded from a PrometheusSource whose fetch answers every query with an
 * empty result (which queries are sent does not depend on the answers); the answers
 * themselves are checked against a real Prometheus in prometheus.test.ts.
 */
import { loadStackFile, stackFile } from '../../src/plan/load';
import { PrometheusSource } from '../../src/recommend/prometheus';
import { recommendPlan } from '../../src/recommend/recommend';
import { podContainers, sizedSelectors, soakScope, unsizedContainers } from '../../src/recommend/selectors';
import { soakVerdict } from '../../src/recommend/verdict';
import { RECORDED } from '../../src/monitoring/recording-rules';
import { recordedRulesFetch } from '../support/recorded-fetch';

const plan = loadStackFile(stackFile('soak')).plan;
const WINDOW = { start: 1751328000, end: 1751328000 + 5 * 86400, stepSeconds: 60 };

interface Sent {
  readonly path: string;
  readonly query: string;
  /** `time`, or `start:end:step`. */
  readonly at: string;
}

function recordingSource(): { source: PrometheusSource; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    const form = new URLSearchParams(String(init?.body ?? ''));
    const path = new URL(String(url)).pathname;
    sent.push({ path, query: form.get('query') ?? '', at: form.get('time') ?? `${form.get('start')}:${form.get('end')}:${form.get('step')}` });
    const resultType = path.endsWith('/query_range') ? 'matrix' : 'vector';
    return new Response(JSON.stringify({ status: 'success', data: { resultType, result: [] } }), { status: 200 });
  }) as typeof fetch;
  return { source: new PrometheusSource({ url: 'http://prometheus.test:9090', fetchImpl }), sent };
}

const key = (s: Sent) => `${s.path} ${s.at} ${s.query}`;

describe('the query plan', () => {
  it('recommend sends at most 12 queries for the whole soak, each once', async () => {
    const { source, sent } = recordingSource();
    await recommendPlan({ plan, source, window: WINDOW });
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThanOrEqual(12);
    expect(new Set(sent.map(key)).size).toBe(sent.length);
    expect(source.stats.queries).toBe(sent.length);
  });

  it('verdict sends at most 10 queries for the whole soak, each once', async () => {
    const { source, sent } = recordingSource();
    await soakVerdict({ plan, source, window: WINDOW });
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThanOrEqual(10);
    expect(new Set(sent.map(key)).size).toBe(sent.length);
  });

  it('recommend after the verdict on the same source (recommend --write) asks nothing the verdict asked: restarts, throttling, memory trend and throughput are reused', async () => {
    const alone = recordingSource();
    await recommendPlan({ plan, source: alone.source, window: WINDOW });
    const { source, sent } = recordingSource();
    await soakVerdict({ plan, source, window: WINDOW });
    const byVerdict = sent.length;
    await recommendPlan({ plan, source, window: WINDOW });
    const byRecommend = sent.slice(byVerdict);
    expect(new Set(sent.map(key)).size).toBe(sent.length);
    // Only the usage reads are new: the recording-rule coverage check (no container was
    // throttled, so the verdict did not need it), then CPU and memory over time.
    expect(byRecommend[0].query).toContain(`count_over_time((count(${RECORDED.cpuRate5m}{`);
    expect(byRecommend.slice(1).map((s) => s.query.match(/\((rate|last_over_time)\((\w+)\{/)?.[2])).toEqual(['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes']);
    // What recommend alone would have sent, less those two, came from the verdict's answers.
    expect(source.stats.reused - alone.source.stats.reused).toBeGreaterThanOrEqual(alone.sent.length - byRecommend.length);
  });

  it('reads CPU once for every container recommend sizes (one range read at the window\'s step), not the monitor sidecar it never sizes', async () => {
    const { source, sent } = recordingSource();
    await recommendPlan({ plan, source, window: WINDOW });
    const cpu = sent.filter((s) => s.query.includes('rate(container_cpu_usage_seconds_total{'));
    expect(cpu).toHaveLength(1);
    expect(cpu[0].path).toBe('/api/v1/query_range');
    expect(cpu[0].at).toBe(`${WINDOW.start}:${WINDOW.end}:${WINDOW.stepSeconds}`);
    expect(cpu[0].query).toMatch(/^max by \(pod, container\) \(rate\(/);
    const sized = sizedSelectors(plan).filter((c) => c.role !== 'init');
    expect(soakScope(plan).usage).toEqual(sized.map((c) => c.selector));
    expect(sized.length).toBeGreaterThan(5);
    for (const c of sized) {
      expect(cpu[0].query).toContain(c.selector.podPattern.replace(/\\/g, '\\\\'));
      expect(cpu[0].query).toMatch(new RegExp(`container=~"[^"]*\\b${c.selector.container}\\b`));
    }
    expect(cpu[0].query).not.toContain('monitor');
    // Restarts cover every container of every pod kind, the monitor sidecar and init containers included.
    const restarts = sent.filter((s) => s.query.includes('kube_pod_init_container_status_restarts_total{'));
    expect(restarts).toHaveLength(1);
    for (const c of [...podContainers(plan), ...unsizedContainers(plan)]) expect(restarts[0].query).toMatch(new RegExp(`container=~"[^"]*\\b${c.selector.container}\\b`));
  });

  it('a question outside every declared scope is asked on its own, with its exact selector', async () => {
    const { source, sent } = recordingSource();
    source.prepare(soakScope(plan));
    const sel = { namespace: 'elsewhere', podPattern: '^other-\\d+$', container: 'app', sidecar: false };
    await source.cpuUsage(sel, WINDOW);
    expect(sent).toHaveLength(1);
    expect(sent[0].query).toBe('max by (pod, container) (rate(container_cpu_usage_seconds_total{namespace="elsewhere",pod=~"^other-\\\\d+$",container="app",container!="",container!="POD"}[5m]))');
  });

  describe('with recording rules that cover the window', () => {
    const throttled = { pod: 'batch-map-soak-batch-cat-0-abcde', container: 'numa' };
    const covered = () => {
      const { fetchImpl, sent } = recordedRulesFetch({ covered: true, throttled });
      return { source: new PrometheusSource({ url: 'http://prometheus.test:9090', fetchImpl }), sent };
    };

    it('recommend (verdict included) reads CPU, the working set and the throttling peaks from them, in at most 12 queries, each once', async () => {
      const { source, sent } = covered();
      await soakVerdict({ plan, source, window: WINDOW });
      const byVerdict = sent.length;
      await recommendPlan({ plan, source, window: WINDOW });
      expect(byVerdict).toBeLessThanOrEqual(10);
      expect(sent.length).toBeLessThanOrEqual(12);
      expect(new Set(sent.map(key)).size).toBe(sent.length);
      // One coverage check for the three recorded families, sent once.
      expect(sent.filter((s) => s.query.includes('count_over_time((count(namespace_pod_container:'))).toHaveLength(1);
      const reads = sent.map((s) => s.query);
      expect(reads).toContainEqual(expect.stringMatching(new RegExp(`^max by \\(pod, container\\) \\(${RECORDED.cpuRate5m}\\{`)));
      expect(reads).toContainEqual(expect.stringMatching(new RegExp(`^max by \\(pod, container\\) \\(${RECORDED.workingSet}\\{`)));
      expect(reads).toContainEqual(expect.stringContaining(`max_over_time((max by (pod, container) (${RECORDED.throttledRatio5m}{`));
      // No raw CPU rate, no raw 5-minute working set, no raw 5-minute throttled ratio.
      expect(reads.filter((q) => q.includes('rate(container_cpu_usage_seconds_total{'))).toEqual([]);
      expect(reads.filter((q) => q.includes('last_over_time(container_memory_working_set_bytes{'))).toEqual([]);
      expect(reads.filter((q) => q.includes('[5m])) / max by (pod, container) (increase(container_cpu_cfs_periods_total'))).toEqual([]);
      // The memory trend reads the raw samples (hourly minima), and the whole-window throttled ratio the raw counters.
      expect(reads).toContainEqual(expect.stringContaining('min_over_time(container_memory_working_set_bytes{'));
      expect(source.seriesChoices(soakScope(plan), WINDOW).map((c) => `${c.family} ${c.used}`)).toEqual(['cpu recorded', 'memory recorded', 'throttling recorded']);
    });

    it('with --selector matchers the recorded series are not checked or read (they keep only namespace, pod and container)', async () => {
      const { fetchImpl, sent } = recordedRulesFetch({ covered: true, throttled });
      const source = new PrometheusSource({ url: 'http://prometheus.test:9090', fetchImpl, selectors: [{ label: 'cluster', op: '=', value: 'prod-eu' }] });
      await recommendPlan({ plan, source, window: WINDOW });
      expect(sent.filter((s) => s.query.includes('namespace_pod_container:'))).toEqual([]);
      const choices = source.seriesChoices(soakScope(plan), WINDOW);
      expect(choices.map((c) => c.used)).toEqual(['raw', 'raw', 'raw']);
      expect(choices[0].text).toBe('CPU usage: raw container_cpu_usage_seconds_total (--selector matchers given, and the recorded series keep only namespace, pod and container)');
    });
  });
});
