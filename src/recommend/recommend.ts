/**
 * The recommender: asks a `MetricsSource` what every sized container of the soaked plan
 * used over a window, and applies the policy (policy.ts) to it. The result says, for every
 * number, what it was sized from (statistic, percentile, headroom, samples, pods) and why a
 * value was kept or raised; it also carries the provenance the plan writer saves beside the
 * stack and the diff reports show.
 *
 * Nothing here writes files or prints: plan-writer.ts writes, the CLI prints.
 */
import type { ContainerObservation, Provenance, UsageStats } from '../diff/provenance';
import type { Workload } from '../plan/containers';
import type { ContainerResources, ScalePlan, SoakPlan } from '../plan/schema';
import type { MetricsSource, Series, SeriesChoice, TimeWindow } from './metrics';
import {
  adviseVolume,
  checkPlausibleUsage,
  advisePartitions,
  resolvePolicy,
  sizeContainer,
  sizeReplicas,
  targetRate,
  type AggregateUsage,
  type ContainerStatus,
  type PartitionAdvice,
  type RecommendationPolicy,
  type ReplicaSizing,
  type ResourceBasis,
  type SizingFlag,
  type VolumeAdvice,
} from './policy';
import { containerSelectorText, defaultNames, sizedSelectors, soakScope, type ContainerRole, type SelectorNames } from './selectors';

/** Most points of a usage series kept in the provenance (the HTML report plots them). */
export const MAX_SERIES_POINTS = 500;

export interface ContainerRecommendation {
  /** Plan key path, e.g. `pipeline.batchMap.udf`. */
  readonly path: string;
  /** `batch-cat/udf`, `isbsvc/main`, ... */
  readonly label: string;
  readonly workload: Workload;
  /** Container name in the pod. */
  readonly container: string;
  readonly role: ContainerRole;
  readonly current: ContainerResources;
  readonly recommended: ContainerResources;
  readonly status: ContainerStatus;
  readonly basis: { readonly cpu?: ResourceBasis; readonly memory?: ResourceBasis };
  readonly notes: readonly string[];
  readonly flags: readonly SizingFlag[];
}

export interface ReplicaRecommendation extends ReplicaSizing {
  /** Plan key path of the vertex, e.g. `pipeline.batchMap`. */
  readonly path: string;
  readonly vertex: string;
  readonly current: { readonly min: number; readonly max: number };
}

export interface Recommendation {
  /** The data source: a Prometheus URL or `embedded:<dataset>`. */
  readonly source: string;
  readonly window: { readonly start: string; readonly end: string; readonly stepSeconds: number };
  readonly names: SelectorNames;
  /** Throughput target, messages per second. */
  readonly target: number;
  readonly policy: RecommendationPolicy;
  readonly containers: readonly ContainerRecommendation[];
  readonly replicas: readonly ReplicaRecommendation[];
  readonly partitions: PartitionAdvice & { readonly path: string };
  readonly volume: VolumeAdvice;
  readonly provenance: Provenance;
  /**
   * Which series CPU usage, the working set and the throttling peaks were read from: the
   * soak's recording rules or the raw cAdvisor families, and why (empty for a source
   * without recording rules, the embedded one).
   */
  readonly series: readonly SeriesChoice[];
  /** True when some required measurement has too little data: nothing may be written. */
  readonly insufficientData: boolean;
  /** Why, one line per measurement. */
  readonly reasons: readonly string[];
}

export interface RecommendArgs {
  /** The plan that was soaked: its values are the "current" ones. */
  readonly plan: SoakPlan;
  readonly source: MetricsSource;
  readonly window: TimeWindow;
  readonly policy?: Partial<RecommendationPolicy>;
  /** Throughput target in msg/s; default: the plan's generator rate. */
  readonly target?: number;
  /** Namespace, pipeline and buffer names as deployed; default: the plan's. */
  readonly names?: Partial<SelectorNames>;
  /** Called with a line of progress before each group of queries. */
  readonly onProgress?: (message: string) => void;
}

/** A unix time as ISO 8601, without milliseconds when they are zero. */
export function isoTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

export async function recommendPlan(args: RecommendArgs): Promise<Recommendation> {
  const { plan, source, window } = args;
  const policy = resolvePolicy(args.policy);
  const names: SelectorNames = { ...defaultNames(plan), ...args.names };
  const target = targetRate(plan, args.target);
  const windowHours = (window.end - window.start) / 3600;
  const progress = args.onProgress ?? (() => undefined);
  const reasons: string[] = [];
  if (windowHours < policy.minHistoryHours) {
    reasons.push(`the window is ${windowHours.toFixed(1)} h; the policy needs at least ${policy.minHistoryHours} h of history`);
  }

  // One query per family for the whole soak (and shared with a verdict on the same source), not one per container.
  const scope = soakScope(plan, names);
  source.prepare?.(scope);
  const selectors = sizedSelectors(plan, names);
  const containers: ContainerRecommendation[] = [];
  const observations: Record<string, ContainerObservation> = {};
  let i = 0;
  for (const c of selectors) {
    i++;
    const current = c.sized.resources;
    const common = { path: c.path, label: c.path === 'pipeline.init' ? 'vertices/init' : c.label, workload: c.workload, container: c.sized.container, role: c.role, current };
    if (c.role === 'init') {
      const s = sizeContainer({ cpu: [], memory: [], trend: [], throttling: [], restarts: [] }, context(c.role, current, c.optional), policy);
      containers.push({ ...common, recommended: s.recommended, status: s.status, basis: s.basis, notes: s.notes, flags: s.flags });
      continue;
    }
    progress(`measuring ${common.label} (${c.path}) [${i}/${selectors.length}]`);
    const sel = c.selector;
    const [cpu, memory, trend, throttling, restarts, series] = await Promise.all([
      source.cpuUsage(sel, window),
      source.memoryUsage(sel, window),
      source.memoryTrend(sel, window),
      source.throttling(sel, window),
      source.restarts(sel, window),
      source.usageSeries(sel, window),
    ]);
    checkPlausibleUsage(`${common.label} (${c.path})`, cpu, memory, plan.cluster.nodeShape);
    const s = sizeContainer({ cpu, memory, trend, throttling, restarts }, context(c.role, current, c.optional), policy);
    if (s.insufficient !== undefined && !(windowHours < policy.minHistoryHours)) {
      reasons.push(`${c.path} (${common.label}): ${s.insufficient}; measured with ${containerSelectorText(sel)} and container_memory_working_set_bytes`);
    }
    const notes = c.sharedWithInit && s.status !== 'kept' && s.status !== 'insufficient-data'
      ? [...s.notes, `${c.path} also sizes this pod's init container (the same Numaflow binary, run briefly before ${c.sized.container}); it is not measured and gets the same values`]
      : s.notes;
    containers.push({ ...common, recommended: s.recommended, status: s.status, basis: s.basis, notes, flags: s.flags });
    const observed = observation(s.cpu, s.memory, s.basis, s.requiredCores, series);
    if (observed) observations[c.path] = observed;
  }

  const replicas: ReplicaRecommendation[] = [];
  const { source: src, batchMap, sink } = plan.pipeline;
  replicas.push({
    path: 'pipeline.source',
    vertex: src.name,
    current: scaleOf(src.scale),
    recommended: scaleOf(src.scale),
    status: 'kept',
    samples: 0,
    notes: ['a generator source: its replicas define the target rate, so they are kept'],
  });
  for (const [path, v] of [
    ['pipeline.batchMap', batchMap],
    ['pipeline.sink', sink],
  ] as const) {
    progress(`measuring the throughput of ${v.name}`);
    const throughput = await source.throughput(names.namespace, names.pipeline, v.name, window);
    const sizing = sizeReplicas(throughput, v.scale, target, windowHours, policy);
    if (sizing.insufficient !== undefined && !(windowHours < policy.minHistoryHours)) {
      reasons.push(`${path}.scale: ${sizing.insufficient}; measured with forwarder_data_read_total{namespace=${JSON.stringify(names.namespace)},pipeline=${JSON.stringify(names.pipeline)},vertex=${JSON.stringify(v.name)}}`);
    }
    replicas.push({ path, vertex: v.name, current: scaleOf(v.scale), ...sizing });
  }

  const batchMapReplicas = replicas.find((r) => r.path === 'pipeline.batchMap')!;
  const partitions = { path: 'pipeline.batchMap.partitions', ...advisePartitions(batchMap.partitions, batchMapReplicas.recommended.min, target, policy) };
  const volume = adviseVolume(plan, policy);
  const windowText = { start: isoTime(window.start), end: isoTime(window.end), stepSeconds: window.stepSeconds };
  const series = source.seriesChoices?.(scope, window) ?? [];
  const readFrom = series.map((c) => ({ family: c.family, used: c.used, series: c.series, ...(c.coveragePercent !== undefined ? { coveragePercent: round(c.coveragePercent, 1) } : {}) }));
  return {
    source: source.description,
    window: windowText,
    names,
    target,
    policy,
    containers,
    replicas,
    partitions,
    volume,
    provenance: { source: source.description, window: windowText, ...(readFrom.length > 0 ? { readFrom } : {}), containers: observations },
    series,
    insufficientData: reasons.length > 0,
    reasons,
  };

  function context(role: ContainerRole, current: ContainerResources, optional: boolean) {
    return { role, current, windowHours, stepSeconds: window.stepSeconds, nodeCpu: plan.cluster.nodeShape.cpu, optional };
  }
}

function scaleOf(scale: ScalePlan): { min: number; max: number } {
  return { min: scale.min, max: scale.max };
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function usageStats(u: AggregateUsage, digits: number): UsageStats {
  return { p95: round(u.p95, digits), p99: round(u.p99, digits), peak: round(u.peak, digits), samples: u.samples };
}

/** The provenance entry of one container; CPU in cores (4 decimals), memory in whole bytes. */
function observation(
  cpu: AggregateUsage | undefined,
  memory: AggregateUsage | undefined,
  basis: { cpu?: ResourceBasis; memory?: ResourceBasis },
  requiredCores: number | undefined,
  series: { cpu: Series; memory: Series },
): ContainerObservation | undefined {
  if (!cpu && !memory) return undefined;
  const headroom = {
    ...(basis.cpu ? { cpu: basis.cpu.headroomPercent } : {}),
    ...(basis.memory ? { memory: basis.memory.headroomPercent } : {}),
  };
  const points = downsample(series.cpu, series.memory, MAX_SERIES_POINTS);
  return {
    ...(cpu ? { cpu: usageStats(cpu, 4) } : {}),
    ...(memory ? { memory: usageStats(memory, 0) } : {}),
    ...(Object.keys(headroom).length > 0 ? { headroomPercent: headroom } : {}),
    ...(requiredCores !== undefined ? { requiredCores } : {}),
    ...(points.t.length > 0 ? { series: points } : {}),
  };
}

/**
 * At most `maxPoints` points of two series on the same time axis: consecutive points are
 * grouped into equal buckets and each bucket keeps its first time and the maximum of each
 * series (a peak is never averaged away). Buckets where either series has no data are left
 * out, so both arrays stay the length of `t` (the provenance file requires it).
 */
export function downsample(cpu: Series, memory: Series, maxPoints: number): { t: number[]; cpu: number[]; memory: number[] } {
  const n = Math.min(cpu.t.length, memory.t.length);
  const size = Math.max(1, Math.ceil(n / maxPoints));
  const out = { t: [] as number[], cpu: [] as number[], memory: [] as number[] };
  for (let from = 0; from < n; from += size) {
    let c = Number.NaN;
    let m = Number.NaN;
    for (let k = from; k < Math.min(n, from + size); k++) {
      const x = cpu.values[k];
      const y = memory.values[k];
      if (Number.isFinite(x) && !(x <= c)) c = x;
      if (Number.isFinite(y) && !(y <= m)) m = y;
    }
    if (Number.isNaN(c) || Number.isNaN(m)) continue;
    out.t.push(cpu.t[from]);
    out.cpu.push(round(c, 4));
    out.memory.push(Math.round(m));
  }
  return out;
}

/** A SeriesChoice as JSON: what was read, the recorded series checked, its coverage and the sentence. */
export function seriesJson(c: SeriesChoice): unknown {
  return { family: c.family, used: c.used, series: c.series, recorded: c.recorded, coveragePercent: c.coveragePercent ?? null, text: c.text };
}

/**
 * The recommendation as plain JSON (schemaVersion 1), the shape docs/recommend.md
 * documents field by field: quantities in canonical Kubernetes form, rates in msg/s.
 */
export function recommendationJson(r: Recommendation): unknown {
  return {
    schemaVersion: 1,
    source: r.source,
    window: r.window,
    names: r.names,
    target: r.target,
    insufficientData: r.insufficientData,
    reasons: r.reasons,
    series: r.series.map(seriesJson),
    policy: r.policy,
    containers: r.containers.map((c) => ({
      path: c.path,
      label: c.label,
      container: c.container,
      role: c.role,
      status: c.status,
      current: c.current,
      recommended: c.recommended,
      basis: c.basis,
      notes: c.notes,
      flags: c.flags,
    })),
    replicas: r.replicas.map((x) => ({
      path: x.path,
      vertex: x.vertex,
      status: x.status,
      current: x.current,
      recommended: x.recommended,
      measuredRate: x.measuredRate ?? null,
      medianRate: x.medianRate ?? null,
      replicasSeen: x.replicasSeen ?? null,
      perReplicaRate: x.perReplicaRate ?? null,
      samples: x.samples,
      notes: x.notes,
    })),
    partitions: r.partitions,
    volume: {
      current: r.volume.current,
      requiredPerNode: r.volume.requiredPerNode,
      recommended: r.volume.recommended,
      status: r.volume.status,
      requiresRecreate: r.volume.requiresRecreate,
      message: r.volume.message,
    },
  };
}
