import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_DATASET,
  defaultDataset,
  GAP_HOURS,
  generateSoakDataset,
  LEAD_IN_SECONDS,
  SCENARIOS,
  SOAK_NAMES,
  WARM_UP_FULL,
  type RawSeries,
  type SoakDataset,
} from '../../src/recommend/dataset';
import { contractFor } from '../../src/metrics/contract';
import { datasetSampleCount, writeOpenMetrics } from '../../src/recommend/openmetrics';
import { requireBinary } from '../support/prometheus';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-dataset-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const dataset = defaultDataset();
const MB = 1e6;

function find(ds: SoakDataset, metric: string, match: Record<string, string | RegExp>): RawSeries[] {
  return ds.series.filter(
    (s) =>
      s.metric === metric &&
      Object.entries(match).every(([k, want]) => (typeof want === 'string' ? s.labels[k] === want : s.labels[k] !== undefined && want.test(s.labels[k]))),
  );
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('generateSoakDataset', () => {
  test('is deterministic: the same seed writes the same OpenMetrics bytes, another seed other bytes', () => {
    const small = { days: 1, scrapeSeconds: 600 };
    const a = path.join(tmp, 'a.om');
    const b = path.join(tmp, 'b.om');
    const c = path.join(tmp, 'c.om');
    writeOpenMetrics(generateSoakDataset({ ...small, seed: 7 }), a);
    writeOpenMetrics(generateSoakDataset({ ...small, seed: 7 }), b);
    writeOpenMetrics(generateSoakDataset({ ...small, seed: 8 }), c);
    expect(sha256(a)).toBe(sha256(b));
    expect(sha256(a)).not.toBe(sha256(c));
  });

  test('names pods as Numaflow and the ISB StatefulSet do', () => {
    const pods = new Set(find(dataset, 'container_cpu_usage_seconds_total', {}).map((s) => s.labels.pod));
    const vertexPods = [...pods].filter((p) => p.startsWith('batch-map-soak-') && !p.startsWith('batch-map-soak-daemon-'));
    expect(vertexPods).toHaveLength(10 + 18 + 6);
    for (const pod of vertexPods) expect(pod).toMatch(/^batch-map-soak-(in|batch-cat|out)-\d+-[a-z0-9]{5}$/);
    expect(vertexPods.filter((p) => /^batch-map-soak-batch-cat-\d+-/.test(p)).map((p) => Number(p.split('-')[5])).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 18 }, (_, i) => i),
    );
    expect([...pods].filter((p) => p.startsWith('isbsvc-')).sort()).toEqual(['isbsvc-soak-isb-js-0', 'isbsvc-soak-isb-js-1', 'isbsvc-soak-isb-js-2']);
    expect([...pods].filter((p) => p.startsWith('batch-map-soak-daemon-'))).toEqual([expect.stringMatching(/^batch-map-soak-daemon-[a-z0-9]{10}-[a-z0-9]{5}$/)]);
    // every pod name is unique per replica
    expect(new Set(vertexPods.map((p) => p.replace(/-[a-z0-9]{5}$/, ''))).size).toBe(vertexPods.length);
  });

  test('steady: the batch-map udf averages about 1.1 cores and 70 MB per pod, as the seed report says', () => {
    const cpu = find(dataset, 'container_cpu_usage_seconds_total', { container: 'udf', job: 'kubelet' });
    const mem = find(dataset, 'container_memory_working_set_bytes', { container: 'udf', job: 'kubelet' });
    expect(cpu).toHaveLength(18);
    expect(mem).toHaveLength(18);
    const cores = cpu.map((s) => (s.v[s.v.length - 1] - s.v[0]) / (s.t[s.t.length - 1] - s.t[0]));
    const meanCores = cores.reduce((a, b) => a + b, 0) / cores.length;
    expect(meanCores).toBeGreaterThan(1.0);
    expect(meanCores).toBeLessThan(1.2);
    const bytes = mem.flatMap((s) => Array.from(s.v));
    const meanBytes = bytes.reduce((a, b) => a + b, 0) / bytes.length;
    expect(meanBytes).toBeGreaterThan(60 * MB);
    expect(meanBytes).toBeLessThan(80 * MB);
  });

  test('steady: the source reads 5000 msg/s per replica and nothing restarts, errors or fills a buffer', () => {
    const reads = find(dataset, 'forwarder_data_read_total', { vertex: 'in' });
    expect(reads).toHaveLength(10);
    for (const s of reads) {
      const rate = (s.v[s.v.length - 1] - s.v[0]) / (s.t[s.t.length - 1] - s.t[0]);
      expect(rate).toBeGreaterThan(4990);
      expect(rate).toBeLessThan(5010);
    }
    const flat = [...find(dataset, 'kube_pod_container_status_restarts_total', {}), ...find(dataset, 'kube_pod_init_container_status_restarts_total', {})];
    expect(flat.length).toBeGreaterThan(100);
    for (const s of flat) expect(Math.max(...s.v)).toBe(0);
    expect(dataset.series.filter((s) => s.metric.endsWith('_last_terminated_reason'))).toEqual([]);
    // Counters Numaflow creates on the first increment do not exist when nothing was counted.
    for (const name of ['forwarder_read_error_total', 'forwarder_udf_error_total', 'forwarder_critical_error_total', 'forwarder_drop_total', 'isb_jetstream_write_error_total']) {
      expect(find(dataset, name, {})).toEqual([]);
    }
    // isFull: only the writers' start-up, while their buffer starts marked full.
    const full = find(dataset, 'isb_jetstream_isFull_total', {});
    expect(full).toHaveLength(WARM_UP_FULL.writers);
    for (const s of full) {
      const last = s.v[s.v.length - 1];
      expect(last).toBeGreaterThan(0);
      const settled = s.t.findIndex((t) => t > dataset.start + WARM_UP_FULL.seconds + dataset.scrapeSeconds);
      expect(s.v[settled]).toBe(last);
    }
  });

  test('has one sample per scrape from the lead-in to the end, at timestamps off the whole seconds', () => {
    const expected = (DEFAULT_DATASET.days * 86400 + LEAD_IN_SECONDS) / DEFAULT_DATASET.scrapeSeconds;
    for (const s of dataset.series.filter((x) => x.metric === 'container_cpu_usage_seconds_total')) {
      expect(Math.abs(s.v.length - expected)).toBeLessThanOrEqual(1);
      expect(s.t[0]).toBeGreaterThanOrEqual(dataset.start - LEAD_IN_SECONDS);
      expect(s.t[0]).toBeLessThan(dataset.start - LEAD_IN_SECONDS + DEFAULT_DATASET.scrapeSeconds);
      expect(s.t[s.t.length - 1]).toBeLessThanOrEqual(dataset.end);
      expect(Math.abs(s.t[1] - s.t[0] - 120)).toBeLessThan(0.1);
      expect(Number.isInteger(s.t[0])).toBe(false);
    }
    expect(datasetSampleCount(dataset)).toBe(dataset.series.reduce((n, s) => n + s.t.length, 0));
    expect(datasetSampleCount(dataset)).toBeGreaterThan(dataset.series.length * (expected - 1));
  });

  test('the 96 containers have cAdvisor CPU, memory and CFS series under job kubelet', () => {
    for (const metric of [
      'container_cpu_usage_seconds_total',
      'container_memory_working_set_bytes',
      'container_cpu_cfs_periods_total',
      'container_cpu_cfs_throttled_periods_total',
    ]) {
      const real = find(dataset, metric, { job: 'kubelet', container: /^(?!POD$)./ });
      // vertex pods: in 10 × (numa, monitor), batch-cat 18 × (numa, udf, monitor), out 6 × (numa, monitor);
      // daemon main; ISB 3 × (main, reloader, metrics)
      expect(real).toHaveLength(20 + 54 + 12 + 1 + 9);
    }
  });

  test('carries the duplicates a real cluster has: a second scrape job, pod-level and pause-container rows', () => {
    const dup = find(dataset, 'container_cpu_usage_seconds_total', { job: 'cadvisor-dup' });
    expect(dup.length).toBeGreaterThanOrEqual(3);
    for (const d of dup) {
      const [original] = find(dataset, d.metric, { job: 'kubelet', pod: d.labels.pod, container: d.labels.container });
      expect(Array.from(d.v)).toEqual(Array.from(original.v));
    }
    expect(find(dataset, 'container_memory_working_set_bytes', { job: 'cadvisor-dup' }).length).toBe(dup.length);

    const podRows = find(dataset, 'container_cpu_usage_seconds_total', { container: '' });
    expect(podRows.length).toBeGreaterThanOrEqual(2);
    expect(find(dataset, 'container_memory_working_set_bytes', { container: 'POD' }).length).toBe(podRows.length);
    // the pod cgroup counts every container plus the pause container
    const row = podRows[0];
    const parts = find(dataset, 'container_cpu_usage_seconds_total', { job: 'kubelet', pod: row.labels.pod }).filter((s) => s.labels.container !== '');
    const sum = parts.reduce((acc, s) => acc + s.v[100], 0);
    expect(row.v[100]).toBeCloseTo(sum, 4);

    const clean = generateSoakDataset({ days: 1, duplicateScrapes: false, podLevelRows: false });
    expect(clean.series.some((s) => s.labels.job === 'cadvisor-dup' || s.labels.container === '' || s.labels.container === 'POD')).toBe(false);
  });

  test('reports restarts of native sidecars (udf, monitor) as init-container series, of numa as container series', () => {
    const udf = find(dataset, 'kube_pod_init_container_status_restarts_total', { container: 'udf' });
    expect(udf).toHaveLength(18);
    expect(find(dataset, 'kube_pod_container_status_restarts_total', { container: 'udf' })).toEqual([]);
    // 34 vertex pods and the daemon (its container is numa too).
    expect(find(dataset, 'kube_pod_container_status_restarts_total', { container: 'numa' })).toHaveLength(35);
    expect(find(dataset, 'kube_pod_init_container_status_restarts_total', { container: 'monitor' })).toHaveLength(34);
  });

  test('scenarios change only what they model', () => {
    const days = 2;
    const steady = generateSoakDataset({ days });
    const leak = generateSoakDataset({ days, scenario: 'leak' });
    const key = (s: RawSeries) => `${s.metric}${JSON.stringify(s.labels)}`;
    const steadyByKey = new Map(steady.series.map((s) => [key(s), s]));
    const changed = leak.series.filter((s) => {
      const other = steadyByKey.get(key(s));
      return !other || other.v.some((x, i) => x !== s.v[i]);
    });
    expect(changed.map((s) => `${s.metric}/${s.labels.container}/${s.labels.job}`).sort()).toEqual(
      [...Array(18).fill('container_memory_working_set_bytes/udf/kubelet'), ...Array(3).fill('container_memory_working_set_bytes/udf/cadvisor-dup'), ...Array(4).fill('container_memory_working_set_bytes//kubelet')].sort(),
    );
  });

  test('oom: one udf restarts with its CPU counter reset, and ksm starts reporting OOMKilled', () => {
    const oom = generateSoakDataset({ days: 2, scenario: 'oom' });
    const reasons = find(oom, 'kube_pod_init_container_status_last_terminated_reason', { reason: 'OOMKilled' });
    expect(reasons).toHaveLength(1);
    const { pod } = reasons[0].labels;
    const killAt = oom.start + 86400;
    expect(reasons[0].t[0]).toBeGreaterThan(killAt);
    expect(Math.min(...reasons[0].v)).toBe(1);
    const [restarts] = find(oom, 'kube_pod_init_container_status_restarts_total', { pod, container: 'udf' });
    expect(restarts.v[0]).toBe(0);
    expect(restarts.v[restarts.v.length - 1]).toBe(1);
    const [cpu] = find(oom, 'container_cpu_usage_seconds_total', { pod, container: 'udf', job: 'kubelet' });
    const drops = Array.from(cpu.v).filter((x, i) => i > 0 && x < cpu.v[i - 1]);
    expect(drops).toHaveLength(1);
    const [mem] = find(oom, 'container_memory_working_set_bytes', { pod, container: 'udf', job: 'kubelet' });
    const peak = Math.max(...mem.v);
    expect(peak).toBeGreaterThan(800 * 1024 * 1024);
    expect(peak).toBeLessThan(950 * 1024 * 1024);
    expect(mem.v[mem.v.length - 1]).toBeLessThan(90 * MB);
  });

  test('gap: no series has a sample during the 6-hour outage on day 2', () => {
    const gap = generateSoakDataset({ days: 2, scenario: 'gap', scrapeSeconds: 300 });
    const from = gap.start + GAP_HOURS.fromHour * 3600;
    const to = gap.start + GAP_HOURS.toHour * 3600;
    expect(to - from).toBe(6 * 3600);
    for (const s of gap.series) {
      expect(Array.from(s.t).some((t) => t >= from && t < to)).toBe(false);
    }
    const steady = generateSoakDataset({ days: 2, scrapeSeconds: 300 });
    expect(datasetSampleCount(steady) - datasetSampleCount(gap)).toBeGreaterThanOrEqual(steady.series.length * (72 - 1));
    expect(datasetSampleCount(steady) - datasetSampleCount(gap)).toBeLessThanOrEqual(steady.series.length * (72 + 1));
  });

  test('models the names of stacks/Pulumi.soak.yaml', () => {
    expect(SOAK_NAMES).toMatchObject({ namespace: 'numaflow-soak', pipeline: 'batch-map-soak', buffer: 'soak-isb' });
    const buffers = find(dataset, 'isb_jetstream_buffer_pending', {}).map((s) => s.labels.buffer);
    expect(buffers).toEqual([...Array.from({ length: 12 }, (_, i) => `numaflow-soak-batch-map-soak-batch-cat-${i}`), 'numaflow-soak-batch-map-soak-out-0']);
    expect(new Set(dataset.series.map((s) => s.labels.namespace))).toEqual(new Set(['numaflow-soak']));
  });

  test.each(SCENARIOS)('%s: every series carries only labels its upstream exporter exposes (the metrics contract)', (scenario) => {
    const d = scenario === 'steady' ? dataset : generateSoakDataset({ scenario, days: 3, scrapeSeconds: 600 });
    const problems = new Set<string>();
    for (const s of d.series) {
      const c = contractFor(s.metric);
      if (!c) {
        problems.add(`${s.metric}: not in the contract`);
        continue;
      }
      // The duplicate cAdvisor scrape differs only in its job label's value.
      for (const label of Object.keys(s.labels)) if (!c.labels.includes(label)) problems.add(`${s.metric}: label ${label}`);
    }
    expect([...problems]).toEqual([]);
    // Reads: a source carries source_partition, the other vertices partition_name (never both).
    for (const r of find(d, 'forwarder_data_read_total', {})) {
      expect(r.labels.vertex === 'in' ? 'source_partition' in r.labels : 'partition_name' in r.labels).toBe(true);
      expect('source_partition' in r.labels && 'partition_name' in r.labels).toBe(false);
    }
    for (const f of find(d, 'isb_jetstream_buffer_pending', {})) expect(f.labels.pipeline).toBeUndefined();
  });
});

describe('writeOpenMetrics', () => {
  test('promtool backfills a small dataset into TSDB blocks holding every sample', () => {
    const promtool = requireBinary('promtool'); // on PATH, at a version the tests accept
    const small = generateSoakDataset({ days: 0.25, scenario: 'oom' });
    const file = path.join(tmp, 'small.om');
    const written = writeOpenMetrics(small, file);
    expect(written.samples).toBe(datasetSampleCount(small));
    const text = fs.readFileSync(file, 'utf8');
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text).toContain('# TYPE container_cpu_usage_seconds counter\n');
    expect(text).toContain('# TYPE forwarder_processing_time histogram\n');
    expect(text).toContain('# TYPE container_memory_working_set_bytes gauge\n');
    // timestamps in seconds with millisecond decimals
    expect(text).toMatch(/^container_cpu_usage_seconds_total\{namespace="numaflow-soak",pod="[^"]+",container="[^"]+",[^}]*job="kubelet",[^}]*cpu="total"\} [0-9.e+]+ 17513\d{5}\.\d{3}$/m);

    const blocks = path.join(tmp, 'blocks');
    let output: string;
    try {
      output = execFileSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', file, blocks], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(`promtool refused the OpenMetrics file: ${e.stderr || e.stdout || e.message}`);
    }
    expect(output).toContain('BLOCK ULID');
    const metas = fs
      .readdirSync(blocks)
      .filter((d) => fs.existsSync(path.join(blocks, d, 'meta.json')))
      .map((d) => JSON.parse(fs.readFileSync(path.join(blocks, d, 'meta.json'), 'utf8')) as { stats: { numSamples: number } });
    expect(metas.length).toBeGreaterThanOrEqual(3);
    expect(metas.reduce((n, m) => n + m.stats.numSamples, 0)).toBe(written.samples);
  });
});
