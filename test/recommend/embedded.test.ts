import { defaultDataset, generateSoakDataset, LEAK_BYTES_PER_HOUR, OOM_REPLICA, SOAK_NAMES, type SoakDataset } from '../../src/recommend/dataset';
import { EmbeddedSource, evaluationTimes } from '../../src/recommend/embedded';
import { ERROR_COUNTERS } from '../../src/recommend/metrics';
import type { ContainerSelector, TimeWindow } from '../../src/recommend/metrics';

const NS = SOAK_NAMES.namespace;
const PIPELINE = SOAK_NAMES.pipeline;
const MB = 1e6;

const vertexPods = (vertex: string) => `${PIPELINE}-${vertex}-\\d+-[a-z0-9]{5}`;
const udf: ContainerSelector = { namespace: NS, podPattern: vertexPods('batch-cat'), container: 'udf', sidecar: true };
const mapNuma: ContainerSelector = { namespace: NS, podPattern: vertexPods('batch-cat'), container: 'numa', sidecar: false };
const inNuma: ContainerSelector = { namespace: NS, podPattern: vertexPods('in'), container: 'numa', sidecar: false };
const isbMain: ContainerSelector = { namespace: NS, podPattern: 'isbsvc-soak-isb-js-\\d+', container: 'main', sidecar: false };

const BUFFERS = { namespace: NS, bufferPattern: `^${NS}-${PIPELINE}-(batch-cat|out)-\\d+$` };
const windowOf = (d: SoakDataset, stepSeconds = 60): TimeWindow => ({ start: d.start, end: d.end, stepSeconds });

const steady = defaultDataset();
const source = new EmbeddedSource(steady);
const window = windowOf(steady);

describe('EmbeddedSource on the default (steady) dataset', () => {
  test('describes itself by the dataset', () => {
    expect(source.description).toBe(`embedded:${steady.name}`);
    expect(source.description).toBe('embedded:soak-steady-5d-120s-seed1817');
  });

  test('batch-map udf CPU: p95 between 1.2 and 1.7 cores in every pod, peak ≥ p99 ≥ p95, every point has data', async () => {
    const usage = await source.cpuUsage(udf, window);
    expect(usage).toHaveLength(18);
    const points = evaluationTimes(window).length;
    expect(points).toBe(5 * 24 * 60 + 1);
    for (const pod of usage) {
      expect(pod.pod).toMatch(/^batch-map-soak-batch-cat-\d+-[a-z0-9]{5}$/);
      expect(pod.p95).toBeGreaterThan(1.2);
      expect(pod.p95).toBeLessThan(1.7);
      expect(pod.p99).toBeGreaterThanOrEqual(pod.p95);
      expect(pod.peak).toBeGreaterThanOrEqual(pod.p99);
      expect(pod.samples).toBe(points);
    }
    // the rare bursts to ~1.6 cores show in the peaks
    expect(Math.max(...usage.map((u) => u.peak))).toBeGreaterThan(1.5);
  });

  test('batch-map udf memory: about 70 MB with the GC sawtooth, no trend', async () => {
    const memory = await source.memoryUsage(udf, window);
    expect(memory).toHaveLength(18);
    for (const pod of memory) {
      expect(pod.p95).toBeGreaterThan(65 * MB);
      expect(pod.p95).toBeLessThan(85 * MB);
      expect(pod.peak).toBeGreaterThanOrEqual(pod.p99);
    }
    const trend = await source.memoryTrend(udf, window);
    expect(trend).toHaveLength(18);
    for (const pod of trend) {
      expect(pod.points).toBe(5 * 24);
      expect(Math.abs(pod.slopeBytesPerHour)).toBeLessThan(0.5 * MB);
    }
  });

  test('the other containers sit where the model puts them', async () => {
    const within = async (sel: ContainerSelector, pods: number, cpu: [number, number], bytes: [number, number]) => {
      const [c, m] = [await source.cpuUsage(sel, window), await source.memoryUsage(sel, window)];
      expect(c).toHaveLength(pods);
      for (const p of c) expect([p.pod, p.p95 > cpu[0] && p.p95 < cpu[1]]).toEqual([p.pod, true]);
      for (const p of m) expect([p.pod, p.p95 > bytes[0] && p.p95 < bytes[1]]).toEqual([p.pod, true]);
    };
    await within(mapNuma, 18, [0.8, 1.2], [200 * MB, 320 * MB]);
    await within(inNuma, 10, [0.6, 0.9], [150 * MB, 230 * MB]);
    await within({ ...inNuma, podPattern: vertexPods('out') }, 6, [0.45, 0.7], [130 * MB, 200 * MB]);
    await within(isbMain, 3, [3, 4.5], [2.0e9, 2.6e9]);
  });

  test('ignores pod-level (container="") and pause-container rows', async () => {
    expect(await source.cpuUsage({ ...udf, container: '' }, window)).toEqual([]);
    expect(await source.memoryUsage({ ...udf, container: 'POD' }, window)).toEqual([]);
    // a pattern matching every pod still finds only the udf containers
    expect(await source.cpuUsage({ ...udf, podPattern: '.*' }, window)).toHaveLength(18);
  });

  test('merges duplicate scrape jobs by their maximum: duplicates and pod rows do not inflate any figure', async () => {
    const days = 2;
    const withExtras = new EmbeddedSource(generateSoakDataset({ days }));
    const clean = new EmbeddedSource(generateSoakDataset({ days, duplicateScrapes: false, podLevelRows: false }));
    const w = windowOf(withExtras.dataset);
    for (const sel of [udf, mapNuma, inNuma]) {
      expect(await withExtras.cpuUsage(sel, w)).toEqual(await clean.cpuUsage(sel, w));
      expect(await withExtras.memoryUsage(sel, w)).toEqual(await clean.memoryUsage(sel, w));
      expect(await withExtras.usageSeries(sel, w)).toEqual(await clean.usageSeries(sel, w));
      expect(await withExtras.memoryTrend(sel, w)).toEqual(await clean.memoryTrend(sel, w));
    }
    // the duplicates are really there for the batch-map pods the comparison covers
    expect(withExtras.dataset.series.some((s) => s.labels.job === 'cadvisor-dup' && s.labels.container === 'udf')).toBe(true);
  });

  test('usage series: the maximum across pods at each evaluation point', async () => {
    const { cpu, memory } = await source.usageSeries(udf, window);
    const points = evaluationTimes(window);
    expect(cpu.t).toEqual(points);
    expect(memory.values).toHaveLength(points.length);
    const perPod = await source.cpuUsage(udf, window);
    expect(Math.max(...cpu.values)).toBeCloseTo(Math.max(...perPod.map((p) => p.peak)), 12);
    // the diurnal trough is 1.1 × 0.8 cores; the busiest pod sits a little above it
    expect(cpu.values.every((v) => v > 0.8 && v < 2.0)).toBe(true);
    expect(Math.min(...cpu.values)).toBeLessThan(1.0);
  });

  test('throughput: the source reads 50,000 msg/s (±2%) at every point with 10 replicas', async () => {
    const { rate, replicas } = await source.throughput(NS, PIPELINE, 'in', window);
    expect(replicas).toBe(10);
    expect(rate.values).toHaveLength(evaluationTimes(window).length);
    for (const v of rate.values) {
      expect(v).toBeGreaterThan(49000);
      expect(v).toBeLessThan(51000);
    }
    expect((await source.throughput(NS, PIPELINE, 'batch-cat', window)).replicas).toBe(18);
    expect((await source.throughput(NS, PIPELINE, 'out', window)).replicas).toBe(6);
    const none = await source.throughput(NS, 'another-pipeline', 'in', window);
    expect(none.replicas).toBe(0);
    expect(none.rate.values.every(Number.isNaN)).toBe(true);
  });

  test('processing latency p99 is in milliseconds; no back pressure, no errors, no restarts', async () => {
    const p99 = await source.processingLatencyP99(NS, PIPELINE, window);
    // the model puts the pipeline's p99 inside upstream's bucket (3743 µs, 22894 µs]
    expect(p99).toBeGreaterThan(3743);
    expect(p99).toBeLessThan(22894);
    expect(await source.processingLatencyP99(NS, 'another-pipeline', window)).toBeUndefined();
    // Writers count isFull attempts while their buffer starts marked full: only the warm-up has them.
    const afterWarmUp = { ...window, start: window.start + 600 };
    expect(await source.backPressureEvents(BUFFERS, window)).toBeGreaterThan(0);
    expect(await source.backPressureEvents(BUFFERS, afterWarmUp)).toBe(0);
    expect(await source.backPressureEvents({ namespace: NS, bufferPattern: '^numaflow-soak-other-.*$' }, window)).toBe(0);
    expect(await source.errorCounts(NS, PIPELINE, BUFFERS, window)).toEqual(Object.fromEntries(ERROR_COUNTERS.map((c) => [c.name, 0])));
    const restarts = await source.restarts(udf, window);
    expect(restarts).toHaveLength(18);
    expect(restarts.every((r) => r.restarts === 0 && !r.oomKilled)).toBe(true);
    const throttling = await source.throttling(udf, window);
    expect(throttling).toHaveLength(18);
    for (const t of throttling) {
      expect(t.ratio).toBeLessThan(0.01);
      expect(t.peak5m).toBeLessThan(0.05);
    }
  });

  test('filters by pipeline when the namespace runs several', async () => {
    const two = new EmbeddedSource(generateSoakDataset({ days: 1, pipelines: [PIPELINE, 'batch-map-copy'] }));
    const w = windowOf(two.dataset);
    const tp = await two.throughput(NS, PIPELINE, 'in', w);
    expect(tp.replicas).toBe(10);
    expect(Math.max(...tp.rate.values)).toBeLessThan(51000);
    expect(await two.cpuUsage(udf, w)).toHaveLength(18);
    expect(await two.errorCounts(NS, 'batch-map-copy', BUFFERS, w)).toEqual(Object.fromEntries(ERROR_COUNTERS.map((c) => [c.name, 0])));
  });
});

describe('EmbeddedSource on the scenarios', () => {
  const days = 3;

  test('leak: every udf trends up about 4 MB/h (±10%), the numa containers stay flat', async () => {
    const leak = new EmbeddedSource(generateSoakDataset({ days, scenario: 'leak' }));
    const w = windowOf(leak.dataset);
    const trend = await leak.memoryTrend(udf, w);
    expect(trend).toHaveLength(18);
    for (const pod of trend) {
      expect(pod.points).toBe(days * 24);
      expect(pod.slopeBytesPerHour).toBeGreaterThan(LEAK_BYTES_PER_HOUR * 0.9);
      expect(pod.slopeBytesPerHour).toBeLessThan(LEAK_BYTES_PER_HOUR * 1.1);
    }
    for (const pod of await leak.memoryTrend(mapNuma, w)) expect(Math.abs(pod.slopeBytesPerHour)).toBeLessThan(0.5 * MB);
  });

  test('oom: the killed udf shows one restart and OOMKilled, read from the init-container series; its CPU rate never goes negative', async () => {
    const oom = new EmbeddedSource(generateSoakDataset({ days, scenario: 'oom' }));
    const w = windowOf(oom.dataset);
    const restarts = await oom.restarts(udf, w);
    expect(restarts).toHaveLength(18);
    const killed = restarts.filter((r) => r.restarts > 0 || r.oomKilled);
    expect(killed).toEqual([{ pod: expect.stringMatching(new RegExp(`^batch-map-soak-batch-cat-${OOM_REPLICA}-[a-z0-9]{5}$`)), restarts: 1, oomKilled: true }]);
    // the udf is a native sidecar: kube_pod_container_* has nothing for it
    expect(await oom.restarts({ ...udf, sidecar: false }, w)).toEqual([]);

    const pod = killed[0].pod;
    const one = { ...udf, podPattern: pod.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') };
    const { cpu, memory } = await oom.usageSeries(one, w);
    expect(Math.min(...cpu.values)).toBeGreaterThan(0);
    expect(Math.max(...cpu.values)).toBeLessThan(2);
    const [usage] = await oom.memoryUsage(one, w);
    expect(usage.peak).toBeGreaterThan(800 * 1024 * 1024);
    expect(memory.values[memory.values.length - 1]).toBeLessThan(90 * MB);
  });

  test('throttle: the batch-map numa containers hit a 5-minute throttled ratio of 0.3 or more', async () => {
    const throttle = new EmbeddedSource(generateSoakDataset({ days, scenario: 'throttle' }));
    const w = windowOf(throttle.dataset);
    const numa = await throttle.throttling(mapNuma, w);
    expect(numa).toHaveLength(18);
    for (const pod of numa) {
      expect(pod.peak5m).toBeGreaterThanOrEqual(0.3);
      // 10 minutes in every ~2 hours at 40%: about 3% over the window
      expect(pod.ratio).toBeGreaterThan(0.02);
      expect(pod.ratio).toBeLessThan(0.06);
    }
    const cpu = await throttle.cpuUsage(mapNuma, w);
    for (const pod of cpu) expect(pod.peak).toBeGreaterThan(3.8);
    for (const pod of await throttle.throttling(udf, w)) expect(pod.peak5m).toBeLessThan(0.05);
  });

  test('gap: six hours without samples cost about 6 h / step evaluation points', async () => {
    const gap = new EmbeddedSource(generateSoakDataset({ days, scenario: 'gap' }));
    const base = new EmbeddedSource(generateSoakDataset({ days }));
    const w = windowOf(gap.dataset);
    const [withGap, without] = [await gap.cpuUsage(udf, w), await base.cpuUsage(udf, w)];
    const lost = (6 * 3600) / w.stepSeconds;
    for (let i = 0; i < withGap.length; i++) {
      expect(without[i].samples - withGap[i].samples).toBeGreaterThanOrEqual(lost - 2);
      expect(without[i].samples - withGap[i].samples).toBeLessThanOrEqual(lost + 5);
    }
    const memory = await gap.memoryUsage(udf, w);
    const missing = without[0].samples - memory[0].samples;
    expect(missing).toBeGreaterThanOrEqual(lost - 5);
    expect(missing).toBeLessThanOrEqual(lost + 5);
  });
});
