/**
 * The recommendation policy: how measured usage becomes requests, limits, replicas and
 * advice. Every number the policy uses is a field of `RecommendationPolicy`, with its
 * default in `DEFAULT_POLICY`; docs/recommend.md justifies each one against the VPA
 * recommender's target and KRR's `simple` strategy (shared/docs/rightsizing-facts.md).
 *
 * The functions here are pure: they take what a `MetricsSource` measured and the plan's
 * current values, and return the recommendation with its basis and notes. Fetching the
 * measurements is recommend.ts's job.
 *
 * The numa container's CPU request is sized like any other container's (the statistic plus
 * headroom, rounded up to `cpuRoundMillicores`); it is NOT rounded to whole cores. Its tokio
 * worker threads follow the request, but Kubernetes already rounds for them, so rounding the
 * request itself changes no thread count and only reserves idle CPU. Upstream, v1.8.3:
 * - rust/numaflow/src/main.rs (`main`): `worker_threads` = `NUMAFLOW_CPU_REQUEST` parsed as
 *   an unsigned integer, at least 1 (1 when unset or not an integer); "User may specify a
 *   higher value by setting NUMAFLOW_CPU_REQUEST in `containerTemplate.env`".
 * - pkg/apis/numaflow/v1alpha1/vertex_types.go (`commonEnvs`): the controller sets
 *   `NUMAFLOW_CPU_REQUEST` from `resourceFieldRef: {resource: requests.cpu}` (no divisor, so
 *   divisor 1); the vertex's own env (`req.Env`) and then `containerTemplate.env`
 *   (container_template.go `ApplyToContainer`) are appended after it, and the last of two
 *   env entries with one name wins, so a pin in the plan overrides the reference.
 * - Kubernetes resolves a CPU `resourceFieldRef` to ceil(quantity / divisor)
 *   (pkg/api/v1/resource/helpers.go `convertResourceCPUToString`): 1230m → "2".
 * So threads = ceil(requests.cpu) (at least 1) unless the plan pins NUMAFLOW_CPU_REQUEST.
 * When the recommended request gives fewer threads than the soak ran with, the container is
 * flagged `fewer-threads` with a note: throughput must be re-checked in the next soak, or
 * the old count pinned.
 *
 * Every recommended value carries a `ValueBasis` naming exactly what set it (a statistic and
 * its headroom, a floor, a plan value kept, the other of request/limit); `basisComment`
 * turns them into the words written beside each number.
 */
import { threadsForCpu } from '../numaflow/worker-threads';
import type { Workload } from '../plan/containers';
import type { ContainerResources, NodeShape, ScalePlan, SoakPlan } from '../plan/schema';
import { estimatedBytesPerMessage, estimatedStreamBytesPerNode, streamCount, targetRatePerSecond } from '../plan/derived';
import { Bytes, Cpu } from '../plan/quantity';
import type { PodMemoryTrend, PodRestarts, PodThrottling, PodUsage, VertexThroughput } from './metrics';
import type { Recommendation } from './recommend';
import type { ContainerRole } from './selectors';
import { quantile } from './stats';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** How the CPU limit is set. */
export type CpuLimitPolicy =
  /**
   * Default. limit = max(request, observed peak × (1 + cpuHeadroomPercent)): the container
   * is never throttled at a load the soak saw, and a runaway one cannot take a node from
   * the buffer service it shares nodes with.
   */
  | 'peak'
  /** VPA's `RequestsAndLimits`: keep the plan's limit:request ratio. */
  | 'ratio'
  /**
   * KRR's choice: no CPU limit. The plan requires a limit on every container, so "none" is
   * written as the node's allocatable CPU: no more than the node could give anyway.
   */
  | 'none';

/** How the memory request relates to the limit. */
export type MemoryRequestPolicy =
  /** Default, as KRR: request = limit = peak × (1 + memoryHeadroomPercent). */
  | 'limit'
  /** request = max over pods of the p95 × (1 + headroom); limit from the peak. */
  | 'p95';

export interface RecommendationPolicy {
  /**
   * The CPU statistic, per pod, of the 5-minute rate: 0.95 (p95), 0.99 (p99) or 1 (the peak).
   * The request is the maximum over pods of that per-pod statistic, as KRR `simple` does
   * (VPA's target uses p90 of a decaying histogram over all pods together).
   */
  readonly cpuPercentile: 0.95 | 0.99 | 1;
  /** Added on top of the CPU statistic, in percent (VPA adds a 15% margin, KRR none). */
  readonly cpuHeadroomPercent: number;
  readonly cpuLimitPolicy: CpuLimitPolicy;
  /** Added on top of the memory peak, in percent (KRR +15%, VPA margin 0.15). */
  readonly memoryHeadroomPercent: number;
  readonly memoryRequest: MemoryRequestPolicy;
  /**
   * The JetStream server's memory limit is never set below peak × (1 + this), unless the
   * plan's current limit is lower (then it is kept): GOMEMLIMIT follows the limit, and a
   * limit close to the working set makes the Go GC run against it.
   */
  readonly jetstreamMemoryHeadroomPercent: number;
  /** Smallest CPU recommended (KRR `cpu_min_value`: 10m). Never raises a value above the plan's. */
  readonly cpuFloorMillicores: number;
  /** Smallest memory recommended (KRR `memory_min_value`: 100Mi). Never raises a value above the plan's. */
  readonly memoryFloorBytes: number;
  /** CPU is rounded up to a multiple of this (KRR: 1m). */
  readonly cpuRoundMillicores: number;
  /** Memory is rounded up to a multiple of this (KRR: 1Mi). */
  readonly memoryRoundBytes: number;
  /** Fewest evaluation points (of the pod with the most) to size from (KRR: 100). */
  readonly minSamples: number;
  /** Shortest window, and data coverage, to size from, in hours (VPA's upper bound is ×2 at 24 h). */
  readonly minHistoryHours: number;
  /**
   * Share of the window's evaluation points a statistic needs data at, percent: a window
   * with data at 2 hours out of 5 days says nothing about the other 118 hours.
   */
  readonly minCoveragePercent: number;
  /** OOM bump (VPA `oom-bump-up-ratio`): the memory limit rises to max(limit, peak) × this... */
  readonly oomBumpRatio: number;
  /** ...or by this many bytes (VPA `oom-min-bump-up-bytes`: 100Mi), whichever is larger. */
  readonly oomMinBumpBytes: number;
  /** A container throttled in more than this share of CFS periods over the window is "throttled". */
  readonly throttledRatio: number;
  /** ... or in more than this share over any 5 minutes (kubernetes-mixin CPUThrottlingHigh: 25%). */
  readonly throttledPeak5m: number;
  /** A memory slope (hourly minima) at or above this is a leak, whatever the headroom (bytes per hour). */
  readonly leakSlopeBytesPerHour: number;
  /** How far ahead a slope is projected against the headroom, in hours (default 7 days). */
  readonly leakHorizonHours: number;
  /** Hourly points a slope needs before it is trusted. */
  readonly minTrendPoints: number;
  /** Autoscaling room above the replicas the target needs, in percent (scale.max). */
  readonly replicaHeadroomPercent: number;
  /** Add one replica to scale.min, so losing a pod keeps the target (N+1). */
  readonly nPlusOne: boolean;
  /** Highest rate one partition (JetStream stream) should carry, msg/s, for the partition advice. */
  readonly maxRatePerPartition: number;
  /** Room above the estimated full streams when advising a buffer volume size, in percent. */
  readonly volumeHeadroomPercent: number;
}

export const DEFAULT_POLICY: RecommendationPolicy = {
  cpuPercentile: 0.95,
  cpuHeadroomPercent: 20,
  cpuLimitPolicy: 'peak',
  memoryHeadroomPercent: 15,
  memoryRequest: 'limit',
  jetstreamMemoryHeadroomPercent: 30,
  cpuFloorMillicores: 10,
  memoryFloorBytes: 100 * MiB,
  cpuRoundMillicores: 10,
  memoryRoundBytes: MiB,
  minSamples: 100,
  minHistoryHours: 24,
  minCoveragePercent: 90,
  oomBumpRatio: 1.2,
  oomMinBumpBytes: 100 * MiB,
  throttledRatio: 0.1,
  throttledPeak5m: 0.25,
  leakSlopeBytesPerHour: MiB,
  leakHorizonHours: 24 * 7,
  minTrendPoints: 24,
  replicaHeadroomPercent: 25,
  nPlusOne: false,
  maxRatePerPartition: 5000,
  volumeHeadroomPercent: 30,
};

/** A policy with some fields overridden, checked: a nonsense value is an error, not a silent default. */
export function resolvePolicy(overrides: Partial<RecommendationPolicy> = {}): RecommendationPolicy {
  const p = { ...DEFAULT_POLICY, ...overrides };
  const fail = (field: string, expected: string) => {
    throw new PolicyError(`policy ${field}: expected ${expected}, got ${JSON.stringify((p as Record<string, unknown>)[field])}`);
  };
  if (![0.95, 0.99, 1].includes(p.cpuPercentile)) fail('cpuPercentile', '0.95, 0.99 or 1 (the statistics a metrics source gives per pod)');
  if (!['peak', 'ratio', 'none'].includes(p.cpuLimitPolicy)) fail('cpuLimitPolicy', 'peak, ratio or none');
  if (!['limit', 'p95'].includes(p.memoryRequest)) fail('memoryRequest', 'limit or p95');
  const nonNegative: (keyof RecommendationPolicy)[] = [
    'cpuHeadroomPercent',
    'memoryHeadroomPercent',
    'jetstreamMemoryHeadroomPercent',
    'cpuFloorMillicores',
    'memoryFloorBytes',
    'minSamples',
    'minHistoryHours',
    'minCoveragePercent',
    'oomMinBumpBytes',
    'throttledRatio',
    'throttledPeak5m',
    'leakSlopeBytesPerHour',
    'leakHorizonHours',
    'minTrendPoints',
    'replicaHeadroomPercent',
    'volumeHeadroomPercent',
  ];
  for (const k of nonNegative) if (!(typeof p[k] === 'number' && Number.isFinite(p[k] as number) && (p[k] as number) >= 0)) fail(k, 'a number ≥ 0');
  for (const k of ['cpuRoundMillicores', 'memoryRoundBytes', 'maxRatePerPartition'] as const) if (!(Number.isInteger(p[k]) && p[k] > 0)) fail(k, 'a whole number > 0');
  if (!(p.oomBumpRatio >= 1)) fail('oomBumpRatio', 'a number ≥ 1');
  return p;
}

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

/**
 * A measurement no container of the plan can have made: CPU beyond the node shape's CPU or
 * memory beyond its memory (a broken exporter, a unit mix-up, a ×1e6 scale). `recommend`
 * refuses it (exit 4) rather than size from it.
 */
export class ImplausibleMeasurementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImplausibleMeasurementError';
  }
}

/**
 * Refuses usage one container of `label` cannot have had on a node of `shape`: a pod's CPU
 * (cores) above the node's CPU, or its memory (bytes) above the node's memory.
 * @throws ImplausibleMeasurementError naming the container, the pod and the figure.
 */
export function checkPlausibleUsage(label: string, cpu: readonly PodUsage[], memory: readonly PodUsage[], shape: NodeShape): void {
  const worst = (pods: readonly PodUsage[]) =>
    pods.filter((p) => p.samples > 0).reduce<PodUsage | undefined>((m, p) => (m === undefined || !(p.peak <= m.peak) ? p : m), undefined);
  const c = worst(cpu);
  const m = worst(memory);
  const refuse = (what: string, pod: string, figure: string, node: string): never => {
    throw new ImplausibleMeasurementError(
      `implausible measurement for ${label}: pod ${pod} shows a ${what} peak of ${figure}, beyond the node shape ${shape.name}'s ${node}; the exporter or the query is broken (a unit or scale error?): nothing recommended or written`,
    );
  };
  if (c && !(c.peak <= shape.cpu.cores)) refuse('CPU', c.pod, formatCores(c.peak), `${shape.cpu} cores`);
  if (m && !(m.peak <= shape.memory.bytes)) refuse('memory', m.pod, `${formatBytes(m.peak)} (${m.peak} bytes)`, `${shape.memory} of memory`);
}

/** One line of the policy for headers and reports. */
export function policySummary(p: RecommendationPolicy): string {
  const stat = statisticName(p.cpuPercentile);
  const limit = { peak: `limit = max(request, peak +${p.cpuHeadroomPercent}%)`, ratio: 'limit keeps the plan\'s limit:request ratio', none: 'no CPU limit (node allocatable)' }[p.cpuLimitPolicy];
  const mem = p.memoryRequest === 'limit' ? `memory request = limit = peak +${p.memoryHeadroomPercent}%` : `memory request = p95 +${p.memoryHeadroomPercent}%, limit = peak +${p.memoryHeadroomPercent}%`;
  return `CPU request = max over pods of the ${stat} of the 5m rate +${p.cpuHeadroomPercent}%, ${limit}; ${mem}; floors ${Cpu.millis(p.cpuFloorMillicores)} / ${Bytes.of(p.memoryFloorBytes)}; at least ${p.minSamples} samples and ${p.minHistoryHours} h`;
}

export function statisticName(percentile: number): 'p95' | 'p99' | 'peak' {
  return percentile >= 1 ? 'peak' : percentile >= 0.99 ? 'p99' : 'p95';
}

// ---------------------------------------------------------------------------------------
// Rounding and formatting

export function roundUpCpu(cores: number, p: RecommendationPolicy): Cpu {
  const step = p.cpuRoundMillicores;
  return Cpu.millis(Math.max(step, Math.ceil((cores * 1000) / step - 1e-9) * step));
}

export function roundUpBytes(bytes: number, p: RecommendationPolicy): Bytes {
  const step = p.memoryRoundBytes;
  return Bytes.of(Math.max(step, Math.ceil(bytes / step - 1e-9) * step));
}

const maxCpu = (...xs: Cpu[]) => xs.reduce((a, b) => (b.compare(a) > 0 ? b : a));
const maxBytes = (...xs: Bytes[]) => xs.reduce((a, b) => (b.compare(a) > 0 ? b : a));

export function formatCores(cores: number): string {
  return cores >= 0.1 ? `${cores.toFixed(2)} cores` : `${(cores * 1000).toFixed(1)}m`;
}

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= GiB) return `${(bytes / GiB).toFixed(2)}Gi`;
  if (abs >= MiB) return `${(bytes / MiB).toFixed(1)}Mi`;
  return `${(bytes / 1024).toFixed(1)}Ki`;
}

// ---------------------------------------------------------------------------------------
// Containers

/** What set one recommended value. */
export type BasisRule =
  /** A measured statistic (maximum over pods) plus headroom, rounded up. */
  | 'statistic'
  /** The policy's floor, or the plan's own value where that is below the floor. */
  | 'floor'
  /** The soaked plan's value, kept (throttled, memory trend, OOM, GOMEMLIMIT bound). */
  | 'plan'
  /** The limit rule for a throttled container: the plan's limit plus the CPU headroom. */
  | 'throttled'
  /** The OOM bump of the memory limit. */
  | 'oom-bump'
  /** The plan's limit:request ratio (`cpuLimitPolicy: ratio`). */
  | 'ratio'
  /** The node's allocatable CPU (`cpuLimitPolicy: none`). */
  | 'node';

/**
 * Exactly what produced one value (a request or a limit): the rule, the statistic and
 * headroom when a statistic did, and the same in words. When a value was set equal to the
 * other one of its pair (Guaranteed QoS, memory request = limit, a limit raised to the
 * request), `equals` says so and the rest describes where that other value came from.
 */
export interface ValueBasis {
  readonly rule: BasisRule;
  /** The value is the pair's other value (`request` for a limit, `limit` for a request). */
  readonly equals?: 'request' | 'limit';
  readonly statistic?: 'p95' | 'p99' | 'peak';
  /** The statistic's value: cores or bytes. */
  readonly value?: number;
  readonly headroomPercent?: number;
  /** In words, e.g. `peak 4.28 cores over 3 pods +20%`, `floor 10m (p95 1.5m over 3 pods +20% is below it)`. */
  readonly text: string;
}

/**
 * Worker threads of a numa container (rust/numaflow/src/main.rs, v1.8.3): the pinned
 * `NUMAFLOW_CPU_REQUEST` when the plan pins one, otherwise ceil(requests.cpu), at least 1.
 */
export interface NumaThreads {
  /** What the soak ran with. */
  readonly soak: number;
  /** What the recommended plan runs with. */
  readonly recommended: number;
  /** The plan's pinned NUMAFLOW_CPU_REQUEST, when it has one (threads do not follow the request). */
  readonly pinned?: number;
}

/** The numbers one resource was sized from. */
export interface ResourceBasis {
  /**
   * The per-pod statistic (maximum over pods) the REQUEST was sized from: `p95`, `p99` or
   * `peak`. CPU: the policy's percentile, or the peak for the Guaranteed buffer containers
   * (their request is their limit). Memory: the peak (request = limit), or the p95 with
   * `memoryRequest: p95`. Whether a floor or a plan value then decided is in `request`.
   */
  readonly statistic: 'p95' | 'p99' | 'peak';
  /** The statistic as a percentile (100 for the peak). */
  readonly percentile: number;
  /** Its value: cores or bytes. */
  readonly value: number;
  readonly headroomPercent: number;
  /** Evaluation points of the pod with the most. */
  readonly samples: number;
  /** Pods that reported. */
  readonly pods: number;
  /** Exactly what set the recommended request. */
  readonly request: ValueBasis;
  /** Exactly what set the recommended limit. */
  readonly limit: ValueBasis;
  /** CPU of a numa container: its worker threads in the soak and recommended. */
  readonly threads?: NumaThreads;
}

/** Max over pods of p95, p99 and peak, and the most samples any pod had. */
export interface AggregateUsage {
  readonly p95: number;
  readonly p99: number;
  readonly peak: number;
  readonly samples: number;
  readonly pods: number;
}

export function aggregateUsage(pods: readonly PodUsage[]): AggregateUsage | undefined {
  const withData = pods.filter((p) => p.samples > 0 && Number.isFinite(p.peak));
  if (withData.length === 0) return undefined;
  const max = (f: (p: PodUsage) => number) => Math.max(...withData.map(f));
  return { p95: max((p) => p.p95), p99: max((p) => p.p99), peak: max((p) => p.peak), samples: max((p) => p.samples), pods: withData.length };
}

export interface ContainerMeasurements {
  readonly cpu: readonly PodUsage[];
  readonly memory: readonly PodUsage[];
  readonly trend: readonly PodMemoryTrend[];
  readonly throttling: readonly PodThrottling[];
  readonly restarts: readonly PodRestarts[];
}

export interface SizingContext {
  readonly role: ContainerRole;
  readonly current: ContainerResources;
  /** The window's length in hours. */
  readonly windowHours: number;
  readonly stepSeconds: number;
  /** Allocatable CPU of one node: the "no limit" value. */
  readonly nodeCpu: Cpu;
  /** A container whose missing data does not make the recommendation insufficient. */
  readonly optional: boolean;
  /**
   * numa containers: the worker threads the plan pins (NUMAFLOW_CPU_REQUEST in the vertex's
   * `containerTemplate.env`). Its threads then follow the pin, not the request. Absent: the
   * plan values' own `workerThreads` key when they carry one, else threads = ceil(requests.cpu).
   */
  readonly numaThreadsPin?: number;
}

export type ContainerStatus = 'changed' | 'kept' | 'raised' | 'insufficient-data';

/** Rules that decided a value, for short comments and machine readers. */
export type SizingFlag =
  | 'init'
  | 'no-data'
  | 'insufficient-data'
  | 'cpu-floor'
  | 'memory-floor'
  /**
   * No longer produced: the numa CPU request used to be rounded up to whole cores. Kept in
   * the type so readers of older JSON (and code testing for it) still type-check.
   */
  | 'whole-cores'
  /** A numa container whose recommended request gives fewer worker threads than the soak ran with. */
  | 'fewer-threads'
  | 'throttled'
  | 'gomemlimit'
  | 'oom'
  | 'leak'
  | 'guaranteed';

export interface ContainerSizing {
  readonly recommended: ContainerResources;
  readonly status: ContainerStatus;
  readonly basis: { readonly cpu?: ResourceBasis; readonly memory?: ResourceBasis };
  readonly notes: readonly string[];
  readonly flags: readonly SizingFlag[];
  /** Why the data is not enough, when it is not (and the container is not optional). */
  readonly insufficient?: string;
  readonly cpu?: AggregateUsage;
  readonly memory?: AggregateUsage;
  /**
   * numa containers: ceil(statistic × (1 + headroom)), the whole cores the measured load plus
   * headroom spans. The recommended request gives at least this many worker threads.
   */
  readonly requiredCores?: number;
}

export interface ThrottlingSummary {
  readonly throttled: boolean;
  readonly ratio: number;
  readonly peak5m: number;
}

export function throttlingOf(pods: readonly PodThrottling[], p: RecommendationPolicy): ThrottlingSummary {
  const ratio = Math.max(0, ...pods.map((x) => x.ratio).filter(Number.isFinite));
  const peak5m = Math.max(0, ...pods.map((x) => x.peak5m).filter(Number.isFinite));
  return { throttled: ratio > p.throttledRatio || peak5m > p.throttledPeak5m, ratio, peak5m };
}

export interface TrendSummary {
  /** The steepest slope among pods with enough points, bytes per hour; undefined when none has. */
  readonly slopeBytesPerHour?: number;
  readonly points: number;
  readonly pod?: string;
}

/** The steepest memory slope among the pods whose fit has at least `minTrendPoints` hourly points. */
export function steepestTrend(pods: readonly PodMemoryTrend[], p: RecommendationPolicy): TrendSummary {
  let best: PodMemoryTrend | undefined;
  for (const t of pods) {
    if (t.points < p.minTrendPoints || !Number.isFinite(t.slopeBytesPerHour)) continue;
    if (!best || t.slopeBytesPerHour > best.slopeBytesPerHour) best = t;
  }
  return best ? { slopeBytesPerHour: best.slopeBytesPerHour, points: best.points, pod: best.pod } : { points: Math.max(0, ...pods.map((t) => t.points)) };
}

/**
 * Whether a slope is a leak for a container whose memory limit leaves `room` bytes above
 * the observed peak: the slope alone is steep, or projected over the horizon it would use
 * up the room (kubernetes-mixin's predict_linear guard; rightsizing-facts §5).
 */
export function isLeak(trend: TrendSummary, roomBytes: number, p: RecommendationPolicy): boolean {
  const s = trend.slopeBytesPerHour;
  if (s === undefined || s <= 0) return false;
  return s >= p.leakSlopeBytesPerHour || s * p.leakHorizonHours > roomBytes;
}

/** The sizing of one container from its measurements under the policy. */
export function sizeContainer(m: ContainerMeasurements, ctx: SizingContext, p: RecommendationPolicy): ContainerSizing {
  const { current, role } = ctx;
  const kept = (status: ContainerStatus, flag: SizingFlag, notes: string[], extra: Partial<ContainerSizing> = {}): ContainerSizing => ({
    recommended: current,
    status,
    basis: {},
    notes,
    flags: [flag],
    ...extra,
  });
  if (role === 'init') {
    return kept('kept', 'init', ['init container: runs to completion before the others start, so its usage says little about what it needs; plan values kept']);
  }
  const cpu = aggregateUsage(m.cpu);
  const memory = aggregateUsage(m.memory);
  if (!cpu || !memory) {
    const what = !cpu && !memory ? 'no CPU or memory data' : !cpu ? 'no CPU data' : 'no memory data';
    if (ctx.optional) return kept('kept', 'no-data', [`${what} for this container: plan values kept`], { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) });
    return kept('insufficient-data', 'insufficient-data', [`${what}: plan values kept`], { insufficient: `${what} in the window`, ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) });
  }
  const samples = Math.min(cpu.samples, memory.samples);
  const coverageHours = (samples * ctx.stepSeconds) / 3600;
  const coverage = coverageOf(samples, Math.floor((ctx.windowHours * 3600) / ctx.stepSeconds + 1e-9) + 1);
  const shortfall =
    ctx.windowHours < p.minHistoryHours
      ? `the window is ${ctx.windowHours.toFixed(1)} h, less than ${p.minHistoryHours} h`
      : samples < p.minSamples
        ? `${samples} samples, fewer than ${p.minSamples} (${coverage.toFixed(1)}% of the window)`
        : coverageHours < p.minHistoryHours
          ? `data covers ${coverageHours.toFixed(1)} h (${coverage.toFixed(1)}% of the window), less than ${p.minHistoryHours} h`
          : coverage < p.minCoveragePercent
            ? `data covers ${coverage.toFixed(1)}% of the window, less than ${p.minCoveragePercent}%`
            : undefined;
  if (shortfall) {
    if (ctx.optional) return kept('kept', 'no-data', [`too little data (${shortfall}): plan values kept`], { cpu, memory });
    return kept('insufficient-data', 'insufficient-data', [`too little data (${shortfall}): refusing to recommend, plan values kept`], { insufficient: shortfall, cpu, memory });
  }

  const notes: string[] = [];
  const flags: SizingFlag[] = [];
  const guaranteed = role === 'jetstream' || role === 'buffer-sidecar';
  const podsText = (n: number) => `over ${n} pod${n === 1 ? '' : 's'}`;

  // --- CPU ------------------------------------------------------------------------------
  // The request is the policy's statistic +headroom; for the Guaranteed buffer containers it
  // is their limit, so it is sized from the peak (the limit rule) from the start.
  const cpuHeadroom = p.cpuHeadroomPercent;
  const cpuFactor = 1 + cpuHeadroom / 100;
  const cpuStatBasis = (statistic: 'p95' | 'p99' | 'peak', value: number): ValueBasis => ({
    rule: 'statistic',
    statistic,
    value,
    headroomPercent: cpuHeadroom,
    text: `${statistic} ${formatCores(value)} ${podsText(cpu.pods)}${cpuHeadroom > 0 ? ` +${cpuHeadroom}%` : ''}`,
  });
  const stat = statisticName(p.cpuPercentile);
  const cpuValue = stat === 'peak' ? cpu.peak : stat === 'p99' ? cpu.p99 : cpu.p95;
  const requestStat = guaranteed ? 'peak' : stat;
  const requestValue = guaranteed ? cpu.peak : cpuValue;
  const cpuFloor = Cpu.millis(Math.min(p.cpuFloorMillicores, current.requests.cpu.millicores));
  let cpuRequest = roundUpCpu(requestValue * cpuFactor, p);
  let cpuRequestBasis = cpuStatBasis(requestStat, requestValue);
  // The floor decides when the statistic +headroom is below it before rounding: rounding up
  // to the 10m step would otherwise hide that a 1.8m value became 10m through the floor.
  if (requestValue * cpuFactor * 1000 < cpuFloor.millicores - 1e-9) {
    cpuRequest = cpuFloor;
    const floor = floorText(cpuFloor.toString(), Cpu.millis(p.cpuFloorMillicores).toString());
    cpuRequestBasis = { rule: 'floor', text: `floor ${floor} (${cpuRequestBasis.text} is below it)` };
    notes.push(`CPU floor ${floor} applies (${requestStat} ${formatCores(requestValue)} +${cpuHeadroom}% is below it)`);
    flags.push('cpu-floor');
  }
  // A value set equal to the other of its pair keeps the other's origin, marked `equals`.
  const requestIsLimit = (b: ValueBasis): ValueBasis => ({ ...b, equals: 'limit' });
  const limitIsRequest = (b: ValueBasis): ValueBasis => ({ ...b, equals: 'request' });

  let cpuLimit: Cpu;
  let cpuLimitBasis: ValueBasis;
  const peakLimit = roundUpCpu(cpu.peak * cpuFactor, p);
  if (guaranteed) {
    cpuLimit = cpuRequest;
    cpuLimitBasis = limitIsRequest(cpuRequestBasis);
  } else if (p.cpuLimitPolicy === 'peak') {
    if (peakLimit.compare(cpuRequest) > 0) {
      cpuLimit = peakLimit;
      cpuLimitBasis = cpuStatBasis('peak', cpu.peak);
    } else {
      cpuLimit = cpuRequest;
      cpuLimitBasis = limitIsRequest(cpuRequestBasis);
    }
  } else if (p.cpuLimitPolicy === 'ratio') {
    const ratio = current.limits.cpu.millicores / current.requests.cpu.millicores;
    const byRatio = roundUpCpu(cpuRequest.cores * ratio, p);
    // Whatever the ratio gives, a limit is never below the observed peak.
    const atPeak = roundUpCpu(cpu.peak, p);
    if (atPeak.compare(byRatio) > 0 && atPeak.compare(cpuRequest) > 0) {
      cpuLimit = atPeak;
      cpuLimitBasis = { rule: 'statistic', statistic: 'peak', value: cpu.peak, headroomPercent: 0, text: `peak ${formatCores(cpu.peak)} ${podsText(cpu.pods)} (the plan's ratio gives ${byRatio}: a limit is never below the observed peak)` };
      notes.push(`CPU limit: the plan's limit:request ratio gives ${byRatio}, below the observed peak ${formatCores(cpu.peak)}; the limit is the peak`);
    } else if (byRatio.compare(cpuRequest) > 0) {
      cpuLimit = byRatio;
      cpuLimitBasis = { rule: 'ratio', value: ratio, text: `request × ${ratio.toFixed(2)} (the plan's limit:request ratio)` };
    } else {
      cpuLimit = cpuRequest;
      cpuLimitBasis = limitIsRequest(cpuRequestBasis);
    }
  } else {
    cpuLimit = maxCpu(cpuRequest, ctx.nodeCpu);
    cpuLimitBasis = { rule: 'node', text: `the node's allocatable CPU, ${ctx.nodeCpu} (no CPU limit)` };
  }
  const throttling = throttlingOf(m.throttling, p);
  if (throttling.throttled) {
    flags.push('throttled');
    if (current.requests.cpu.compare(cpuRequest) > 0) {
      cpuRequest = current.requests.cpu;
      cpuRequestBasis = { rule: 'plan', text: `the plan's ${current.requests.cpu}, kept: throttled, so usage understates demand` };
    }
    const raisedLimit = roundUpCpu(current.limits.cpu.cores * cpuFactor, p);
    if (raisedLimit.compare(cpuLimit) > 0) {
      cpuLimit = raisedLimit;
      cpuLimitBasis = { rule: 'throttled', value: current.limits.cpu.cores, headroomPercent: cpuHeadroom, text: `the plan's limit ${current.limits.cpu} +${cpuHeadroom}%: throttled` };
    }
    if (cpuRequest.compare(cpuLimit) > 0) {
      cpuLimit = cpuRequest;
      cpuLimitBasis = limitIsRequest(cpuRequestBasis);
    }
    if (guaranteed && !cpuRequest.equals(cpuLimit)) {
      cpuRequest = cpuLimit;
      cpuRequestBasis = cpuLimitBasis;
      cpuLimitBasis = limitIsRequest(cpuLimitBasis);
    }
    notes.push(
      `throttled (${pct(throttling.ratio)} of CFS periods over the window, ${pct(throttling.peak5m)} in the worst 5 minutes): usage is capped by the limit and understates demand, so the CPU request is not lowered and the limit is raised ${cpuHeadroom}% to ${cpuLimit}`,
    );
  }

  // numa worker threads follow the request through NUMAFLOW_CPU_REQUEST, which Kubernetes
  // rounds up to whole cores itself (see the comment at the top of this file): the request
  // is not rounded; a loss of threads is flagged instead.
  let requiredCores: number | undefined;
  let threads: NumaThreads | undefined;
  if (role === 'numa') {
    requiredCores = Math.max(1, Math.ceil(cpuValue * cpuFactor - 1e-9));
    const pin = ctx.numaThreadsPin ?? pinnedWorkerThreads(current);
    const soak = pin ?? threadsForCpu(current.requests.cpu);
    const recommended = pin ?? threadsForCpu(cpuRequest);
    threads = { soak, recommended, ...(pin !== undefined ? { pinned: pin } : {}) };
    if (pin !== undefined) {
      notes.push(`numa: ${pin} worker thread(s), pinned by NUMAFLOW_CPU_REQUEST in the plan; the CPU request (${cpuRequest}) does not set them`);
    } else if (recommended < soak) {
      flags.push('fewer-threads');
      notes.push(
        `numa: worker threads ${soak} → ${recommended} (NUMAFLOW_CPU_REQUEST = ceil(requests.cpu): ${current.requests.cpu} → ${cpuRequest}); re-check throughput in the next soak, or pin ${soak} (numa.workerThreads, which sets NUMAFLOW_CPU_REQUEST) to keep them`,
      );
    } else {
      notes.push(
        `numa: ${recommended} worker thread(s) = ceil(requests.cpu ${cpuRequest})${recommended === soak ? ', as in the soak' : ` (${soak} in the soak)`}; the request is not rounded to whole cores, Kubernetes rounds NUMAFLOW_CPU_REQUEST up itself`,
      );
    }
  }

  // --- Memory ---------------------------------------------------------------------------
  const memHeadroom = p.memoryHeadroomPercent;
  const memFactor = 1 + memHeadroom / 100;
  const memStatBasis = (statistic: 'p95' | 'peak', value: number, headroom: number): ValueBasis => ({
    rule: 'statistic',
    statistic,
    value,
    headroomPercent: headroom,
    text: `${statistic} ${formatBytes(value)} ${podsText(memory.pods)}${headroom > 0 ? ` +${headroom}%` : ''}`,
  });
  const memFloor = Bytes.of(Math.min(p.memoryFloorBytes, current.limits.memory.bytes));
  const memFloorText = floorText(memFloor.toString(), Bytes.of(p.memoryFloorBytes).toString());
  let memLimit = roundUpBytes(memory.peak * memFactor, p);
  let memLimitBasis = memStatBasis('peak', memory.peak, memHeadroom);
  if (memory.peak * memFactor < memFloor.bytes) {
    memLimit = memFloor;
    memLimitBasis = { rule: 'floor', text: `floor ${memFloorText} (${memLimitBasis.text} is below it)` };
    flags.push('memory-floor');
    notes.push(`memory floor ${memFloorText} applies (peak ${formatBytes(memory.peak)} +${memHeadroom}% is below it)`);
  }
  if (role === 'jetstream') {
    const gcHeadroom = p.jetstreamMemoryHeadroomPercent;
    const gcRoom = roundUpBytes(memory.peak * (1 + gcHeadroom / 100), p);
    const planLower = current.limits.memory.compare(gcRoom) < 0;
    const bound = planLower ? current.limits.memory : gcRoom;
    if (bound.compare(memLimit) > 0) {
      memLimit = bound;
      memLimitBasis = planLower
        ? { rule: 'plan', text: `the plan's ${current.limits.memory}, kept: below peak ${formatBytes(memory.peak)} +${gcHeadroom}% (GOMEMLIMIT room), and the soak ran with it` }
        : { ...memStatBasis('peak', memory.peak, gcHeadroom), text: `${memStatBasis('peak', memory.peak, gcHeadroom).text} (GOMEMLIMIT room)` };
    }
    flags.push('gomemlimit');
    notes.push(
      `GOMEMLIMIT follows the memory limit: the limit stays ≥ peak +${gcHeadroom}% (${gcRoom}) or the plan's ${current.limits.memory}, whichever is lower, so the Go GC does not run against its soft limit`,
    );
  }
  const requestFollowsLimit = p.memoryRequest === 'limit' || guaranteed;
  let memRequest: Bytes;
  let memRequestBasis: ValueBasis;
  if (requestFollowsLimit) {
    memRequest = memLimit;
    memRequestBasis = requestIsLimit(memLimitBasis);
  } else {
    memRequest = roundUpBytes(memory.p95 * memFactor, p);
    memRequestBasis = memStatBasis('p95', memory.p95, memHeadroom);
    if (memory.p95 * memFactor < memFloor.bytes) {
      memRequest = memFloor;
      memRequestBasis = { rule: 'floor', text: `floor ${memFloorText} (${memRequestBasis.text} is below it)` };
    }
    if (memRequest.compare(memLimit) > 0) {
      memRequest = memLimit;
      memRequestBasis = requestIsLimit(memLimitBasis);
    }
  }

  const oom = m.restarts.filter((r) => r.oomKilled);
  if (oom.length > 0) {
    const basis = maxBytes(current.limits.memory, Bytes.of(Math.ceil(memory.peak)));
    const bumped = roundUpBytes(Math.max(basis.bytes * p.oomBumpRatio, basis.bytes + p.oomMinBumpBytes), p);
    if (bumped.compare(memLimit) > 0) {
      memLimit = bumped;
      memLimitBasis = { rule: 'oom-bump', text: `OOM bump: max(limit ${current.limits.memory}, peak ${formatBytes(memory.peak)}) × ${p.oomBumpRatio} or +${formatBytes(p.oomMinBumpBytes)}, the larger` };
    }
    if (requestFollowsLimit) {
      memRequest = memLimit;
      memRequestBasis = requestIsLimit(memLimitBasis);
    } else if (current.requests.memory.compare(memRequest) > 0) {
      memRequest = current.requests.memory;
      memRequestBasis = { rule: 'plan', text: `the plan's ${current.requests.memory}, kept: OOM-killed, memory is never lowered` };
    }
    flags.push('oom');
    notes.push(
      `OOM-killed in the window (${oom.length} pod${oom.length === 1 ? '' : 's'}): memory never lowered; limit raised to max(limit ${current.limits.memory}, peak ${formatBytes(memory.peak)}) × ${p.oomBumpRatio} or +${formatBytes(p.oomMinBumpBytes)}, the larger (VPA's OOM bump): ${memLimit}`,
    );
  }

  const trend = steepestTrend(m.trend, p);
  if (isLeak(trend, memLimit.bytes - memory.peak, p)) {
    const slope = trend.slopeBytesPerHour!;
    const shrinking = memLimit.compare(current.limits.memory) < 0 || memRequest.compare(current.requests.memory) < 0;
    const why = `memory grows ${formatBytes(slope)}/h`;
    if (current.limits.memory.compare(memLimit) > 0) {
      memLimit = current.limits.memory;
      memLimitBasis = { rule: 'plan', text: `the plan's ${current.limits.memory}, kept: ${why}` };
    }
    if (current.requests.memory.compare(memRequest) > 0) {
      memRequest = current.requests.memory;
      memRequestBasis = { rule: 'plan', text: `the plan's ${current.requests.memory}, kept: ${why}` };
    } else if (requestFollowsLimit && memRequest.equals(memLimit)) {
      memRequestBasis = requestIsLimit(memLimitBasis);
    }
    flags.push('leak');
    notes.push(
      `memory grows ${formatBytes(slope)}/h (steepest pod, hourly minima, ${trend.points} points): over ${p.leakHorizonHours} h that is ${formatBytes(slope * p.leakHorizonHours)}, ${slope >= p.leakSlopeBytesPerHour ? `at or above the ${formatBytes(p.leakSlopeBytesPerHour)}/h leak threshold` : 'more than the room above the peak'}; ${shrinking ? 'refusing to shrink memory (plan values kept) until the trend is explained' : 'memory not lowered'}`,
    );
  }
  if (guaranteed) flags.push('guaranteed');
  if (guaranteed) notes.push('Guaranteed QoS: request = limit for CPU and memory, sized from the peak (the limit rule); the buffer service holds in-flight data and must be the last pod evicted');

  const recommended: ContainerResources = { requests: { cpu: cpuRequest, memory: memRequest }, limits: { cpu: cpuLimit, memory: memLimit } };
  const diffs = [
    recommended.requests.cpu.compare(current.requests.cpu),
    recommended.requests.memory.compare(current.requests.memory),
    recommended.limits.cpu.compare(current.limits.cpu),
    recommended.limits.memory.compare(current.limits.memory),
  ];
  const raised = diffs.some((d) => d > 0);
  const changed = diffs.some((d) => d !== 0);
  const memRequestStat = requestFollowsLimit ? 'peak' : 'p95';
  return {
    recommended,
    status: raised ? 'raised' : changed ? 'changed' : 'kept',
    basis: {
      cpu: {
        statistic: requestStat,
        percentile: requestStat === 'peak' ? 100 : percentileNumber(p.cpuPercentile),
        value: requestValue,
        headroomPercent: cpuHeadroom,
        samples: cpu.samples,
        pods: cpu.pods,
        request: cpuRequestBasis,
        limit: cpuLimitBasis,
        ...(threads ? { threads } : {}),
      },
      memory: {
        statistic: memRequestStat,
        percentile: memRequestStat === 'peak' ? 100 : 95,
        value: memRequestStat === 'peak' ? memory.peak : memory.p95,
        headroomPercent: role === 'jetstream' ? p.jetstreamMemoryHeadroomPercent : memHeadroom,
        samples: memory.samples,
        pods: memory.pods,
        request: memRequestBasis,
        limit: memLimitBasis,
      },
    },
    notes,
    flags,
    cpu,
    memory,
    ...(requiredCores !== undefined ? { requiredCores } : {}),
  };
}

/**
 * The worker threads a plan's numa container pins (`workerThreads`, which sets
 * NUMAFLOW_CPU_REQUEST in the vertex's containerTemplate.env), read from the container's
 * plan values when they carry the key; undefined when they do not.
 */
export function pinnedWorkerThreads(current: ContainerResources): number | undefined {
  const pin = (current as ContainerResources & { readonly workerThreads?: unknown }).workerThreads;
  return typeof pin === 'number' && Number.isInteger(pin) && pin >= 1 ? pin : undefined;
}

/** What `basisComment` reads: a sized container's basis and notes (a `ContainerRecommendation` is one). */
export interface BasisCarrier {
  readonly basis: { readonly cpu?: ResourceBasis; readonly memory?: ResourceBasis };
  readonly notes: readonly string[];
  readonly flags: readonly SizingFlag[];
}

/**
 * The words written beside a container's `requests:` or `limits:` line: exactly what set
 * each value. The requests line names the origin of both requests (a statistic +headroom,
 * a floor, a plan value kept, ...) and, for numa, a change of worker threads; the limits
 * line names the origin of each limit, or `= request` when the limit is the request (and
 * the request line already said where that came from). Examples:
 * - `p95 1.43 cores over 18 pods +20%; memory floor 100Mi (peak 75.6Mi over 18 pods +15% is below it); 7201 samples`
 * - `CPU limit: peak 1.73 cores over 18 pods +20%; memory limit = request`
 * - `peak 4.28 cores over 3 pods +20%; memory peak 2.14Gi over 3 pods +30% (GOMEMLIMIT room); 7201 samples`
 *   and `limit = request (Guaranteed)`
 */
export function basisComment(c: BasisCarrier, kind: 'requests' | 'limits'): string {
  const { cpu, memory } = c.basis;
  if (!cpu || !memory) return `kept: ${c.notes[0] ?? 'no basis'}`;
  if (kind === 'requests') {
    const t = cpu.threads;
    const threads = t && t.pinned === undefined && t.recommended !== t.soak ? `, worker threads ${t.soak} → ${t.recommended}${t.recommended < t.soak ? ': re-check throughput' : ''}` : '';
    return `${cpu.request.text}${threads}; memory ${memory.request.text}; ${cpu.samples} samples`;
  }
  const coupled = (b: ResourceBasis) => b.limit.equals === 'request' || b.request.equals === 'limit';
  if (coupled(cpu) && coupled(memory) && c.flags.includes('guaranteed')) return 'limit = request (Guaranteed)';
  const part = (name: string, b: ResourceBasis) => (coupled(b) ? `${name} limit = request` : `${name} limit: ${b.limit.text}`);
  return `${part('CPU', cpu)}; ${part('memory', memory)}`;
}

/** Both lines of `basisComment` in one, for a table cell. */
export function basisSummary(c: BasisCarrier): string {
  const requests = basisComment(c, 'requests');
  if (!c.basis.cpu || !c.basis.memory) return requests;
  return `requests: ${requests}; limits: ${basisComment(c, 'limits')}`;
}

// ---------------------------------------------------------------------------------------
// Request efficiency: how much CPU the recommendation reserves over what the pods use

/** The most CPU a recommendation may reserve, as a multiple of the containers' p99 (R). */
export const REQUEST_EFFICIENCY_GOAL = 1.25;

/** One sized container in the request-efficiency measure. */
export interface EfficiencyRow {
  readonly path: string;
  readonly label: string;
  /** Pods that run this container in the recommended plan: scale.min of a vertex, the buffer's replicas, 1 daemon. */
  readonly replicas: number;
  readonly cpuRequest: Cpu;
  readonly cpuLimit: Cpu;
  /** Max over pods of the per-pod statistic, cores. */
  readonly cpu: { readonly p95: number; readonly p99: number; readonly peak: number };
  readonly memoryRequest: Bytes;
  readonly memoryLimit: Bytes;
  /** Max over pods of the per-pod statistic, bytes. */
  readonly memory: { readonly p95: number; readonly p99: number; readonly peak: number };
  /** cpuRequest / cpu.p99. */
  readonly ratio: number;
  /** Broken invariants: a request under its p95, a limit under its observed peak (CPU or memory). */
  readonly violations: readonly string[];
}

export interface EfficiencyReport {
  /** R = Σ (CPU request × replicas) / Σ (CPU p99 × replicas), over the sized containers. */
  readonly ratio: number;
  /** Σ CPU request × replicas, cores. */
  readonly requestedCores: number;
  /** Σ CPU p99 × replicas, cores. */
  readonly p99Cores: number;
  readonly rows: readonly EfficiencyRow[];
  /** Containers with at least one broken invariant. */
  readonly violations: number;
  readonly goal: number;
  /** ratio ≤ goal and no violations. */
  readonly met: boolean;
}

/** Half the provenance's precision (CPU to 4 decimals, memory in whole bytes): differences below it are rounding. */
const CPU_TOLERANCE = 0.00005;
const BYTES_TOLERANCE = 0.5;

/**
 * The request efficiency of a recommendation (docs/recommend.md, "How much it reserves"):
 * R = Σ over sized containers of (recommended CPU request × replicas) / Σ of (that
 * container's p99 × the same replicas), where a container's p99 is the maximum over its
 * pods of the per-pod p99 of the 5-minute rate (the provenance's `cpu.p99`) and replicas
 * are what the recommended plan runs: scale.min of each vertex (the source keeps its
 * replicas), the buffer's node count, one daemon. Each row also checks the invariants: no
 * request below its p95 and no limit below its observed peak, for CPU and memory.
 * Containers not sized (init, kept for lack of data) are left out.
 */
export function requestEfficiency(r: Recommendation, plan: SoakPlan, goal = REQUEST_EFFICIENCY_GOAL): EfficiencyReport {
  const rows: EfficiencyRow[] = [];
  for (const c of r.containers) {
    const observed = r.provenance.containers[c.path];
    if (!c.basis.cpu || !c.basis.memory || !observed?.cpu || !observed.memory) continue;
    const replicas = replicasOf(r, plan, c.workload);
    const { requests, limits } = c.recommended;
    const cpu = { p95: observed.cpu.p95, p99: observed.cpu.p99, peak: observed.cpu.peak };
    const memory = { p95: observed.memory.p95, p99: observed.memory.p99, peak: observed.memory.peak };
    const violations: string[] = [];
    if (requests.cpu.cores < cpu.p95 - CPU_TOLERANCE) violations.push(`CPU request ${requests.cpu} is below the p95 ${formatCores(cpu.p95)}`);
    if (limits.cpu.cores < cpu.peak - CPU_TOLERANCE) violations.push(`CPU limit ${limits.cpu} is below the peak ${formatCores(cpu.peak)}`);
    if (requests.memory.bytes < memory.p95 - BYTES_TOLERANCE) violations.push(`memory request ${requests.memory} is below the p95 ${formatBytes(memory.p95)}`);
    if (limits.memory.bytes < memory.peak - BYTES_TOLERANCE) violations.push(`memory limit ${limits.memory} is below the peak ${formatBytes(memory.peak)}`);
    rows.push({
      path: c.path,
      label: c.label,
      replicas,
      cpuRequest: requests.cpu,
      cpuLimit: limits.cpu,
      cpu,
      memoryRequest: requests.memory,
      memoryLimit: limits.memory,
      memory,
      ratio: cpu.p99 > 0 ? requests.cpu.cores / cpu.p99 : Number.POSITIVE_INFINITY,
      violations,
    });
  }
  const requestedCores = rows.reduce((a, x) => a + x.cpuRequest.cores * x.replicas, 0);
  const p99Cores = rows.reduce((a, x) => a + x.cpu.p99 * x.replicas, 0);
  const ratio = p99Cores > 0 ? requestedCores / p99Cores : Number.POSITIVE_INFINITY;
  const violations = rows.filter((x) => x.violations.length > 0).length;
  return { ratio, requestedCores, p99Cores, rows, violations, goal, met: ratio <= goal && violations === 0 };
}

function replicasOf(r: Recommendation, plan: SoakPlan, workload: Workload): number {
  if (workload === 'buffer') return plan.buffer.replicas;
  if (workload === 'daemon') return 1;
  const vertex = r.replicas.find((x) => x.path === `pipeline.${workload}`);
  return vertex ? vertex.recommended.min : plan.pipeline[workload].scale.min;
}

/** `100Mi`, or `64Mi (the plan's value, below the 100Mi floor)`: a floor never raises a value above the plan's. */
function floorText(applied: string, policyFloor: string): string {
  return applied === policyFloor ? applied : `${applied} (the plan's value, below the ${policyFloor} floor)`;
}

function percentileNumber(phi: number): number {
  return Math.round(phi * 100);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

// ---------------------------------------------------------------------------------------
// Replicas

export interface ReplicaSizing {
  readonly recommended: { readonly min: number; readonly max: number };
  readonly status: 'changed' | 'kept' | 'insufficient-data';
  /** The p95 of the vertex's rate over the window, msg/s: what it showed it can carry. */
  readonly measuredRate?: number;
  /** The median of the rate, msg/s. */
  readonly medianRate?: number;
  readonly replicasSeen?: number;
  /** measuredRate / replicasSeen. */
  readonly perReplicaRate?: number;
  /** Evaluation points with data. */
  readonly samples: number;
  readonly notes: readonly string[];
  readonly insufficient?: string;
}

/**
 * Replicas of a vertex that reads a buffer (batch map, sink) from the throughput target:
 * - per-replica rate = p95 of the vertex's rate over the window / replicas seen: the rate
 *   each replica was shown to carry, at the CPU and memory the soak measured;
 * - scale.min = ceil(target / per-replica rate) (+1 with nPlusOne): each replica carries at
 *   most what it carried in the soak, so the per-pod sizes measured at that load hold;
 * - scale.max = max(min, ceil(target × (1 + replicaHeadroomPercent) / per-replica rate)):
 *   room for Numaflow's autoscaler to catch up after an outage or a node migration.
 * Too few points keeps the plan's values.
 */
/** Percent of `expected` points that had data (0 when none were expected). */
export function coverageOf(present: number, expected: number): number {
  return expected > 0 ? (100 * present) / expected : 0;
}

export function sizeReplicas(throughput: VertexThroughput | undefined, current: ScalePlan, target: number, windowHours: number, p: RecommendationPolicy): ReplicaSizing {
  const keep = (why: string): ReplicaSizing => ({ recommended: { min: current.min, max: current.max }, status: 'insufficient-data', samples: 0, notes: [`${why}: replicas kept`], insufficient: why });
  if (!throughput) return keep('no throughput data');
  const values = throughput.rate.values.filter((v) => Number.isFinite(v));
  const samples = values.length;
  if (windowHours < p.minHistoryHours) return { ...keep(`the window is ${windowHours.toFixed(1)} h, less than ${p.minHistoryHours} h`), samples };
  if (samples < p.minSamples) return { ...keep(`${samples} throughput samples, fewer than ${p.minSamples}`), samples };
  const coverage = coverageOf(samples, throughput.rate.values.length);
  if (coverage < p.minCoveragePercent) return { ...keep(`throughput data covers ${coverage.toFixed(1)}% of the window, less than ${p.minCoveragePercent}%`), samples };
  const measuredRate = quantile(values, 0.95);
  const medianRate = quantile(values, 0.5);
  const replicasSeen = throughput.replicas;
  if (!(measuredRate > 0) || !(replicasSeen > 0)) return { ...keep('the vertex read no messages'), samples };
  const perReplicaRate = measuredRate / replicasSeen;
  const needed = Math.max(1, Math.ceil(target / perReplicaRate - 1e-9));
  const min = needed + (p.nPlusOne ? 1 : 0);
  const max = Math.max(min, Math.ceil((target * (1 + p.replicaHeadroomPercent / 100)) / perReplicaRate - 1e-9));
  const notes = [
    `p95 rate ${Math.round(measuredRate)} msg/s over ${replicasSeen} replicas = ${Math.round(perReplicaRate)} msg/s per replica; target ${Math.round(target)} msg/s needs ${needed}${p.nPlusOne ? ' + 1 (N+1)' : ''}; max +${p.replicaHeadroomPercent}% for the autoscaler`,
  ];
  const changed = min !== current.min || max !== current.max;
  return { recommended: { min, max }, status: changed ? 'changed' : 'kept', measuredRate, medianRate, replicasSeen, perReplicaRate, samples, notes };
}

// ---------------------------------------------------------------------------------------
// Partitions and the buffer volume (advice only: never written)

export interface PartitionAdvice {
  readonly current: number;
  /** The range the advice accepts: enough partitions for the rate, no more than replicas. */
  readonly range: { readonly min: number; readonly max: number };
  readonly status: 'ok' | 'advise';
  readonly message: string;
}

/**
 * Partitions of the batch-map vertex, advice only. Each replica of a non-ordered map reads
 * every partition (numaflow-facts §1), so partitions give parallelism to the buffer, not
 * to the replicas: enough of them that none carries more than `maxRatePerPartition`, and
 * no more than scale.min (more streams than readers adds disk and consumers for nothing).
 * Changing partitions recreates the streams, so it is never done automatically.
 */
export function advisePartitions(current: number, minReplicas: number, target: number, p: RecommendationPolicy): PartitionAdvice {
  const low = Math.max(1, Math.ceil(target / p.maxRatePerPartition - 1e-9));
  const high = Math.max(low, minReplicas);
  const perPartition = Math.round(target / current);
  if (current >= low && current <= high) {
    return { current, range: { min: low, max: high }, status: 'ok', message: `${current} partitions carry ${perPartition} msg/s each (at most ${p.maxRatePerPartition}) and do not outnumber the ${minReplicas} replicas: keep` };
  }
  const why = current < low ? `each carries ${perPartition} msg/s, more than ${p.maxRatePerPartition}` : `more partitions than the ${minReplicas} replicas adds streams without adding readers`;
  return {
    current,
    range: { min: low, max: high },
    status: 'advise',
    message: `${current} partitions: ${why}; consider ${low === high ? low : `${low}–${high}`}. Not changed automatically: changing partitions recreates the streams`,
  };
}

export interface VolumeAdvice {
  readonly current: Bytes;
  /** Estimated bytes the full streams hold per node (streams × maxMsgs × bytes per message × copies / nodes). */
  readonly requiredPerNode: Bytes;
  /** requiredPerNode + volumeHeadroomPercent, rounded up to a whole Gi. */
  readonly recommended: Bytes;
  readonly status: 'ok' | 'could-shrink' | 'too-small';
  /** Always true: Numaflow cannot change persistence in place. */
  readonly requiresRecreate: true;
  readonly message: string;
}

/**
 * The buffer volume, advice only: the plan's volumeSize is never changed by the
 * recommender, because Numaflow cannot change persistence in place (the buffer service and
 * its pipeline must be recreated; numaflow-facts §2).
 */
export function adviseVolume(plan: SoakPlan, p: RecommendationPolicy): VolumeAdvice {
  const current = plan.buffer.persistence.volumeSize;
  const requiredPerNode = estimatedStreamBytesPerNode(plan);
  const recommended = Bytes.of(Math.ceil((requiredPerNode.bytes * (1 + p.volumeHeadroomPercent / 100)) / GiB - 1e-9) * GiB);
  const basis = `${streamCount(plan)} streams × ${plan.buffer.stream.maxMsgs} messages × ~${estimatedBytesPerMessage(plan)} B (estimated) × copies / ${plan.buffer.replicas} nodes ≈ ${formatBytes(requiredPerNode.bytes)} per node, +${p.volumeHeadroomPercent}% = ${recommended}`;
  if (recommended.compare(current) < 0) {
    return { current, requiredPerNode, recommended, status: 'could-shrink', requiresRecreate: true, message: `${basis}: the volume could be ${recommended} instead of ${current}; that requires recreating the buffer service (kept at ${current})` };
  }
  if (recommended.compare(current) > 0) {
    return { current, requiredPerNode, recommended, status: 'too-small', requiresRecreate: true, message: `${basis}: the ${current} volume is too small; growing it requires recreating the buffer service` };
  }
  return { current, requiredPerNode, recommended, status: 'ok', requiresRecreate: true, message: `${basis}: ${current} fits` };
}

/** The plan's target rate (messages per second), or the one given. */
export function targetRate(plan: SoakPlan, given?: number): number {
  return given ?? targetRatePerSecond(plan);
}
