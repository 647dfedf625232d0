/**
 * PrometheusSource against a real Prometheus (Debian's 2.42, see test/support/prometheus.ts).
 *
 * One server for the whole file holds, at disjoint times (the generated datasets share
 * namespace and pod names, so each scenario gets its own `start`):
 * - the default dataset (steady, 5 days, 120-second scrapes, with duplicate scrape jobs and
 *   container=""/"POD" rows), for the comparison with EmbeddedSource;
 * - the leak, oom and throttle scenarios (1 day, 60-second scrapes) and the gap scenario
 *   (2 days: its outage is on day 2).
 * Error handling is tested against small local HTTP servers.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_DATASET,
  generateSoakDataset,
  LEAK_BYTES_PER_HOUR,
  OOM_REPLICA,
  SOAK_NAMES,
  type SoakDataset,
} from '../../src/recommend/dataset';
import { EmbeddedSource } from '../../src/recommend/embedded';
import { SourceUnavailableError, type ContainerSelector, type MetricsSource, type TimeWindow } from '../../src/recommend/metrics';
import { PrometheusSource } from '../../src/recommend/prometheus';
import { podContainers, soakScope, vertexPodPattern, type MeasuredContainer } from '../../src/recommend/selectors';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { recommendPlan } from '../../src/recommend/recommend';
import { soakVerdict } from '../../src/recommend/verdict';
import { freePort, startPrometheus, type RunningPrometheus } from '../support/prometheus';

jest.setTimeout(180_000);

const DAY = 86400;
const NS = SOAK_NAMES.namespace;
const PIPELINE = SOAK_NAMES.pipeline;
const BUFFERS = { namespace: NS, bufferPattern: `^${NS}-${PIPELINE}-(${SOAK_NAMES.batchMap}|${SOAK_NAMES.sink})-\\d+$` };
const VERTEX_PODS = { namespace: NS, podPattern: `^${PIPELINE}-(${SOAK_NAMES.source}|${SOAK_NAMES.batchMap}|${SOAK_NAMES.sink})-\\d+-[a-z0-9]{5}$` };
/** Scenario datasets start after the default one ends (5 days), 4 days apart. */
const SCENARIO_BASE = DEFAULT_DATASET.start + 10 * DAY;

/** Relative tolerance between the two sources (floating-point summation order differs). */
const REL_TOLERANCE = 1e-6;

const plan = loadStackFile(stackFile('soak')).plan;
const containers: MeasuredContainer[] = podContainers(plan);

let server: RunningPrometheus;
let steady: SoakDataset;
const scenario: Record<'leak' | 'oom' | 'throttle' | 'gap', SoakDataset> = {} as never;

beforeAll(async () => {
  steady = generateSoakDataset(DEFAULT_DATASET);
  scenario.leak = generateSoakDataset({ scenario: 'leak', days: 1, scrapeSeconds: 60, start: SCENARIO_BASE });
  scenario.oom = generateSoakDataset({ scenario: 'oom', days: 1, scrapeSeconds: 60, start: SCENARIO_BASE + 4 * DAY });
  scenario.throttle = generateSoakDataset({ scenario: 'throttle', days: 1, scrapeSeconds: 60, start: SCENARIO_BASE + 8 * DAY });
  scenario.gap = generateSoakDataset({ scenario: 'gap', days: 2, scrapeSeconds: 60, start: SCENARIO_BASE + 12 * DAY });
  server = await startPrometheus({ dataset: [steady, scenario.leak, scenario.oom, scenario.throttle, scenario.gap] });
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

function source(extra: Partial<ConstructorParameters<typeof PrometheusSource>[0]> = {}): PrometheusSource {
  return new PrometheusSource({ url: server.url, ...extra });
}

function wholeWindow(d: SoakDataset, stepSeconds = 60): TimeWindow {
  return { start: d.start, end: d.end, stepSeconds };
}

function batchCat(container: string, sidecar: boolean): ContainerSelector {
  return { namespace: NS, podPattern: vertexPodPattern(PIPELINE, SOAK_NAMES.batchMap), container, sidecar };
}

/**
 * Every difference between two results: numbers beyond the relative tolerance, anything
 * else not identical (pod names, sample counts, keys, lengths). NaN equals NaN.
 */
function differences(actual: unknown, expected: unknown, where = '', out: string[] = []): string[] {
  if (typeof actual === 'number' && typeof expected === 'number') {
    if (Number.isNaN(actual) && Number.isNaN(expected)) return out;
    const scale = Math.max(Math.abs(actual), Math.abs(expected));
    if (!(Math.abs(actual - expected) <= REL_TOLERANCE * scale + 1e-12)) out.push(`${where}: ${actual} ≠ ${expected}`);
    return out;
  }
  if (actual !== null && expected !== null && typeof actual === 'object' && typeof expected === 'object') {
    const ka = Object.keys(actual as object);
    const ke = Object.keys(expected as object);
    if (ka.length !== ke.length || ka.some((k) => !ke.includes(k))) {
      out.push(`${where}: keys [${ka.slice(0, 8).join(', ')}${ka.length > 8 ? ', …' : ''}] ≠ [${ke.slice(0, 8).join(', ')}${ke.length > 8 ? ', …' : ''}]`);
      return out;
    }
    for (const k of ka) differences((actual as any)[k], (expected as any)[k], `${where}.${k}`, out);
    return out;
  }
  if (actual !== expected) out.push(`${where}: ${String(actual)} ≠ ${String(expected)}`);
  return out;
}

const CONTAINER_METHODS = ['cpuUsage', 'memoryUsage', 'memoryTrend', 'throttling', 'restarts', 'usageSeries'] as const;
type ContainerMethod = (typeof CONTAINER_METHODS)[number];

function call(src: MetricsSource, method: ContainerMethod, sel: ContainerSelector, window: TimeWindow): Promise<unknown> {
  return (src[method] as (s: ContainerSelector, w: TimeWindow) => Promise<unknown>).call(src, sel, window);
}

describe('PrometheusSource and EmbeddedSource agree on the default steady dataset (5 days, 120 s scrapes)', () => {
  const windows: [string, () => TimeWindow][] = [
    // start is on the hour: statistics are subqueries evaluated in Prometheus.
    ['the whole soak at a 60 s step (PromQL subqueries)', () => wholeWindow(steady, 60)],
    // start is not a multiple of the step: Prometheus would align subquery steps elsewhere,
    // so the source falls back to query_range and computes the statistics itself.
    ['an unaligned window at a 120 s step (query_range fallback)', () => ({ start: steady.start + 1817, end: steady.end - 1234, stepSeconds: 120 })],
  ];

  describe.each(windows)('%s', (_name, windowOf) => {
    test.each(CONTAINER_METHODS)('%s: same pods, sample counts and values for every container of the soak plan', async (method) => {
      const window = windowOf();
      const embedded = new EmbeddedSource(steady);
      // As recommend and verdict ask: one query for every container, split per container here.
      const prometheus = source();
      prometheus.prepare(soakScope(plan));
      const problems: string[] = [];
      let nonEmpty = 0;
      for (const c of containers) {
        const [expected, actual] = await Promise.all([call(embedded, method, c.selector, window), call(prometheus, method, c.selector, window)]);
        if (Array.isArray(expected) ? expected.length > 0 : true) nonEmpty++;
        differences(actual, expected, `${c.label} (${c.path})`, problems);
      }
      expect(problems).toEqual([]);
      // Not vacuous: every container that runs for the whole soak has data (init containers have none but restarts).
      expect(nonEmpty).toBeGreaterThanOrEqual(containers.filter((c) => c.role !== 'init').length);
    });

    test.each([
      ['asked one by one', false],
      ['asked inside the declared soak (one query for the whole-window figures, one for every vertex\'s throughput)', true],
    ])('throughput, processing latency p99, back pressure and error counts are the same, %s', async (_how, scoped) => {
      const window = windowOf();
      const embedded = new EmbeddedSource(steady);
      const prometheus = source();
      if (scoped) prometheus.prepare(soakScope(plan));
      const problems: string[] = [];
      for (const vertex of [SOAK_NAMES.source, SOAK_NAMES.batchMap, SOAK_NAMES.sink]) {
        const [e, p] = await Promise.all([embedded.throughput(NS, PIPELINE, vertex, window), prometheus.throughput(NS, PIPELINE, vertex, window)]);
        differences(p, e, `throughput ${vertex}`, problems);
        expect(p.replicas).toBeGreaterThan(0);
      }
      const latency = await prometheus.processingLatencyP99(NS, PIPELINE, window);
      differences(latency, await embedded.processingLatencyP99(NS, PIPELINE, window), 'processingLatencyP99', problems);
      differences(await prometheus.backPressureEvents(BUFFERS, window), await embedded.backPressureEvents(BUFFERS, window), 'backPressureEvents', problems);
      differences(await prometheus.errorCounts(NS, PIPELINE, BUFFERS, window), await embedded.errorCounts(NS, PIPELINE, BUFFERS, window), 'errorCounts', problems);
      differences(await prometheus.scrapedPods(VERTEX_PODS, window), await embedded.scrapedPods(VERTEX_PODS, window), 'scrapedPods', problems);
      differences(await prometheus.podsSeen(VERTEX_PODS, window), await embedded.podsSeen(VERTEX_PODS, window), 'podsSeen', problems);
      const vertices = { source: SOAK_NAMES.source, sink: SOAK_NAMES.sink };
      differences(await prometheus.messageCounts(NS, PIPELINE, vertices, window), await embedded.messageCounts(NS, PIPELINE, vertices, window), 'messageCounts', problems);
      differences(await prometheus.backlog(NS, PIPELINE, BUFFERS, window), await embedded.backlog(NS, PIPELINE, BUFFERS, window), 'backlog', problems);
      expect(problems).toEqual([]);
      // Not vacuous: the pods were scraped and seen, messages counted, pending reported.
      expect(await prometheus.scrapedPods(VERTEX_PODS, window)).toHaveLength(34);
      expect((await prometheus.messageCounts(NS, PIPELINE, vertices, window)).written).toBeGreaterThan(1e9);
      expect((await prometheus.backlog(NS, PIPELINE, BUFFERS, window)).pending.values.some((v) => v > 0)).toBe(true);
      expect(latency).toBeGreaterThan(1000);
      // A pipeline that does not exist has no histogram.
      expect(await prometheus.processingLatencyP99(NS, 'no-such-pipeline', window)).toBeUndefined();
    });
  });

  test('the sum over source replicas is the generator rate, 10 × 5000 msg/s', async () => {
    const { rate, replicas } = await source().throughput(NS, PIPELINE, SOAK_NAMES.source, wholeWindow(steady, 60));
    expect(replicas).toBe(10);
    expect(rate.t).toHaveLength((steady.end - steady.start) / 60 + 1);
    const finite = rate.values.filter((x) => Number.isFinite(x));
    expect(finite.length).toBe(rate.values.length);
    const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
    expect(mean).toBeGreaterThan(49_500);
    expect(mean).toBeLessThan(50_500);
  });
});

describe('the two paths give the same recommendation and verdict', () => {
  test('recommendPlan sizes every container, replica count and advice identically from Prometheus and from the embedded dataset', async () => {
    const window = wholeWindow(steady, 60);
    const [fromEmbedded, fromPrometheus] = await Promise.all([
      recommendPlan({ plan, source: new EmbeddedSource(steady), window }),
      recommendPlan({ plan, source: source(), window }),
    ]);
    const sizes = (r: typeof fromEmbedded) => ({
      insufficientData: r.insufficientData,
      containers: r.containers.map((c) => ({
        path: c.path,
        status: c.status,
        requests: `${c.recommended.requests.cpu} / ${c.recommended.requests.memory}`,
        limits: `${c.recommended.limits.cpu} / ${c.recommended.limits.memory}`,
        notes: c.notes,
      })),
      // Measured rates differ only in float summation order (about 1e-10 relative).
      replicas: r.replicas.map((x) =>
        Object.fromEntries(Object.entries(x).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v])),
      ),
      partitions: r.partitions,
      volume: r.volume,
    });
    expect(fromPrometheus.source).toBe(server.url);
    expect(fromEmbedded.source).toMatch(/^embedded:/);
    expect(sizes(fromPrometheus)).toEqual(sizes(fromEmbedded));
    // Not vacuous: the steady soak changes most containers.
    expect(fromEmbedded.containers.filter((c) => c.status === 'changed').length).toBeGreaterThan(5);
    // The evidence agrees too: the sample counts behind every number.
    const samples = (r: typeof fromEmbedded) =>
      Object.fromEntries(Object.entries(r.provenance.containers).map(([path, o]) => [path, [o.cpu?.samples, o.memory?.samples]]));
    expect(samples(fromPrometheus)).toEqual(samples(fromEmbedded));
  });

  test('soakVerdict gives the same lines from Prometheus and from the embedded dataset, without and after the warm-up', async () => {
    // Without the warm-up both fail on the writers' start-up isFull attempts, alike.
    const whole = wholeWindow(steady, 60);
    const [embeddedWhole, prometheusWhole] = await Promise.all([soakVerdict({ plan, source: new EmbeddedSource(steady), window: whole }), soakVerdict({ plan, source: source(), window: whole })]);
    expect(prometheusWhole.lines.find((l) => l.check === 'back-pressure')?.status).toBe('fail');
    expect(prometheusWhole.lines).toEqual(embeddedWhole.lines);
    const window = { ...whole, start: whole.start + 600 };
    const [fromEmbedded, fromPrometheus] = await Promise.all([
      soakVerdict({ plan, source: new EmbeddedSource(steady), window }),
      soakVerdict({ plan, source: source(), window }),
    ]);
    expect(fromPrometheus.passed).toBe(true);
    expect(fromPrometheus.lines.map((l) => [l.check, l.status, l.measured])).toEqual(fromEmbedded.lines.map((l) => [l.check, l.status, l.measured]));
    // Full coverage: every line is judged, the whole-window counters (restarts, OOM kills, replaced pods, throttling) included.
    expect(fromPrometheus.lines.filter((l) => l.status === 'no-data')).toEqual([]);
    expect(fromPrometheus.insufficientData).toBe(false);
    // The coverage each counter family reads, from Prometheus and from the embedded dataset alike, over the whole window.
    const scope = soakScope(plan);
    for (const family of ['restarts', 'pods', 'cpu'] as const) {
      const [fromP, fromE] = await Promise.all([source().windowCoverage(family, scope, window), new EmbeddedSource(steady).windowCoverage(family, scope, window)]);
      expect({ family, fromP }).toEqual({ family, fromP: fromE });
      expect(fromP).toBeGreaterThanOrEqual(99);
    }
  });
});

describe('scenarios on Prometheus', () => {
  test('leak: every batch-cat udf working set grows ≈ 4 MB/h (deriv of hourly minima); the numa containers do not', async () => {
    const prometheus = source();
    const window = wholeWindow(scenario.leak);
    const udf = await prometheus.memoryTrend(batchCat('udf', true), window);
    expect(udf).toHaveLength(18);
    for (const pod of udf) {
      expect(pod.points).toBe(24);
      expect(pod.slopeBytesPerHour).toBeGreaterThan(LEAK_BYTES_PER_HOUR * 0.95);
      expect(pod.slopeBytesPerHour).toBeLessThan(LEAK_BYTES_PER_HOUR * 1.05);
    }
    const numa = await prometheus.memoryTrend(batchCat('numa', false), window);
    expect(numa).toHaveLength(18);
    for (const pod of numa) expect(Math.abs(pod.slopeBytesPerHour)).toBeLessThan(0.25 * LEAK_BYTES_PER_HOUR);
    expect(differences(udf, await new EmbeddedSource(scenario.leak).memoryTrend(batchCat('udf', true), window))).toEqual([]);
  });

  test('oom: the killed udf counts 1 restart and OOMKilled, read from kube_pod_init_container_* (native sidecar)', async () => {
    const prometheus = source();
    const window = wholeWindow(scenario.oom);
    const restarts = await prometheus.restarts(batchCat('udf', true), window);
    expect(restarts).toHaveLength(18);
    const killed = restarts.filter((r) => r.restarts > 0 || r.oomKilled);
    expect(killed).toEqual([{ pod: expect.stringMatching(new RegExp(`^${PIPELINE}-${SOAK_NAMES.batchMap}-${OOM_REPLICA}-`)), restarts: 1, oomKilled: true }]);
    // The udf is a native sidecar: kube_pod_container_* has no series for it.
    expect(await prometheus.restarts(batchCat('udf', false), window)).toEqual([]);
    // The numa container, a regular container, never restarted.
    const numa = await prometheus.restarts(batchCat('numa', false), window);
    expect(numa).toHaveLength(18);
    expect(numa.every((r) => r.restarts === 0 && !r.oomKilled)).toBe(true);
    expect(differences(restarts, await new EmbeddedSource(scenario.oom).restarts(batchCat('udf', true), window))).toEqual([]);
  });

  test('oom: the CPU counter reset at the restart gives neither a negative nor a huge rate', async () => {
    const prometheus = source();
    const window = wholeWindow(scenario.oom);
    const cpu = await prometheus.cpuUsage(batchCat('udf', true), window);
    const victim = cpu.find((p) => p.pod.startsWith(`${PIPELINE}-${SOAK_NAMES.batchMap}-${OOM_REPLICA}-`))!;
    expect(victim).toBeDefined();
    const udfLimitCores = 4;
    expect(victim.peak).toBeGreaterThan(0.5);
    expect(victim.peak).toBeLessThanOrEqual(udfLimitCores);
    expect(victim.samples).toBe(window.end / 60 - window.start / 60 + 1);
    const series = await prometheus.usageSeries(batchCat('udf', true), window);
    const finite = series.cpu.values.filter((x) => Number.isFinite(x));
    expect(finite.length).toBe(series.cpu.values.length);
    expect(Math.min(...finite)).toBeGreaterThan(0);
    expect(Math.max(...finite)).toBeLessThanOrEqual(udfLimitCores);
    // The OOM ramp shows in memory: the victim's peak is near 900 MiB, the others' near 70 MB.
    const memory = await prometheus.memoryUsage(batchCat('udf', true), window);
    expect(memory.find((p) => p.pod === victim.pod)!.peak).toBeGreaterThan(800 * 1024 * 1024);
    expect(memory.filter((p) => p.pod !== victim.pod).every((p) => p.peak < 100e6)).toBe(true);
    expect(differences(cpu, await new EmbeddedSource(scenario.oom).cpuUsage(batchCat('udf', true), window))).toEqual([]);
  });

  test('throttle: every batch-cat numa container has a 5-minute throttled peak ≥ 0.3; the udf stays near 0', async () => {
    const prometheus = source();
    const window = wholeWindow(scenario.throttle);
    const numa = await prometheus.throttling(batchCat('numa', false), window);
    expect(numa).toHaveLength(18);
    for (const pod of numa) {
      expect(pod.peak5m).toBeGreaterThanOrEqual(0.3);
      expect(pod.peak5m).toBeLessThanOrEqual(1);
      expect(pod.ratio).toBeGreaterThan(0);
      expect(pod.ratio).toBeLessThan(pod.peak5m);
    }
    const udf = await prometheus.throttling(batchCat('udf', true), window);
    expect(udf.every((p) => p.peak5m < 0.05)).toBe(true);
    expect(differences(numa, await new EmbeddedSource(scenario.throttle).throttling(batchCat('numa', false), window))).toEqual([]);
  });

  test('gap: a 6-hour scrape outage leaves fewer samples, and usage series hold NaN there', async () => {
    const prometheus = source();
    const window = wholeWindow(scenario.gap);
    const points = (window.end - window.start) / 60 + 1;
    const cpu = await prometheus.cpuUsage(batchCat('udf', true), window);
    const memory = await prometheus.memoryUsage(batchCat('udf', true), window);
    expect(cpu).toHaveLength(18);
    for (const p of [...cpu, ...memory]) {
      expect(p.samples).toBeLessThan(points - 6 * 60 + 10);
      expect(p.samples).toBeGreaterThan(points - 6 * 60 - 10);
    }
    const series = await prometheus.usageSeries(batchCat('udf', true), window);
    const missing = series.memory.values.filter((x) => Number.isNaN(x)).length;
    expect(missing).toBe(points - memory[0].samples);
    const embedded = new EmbeddedSource(scenario.gap);
    expect(differences(cpu, await embedded.cpuUsage(batchCat('udf', true), window))).toEqual([]);
    expect(differences(series, await embedded.usageSeries(batchCat('udf', true), window))).toEqual([]);
  });
});

describe('duplicate scrape jobs and pod-level rows', () => {
  test('the Prometheus data does hold cadvisor-dup copies and container=""/"POD" rows', async () => {
    const at = steady.start + DAY;
    const count = async (query: string) => {
      const res = await fetch(`${server.url}/api/v1/query?${new URLSearchParams({ query, time: String(at) })}`);
      const body = (await res.json()) as any;
      return Number(body.data.result[0]?.value[1] ?? 0);
    };
    expect(await count('count(container_cpu_usage_seconds_total{job="cadvisor-dup"})')).toBeGreaterThan(0);
    expect(await count('count(container_memory_working_set_bytes{container=""})')).toBeGreaterThan(0);
    expect(await count('count(container_memory_working_set_bytes{container="POD"})')).toBeGreaterThan(0);
    // A naive sum over the batch-cat udf series would double-count the duplicated pods.
    const pods = `pod=~"${vertexPodPattern(PIPELINE, SOAK_NAMES.batchMap).replace(/\\/g, '\\\\')}"`;
    const naive = await count(`sum(last_over_time(container_memory_working_set_bytes{${pods},container="udf"}[5m]))`);
    const deduplicated = await count(`sum(max by (pod) (last_over_time(container_memory_working_set_bytes{${pods},container="udf"}[5m])))`);
    expect(naive).toBeGreaterThan(deduplicated * 1.1);
  });

  test('do not inflate any result: Prometheus on the dataset with them equals the generator model without them', async () => {
    const clean = new EmbeddedSource(generateSoakDataset({ ...DEFAULT_DATASET, duplicateScrapes: false, podLevelRows: false }));
    const prometheus = source();
    const window = wholeWindow(steady, 60);
    const problems: string[] = [];
    // The containers whose pods have duplicate jobs or pod-level rows: in/numa, batch-cat/numa and udf.
    const affected = containers.filter((c) => (c.label === `${SOAK_NAMES.source}/numa` || c.label.startsWith(`${SOAK_NAMES.batchMap}/`)) && c.role !== 'init');
    expect(affected.map((c) => c.label).sort()).toEqual(expect.arrayContaining([`${SOAK_NAMES.batchMap}/numa`, `${SOAK_NAMES.batchMap}/udf`, `${SOAK_NAMES.source}/numa`]));
    for (const c of affected) {
      for (const method of ['cpuUsage', 'memoryUsage', 'usageSeries', 'memoryTrend'] as const) {
        differences(await call(prometheus, method, c.selector, window), await call(clean, method, c.selector, window), `${c.label} ${method}`, problems);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('errors become SourceUnavailableError naming the URL and the cause', () => {
  const window: TimeWindow = { start: DEFAULT_DATASET.start, end: DEFAULT_DATASET.start + 3600, stepSeconds: 60 };

  async function withServer<T>(handler: http.RequestListener, body: (url: string) => Promise<T>): Promise<T> {
    const srv = http.createServer(handler);
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      return await body(url);
    } finally {
      srv.closeAllConnections();
      await new Promise((resolve) => srv.close(resolve));
    }
  }

  async function failure(promise: Promise<unknown>): Promise<SourceUnavailableError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SourceUnavailableError);
    return error as SourceUnavailableError;
  }

  test('nothing listening on the port: unreachable, ECONNREFUSED, at once', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const began = Date.now();
    const error = await failure(new PrometheusSource({ url }).cpuUsage(batchCat('udf', true), window));
    expect(error.message).toBe(`Prometheus at ${url} is unreachable: connect ECONNREFUSED ${url.slice('http://'.length)}`);
    expect(Date.now() - began).toBeLessThan(2000);
  });

  test('a host name that does not resolve: unreachable, with the resolver error', async () => {
    const url = 'http://prometheus.numaflow-soak.invalid:9090';
    const error = await failure(new PrometheusSource({ url, timeoutMs: 10_000 }).restarts(batchCat('udf', true), window));
    expect(error.message).toMatch(/^Prometheus at http:\/\/prometheus\.numaflow-soak\.invalid:9090 is unreachable: getaddrinfo (ENOTFOUND|EAI_AGAIN)/);
  });

  test('a server that accepts and never answers: timeout after timeoutMs', async () => {
    await withServer(
      () => undefined,
      async (url) => {
        const began = Date.now();
        const error = await failure(new PrometheusSource({ url, timeoutMs: 500 }).memoryUsage(batchCat('udf', true), window));
        expect(error.message).toMatch(new RegExp(`^Prometheus at ${url.replace(/\./g, '\\.')} did not answer within 0\\.5s \\(.*container_memory_working_set_bytes`));
        const elapsed = Date.now() - began;
        expect(elapsed).toBeGreaterThanOrEqual(450);
        expect(elapsed).toBeLessThan(3000);
      },
    );
  });

  test('HTTP 500 with a plain-text body: the status and the text', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('upstream storage exploded\n');
      },
      async (url) => {
        const error = await failure(new PrometheusSource({ url }).backPressureEvents(BUFFERS, window));
        expect(error.message).toMatch(new RegExp(`^Prometheus at ${url.replace(/\./g, '\\.')} answered HTTP 500 Internal Server Error: upstream storage exploded \\(label_replace\\(sum\\(`));
      },
    );
  });

  test('a `status: "error"` body (HTTP 422, as Prometheus sends it): Prometheus\'s error text and the query', async () => {
    const seen: string[] = [];
    await withServer(
      (req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          seen.push(`${req.method} ${req.url} ${req.headers['content-type']} ${new URLSearchParams(body).get('query')?.slice(0, 30)}`);
          res.writeHead(422, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory in query execution' }));
        });
      },
      async (url) => {
        const error = await failure(new PrometheusSource({ url }).throughput(NS, PIPELINE, SOAK_NAMES.source, window));
        expect(error.message).toContain(`Prometheus at ${url} rejected the query: execution: query processing would load too many samples into memory`);
        expect(error.message).toContain('forwarder_data_read_total');
      },
    );
    expect(seen[0]).toMatch(/^POST \/api\/v1\/query(_range)? application\/x-www-form-urlencoded /);
  });

  test('a 200 answer that is not the Prometheus API', async () => {
    await withServer(
      (_req, res) => res.end('<html>login</html>'),
      async (url) => {
        const error = await failure(new PrometheusSource({ url }).errorCounts(NS, PIPELINE, BUFFERS, window));
        expect(error.message).toBe(`Prometheus at ${url} sent something that is not a Prometheus API answer: <html>login</html>`);
      },
    );
  });

  test('the real Prometheus refusing a query (a broken pod regex): its parse error', async () => {
    const sel: ContainerSelector = { namespace: NS, podPattern: 'batch-(cat', container: 'udf', sidecar: true };
    const error = await failure(source().cpuUsage(sel, window));
    expect(error.message).toMatch(new RegExp(`^Prometheus at ${server.url.replace(/\./g, '\\.')} rejected the query: bad_data: .*missing closing \\)`));
  });
});

describe('query accounting and progress', () => {
  test('stats count every request and its time; onProgress names each query before it is sent', async () => {
    const messages: string[] = [];
    const prometheus = source({ onProgress: (m) => messages.push(m) });
    expect(prometheus.stats).toEqual({ queries: 0, reused: 0, totalMs: 0 });
    expect(prometheus.description).toBe(server.url);
    const aligned = wholeWindow(steady, 60);
    const unaligned: TimeWindow = { start: steady.start + 1817, end: steady.end - 1234, stepSeconds: 120 };
    const sel = batchCat('udf', true);
    const counts: Record<string, number> = {};
    const measure = async (name: string, run: () => Promise<unknown>) => {
      const before = prometheus.stats.queries;
      await run();
      counts[name] = prometheus.stats.queries - before;
    };
    for (const method of CONTAINER_METHODS) await measure(method, () => call(prometheus, method, sel, aligned));
    await measure('throughput', () => prometheus.throughput(NS, PIPELINE, SOAK_NAMES.batchMap, aligned));
    await measure('processingLatencyP99', () => prometheus.processingLatencyP99(NS, PIPELINE, aligned));
    await measure('backPressureEvents', () => prometheus.backPressureEvents(BUFFERS, aligned));
    await measure('errorCounts', () => prometheus.errorCounts(NS, PIPELINE, BUFFERS, aligned));
    await measure('cpuUsage, unaligned', () => prometheus.cpuUsage(sel, unaligned));
    await measure('throttling, unaligned', () => prometheus.throttling(sel, unaligned));
    await measure('throughput, unaligned', () => prometheus.throughput(NS, PIPELINE, SOAK_NAMES.batchMap, unaligned));
    await measure('cpuUsage again', () => prometheus.cpuUsage(sel, aligned));
    expect(counts).toEqual({
      cpuUsage: 1,
      memoryUsage: 1,
      memoryTrend: 1,
      // The steady soak's udf is throttled a little: the whole-window ratio, then the 5-minute peaks of the throttled pods.
      throttling: 2,
      restarts: 1,
      // The CPU and memory reads already made: nothing is asked twice.
      usageSeries: 0,
      throughput: 1,
      processingLatencyP99: 1,
      backPressureEvents: 1,
      errorCounts: 1,
      'cpuUsage, unaligned': 1,
      'throttling, unaligned': 2,
      'throughput, unaligned': 1,
      'cpuUsage again': 0,
    });
    expect(prometheus.stats.queries).toBe(14);
    expect(prometheus.stats.reused).toBe(3);
    expect(messages).toHaveLength(14);
    expect(prometheus.stats.totalMs).toBeGreaterThan(0);
    expect(messages[0]).toBe(`cpu over time, ${PIPELINE}-${SOAK_NAMES.batchMap}-*-*/udf`);
    expect(messages).toContain(`restarts ${PIPELINE}-${SOAK_NAMES.batchMap}-*-*/udf (init-container series)`);
    expect(messages).toContain(`throughput ${PIPELINE}/${SOAK_NAMES.batchMap}`);
  });

  test('a long query_range is split into requests of at most 10,000 points', async () => {
    const messages: string[] = [];
    const prometheus = source({ onProgress: (m) => messages.push(m) });
    // 5 days at a 30 s step: 14,401 points.
    const window = wholeWindow(steady, 30);
    const series = await prometheus.usageSeries(batchCat('udf', true), window);
    expect(series.cpu.t).toHaveLength(14_401);
    expect(series.cpu.values.every((x) => Number.isFinite(x))).toBe(true);
    expect(prometheus.stats.queries).toBe(4);
    expect(messages.filter((m) => m.endsWith('[2/2]'))).toHaveLength(2);
    expect(differences(series, await new EmbeddedSource(steady).usageSeries(batchCat('udf', true), window))).toEqual([]);
  });
});
