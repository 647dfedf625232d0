/**
 * The recommendation policy: how measured usage becomes requests, limits, replicas and
 * advice. Every number the policy uses is a field of `RecommendationPolicy`, with its
 * default in `DEFAULT_POLICY`; docs/recommend.md justifies each one against the VPA
 * recommender's target and KRR's `simple` strategy (shared/docs/rightsizing-facts.md).
 *
 * The functions here are pure: they take what a `MetricsSource` measured and the plan's
 * current values, and return the recommendation with its basis and notes. Fetching the
 * measurements is recommend.ts's job.
 */
import type { ContainerResources, ScalePlan, SoakPlan } from '../plan/schema';
import { estimatedBytesPerMessage, estimatedStreamBytesPerNode, streamCount, targetRatePerSecond } from '../plan/derived';
import { Bytes, Cpu } from '../plan/quantity';
import type { PodMemoryTrend, PodRestarts, PodThrottling, PodUsage, VertexThroughput } from './metrics';
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
const minBytes = (...xs: Bytes[]) => xs.reduce((a, b) => (b.compare(a) < 0 ? b : a));

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

/** The numbers one resource was sized from. */
export interface ResourceBasis {
  /** Which per-pod statistic, maximum over pods: `p95`, `p99` or `peak`. */
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
}

export type ContainerStatus = 'changed' | 'kept' | 'raised' | 'insufficient-data';

/** Rules that decided a value, for short comments and machine readers. */
export type SizingFlag =
  | 'init'
  | 'no-data'
  | 'insufficient-data'
  | 'cpu-floor'
  | 'memory-floor'
  | 'whole-cores'
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
  /** Whole cores the numa runtime needs at the measured load (its worker threads). */
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
  const shortfall =
    ctx.windowHours < p.minHistoryHours
      ? `the window is ${ctx.windowHours.toFixed(1)} h, less than ${p.minHistoryHours} h`
      : samples < p.minSamples
        ? `${samples} samples, fewer than ${p.minSamples}`
        : coverageHours < p.minHistoryHours
          ? `data covers ${coverageHours.toFixed(1)} h, less than ${p.minHistoryHours} h`
          : undefined;
  if (shortfall) {
    if (ctx.optional) return kept('kept', 'no-data', [`too little data (${shortfall}): plan values kept`], { cpu, memory });
    return kept('insufficient-data', 'insufficient-data', [`too little data (${shortfall}): refusing to recommend, plan values kept`], { insufficient: shortfall, cpu, memory });
  }

  const notes: string[] = [];
  const flags: SizingFlag[] = [];
  const guaranteed = role === 'jetstream' || role === 'buffer-sidecar';

  // --- CPU ------------------------------------------------------------------------------
  const stat = statisticName(p.cpuPercentile);
  const cpuValue = stat === 'peak' ? cpu.peak : stat === 'p99' ? cpu.p99 : cpu.p95;
  const cpuFactor = 1 + p.cpuHeadroomPercent / 100;
  const cpuFloor = Cpu.millis(Math.min(p.cpuFloorMillicores, current.requests.cpu.millicores));
  let cpuRequest = roundUpCpu(cpuValue * cpuFactor, p);
  if (cpuRequest.compare(cpuFloor) < 0) {
    cpuRequest = cpuFloor;
    notes.push(`CPU floor ${floorText(cpuFloor.toString(), Cpu.millis(p.cpuFloorMillicores).toString())} applies (${stat} ${formatCores(cpuValue)} +${p.cpuHeadroomPercent}% is below it)`);
    flags.push('cpu-floor');
  }
  let requiredCores: number | undefined;
  if (role === 'numa') {
    requiredCores = Math.max(1, Math.ceil(cpuValue * cpuFactor - 1e-9));
    const whole = Cpu.millis(Math.max(requiredCores, cpuRequest.wholeCores) * 1000);
    requiredCores = whole.wholeCores;
    flags.push('whole-cores');
    const before = current.requests.cpu.wholeCores;
    cpuRequest = whole;
    notes.push(
      before === whole.wholeCores
        ? `numa: CPU request rounded up to whole cores (its worker threads follow it): ${whole.wholeCores} thread(s), as in the soak`
        : `numa: CPU request rounded up to whole cores (its worker threads follow it): ${before} → ${whole.wholeCores} thread(s)${whole.wholeCores < before ? '; re-check throughput in the next soak' : ''}`,
    );
  }
  const peakLimit = roundUpCpu(cpu.peak * cpuFactor, p);
  let cpuLimit: Cpu;
  if (guaranteed) {
    cpuRequest = maxCpu(cpuRequest, peakLimit);
    cpuLimit = cpuRequest;
  } else if (p.cpuLimitPolicy === 'peak') {
    cpuLimit = maxCpu(cpuRequest, peakLimit);
  } else if (p.cpuLimitPolicy === 'ratio') {
    const ratio = current.limits.cpu.millicores / current.requests.cpu.millicores;
    cpuLimit = maxCpu(cpuRequest, roundUpCpu(cpuRequest.cores * ratio, p));
  } else {
    cpuLimit = maxCpu(cpuRequest, ctx.nodeCpu);
  }
  const throttling = throttlingOf(m.throttling, p);
  if (throttling.throttled) {
    const raisedLimit = roundUpCpu(current.limits.cpu.cores * cpuFactor, p);
    cpuRequest = maxCpu(cpuRequest, current.requests.cpu);
    cpuLimit = maxCpu(cpuLimit, raisedLimit, cpuRequest);
    if (guaranteed) cpuRequest = cpuLimit;
    flags.push('throttled');
    if (role === 'numa' && cpuRequest.millicores % 1000 !== 0) {
      // Keeping the plan's request must not undo the whole-core rule of the numa runtime.
      cpuRequest = Cpu.millis(cpuRequest.wholeCores * 1000);
      cpuLimit = maxCpu(cpuLimit, cpuRequest);
    }
    notes.push(
      `throttled (${pct(throttling.ratio)} of CFS periods over the window, ${pct(throttling.peak5m)} in the worst 5 minutes): usage is capped by the limit and understates demand, so the CPU request is not lowered and the limit is raised ${p.cpuHeadroomPercent}% to ${cpuLimit}`,
    );
  }

  // --- Memory ---------------------------------------------------------------------------
  const memFactor = 1 + p.memoryHeadroomPercent / 100;
  const memFloor = Bytes.of(Math.min(p.memoryFloorBytes, current.limits.memory.bytes));
  let memLimit = roundUpBytes(memory.peak * memFactor, p);
  if (memLimit.compare(memFloor) < 0) {
    memLimit = memFloor;
    flags.push('memory-floor');
    notes.push(`memory floor ${floorText(memFloor.toString(), Bytes.of(p.memoryFloorBytes).toString())} applies (peak ${formatBytes(memory.peak)} +${p.memoryHeadroomPercent}% is below it)`);
  }
  if (role === 'jetstream') {
    const gcRoom = roundUpBytes(memory.peak * (1 + p.jetstreamMemoryHeadroomPercent / 100), p);
    const bound = minBytes(gcRoom, current.limits.memory);
    if (bound.compare(memLimit) > 0) memLimit = bound;
    flags.push('gomemlimit');
    notes.push(
      `GOMEMLIMIT follows the memory limit: the limit stays ≥ peak +${p.jetstreamMemoryHeadroomPercent}% (${gcRoom}) or the plan's ${current.limits.memory}, whichever is lower, so the Go GC does not run against its soft limit`,
    );
  }
  let memRequest = p.memoryRequest === 'limit' || guaranteed ? memLimit : minBytes(maxBytes(roundUpBytes(memory.p95 * memFactor, p), memFloor), memLimit);

  const oom = m.restarts.filter((r) => r.oomKilled);
  if (oom.length > 0) {
    const basis = maxBytes(current.limits.memory, Bytes.of(Math.ceil(memory.peak)));
    const bumped = roundUpBytes(Math.max(basis.bytes * p.oomBumpRatio, basis.bytes + p.oomMinBumpBytes), p);
    memLimit = maxBytes(memLimit, bumped);
    memRequest = p.memoryRequest === 'limit' || guaranteed ? memLimit : maxBytes(memRequest, current.requests.memory);
    flags.push('oom');
    notes.push(
      `OOM-killed in the window (${oom.length} pod${oom.length === 1 ? '' : 's'}): memory never lowered; limit raised to max(limit ${current.limits.memory}, peak ${formatBytes(memory.peak)}) × ${p.oomBumpRatio} or +${formatBytes(p.oomMinBumpBytes)}, the larger (VPA's OOM bump): ${memLimit}`,
    );
  }

  const trend = steepestTrend(m.trend, p);
  if (isLeak(trend, memLimit.bytes - memory.peak, p)) {
    const slope = trend.slopeBytesPerHour!;
    const shrinking = memLimit.compare(current.limits.memory) < 0 || memRequest.compare(current.requests.memory) < 0;
    memLimit = maxBytes(memLimit, current.limits.memory);
    memRequest = maxBytes(memRequest, current.requests.memory);
    flags.push('leak');
    notes.push(
      `memory grows ${formatBytes(slope)}/h (steepest pod, hourly minima, ${trend.points} points): over ${p.leakHorizonHours} h that is ${formatBytes(slope * p.leakHorizonHours)}, ${slope >= p.leakSlopeBytesPerHour ? `at or above the ${formatBytes(p.leakSlopeBytesPerHour)}/h leak threshold` : 'more than the room above the peak'}; ${shrinking ? 'refusing to shrink memory (plan values kept) until the trend is explained' : 'memory not lowered'}`,
    );
  }
  if (guaranteed) flags.push('guaranteed');
  if (guaranteed) notes.push('Guaranteed QoS: request = limit for CPU and memory (the buffer service holds in-flight data and must be the last pod evicted)');

  const recommended: ContainerResources = { requests: { cpu: cpuRequest, memory: memRequest }, limits: { cpu: cpuLimit, memory: memLimit } };
  const diffs = [
    recommended.requests.cpu.compare(current.requests.cpu),
    recommended.requests.memory.compare(current.requests.memory),
    recommended.limits.cpu.compare(current.limits.cpu),
    recommended.limits.memory.compare(current.limits.memory),
  ];
  const raised = diffs.some((d) => d > 0);
  const changed = diffs.some((d) => d !== 0);
  return {
    recommended,
    status: raised ? 'raised' : changed ? 'changed' : 'kept',
    basis: {
      cpu: { statistic: stat, percentile: percentileNumber(p.cpuPercentile), value: cpuValue, headroomPercent: p.cpuHeadroomPercent, samples: cpu.samples, pods: cpu.pods },
      memory: { statistic: 'peak', percentile: 100, value: memory.peak, headroomPercent: role === 'jetstream' ? p.jetstreamMemoryHeadroomPercent : p.memoryHeadroomPercent, samples: memory.samples, pods: memory.pods },
    },
    notes,
    flags,
    cpu,
    memory,
    ...(requiredCores !== undefined ? { requiredCores } : {}),
  };
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
export function sizeReplicas(throughput: VertexThroughput | undefined, current: ScalePlan, target: number, windowHours: number, p: RecommendationPolicy): ReplicaSizing {
  const keep = (why: string): ReplicaSizing => ({ recommended: { min: current.min, max: current.max }, status: 'insufficient-data', samples: 0, notes: [`${why}: replicas kept`], insufficient: why });
  if (!throughput) return keep('no throughput data');
  const values = throughput.rate.values.filter((v) => Number.isFinite(v));
  const samples = values.length;
  if (windowHours < p.minHistoryHours) return { ...keep(`the window is ${windowHours.toFixed(1)} h, less than ${p.minHistoryHours} h`), samples };
  if (samples < p.minSamples) return { ...keep(`${samples} throughput samples, fewer than ${p.minSamples}`), samples };
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
