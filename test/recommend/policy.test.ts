/**
 * The recommendation policy, rule by rule, driven by a hand-made metrics source
 * (fake-source.ts) over the real soak plan (stacks/Pulumi.soak.yaml); the invariants of
 * every sizing path on seeded synthetic usage (sizeContainer directly); and the request
 * efficiency R on the embedded steady dataset.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { threadsForCpu } from '../../src/numaflow/worker-threads';
import { ImplausibleMeasurementError } from '../../src/recommend/policy';
import { capture, tempProject } from '../support/diff';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { Bytes, Cpu } from '../../src/plan/quantity';
import type { ContainerResources } from '../../src/plan/schema';
import { DEFAULT_DATASET, generateSoakDataset } from '../../src/recommend/dataset';
import { EmbeddedSource } from '../../src/recommend/embedded';
import type { PodUsage } from '../../src/recommend/metrics';
import {
  adviseVolume,
  basisComment,
  DEFAULT_POLICY,

  PolicyError,
  REQUEST_EFFICIENCY_GOAL,
  requestEfficiency,
  resolvePolicy,
  roundUpBytes,
  roundUpCpu,
  sizeContainer,
  type ContainerMeasurements,
  type RecommendationPolicy,
  type SizingContext,
  type ValueBasis,
} from '../../src/recommend/policy';
import { recommendPlan, type ContainerRecommendation, type Recommendation } from '../../src/recommend/recommend';
import type { ContainerRole } from '../../src/recommend/selectors';
import { sizedSelectors } from '../../src/recommend/selectors';
import { FakeSource, GiB, HOUR, MiB, steadyContainers, WINDOW, type FakeContainer, type FakeOptions } from './fake-source';

const plan = loadStackFile(stackFile('soak')).plan;

async function recommend(options: FakeOptions = {}, policy: Partial<RecommendationPolicy> = {}, window = WINDOW): Promise<Recommendation> {
  return recommendPlan({ plan, source: new FakeSource(options), window, policy });
}

function withContainer(key: string, change: Partial<FakeContainer>): Record<string, FakeContainer> {
  const all = steadyContainers();
  all[key] = { ...all[key], ...change };
  return all;
}

function container(r: Recommendation, path: string): ContainerRecommendation {
  const c = r.containers.find((x) => x.path === path);
  if (!c) throw new Error(`no recommendation for ${path}`);
  return c;
}

const text = (c: ContainerRecommendation) => ({
  requests: `${c.recommended.requests.cpu} / ${c.recommended.requests.memory}`,
  limits: `${c.recommended.limits.cpu} / ${c.recommended.limits.memory}`,
});

describe('selectors', () => {
  it('selects Numaflow pod names per container: vertex pods, the daemon Deployment, the JetStream StatefulSet', () => {
    const byPath = Object.fromEntries(sizedSelectors(plan).map((c) => [c.path, c]));
    expect(byPath['pipeline.batchMap.udf'].selector).toEqual({
      namespace: 'numaflow-soak',
      podPattern: '^batch-map-soak-batch-cat-\\d+-[a-z0-9]{5}$',
      container: 'udf',
      sidecar: true,
    });
    expect(byPath['pipeline.batchMap.numa'].selector.sidecar).toBe(false);
    expect(byPath['pipeline.daemon'].selector).toMatchObject({ podPattern: '^batch-map-soak-daemon-[a-z0-9]+-[a-z0-9]{5}$', container: 'numa' });
    expect(byPath['buffer.containers.main'].selector.podPattern).toBe('^isbsvc-soak-isb-js-\\d+$');
    expect(new RegExp(byPath['pipeline.batchMap.udf'].selector.podPattern).test('batch-map-soak-batch-cat-17-x2b9z')).toBe(true);
    expect(new RegExp(byPath['pipeline.batchMap.udf'].selector.podPattern).test('batch-map-soak-batch-cat-headless')).toBe(false);
    expect(byPath['pipeline.init'].role).toBe('init');
  });
});

describe('a steady soak', () => {
  let r: Recommendation;
  beforeAll(async () => {
    r = await recommend();
  });

  it('sizes CPU from the max over pods of the per-pod p95 +20%, and the limit from the peak +20%', () => {
    // udf: p95 1.3 cores × 1.2 = 1.56 → 1560m; peak 1.6 × 1.2 = 1.92 → 1920m.
    const udf = container(r, 'pipeline.batchMap.udf');
    expect(text(udf)).toEqual({ requests: '1560m / 100Mi', limits: '1920m / 100Mi' });
    expect(udf.basis.cpu).toMatchObject({ statistic: 'p95', percentile: 95, value: 1.3, headroomPercent: 20, samples: 7201, pods: 18 });
    expect(udf.basis.cpu!.request).toEqual({ rule: 'statistic', statistic: 'p95', value: 1.3, headroomPercent: 20, text: 'p95 1.30 cores over 18 pods +20%' });
    expect(udf.basis.cpu!.limit).toEqual({ rule: 'statistic', statistic: 'peak', value: 1.6, headroomPercent: 20, text: 'peak 1.60 cores over 18 pods +20%' });
    expect(udf.status).toBe('changed');
  });

  it('applies the floors: 100Mi of memory when peak +15% is below it, 10m of CPU', () => {
    // udf peak 75Mi × 1.15 = 86.25Mi < 100Mi; metrics 22Mi → 100Mi, its CPU (Guaranteed: from
    // the peak) 0.02 × 1.2 = 24m → 30m in 10m steps.
    expect(container(r, 'pipeline.batchMap.udf').recommended.limits.memory.toString()).toBe('100Mi');
    expect(container(r, 'pipeline.batchMap.udf').flags).toContain('memory-floor');
    expect(text(container(r, 'buffer.containers.metrics'))).toEqual({ requests: '30m / 100Mi', limits: '30m / 100Mi' });
    // reloader: Guaranteed, so sized from its peak: 2m × 1.2 = 2.4m → the 10m floor, and the basis says so.
    const reloader = container(r, 'buffer.containers.reloader');
    expect(reloader.recommended.requests.cpu.toString()).toBe('10m');
    expect(reloader.flags).toContain('cpu-floor');
    expect(reloader.basis.cpu!.request).toEqual({ rule: 'floor', text: 'floor 10m (peak 2.0m over 3 pods +20% is below it)' });
  });

  it('never raises a value to a floor above what the plan already had (the reloader keeps 64Mi, below the 100Mi floor)', () => {
    const reloader = container(r, 'buffer.containers.reloader');
    expect(reloader.recommended.limits.memory.toString()).toBe('64Mi');
    expect(reloader.notes.join('\n')).toContain("64Mi (the plan's value, below the 100Mi floor)");
  });

  it('sizes the numa CPU request like any container: the statistic +20%, not rounded to whole cores', () => {
    // batch-cat numa p95 1.0 × 1.2 = 1.2 → 1200m: ceil = 2 worker threads, as the soak's "2" gave.
    const mapNuma = container(r, 'pipeline.batchMap.numa');
    expect(text(mapNuma)).toEqual({ requests: '1200m / 311Mi', limits: '1440m / 311Mi' });
    expect(mapNuma.flags).not.toContain('whole-cores');
    expect(mapNuma.flags).not.toContain('fewer-threads');
    expect(mapNuma.basis.cpu!.threads).toEqual({ soak: 2, recommended: 2 });
    expect(mapNuma.notes.join('\n')).toContain('numa: 2 worker thread(s) = ceil(requests.cpu 1200m), as in the soak');
    expect(r.provenance.containers['pipeline.batchMap.numa'].requiredCores).toBe(2);
    expect(r.provenance.containers['pipeline.source.numa'].requiredCores).toBe(1);
    expect(r.provenance.containers['pipeline.batchMap.udf'].requiredCores).toBeUndefined();
  });

  it('flags a numa container whose new request gives fewer worker threads than the soak ran with, and says how to keep them', () => {
    // in numa: 0.7 × 1.2 = 840m → 1 thread (the soak's 2 gave 2); out numa: 0.6 × 1.2 = 720m → 1 thread (the soak's 4 gave 4).
    const srcNuma = container(r, 'pipeline.source.numa');
    expect(srcNuma.recommended.requests.cpu.toString()).toBe('840m');
    expect(srcNuma.flags).toContain('fewer-threads');
    expect(srcNuma.basis.cpu!.threads).toEqual({ soak: 2, recommended: 1 });
    expect(srcNuma.notes.join('\n')).toContain('numa: worker threads 2 → 1 (NUMAFLOW_CPU_REQUEST = ceil(requests.cpu): 2 → 840m); re-check throughput in the next soak, or pin 2');
    const sinkNuma = container(r, 'pipeline.sink.numa');
    expect(sinkNuma.recommended.requests.cpu.toString()).toBe('720m');
    expect(sinkNuma.flags).toContain('fewer-threads');
    expect(basisComment(sinkNuma, 'requests')).toBe('p95 0.60 cores over 6 pods +20%, worker threads 4 → 1: re-check throughput; memory peak 170.0Mi over 6 pods +15%; 7201 samples');
  });

  it('keeps the buffer service Guaranteed (request = limit) and leaves JetStream room above its peak for GOMEMLIMIT', () => {
    const main = container(r, 'buffer.containers.main');
    // CPU: the limit rule, peak 4.3 × 1.2 = 5.16 → 5160m for both; memory 2Gi × 1.3 = 2662.4Mi → 2663Mi.
    expect(text(main)).toEqual({ requests: '5160m / 2663Mi', limits: '5160m / 2663Mi' });
    // The basis says the peak, not the p95: the value is the peak +20%.
    expect(main.basis.cpu).toMatchObject({ statistic: 'peak', percentile: 100, value: 4.3, headroomPercent: 20 });
    expect(main.basis.cpu!.request).toMatchObject({ rule: 'statistic', statistic: 'peak', value: 4.3 });
    expect(main.basis.cpu!.limit).toMatchObject({ rule: 'statistic', statistic: 'peak', equals: 'request' });
    expect(basisComment(main, 'requests')).toBe('peak 4.30 cores over 3 pods +20%; memory peak 2.00Gi over 3 pods +30% (GOMEMLIMIT room); 7201 samples');
    expect(basisComment(main, 'limits')).toBe('limit = request (Guaranteed)');
    expect(main.flags).toEqual(expect.arrayContaining(['guaranteed', 'gomemlimit']));
    expect(main.notes.join('\n')).toContain('GOMEMLIMIT follows the memory limit');
    for (const path of ['buffer.containers.main', 'buffer.containers.reloader', 'buffer.containers.metrics']) {
      const c = container(r, path);
      expect(c.recommended.requests.cpu.equals(c.recommended.limits.cpu)).toBe(true);
      expect(c.recommended.requests.memory.equals(c.recommended.limits.memory)).toBe(true);
    }
  });

  it('keeps the init template (not sized from usage) and says why', () => {
    const init = container(r, 'pipeline.init');
    expect(init.status).toBe('kept');
    expect(init.recommended).toBe(init.current);
    expect(init.notes[0]).toContain('init container');
  });

  it('records provenance for every measured container: stats, headroom, a series of at most 500 points', () => {
    expect(r.provenance.source).toBe('fake:policy-test');
    expect(r.provenance.window).toEqual({ start: '2025-07-01T00:00:00Z', end: '2025-07-06T00:00:00Z', stepSeconds: 60 });
    expect(Object.keys(r.provenance.containers).sort()).toEqual([
      'buffer.containers.main',
      'buffer.containers.metrics',
      'buffer.containers.reloader',
      'pipeline.batchMap.numa',
      'pipeline.batchMap.udf',
      'pipeline.daemon',
      'pipeline.sink.numa',
      'pipeline.source.numa',
    ]);
    const udf = r.provenance.containers['pipeline.batchMap.udf'];
    expect(udf.cpu).toEqual({ p95: 1.3, p99: 1.365, peak: 1.6, samples: 7201 });
    expect(udf.headroomPercent).toEqual({ cpu: 20, memory: 15 });
    expect(udf.series!.t.length).toBeLessThanOrEqual(500);
    expect(udf.series!.cpu!.length).toBe(udf.series!.t.length);
  });

  it('is not insufficient: no reasons', () => {
    expect(r.insufficientData).toBe(false);
    expect(r.reasons).toEqual([]);
  });
});

describe('OOM history', () => {
  it('raises memory (VPA bump: max(limit, peak) × 1.2 or +100Mi), never lowers it', async () => {
    const r = await recommend({ containers: withContainer('batch-cat/udf', { oomKilled: true, memory: { peak: 900 * MiB } }) });
    const udf = container(r, 'pipeline.batchMap.udf');
    // max(16Gi, 900Mi) × 1.2 = 19.2Gi = 19660.8Mi → 19661Mi; +100Mi would be 16484Mi.
    expect(udf.recommended.limits.memory.toString()).toBe('19661Mi');
    expect(udf.recommended.requests.memory.toString()).toBe('19661Mi');
    expect(udf.status).toBe('raised');
    expect(udf.flags).toContain('oom');
    expect(udf.notes.join('\n')).toContain('OOM-killed in the window');
    expect(udf.basis.memory!.limit.rule).toBe('oom-bump');
    expect(udf.basis.memory!.request).toMatchObject({ rule: 'oom-bump', equals: 'limit' });
  });

  it('bumps by 100Mi when that is more than 20%', async () => {
    const small = { ...plan, pipeline: { ...plan.pipeline, batchMap: { ...plan.pipeline.batchMap, udf: { requests: { cpu: Cpu.parse('1'), memory: Bytes.parse('200Mi') }, limits: { cpu: Cpu.parse('2'), memory: Bytes.parse('200Mi') } } } } };
    const r = await recommendPlan({ plan: small, source: new FakeSource({ containers: withContainer('batch-cat/udf', { oomKilled: true, memory: { peak: 199 * MiB } }) }), window: WINDOW });
    // max(200Mi, 199Mi) + 100Mi = 300Mi > 200Mi × 1.2 = 240Mi.
    expect(container(r, 'pipeline.batchMap.udf').recommended.limits.memory.toString()).toBe('300Mi');
  });
});

describe('CPU throttling', () => {
  it('never lowers the CPU request of a throttled container and raises its limit by the headroom', async () => {
    const r = await recommend({ containers: withContainer('batch-cat/udf', { throttledRatio: 0.2 }) });
    const udf = container(r, 'pipeline.batchMap.udf');
    // Unthrottled it would be 1560m / 1920m; the plan has request 2, limit 4 → 2 and 4 × 1.2.
    expect(udf.recommended.requests.cpu.toString()).toBe('2');
    expect(udf.recommended.limits.cpu.toString()).toBe('4800m');
    expect(udf.flags).toContain('throttled');
    expect(udf.notes.join('\n')).toContain('the CPU request is not lowered');
  });

  it('counts a bad 5 minutes (> 25%, the mixin alert) as throttled even when the window average is low', async () => {
    const r = await recommend({ containers: withContainer('out/numa', { throttledRatio: 0.01, throttledPeak5m: 0.4 }) });
    expect(container(r, 'pipeline.sink.numa').recommended.requests.cpu.toString()).toBe('4');
  });

  it('keeps a throttled numa request as the plan had it, fraction included (no whole-core rounding)', async () => {
    const fractional = { ...plan, pipeline: { ...plan.pipeline, sink: { ...plan.pipeline.sink, numa: { requests: { cpu: Cpu.parse('1500m'), memory: Bytes.parse('1Gi') }, limits: { cpu: Cpu.parse('2'), memory: Bytes.parse('1Gi') } } } } };
    const r = await recommendPlan({ plan: fractional, source: new FakeSource({ containers: withContainer('out/numa', { throttledRatio: 0.3 }) }), window: WINDOW });
    const numa = container(r, 'pipeline.sink.numa');
    // Not lowered below 1500m (2 worker threads, as in the soak); the limit 2 × 1.2 = 2400m.
    expect(text(numa)).toEqual({ requests: '1500m / 196Mi', limits: '2400m / 196Mi' });
    expect(numa.basis.cpu!.threads).toEqual({ soak: 2, recommended: 2 });
    expect(numa.basis.cpu!.request).toEqual({ rule: 'plan', text: "the plan's 1500m, kept: throttled, so usage understates demand" });
    expect(numa.basis.cpu!.limit).toMatchObject({ rule: 'throttled', value: 2, headroomPercent: 20 });
    expect(basisComment(numa, 'limits')).toBe("CPU limit: the plan's limit 2 +20%: throttled; memory limit = request");
  });

  it('ignores throttling below both thresholds', async () => {
    const r = await recommend({ containers: withContainer('batch-cat/udf', { throttledRatio: 0.05, throttledPeak5m: 0.2 }) });
    expect(container(r, 'pipeline.batchMap.udf').recommended.requests.cpu.toString()).toBe('1560m');
  });
});

describe('memory trend', () => {
  it('refuses to shrink memory under an upward trend and says so', async () => {
    const r = await recommend({ containers: withContainer('batch-cat/udf', { slopeBytesPerHour: 4e6 }) });
    const udf = container(r, 'pipeline.batchMap.udf');
    expect(udf.recommended.requests.memory.toString()).toBe('8Gi');
    expect(udf.recommended.limits.memory.toString()).toBe('16Gi');
    expect(udf.flags).toContain('leak');
    expect(udf.notes.join('\n')).toMatch(/memory grows 3\.8Mi\/h .*refusing to shrink memory/);
    expect(udf.basis.memory!.request).toEqual({ rule: 'plan', text: "the plan's 8Gi, kept: memory grows 3.8Mi/h" });
    expect(basisComment(udf, 'limits')).toBe("CPU limit: peak 1.60 cores over 18 pods +20%; memory limit: the plan's 16Gi, kept: memory grows 3.8Mi/h");
    // CPU is still sized.
    expect(udf.recommended.requests.cpu.toString()).toBe('1560m');
  });

  it('flags a slow slope that would use up the room above the peak within the horizon (7 days)', async () => {
    // 200Ki/h × 168 h = 32.8Mi, more than the 100Mi − 75Mi = 25Mi of room.
    const r = await recommend({ containers: withContainer('batch-cat/udf', { slopeBytesPerHour: 200 * 1024 }) });
    expect(container(r, 'pipeline.batchMap.udf').flags).toContain('leak');
  });

  it('trusts no slope fitted to fewer than 24 hourly points, and ignores flat or falling memory', async () => {
    const few = await recommend({ containers: withContainer('batch-cat/udf', { slopeBytesPerHour: 4e6, trendPoints: 10 }) });
    expect(container(few, 'pipeline.batchMap.udf').recommended.limits.memory.toString()).toBe('100Mi');
    const falling = await recommend({ containers: withContainer('batch-cat/udf', { slopeBytesPerHour: -4e6 }) });
    expect(container(falling, 'pipeline.batchMap.udf').flags).not.toContain('leak');
  });
});

describe('too little data', () => {
  it('refuses to recommend from fewer than 100 samples: insufficient-data, plan values kept', async () => {
    const r = await recommend({ containers: withContainer('batch-cat/udf', { samples: 50 }) });
    const udf = container(r, 'pipeline.batchMap.udf');
    expect(udf.status).toBe('insufficient-data');
    expect(udf.recommended).toBe(udf.current);
    expect(r.insufficientData).toBe(true);
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toMatch(/^pipeline\.batchMap\.udf \(batch-cat\/udf\): 50 samples, fewer than 100 \(0\.7% of the window\); measured with container_cpu_usage_seconds_total\{/);
  });

  it('refuses a window shorter than 24 hours, for every container', async () => {
    const r = await recommend({}, {}, { ...WINDOW, end: WINDOW.start + 12 * HOUR });
    expect(r.insufficientData).toBe(true);
    expect(r.reasons).toEqual(['the window is 12.0 h; the policy needs at least 24 h of history']);
    // Every sized container, the daemon included (no container is optional).
    const sized = r.containers.filter((c) => c.role !== 'init');
    expect(sized.map((c) => c.status)).toEqual(sized.map(() => 'insufficient-data'));
    expect(container(r, 'pipeline.daemon').notes[0]).toContain('too little data (the window is 12.0 h');
  });

  it('refuses data that covers less than 24 hours of a long window', async () => {
    // 1000 points at 60 s = 16.7 h of data in a 5-day window (7,201 points): 13.9%.
    const r = await recommend({ containers: withContainer('isbsvc/main', { samples: 1000 }) });
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toMatch(/^buffer\.containers\.main \(isbsvc\/main\): data covers 16\.7 h \(13\.9% of the window\), less than 24 h; measured with /);
  });

  it('refuses when a required container has no data at all (e.g. a wrong pipeline name)', async () => {
    const containers = steadyContainers();
    delete containers['batch-cat/udf'];
    const r = await recommend({ containers });
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toMatch(/^pipeline\.batchMap\.udf \(batch-cat\/udf\): no CPU or memory data in the window; measured with /);
  });

  it('refuses when the daemon has no data: it is required like every other container', async () => {
    const containers = steadyContainers();
    delete containers['daemon/numa'];
    const r = await recommend({ containers });
    const daemon = container(r, 'pipeline.daemon');
    expect(daemon.status).toBe('insufficient-data');
    expect(daemon.notes[0]).toContain('no CPU or memory data');
    expect(r.insufficientData).toBe(true);
    expect(r.reasons[0]).toMatch(/^pipeline\.daemon \(daemon\/numa\): no CPU or memory data in the window; measured with /);
  });

  it('keeps an optional container with a note when it has no data, without making it insufficient', () => {
    const none: ContainerMeasurements = { cpu: [], memory: [], trend: [], throttling: [], restarts: [] };
    const s = sizeContainer(none, context('daemon', resources('100m', '128Mi', '500m', '256Mi'), { optional: true }), DEFAULT_POLICY);
    expect(s.status).toBe('kept');
    expect(s.flags).toEqual(['no-data']);
    expect(s.insufficient).toBeUndefined();
  });

  it('refuses to size replicas from fewer than 100 throughput points', async () => {
    const r = await recommend({ throughput: { 'batch-cat': { rate: 50000, replicas: 18, points: 40 } } });
    expect(r.reasons).toEqual(['pipeline.batchMap.scale: 40 throughput samples, fewer than 100; measured with forwarder_data_read_total{namespace="numaflow-soak",pipeline="batch-map-soak",vertex="batch-cat"}']);
    expect(r.replicas.find((x) => x.vertex === 'batch-cat')!.recommended).toEqual({ min: 18, max: 18 });
  });
});

describe('CPU limit policy', () => {
  it("'ratio' keeps the plan's limit:request ratio (VPA RequestsAndLimits)", async () => {
    const r = await recommend({}, { cpuLimitPolicy: 'ratio' });
    // udf plan 2 / 4 → ratio 2: 1560m → 3120m.
    const udf = container(r, 'pipeline.batchMap.udf');
    expect(udf.recommended.limits.cpu.toString()).toBe('3120m');
    expect(udf.basis.cpu!.limit).toEqual({ rule: 'ratio', value: 2, text: "request × 2.00 (the plan's limit:request ratio)" });
  });

  it("'ratio' never sets a limit below the observed peak", async () => {
    // The sink's plan has request = limit (4 / 4): ratio 1 would give 720m, under the 1.5-core peak.
    const r = await recommend({ containers: withContainer('out/numa', { cpu: { p95: 0.6, peak: 1.5 } }) }, { cpuLimitPolicy: 'ratio' });
    const numa = container(r, 'pipeline.sink.numa');
    expect(text(numa).limits).toBe('1500m / 196Mi');
    expect(numa.basis.cpu!.limit).toMatchObject({ rule: 'statistic', statistic: 'peak', value: 1.5, headroomPercent: 0 });
    expect(numa.notes.join('\n')).toContain('below the observed peak 1.50 cores; the limit is the peak');
  });

  it("'none' writes the node's allocatable CPU (the plan requires a limit), except in the Guaranteed buffer pods", async () => {
    const r = await recommend({}, { cpuLimitPolicy: 'none' });
    expect(container(r, 'pipeline.batchMap.udf').recommended.limits.cpu.toString()).toBe('31');
    expect(container(r, 'pipeline.batchMap.udf').basis.cpu!.limit).toEqual({ rule: 'node', text: "the node's allocatable CPU, 31 (no CPU limit)" });
    expect(container(r, 'buffer.containers.main').recommended.limits.cpu.toString()).toBe('5160m');
  });

  it("memoryRequest 'p95' sizes the request from the p95 and the limit from the peak", async () => {
    const r = await recommend({ containers: withContainer('batch-cat/numa', { memory: { p95: 200 * MiB, peak: 270 * MiB } }) }, { memoryRequest: 'p95' });
    // request 200Mi × 1.15 = 230Mi; limit 270Mi × 1.15 = 310.5Mi → 311Mi. CPU 1.0 × 1.2 / 1.2 × 1.2.
    const numa = container(r, 'pipeline.batchMap.numa');
    expect(text(numa)).toEqual({ requests: '1200m / 230Mi', limits: '1440m / 311Mi' });
    expect(numa.basis.memory).toMatchObject({ statistic: 'p95', percentile: 95, value: 200 * MiB });
    expect(basisComment(numa, 'limits')).toBe('CPU limit: peak 1.20 cores over 18 pods +20%; memory limit: peak 270.0Mi over 18 pods +15%');
  });
});

describe('replicas, partitions and the buffer volume', () => {
  it('sizes replicas from the target over the measured per-replica rate, with +25% for the autoscaler', async () => {
    // batch-cat carried 60,000 msg/s on 18 replicas: 3,333 each; 50,000 needs 15; max ceil(62,500 / 3,333) = 19.
    const r = await recommend({ throughput: { 'batch-cat': { rate: 60000, replicas: 18 } } });
    const bc = r.replicas.find((x) => x.vertex === 'batch-cat')!;
    expect(bc.recommended).toEqual({ min: 15, max: 19 });
    expect(bc.perReplicaRate).toBeCloseTo(3333.33, 1);
    expect(bc.status).toBe('changed');
    // The generator source keeps its replicas: they define the target.
    expect(r.replicas.find((x) => x.vertex === 'in')!.recommended).toEqual({ min: 10, max: 10 });
  });

  it('adds one replica with nPlusOne', async () => {
    const r = await recommend({}, { nPlusOne: true });
    expect(r.replicas.find((x) => x.vertex === 'out')!.recommended).toEqual({ min: 7, max: 8 });
  });

  it('sizes for a higher --target at the same per-replica load', async () => {
    const r = await recommendPlan({ plan, source: new FakeSource(), window: WINDOW, target: 100000 });
    expect(r.replicas.find((x) => x.vertex === 'batch-cat')!.recommended).toEqual({ min: 36, max: 45 });
  });

  it('accepts 12 partitions for 18 replicas at 50k msg/s, and advises (never changes) when replicas fall below partitions', async () => {
    const ok = await recommend();
    expect(ok.partitions).toMatchObject({ path: 'pipeline.batchMap.partitions', current: 12, status: 'ok', range: { min: 10, max: 18 } });
    const fewer = await recommend({ throughput: { 'batch-cat': { rate: 100000, replicas: 18 } } });
    // 100k on 18 replicas: 5,556 each, so 9 replicas carry 50k: fewer replicas than the 12 partitions.
    expect(fewer.replicas.find((x) => x.vertex === 'batch-cat')!.recommended.min).toBe(9);
    expect(fewer.partitions.status).toBe('advise');
    expect(fewer.partitions.range).toEqual({ min: 10, max: 10 });
    expect(fewer.partitions.message).toContain('recreates the streams');
  });

  it('advises a smaller buffer volume without ever shrinking it: the flag says it needs a recreate', () => {
    const v = adviseVolume(plan, DEFAULT_POLICY);
    // 13 streams × 100,000 × 2,030 B × 3 copies / 3 nodes = 2.46Gi; +30% → 4Gi.
    expect(v.requiredPerNode.bytes).toBe(13 * 100000 * 2030);
    expect(v.recommended.toString()).toBe('4Gi');
    expect(v.status).toBe('could-shrink');
    expect(v.requiresRecreate).toBe(true);
    expect(v.current.toString()).toBe('40Gi');
    expect(v.message).toContain('requires recreating the buffer service (kept at 40Gi)');
  });

  it('flags a volume that is too small for the full streams', () => {
    const tiny = { ...plan, buffer: { ...plan.buffer, persistence: { ...plan.buffer.persistence, volumeSize: Bytes.parse('2Gi') } } };
    expect(adviseVolume(tiny, DEFAULT_POLICY).status).toBe('too-small');
  });
});

describe('the policy object', () => {
  it('has one documented default per field', () => {
    expect(DEFAULT_POLICY).toMatchObject({ cpuPercentile: 0.95, cpuHeadroomPercent: 20, cpuLimitPolicy: 'peak', memoryHeadroomPercent: 15, memoryRequest: 'limit', cpuFloorMillicores: 10, memoryFloorBytes: 100 * MiB, minSamples: 100, minHistoryHours: 24, oomBumpRatio: 1.2, oomMinBumpBytes: 100 * MiB, replicaHeadroomPercent: 25 });
  });

  it('refuses a percentile the sources cannot give and negative headroom', () => {
    expect(() => resolvePolicy({ cpuPercentile: 0.9 as RecommendationPolicy['cpuPercentile'] })).toThrow(PolicyError);
    expect(() => resolvePolicy({ cpuHeadroomPercent: -5 })).toThrow('policy cpuHeadroomPercent: expected a number ≥ 0, got -5');
  });

  it('sizes from the per-pod p99 or peak when asked', async () => {
    const p99 = await recommend({}, { cpuPercentile: 0.99 });
    // udf p99 1.365 × 1.2 = 1.638 → 1640m.
    expect(container(p99, 'pipeline.batchMap.udf').recommended.requests.cpu.toString()).toBe('1640m');
    const peak = await recommend({}, { cpuPercentile: 1 });
    expect(container(peak, 'pipeline.batchMap.udf').basis.cpu!.statistic).toBe('peak');
  });

  it('rounds memory up to whole Mi (the big buffer number too)', async () => {
    const r = await recommend({ containers: withContainer('isbsvc/main', { memory: { peak: 3 * GiB + 1 } }) });
    expect(container(r, 'buffer.containers.main').recommended.limits.memory.bytes % MiB).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------
// sizeContainer directly: worker-thread pins, and the invariants of every path

const measured = (pods: number, stats: { p95: number; p99: number; peak: number }): PodUsage[] =>
  Array.from({ length: pods }, (_, i) => ({ pod: `pod-${i}`, p95: stats.p95 * (1 - i * 0.01), p99: stats.p99 * (1 - i * 0.01), peak: stats.peak * (1 - i * 0.01), samples: 7201 }));

const resources = (reqCpu: string, reqMem: string, limCpu: string, limMem: string): ContainerResources => ({
  requests: { cpu: Cpu.parse(reqCpu), memory: Bytes.parse(reqMem) },
  limits: { cpu: Cpu.parse(limCpu), memory: Bytes.parse(limMem) },
});

const context = (role: ContainerRole, current: ContainerResources, extra: Partial<SizingContext> = {}): SizingContext => ({
  role,
  current,
  windowHours: 120,
  stepSeconds: 60,
  nodeCpu: Cpu.parse('31'),
  optional: false,
  ...extra,
});

describe('numa worker threads (NUMAFLOW_CPU_REQUEST)', () => {
  const usage = (p95: number): ContainerMeasurements => ({
    cpu: measured(4, { p95, p99: p95 * 1.05, peak: p95 * 1.2 }),
    memory: measured(4, { p95: 150 * MiB, p99: 160 * MiB, peak: 170 * MiB }),
    trend: [],
    throttling: [],
    restarts: [],
  });

  it('are ceil(request), at least 1, as Kubernetes resolves the resourceFieldRef', () => {
    expect([Cpu.parse('1m'), Cpu.parse('920m'), Cpu.parse('1'), Cpu.parse('1230m'), Cpu.parse('4')].map(threadsForCpu)).toEqual([1, 1, 1, 2, 4]);
  });

  it('follow a pin in the plan instead of the request: no fewer-threads flag, a note saying so', () => {
    const s = sizeContainer(usage(0.6), context('numa', resources('4', '1Gi', '4', '1Gi'), { numaThreadsPin: 4 }), DEFAULT_POLICY);
    expect(s.recommended.requests.cpu.toString()).toBe('720m');
    expect(s.flags).not.toContain('fewer-threads');
    expect(s.basis.cpu!.threads).toEqual({ soak: 4, recommended: 4, pinned: 4 });
    expect(s.notes.join('\n')).toContain('numa: 4 worker thread(s), pinned by NUMAFLOW_CPU_REQUEST in the plan; the CPU request (720m) does not set them');
  });

  it('follow the plan key numa.workerThreads end to end: the pin is kept, nothing is flagged', async () => {
    const pinned = { ...plan, pipeline: { ...plan.pipeline, sink: { ...plan.pipeline.sink, numa: { ...plan.pipeline.sink.numa, workerThreads: 4 } } } };
    const r = await recommendPlan({ plan: pinned, source: new FakeSource(), window: WINDOW });
    const numa = container(r, 'pipeline.sink.numa');
    expect(numa.recommended.requests.cpu.toString()).toBe('720m');
    expect(numa.basis.cpu!.threads).toEqual({ soak: 4, recommended: 4, pinned: 4 });
    expect(numa.flags).not.toContain('fewer-threads');
  });

  it("read the plan's own workerThreads key when the container's plan values carry one", () => {
    const pinned = { ...resources('4', '1Gi', '4', '1Gi'), workerThreads: 3 } as ContainerResources;
    const s = sizeContainer(usage(0.6), context('numa', pinned), DEFAULT_POLICY);
    expect(s.basis.cpu!.threads).toEqual({ soak: 3, recommended: 3, pinned: 3 });
  });

  it('note more threads than the soak without a flag', () => {
    const s = sizeContainer(usage(2.2), context('numa', resources('1', '1Gi', '4', '1Gi')), DEFAULT_POLICY);
    // 2.2 × 1.2 = 2.64 → 2640m: 3 threads where the soak's "1" gave 1.
    expect(s.recommended.requests.cpu.toString()).toBe('2640m');
    expect(s.basis.cpu!.threads).toEqual({ soak: 1, recommended: 3 });
    expect(s.flags).not.toContain('fewer-threads');
    expect(s.notes.join('\n')).toContain('numa: 3 worker thread(s) = ceil(requests.cpu 2640m) (1 in the soak)');
  });
});

/** A small seeded generator (mulberry32), so the synthetic cases are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the invariants of every sizing path, on seeded synthetic usage', () => {
  const next = seeded(0x8a7e);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const logUniform = (lo: number, hi: number) => lo * (hi / lo) ** next();
  const roles: ContainerRole[] = ['numa', 'user', 'daemon', 'jetstream', 'buffer-sidecar'];
  const policies: Partial<RecommendationPolicy>[] = [
    {},
    { cpuLimitPolicy: 'ratio' },
    { cpuLimitPolicy: 'none' },
    { memoryRequest: 'p95' },
    { cpuPercentile: 0.99, cpuHeadroomPercent: 0 },
    { cpuPercentile: 1, memoryHeadroomPercent: 0, cpuLimitPolicy: 'ratio' },
  ];
  const cases = Array.from({ length: 600 }, (_, i) => {
    const cpuP95 = logUniform(0.0005, 8);
    const cpuP99 = cpuP95 * (1 + 0.5 * next());
    const cpuPeak = cpuP99 * (1 + next());
    const memP95 = logUniform(5 * MiB, 8 * GiB);
    const memP99 = memP95 * (1 + 0.2 * next());
    const memPeak = memP99 * (1 + 0.5 * next());
    const reqCpu = Math.max(10, Math.round(logUniform(0.01, 8) * 1000));
    const reqMem = Math.round(logUniform(32 * MiB, 16 * GiB));
    const role = pick(roles);
    const guaranteed = role === 'jetstream' || role === 'buffer-sidecar';
    const current: ContainerResources = {
      requests: { cpu: Cpu.millis(reqCpu), memory: Bytes.of(reqMem) },
      limits: guaranteed ? { cpu: Cpu.millis(reqCpu), memory: Bytes.of(reqMem) } : { cpu: Cpu.millis(Math.round(reqCpu * (1 + 3 * next()))), memory: Bytes.of(Math.round(reqMem * (1 + next()))) },
    };
    const m: ContainerMeasurements = {
      cpu: measured(1 + Math.floor(next() * 20), { p95: cpuP95, p99: cpuP99, peak: cpuPeak }),
      memory: measured(3, { p95: memP95, p99: memP99, peak: memPeak }),
      trend: next() < 0.1 ? [{ pod: 'pod-0', slopeBytesPerHour: 4e6, points: 100 }] : [],
      throttling: next() < 0.2 ? [{ pod: 'pod-0', ratio: 0.3, peak5m: 0.5 }] : [],
      restarts: next() < 0.1 ? [{ pod: 'pod-0', restarts: 1, oomKilled: true }] : [],
    };
    const policy = resolvePolicy(policies[i % policies.length]);
    return { i, role, current, m, policy, sizing: sizeContainer(m, context(role, current), policy) };
  });

  it('covers every path: floors, throttling, OOM, trends, Guaranteed, each limit policy, numa', () => {
    const flags = new Set(cases.flatMap((c) => c.sizing.flags));
    for (const f of ['cpu-floor', 'memory-floor', 'throttled', 'oom', 'leak', 'guaranteed', 'gomemlimit', 'fewer-threads']) expect(flags).toContain(f);
    const rules = new Set(cases.flatMap((c) => [c.sizing.basis.cpu!.request.rule, c.sizing.basis.cpu!.limit.rule, c.sizing.basis.memory!.request.rule, c.sizing.basis.memory!.limit.rule]));
    expect([...rules].sort()).toEqual(['floor', 'node', 'oom-bump', 'plan', 'ratio', 'statistic', 'throttled']);
  });

  it('never recommends a request below the p95 or a limit below the observed peak (CPU and memory), nor a request above its limit', () => {
    const broken: string[] = [];
    for (const { i, role, sizing } of cases) {
      const { requests, limits } = sizing.recommended;
      const cpu = sizing.cpu!;
      const memory = sizing.memory!;
      if (requests.cpu.cores < cpu.p95) broken.push(`#${i} ${role}: CPU request ${requests.cpu} < p95 ${cpu.p95}`);
      if (limits.cpu.cores < cpu.peak) broken.push(`#${i} ${role}: CPU limit ${limits.cpu} < peak ${cpu.peak}`);
      if (requests.memory.bytes < memory.p95) broken.push(`#${i} ${role}: memory request ${requests.memory} < p95 ${memory.p95}`);
      if (limits.memory.bytes < memory.peak) broken.push(`#${i} ${role}: memory limit ${limits.memory} < peak ${memory.peak}`);
      if (requests.cpu.compare(limits.cpu) > 0 || requests.memory.compare(limits.memory) > 0) broken.push(`#${i} ${role}: request above limit`);
    }
    expect(broken).toEqual([]);
  });

  it('writes beside each value the rule that produced it: a statistic basis recomputes the value exactly', () => {
    const wrong: string[] = [];
    for (const { i, role, current, sizing, policy } of cases) {
      const check = (what: string, b: ValueBasis, actual: Cpu | Bytes, plan: (Cpu | Bytes)[], recompute: (x: number) => Cpu | Bytes) => {
        if (b.rule === 'statistic') {
          const expected = recompute(b.value! * (1 + b.headroomPercent! / 100));
          if (!expected.equals(actual as never)) wrong.push(`#${i} ${role} ${what}: ${actual} but the basis "${b.text}" gives ${expected}`);
        } else if (b.rule === 'plan' && !plan.some((x) => x.equals(actual as never))) {
          wrong.push(`#${i} ${role} ${what}: ${actual} is not a plan value (${b.text})`);
        }
      };
      const { cpu, memory } = sizing.basis;
      const cpuRound = (x: number) => roundUpCpu(x, policy);
      const memRound = (x: number) => roundUpBytes(x, policy);
      check('CPU request', cpu!.request, sizing.recommended.requests.cpu, [current.requests.cpu, current.limits.cpu], cpuRound);
      check('CPU limit', cpu!.limit, sizing.recommended.limits.cpu, [current.requests.cpu, current.limits.cpu], cpuRound);
      check('memory request', memory!.request, sizing.recommended.requests.memory, [current.requests.memory, current.limits.memory], memRound);
      check('memory limit', memory!.limit, sizing.recommended.limits.memory, [current.requests.memory, current.limits.memory], memRound);
    }
    expect(wrong).toEqual([]);
  });

  it('sizes the numa request like any other container: never rounded to whole cores, fewer threads always flagged', () => {
    const numa = cases.filter((c) => c.role === 'numa');
    const fractional = numa.filter((c) => c.sizing.recommended.requests.cpu.millicores % 1000 !== 0);
    expect(fractional.length).toBeGreaterThan(numa.length / 2);
    for (const { sizing, current } of numa) {
      expect(sizing.flags).not.toContain('whole-cores');
      const t = sizing.basis.cpu!.threads!;
      expect(t).toEqual({ soak: threadsForCpu(current.requests.cpu), recommended: threadsForCpu(sizing.recommended.requests.cpu) });
      expect(sizing.flags.includes('fewer-threads')).toBe(t.recommended < t.soak);
    }
  });
});

// ---------------------------------------------------------------------------------------
// Request efficiency on the embedded steady dataset (the benchmark's goal, docs/recommend.md)

describe('request efficiency on the embedded steady dataset', () => {
  let r: Recommendation;
  beforeAll(async () => {
    const dataset = generateSoakDataset(DEFAULT_DATASET);
    r = await recommendPlan({ plan, source: new EmbeddedSource(dataset), window: { start: dataset.start, end: dataset.end, stepSeconds: 60 } });
  });

  it(`reserves at most ${REQUEST_EFFICIENCY_GOAL}× the p99 CPU, with no request below its p95 and no limit below its peak`, () => {
    const e = requestEfficiency(r, plan);
    expect(e.rows.map((x) => x.path)).toEqual([
      'pipeline.source.numa',
      'pipeline.batchMap.numa',
      'pipeline.batchMap.udf',
      'pipeline.sink.numa',
      'pipeline.daemon',
      'buffer.containers.main',
      'buffer.containers.reloader',
      'buffer.containers.metrics',
    ]);
    // Replicas the recommended plan runs: scale.min of each vertex, the buffer's nodes, one daemon.
    const replicas = Object.fromEntries(r.replicas.map((x) => [x.path, x.recommended.min]));
    expect(e.rows.map((x) => x.replicas)).toEqual([replicas['pipeline.source'], replicas['pipeline.batchMap'], replicas['pipeline.batchMap'], replicas['pipeline.sink'], 1, 3, 3, 3]);
    expect(e.rows.flatMap((x) => x.violations)).toEqual([]);
    expect(e.violations).toBe(0);
    expect(e.ratio).toBeLessThanOrEqual(REQUEST_EFFICIENCY_GOAL);
    expect(e.met).toBe(true);
  });

  it('does not round the numa requests: each is its p95 +20% rounded up to 10m, with ceil(request) worker threads', () => {
    for (const path of ['pipeline.source.numa', 'pipeline.batchMap.numa', 'pipeline.sink.numa']) {
      const c = container(r, path);
      const b = c.basis.cpu!;
      expect(b.request.rule).toBe('statistic');
      expect(c.recommended.requests.cpu.equals(roundUpCpu(b.value * 1.2, DEFAULT_POLICY))).toBe(true);
      expect(b.threads!.recommended).toBe(c.recommended.requests.cpu.wholeCores);
      expect(c.flags).not.toContain('whole-cores');
    }
  });

  it('names the peak as the basis of the Guaranteed buffer containers, whose CPU is sized from it', () => {
    for (const path of ['buffer.containers.main', 'buffer.containers.metrics']) {
      const c = container(r, path);
      expect(c.basis.cpu!.request.statistic).toBe('peak');
      expect(c.recommended.requests.cpu.equals(roundUpCpu(c.basis.cpu!.value * 1.2, DEFAULT_POLICY))).toBe(true);
      expect(basisComment(c, 'requests')).toMatch(/^peak /);
      expect(basisComment(c, 'limits')).toBe('limit = request (Guaranteed)');
    }
  });
});

describe('implausible measurements (a broken exporter)', () => {
  it('refuses memory beyond the node shape\'s memory, naming the container, the pod and the figure', async () => {
    const broken = withContainer('batch-cat/udf', { memory: { peak: 75 * MiB * 1e6 } });
    await expect(recommend({ containers: broken })).rejects.toThrow(ImplausibleMeasurementError);
    await expect(recommend({ containers: broken })).rejects.toThrow(/^implausible measurement for batch-cat\/udf \(pipeline\.batchMap\.udf\): pod \S+ shows a memory peak of .* \(78643200000000 bytes\), beyond the node shape 32-vcpu-128gib's 120Gi of memory/);
  });

  it('refuses CPU beyond the node shape\'s CPU (31 cores), and accepts a peak of exactly the node', async () => {
    await expect(recommend({ containers: withContainer('isbsvc/main', { cpu: { p95: 3.8, peak: 4.3e6 } }) })).rejects.toThrow(
      /^implausible measurement for isbsvc\/main \(buffer\.containers\.main\): pod \S+ shows a CPU peak of 4300000\.00 cores, beyond the node shape 32-vcpu-128gib's 31 cores/,
    );
    await expect(recommend({ containers: withContainer('isbsvc/main', { cpu: { p95: 3.8, peak: 31 } }) })).resolves.toBeDefined();
  });

  it('makes `recommend --embedded --write` exit 4 with one line, writing nothing, when the exporter reports memory ×1e6', async () => {
    const root = tempProject();
    const file = stackFile('rightsized', root);
    const before = fs.readFileSync(file, 'utf8');
    const original = EmbeddedSource.prototype.memoryUsage;
    const spy = jest.spyOn(EmbeddedSource.prototype, 'memoryUsage').mockImplementation(async function (this: EmbeddedSource, ...args) {
      return (await original.apply(this, args)).map((p) => ({ ...p, p95: p.p95 * 1e6, p99: p.p99 * 1e6, peak: p.peak * 1e6 }));
    });
    try {
      const { code, stdout, stderr } = await capture(() => main(['recommend', '--embedded', '--write', '--quiet', '--root', root]));
      expect(code).toBe(4);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^numaflow-soak recommend: implausible measurement for \S+ \([\w.]+\): pod \S+ shows a memory peak of .* bytes\), beyond the node shape 32-vcpu-128gib's 120Gi of memory; .*nothing recommended or written\n$/);
    } finally {
      spy.mockRestore();
    }
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(root, 'stacks', 'Pulumi.rightsized.provenance.json'))).toBe(false);
  });
});
