/**
 * The recommendation policy, rule by rule, driven by a hand-made metrics source
 * (fake-source.ts) over the real soak plan (stacks/Pulumi.soak.yaml).
 */
import { loadStackFile, stackFile } from '../../src/plan/load';
import { Bytes, Cpu } from '../../src/plan/quantity';
import { adviseVolume, DEFAULT_POLICY, PolicyError, resolvePolicy, type RecommendationPolicy } from '../../src/recommend/policy';
import { recommendPlan, type ContainerRecommendation, type Recommendation } from '../../src/recommend/recommend';
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
    expect(byPath['pipeline.daemon'].selector).toMatchObject({ podPattern: '^batch-map-soak-daemon-[a-z0-9]+-[a-z0-9]{5}$', container: 'main' });
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
    expect(udf.basis.cpu).toEqual({ statistic: 'p95', percentile: 95, value: 1.3, headroomPercent: 20, samples: 7201, pods: 18 });
    expect(udf.status).toBe('changed');
  });

  it('applies the floors: 100Mi of memory when peak +15% is below it, 10m of CPU', () => {
    // udf peak 75Mi × 1.15 = 86.25Mi < 100Mi; metrics 22Mi → 100Mi, its CPU (Guaranteed: from
    // the peak) 0.02 × 1.2 = 24m → 30m in 10m steps.
    expect(container(r, 'pipeline.batchMap.udf').recommended.limits.memory.toString()).toBe('100Mi');
    expect(container(r, 'pipeline.batchMap.udf').flags).toContain('memory-floor');
    expect(text(container(r, 'buffer.containers.metrics'))).toEqual({ requests: '30m / 100Mi', limits: '30m / 100Mi' });
    // reloader: p95 1m → the 10m floor.
    expect(container(r, 'buffer.containers.reloader').recommended.requests.cpu.toString()).toBe('10m');
  });

  it('never raises a value to a floor above what the plan already had (the reloader keeps 64Mi, below the 100Mi floor)', () => {
    const reloader = container(r, 'buffer.containers.reloader');
    expect(reloader.recommended.limits.memory.toString()).toBe('64Mi');
    expect(reloader.notes.join('\n')).toContain("64Mi (the plan's value, below the 100Mi floor)");
  });

  it('rounds the numa CPU request up to whole cores, never below what the measured load needs', () => {
    // batch-cat numa p95 1.0 × 1.2 = 1.2 → 2 cores (2 worker threads); in numa 0.7 × 1.2 = 0.84 → 1 core.
    const mapNuma = container(r, 'pipeline.batchMap.numa');
    expect(mapNuma.recommended.requests.cpu.toString()).toBe('2');
    expect(mapNuma.recommended.limits.cpu.compare(mapNuma.recommended.requests.cpu)).toBeGreaterThanOrEqual(0);
    const srcNuma = container(r, 'pipeline.source.numa');
    expect(srcNuma.recommended.requests.cpu.toString()).toBe('1');
    expect(srcNuma.notes.join('\n')).toContain('2 → 1 thread(s); re-check throughput');
    expect(r.provenance.containers['pipeline.batchMap.numa'].requiredCores).toBe(2);
    expect(r.provenance.containers['pipeline.source.numa'].requiredCores).toBe(1);
    expect(r.provenance.containers['pipeline.batchMap.udf'].requiredCores).toBeUndefined();
  });

  it('keeps the buffer service Guaranteed (request = limit) and leaves JetStream room above its peak for GOMEMLIMIT', () => {
    const main = container(r, 'buffer.containers.main');
    // CPU: max(p95 3.8 × 1.2, peak 4.3 × 1.2 = 5.16) → 5160m for both; memory 2Gi × 1.3 = 2662.4Mi → 2663Mi.
    expect(text(main)).toEqual({ requests: '5160m / 2663Mi', limits: '5160m / 2663Mi' });
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

  it('keeps a throttled numa request in whole cores even when the plan had a fraction', async () => {
    const fractional = { ...plan, pipeline: { ...plan.pipeline, sink: { ...plan.pipeline.sink, numa: { requests: { cpu: Cpu.parse('1500m'), memory: Bytes.parse('1Gi') }, limits: { cpu: Cpu.parse('2'), memory: Bytes.parse('1Gi') } } } } };
    const r = await recommendPlan({ plan: fractional, source: new FakeSource({ containers: withContainer('out/numa', { throttledRatio: 0.3 }) }), window: WINDOW });
    const numa = container(r, 'pipeline.sink.numa');
    // Not lowered below 1500m, then up to 2 whole cores; the limit 2 × 1.2 = 2400m.
    expect(text(numa)).toEqual({ requests: '2 / 196Mi', limits: '2400m / 196Mi' });
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
    expect(r.reasons).toEqual(['pipeline.batchMap.udf: 50 samples, fewer than 100']);
  });

  it('refuses a window shorter than 24 hours, for every container', async () => {
    const r = await recommend({}, {}, { ...WINDOW, end: WINDOW.start + 12 * HOUR });
    expect(r.insufficientData).toBe(true);
    expect(r.reasons).toEqual(['the window is 12.0 h; the policy needs at least 24 h of history']);
    const sized = r.containers.filter((c) => c.role !== 'init' && c.role !== 'daemon');
    expect(sized.map((c) => c.status)).toEqual(sized.map(() => 'insufficient-data'));
    // The daemon is optional: kept, with the reason.
    expect(container(r, 'pipeline.daemon').notes[0]).toContain('too little data (the window is 12.0 h');
  });

  it('refuses data that covers less than 24 hours of a long window', async () => {
    // 1000 points at 60 s = 16.7 h of data in a 5-day window.
    const r = await recommend({ containers: withContainer('isbsvc/main', { samples: 1000 }) });
    expect(r.reasons).toEqual(['buffer.containers.main: data covers 16.7 h, less than 24 h']);
  });

  it('refuses when a required container has no data at all (e.g. a wrong pipeline name)', async () => {
    const containers = steadyContainers();
    delete containers['batch-cat/udf'];
    const r = await recommend({ containers });
    expect(r.reasons).toEqual(['pipeline.batchMap.udf: no CPU or memory data in the window']);
  });

  it('keeps the daemon with a note when it has no data, without making the recommendation insufficient', async () => {
    const containers = steadyContainers();
    delete containers['daemon/main'];
    const r = await recommend({ containers });
    const daemon = container(r, 'pipeline.daemon');
    expect(daemon.status).toBe('kept');
    expect(daemon.notes[0]).toContain('no CPU or memory data');
    expect(r.insufficientData).toBe(false);
  });

  it('refuses to size replicas from fewer than 100 throughput points', async () => {
    const r = await recommend({ throughput: { 'batch-cat': { rate: 50000, replicas: 18, points: 40 } } });
    expect(r.reasons).toEqual(['pipeline.batchMap.scale: 40 throughput samples, fewer than 100']);
    expect(r.replicas.find((x) => x.vertex === 'batch-cat')!.recommended).toEqual({ min: 18, max: 18 });
  });
});

describe('CPU limit policy', () => {
  it("'ratio' keeps the plan's limit:request ratio (VPA RequestsAndLimits)", async () => {
    const r = await recommend({}, { cpuLimitPolicy: 'ratio' });
    // udf plan 2 / 4 → ratio 2: 1560m → 3120m.
    expect(container(r, 'pipeline.batchMap.udf').recommended.limits.cpu.toString()).toBe('3120m');
  });

  it("'none' writes the node's allocatable CPU (the plan requires a limit), except in the Guaranteed buffer pods", async () => {
    const r = await recommend({}, { cpuLimitPolicy: 'none' });
    expect(container(r, 'pipeline.batchMap.udf').recommended.limits.cpu.toString()).toBe('31');
    expect(container(r, 'buffer.containers.main').recommended.limits.cpu.toString()).toBe('5160m');
  });

  it("memoryRequest 'p95' sizes the request from the p95 and the limit from the peak", async () => {
    const r = await recommend({ containers: withContainer('batch-cat/numa', { memory: { p95: 200 * MiB, peak: 270 * MiB } }) }, { memoryRequest: 'p95' });
    // request 200Mi × 1.15 = 230Mi; limit 270Mi × 1.15 = 310.5Mi → 311Mi.
    expect(text(container(r, 'pipeline.batchMap.numa'))).toEqual({ requests: '2 / 230Mi', limits: '2 / 311Mi' });
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
