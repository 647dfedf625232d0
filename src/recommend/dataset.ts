/**
 * A seeded, deterministic model of the raw metrics a Prometheus would hold after the soak
 * of stacks/Pulumi.soak.yaml: cAdvisor and kube-state-metrics series per container, and the
 * Numaflow data-plane series per vertex pod. It stands in for a real soak's history, so the
 * recommender can run (and be tested) without a cluster, and it can be backfilled into a
 * real Prometheus (openmetrics.ts) to check that both metrics sources agree.
 *
 * The steady workload follows the seed report (docs: seed-soak-test.md): 10 × 5000 msg/s,
 * batch-map udf ≈ 1.1 cores and ≈ 70 MB per pod, no restarts, no errors. Scenarios change
 * only what they need on top of it; each series draws from its own random stream (seeded
 * by the dataset seed and the series' identity), so a scenario leaves every series it does
 * not touch byte-for-byte identical to steady.
 *
 * Label sets follow upstream, as recorded in the metrics contract (src/metrics/contract.ts):
 * Numaflow v1.8.3's data-plane series carry `pipeline`, `vertex`, `vertex_type`, `replica`
 * plus `partition_name` (ISB readers: the stream; the sink's writes: the vertex) or, for a
 * source's reads, `source_partition` (the generator's partition is its replica index,
 * rust/numaflow-core/src/source/generator.rs); `isb_jetstream_*` carry `buffer` only; the
 * PodMonitor scrape adds `namespace`, `pod`, `container="numa"`, `endpoint`, `job`,
 * `instance`. Counters are created lazily, so error and drop series exist only in the
 * scenarios that increment them. cAdvisor and kube-state-metrics series carry their
 * exporters' labels and kube-prometheus-stack's target labels.
 *
 * Modelled, not measured: every number beyond the seed report's averages (the shapes of the
 * CPU and memory curves, latencies, backlog levels) is a modelling choice. Simplifications:
 * each vertex pod's reads and its `forwarder_processing_time` are one series on one
 * partition (replica mod partitions; upstream every replica reads every partition, and the
 * sums are what the checks read); each buffer's pending count is reported by one writer pod.
 *
 * Realism the sources must cope with, as in a real cluster:
 * - several scrape timestamps per target, not aligned to the evaluation grid, ms jitter;
 * - a duplicate copy of some cAdvisor series under a second job (`cadvisor-dup`);
 * - pod-level rows (`container=""`) and pause-container rows (`container="POD"`);
 * - user containers (udf, monitor) are native sidecars: their restarts and termination
 *   reasons are `kube_pod_init_container_*` series;
 * - termination-reason series exist only once a termination happened, as in ksm.
 *
 * The daemon serves `pipeline_processing_lag` and `build_info` (the Numaflow version the
 * metrics reveal, `numaflow-soak doctor`), with the ServiceMonitor's target labels.
 */
import { NUMAFLOW_VERSION } from '../numaflow/versions';

/**
 * - steady: the seed soak, passing every check after the warm-up;
 * - leak: every batch-cat udf grows LEAK_BYTES_PER_HOUR;
 * - oom: one udf is OOM-killed half-way;
 * - throttle: batch-cat numa containers hit their CPU limit in bursts;
 * - gap: a 6-hour scrape outage on day 2;
 * - backpressure: three hours of full buffers on day 3 (isFull counted, pending at capacity);
 * - loss: the sink drops messages for twelve hours (forwarder_drop_total, fewer writes);
 * - backlog: pending messages and the processing lag grow all soak long;
 * - replaced: one batch-cat pod is evicted and recreated under a new name on day 2.
 */
export type Scenario = 'steady' | 'leak' | 'oom' | 'throttle' | 'gap' | 'backpressure' | 'loss' | 'backlog' | 'replaced';
export const SCENARIOS: readonly Scenario[] = ['steady', 'leak', 'oom', 'throttle', 'gap', 'backpressure', 'loss', 'backlog', 'replaced'];

export interface RawSeries {
  /** The sample name as scraped, e.g. `container_cpu_usage_seconds_total`, `…_bucket`. */
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Unix seconds (millisecond precision), ascending. May be shared between series of one scrape target. */
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly type: 'counter' | 'gauge';
}

export interface SoakDataset {
  readonly name: string;
  /** Unix seconds: the modelled soak runs over [start, end]; samples begin LEAD_IN_SECONDS before start. */
  readonly start: number;
  readonly end: number;
  readonly scrapeSeconds: number;
  readonly series: readonly RawSeries[];
}

export interface SoakDatasetOptions {
  readonly scenario?: Scenario;
  /** Length of the soak in days (fractions allowed). Default 5. */
  readonly days?: number;
  /** Scrape interval in seconds. Default 120. */
  readonly scrapeSeconds?: number;
  /** Seed of the random streams. Default 1817 (the numaflow issue of the soak). */
  readonly seed?: number;
  /** Unix seconds. Default 1751328000 (2025-07-01T00:00:00Z). */
  readonly start?: number;
  /**
   * Pipelines to model in the namespace, each with the soak's three vertices and sizes.
   * Default `['batch-map-soak']`. Scenarios and the daemon pod apply to the first one; the
   * ISB is shared. Extra pipelines check that sources filter by pipeline.
   */
  readonly pipelines?: readonly string[];
  /** Add the `cadvisor-dup` copies of some cAdvisor series. Default true. */
  readonly duplicateScrapes?: boolean;
  /** Add `container=""` (pod cgroup) and `container="POD"` (pause) rows for some pods. Default true. */
  readonly podLevelRows?: boolean;
  /**
   * Labels added to every series, as a shared Prometheus's external labels would be (e.g.
   * `{ cluster: 'prod-eu' }`), so that two clusters' soaks can live in one Prometheus.
   */
  readonly extraLabels?: Readonly<Record<string, string>>;
}

/** What the main job uses: the steady soak, 5 days scraped every 120 s. */
export const DEFAULT_DATASET = {
  scenario: 'steady',
  days: 5,
  scrapeSeconds: 120,
  seed: 1817,
  start: 1751328000,
} as const satisfies SoakDatasetOptions;

/** The names of stacks/Pulumi.soak.yaml, hard-coded: the dataset models that stack. */
export const SOAK_NAMES = {
  namespace: 'numaflow-soak',
  pipeline: 'batch-map-soak',
  source: 'in',
  batchMap: 'batch-cat',
  sink: 'out',
  buffer: 'soak-isb',
} as const;

/** Replicas and partitions of the soak stack. */
export const SOAK_SHAPE = {
  sourceReplicas: 10,
  batchMapReplicas: 18,
  batchMapPartitions: 12,
  sinkReplicas: 6,
  sinkPartitions: 1,
  bufferReplicas: 3,
  /** Generator rate per source replica (rpu 5000 every 1s). */
  messagesPerSecondPerSource: 5000,
  readBatchSize: 500,
  /** The pipeline's buffer limits (CRD defaults, numaflow-facts §1). */
  bufferMaxLength: 30000,
  bufferUsageLimit: 80,
} as const;

/**
 * Bucket bounds of `forwarder_processing_time` (µs): `exponential_buckets_range(100.0,
 * 60000000.0 * 20.0, 10)` (numaflow v1.8.3 rust/numaflow-core/src/metrics/mod.rs, e2e_time;
 * the prometheus-client crate's rule: min × (max/min)^(i/(n−1))), then +Inf.
 */
export const PROCESSING_TIME_BUCKETS: readonly number[] = [
  ...Array.from({ length: 10 }, (_, i) => 100 * (1.2e9 / 100) ** (i / 9)),
  Infinity,
];

/** Which batch-cat replica the `oom` scenario kills. */
export const OOM_REPLICA = 5;
/** Peak working set of the udf container before the OOM kill in the `oom` scenario. */
export const OOM_PEAK_BYTES = 900 * 1024 * 1024;
/** Memory growth of every batch-cat udf container in the `leak` scenario. */
export const LEAK_BYTES_PER_HOUR = 4e6;
/**
 * Samples begin this long before `start`, as when Prometheus was already scraping the pods
 * before the soak window opened: every evaluation point of [start, end], the first one
 * included, then has a full 5-minute range behind it.
 */
export const LEAD_IN_SECONDS = 600;
/** Hours of the day-2 outage in the `gap` scenario: [day 2 10:00, day 2 16:00) UTC. */
export const GAP_HOURS = { fromHour: 24 + 10, toHour: 24 + 16 } as const;
/** Hours of full buffers in the `backpressure` scenario: [day 3 10:00, day 3 13:00) UTC. */
export const BACK_PRESSURE_HOURS = { fromHour: 48 + 10, toHour: 48 + 13 } as const;
/** Hours the sink drops LOSS_SHARE of its messages in the `loss` scenario: [day 3 00:00, day 3 12:00). */
export const LOSS_HOURS = { fromHour: 48, toHour: 48 + 12 } as const;
export const LOSS_SHARE = 0.01;
/** The drop reason of a sink that gave up (numaflow v1.8.3 rust/numaflow-core/src/sinker/sink.rs). */
export const SINK_DROP_REASON = 'Retries exhausted in the Sink';
/** Growth of each batch-cat partition's pending messages over the `backlog` soak, and of the lag (ms). */
export const BACKLOG_GROWTH = { pendingPerPartition: 10_000, lagMs: 20 * 60_000 } as const;
/** The batch-cat replica the `replaced` scenario evicts, and when (hours after the start). */
export const REPLACED = { replica: 7, atHour: 36 } as const;
/**
 * Writers start with their buffer marked full until their first check (numaflow v1.8.3
 * rust/numaflow-core/src/pipeline/isb/jetstream/js_writer.rs, `is_full` starts true): in
 * every scenario, the first source replicas count isFull write attempts for the first
 * minutes of the soak. `--warm-up` (default 10m) leaves them out.
 */
export const WARM_UP_FULL = { writers: 3, seconds: 240, attemptsPerSecond: 20 } as const;

// Module-level aliases of Math: under jest's vm sandbox every global lookup in a hot loop is
// slow (generation took 15× longer with `Math.`, `NaN` or `Number.isNaN` in the loops).
const { abs, cos, floor, imul, log, max, min, PI, round, sin, sqrt } = Math;

const MB = 1e6;
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const DAY = 86400;
const HOUR = 3600;
/** Kubernetes' name-suffix alphabet (k8s.io/apimachinery utilrand): no vowels, no 0/1/3. */
const K8S_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

// ---------------------------------------------------------------------------------------
// Random streams

/** mulberry32: a small, fast 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string, 32 bits. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = imul(h, 0x01000193);
  }
  return h >>> 0;
}

class Random {
  private spare = 0;
  private hasSpare = false;
  private readonly next: () => number;
  constructor(seed: number, key: string) {
    this.next = mulberry32(hash32(`${seed >>> 0}/${key}`));
  }
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }
  /** Standard normal (Box–Muller). */
  gauss(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = this.next();
    while (u <= 1e-12) u = this.next();
    const v = this.next();
    const r = sqrt(-2 * log(u));
    this.spare = r * sin(2 * PI * v);
    this.hasSpare = true;
    return r * cos(2 * PI * v);
  }
  exponential(mean: number): number {
    let u = this.next();
    while (u <= 1e-12) u = this.next();
    return -mean * log(u);
  }
  chars(n: number, alphabet = K8S_ALPHABET): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[floor(this.next() * alphabet.length)];
    return out;
  }
}

// ---------------------------------------------------------------------------------------
// The model

interface Context {
  readonly seed: number;
  readonly scenario: Scenario;
  readonly start: number;
  readonly end: number;
  readonly scrape: number;
  readonly gap?: readonly [number, number];
  readonly series: RawSeries[];
  readonly duplicateScrapes: boolean;
  readonly podLevelRows: boolean;
  readonly extraLabels: Readonly<Record<string, string>>;
}

/** When a pod exists: [from, to] in unix seconds (scrapes outside are dropped). */
interface Life {
  readonly from: number;
  readonly to: number;
  /** The pod started at `from` (counters from zero), rather than before the history. */
  readonly fresh: boolean;
}

/** CPU usage (cores) of one scrape interval ending at t, and its throttled ratio. */
interface CpuModel {
  readonly base: number;
  /** Relative amplitude of the diurnal wave. */
  readonly wave: number;
  /** Relative noise of one scrape interval. */
  readonly noise: number;
  readonly limit: number;
  /** Throttled / periods outside bursts. */
  readonly throttle: number;
  /** Rare short bursts (udf): mean hours between, level in cores. */
  readonly bursts?: { readonly everyHours: number; readonly minutes: readonly [number, number]; readonly level: readonly [number, number] };
}

interface MemoryModel {
  /** Mean working set in bytes. */
  readonly base: number;
  /** Half the height of the GC sawtooth in bytes (values span base ± amplitude). */
  readonly sawtooth: number;
  /** Sawtooth period range in minutes. */
  readonly periodMinutes: readonly [number, number];
  /** Noise in bytes. */
  readonly noise: number;
  /** Slow wobble (amplitude in bytes, period in hours), e.g. the page cache of the ISB. */
  readonly wobble?: readonly [number, number];
}

interface ContainerModel {
  readonly container: string;
  /** A native sidecar: restarts under kube_pod_init_container_*. */
  readonly sidecar: boolean;
  readonly cpu: CpuModel;
  readonly memory: MemoryModel;
}

/** What a scenario changes in one container. */
interface ContainerEvents {
  /** Extra bytes of working set at time t (leak, OOM ramp). */
  memoryExtra?(t: number): number;
  /** Container restart (OOM kill): counters reset, restart counted, reason recorded. */
  restartAt?: number;
  /** Periodic throttling bursts: [from, to) intervals at the CPU limit. */
  throttleBursts?: readonly (readonly [number, number])[];
}

const UDF: ContainerModel = {
  container: 'udf',
  sidecar: true,
  cpu: { base: 1.1, wave: 0.2, noise: 0.06, limit: 4, throttle: 0.003, bursts: { everyHours: 12, minutes: [4, 10], level: [1.5, 1.65] } },
  memory: { base: 70 * MB, sawtooth: 5 * MB, periodMinutes: [8, 20], noise: 0.3 * MB },
};
const MAP_NUMA: ContainerModel = {
  container: 'numa',
  sidecar: false,
  cpu: { base: 0.85, wave: 0.1, noise: 0.05, limit: 4, throttle: 0.002 },
  memory: { base: 260 * MB, sawtooth: 20 * MB, periodMinutes: [5, 12], noise: 1 * MB },
};
const SOURCE_NUMA: ContainerModel = {
  container: 'numa',
  sidecar: false,
  cpu: { base: 0.65, wave: 0.1, noise: 0.05, limit: 4, throttle: 0.002 },
  memory: { base: 180 * MB, sawtooth: 15 * MB, periodMinutes: [5, 12], noise: 1 * MB },
};
const SINK_NUMA: ContainerModel = {
  container: 'numa',
  sidecar: false,
  cpu: { base: 0.5, wave: 0.1, noise: 0.05, limit: 4, throttle: 0.001 },
  memory: { base: 160 * MB, sawtooth: 12 * MB, periodMinutes: [5, 12], noise: 1 * MB },
};
/** v1.8.3's monitor sidecar in every vertex pod (10m / 20Mi requested). */
const MONITOR: ContainerModel = {
  container: 'monitor',
  sidecar: true,
  cpu: { base: 0.002, wave: 0, noise: 0.2, limit: 0.2, throttle: 0 },
  memory: { base: 14 * MB, sawtooth: 0.5 * MB, periodMinutes: [10, 30], noise: 0.1 * MB },
};
/** The daemon's container is `numa` (numaflow v1.8.3 pkg/apis/numaflow/v1alpha1/const.go CtrMain). */
const DAEMON_NUMA: ContainerModel = {
  container: 'numa',
  sidecar: false,
  cpu: { base: 0.02, wave: 0.1, noise: 0.2, limit: 1, throttle: 0 },
  memory: { base: 45 * MB, sawtooth: 3 * MB, periodMinutes: [5, 15], noise: 0.3 * MB },
};
const ISB_MAIN: ContainerModel = {
  container: 'main',
  sidecar: false,
  cpu: { base: 3.0, wave: 0.15, noise: 0.05, limit: 16, throttle: 0 },
  memory: { base: 2 * GIB, sawtooth: 50 * MB, periodMinutes: [3, 6], noise: 5 * MB, wobble: [64 * MIB, 6] },
};
const ISB_RELOADER: ContainerModel = {
  container: 'reloader',
  sidecar: false,
  cpu: { base: 0.001, wave: 0, noise: 0.3, limit: 0.05, throttle: 0 },
  memory: { base: 12 * MB, sawtooth: 0.2 * MB, periodMinutes: [10, 30], noise: 0.05 * MB },
};
const ISB_METRICS: ContainerModel = {
  container: 'metrics',
  sidecar: false,
  cpu: { base: 0.008, wave: 0.1, noise: 0.2, limit: 0.1, throttle: 0.01 },
  memory: { base: 22 * MB, sawtooth: 1 * MB, periodMinutes: [5, 15], noise: 0.1 * MB },
};

/** Per-vertex cumulative fractions of `forwarder_processing_time` at PROCESSING_TIME_BUCKETS. */
// Bounds: 100, 612, 3743, 22894, 140031, 856.5k, 5.24M, 32.0M, 196M, 1.2G µs, +Inf.
const LATENCY_PROFILE: Record<'Source' | 'MapUDF' | 'Sink', readonly number[]> = {
  Source: [0, 0.05, 0.9, 0.995, 0.9995, 1, 1, 1, 1, 1, 1],
  MapUDF: [0, 0.01, 0.8, 0.993, 0.9993, 1, 1, 1, 1, 1, 1],
  Sink: [0, 0.08, 0.93, 0.997, 0.9998, 1, 1, 1, 1, 1, 1],
};

type VertexType = keyof typeof LATENCY_PROFILE;

interface VertexModel {
  readonly name: string;
  readonly type: VertexType;
  readonly replicas: number;
  /** Partitions of the buffer this vertex reads (0 for the source). */
  readonly partitions: number;
  readonly containers: readonly ContainerModel[];
  /** Messages per second read by one replica. */
  readonly readRate: number;
}

function vertexModels(): VertexModel[] {
  const total = SOAK_SHAPE.sourceReplicas * SOAK_SHAPE.messagesPerSecondPerSource;
  return [
    { name: SOAK_NAMES.source, type: 'Source', replicas: SOAK_SHAPE.sourceReplicas, partitions: 0, containers: [SOURCE_NUMA, MONITOR], readRate: SOAK_SHAPE.messagesPerSecondPerSource },
    { name: SOAK_NAMES.batchMap, type: 'MapUDF', replicas: SOAK_SHAPE.batchMapReplicas, partitions: SOAK_SHAPE.batchMapPartitions, containers: [MAP_NUMA, UDF, MONITOR], readRate: total / SOAK_SHAPE.batchMapReplicas },
    { name: SOAK_NAMES.sink, type: 'Sink', replicas: SOAK_SHAPE.sinkReplicas, partitions: SOAK_SHAPE.sinkPartitions, containers: [SINK_NUMA, MONITOR], readRate: total / SOAK_SHAPE.sinkReplicas },
  ];
}

/**
 * Generates the raw metrics of one modelled soak. Deterministic: the same options give the
 * same series, values and timestamps.
 */
export function generateSoakDataset(options: SoakDatasetOptions = {}): SoakDataset {
  const scenario = options.scenario ?? DEFAULT_DATASET.scenario;
  const days = options.days ?? DEFAULT_DATASET.days;
  const scrape = options.scrapeSeconds ?? DEFAULT_DATASET.scrapeSeconds;
  const seed = options.seed ?? DEFAULT_DATASET.seed;
  const start = options.start ?? DEFAULT_DATASET.start;
  const pipelines = options.pipelines ?? [SOAK_NAMES.pipeline];
  if (!SCENARIOS.includes(scenario)) throw new Error(`unknown scenario ${String(scenario)}; expected one of ${SCENARIOS.join(', ')}`);
  if (!(days > 0)) throw new Error(`days must be positive, got ${days}`);
  if (!(scrape >= 1)) throw new Error(`scrapeSeconds must be at least 1, got ${scrape}`);
  if (pipelines.length === 0) throw new Error('at least one pipeline is needed');
  const end = start + round(days * DAY);
  const gap: [number, number] | undefined =
    scenario === 'gap' ? [start + GAP_HOURS.fromHour * HOUR, start + GAP_HOURS.toHour * HOUR] : undefined;
  const ctx: Context = {
    seed,
    scenario,
    start,
    end,
    scrape,
    gap,
    series: [],
    duplicateScrapes: options.duplicateScrapes ?? true,
    podLevelRows: options.podLevelRows ?? true,
    extraLabels: options.extraLabels ?? {},
  };
  const ns = SOAK_NAMES.namespace;
  const names = new Random(seed, 'pod-names');
  const ksmGrid = scrapeGrid(ctx, 'ksm');
  const always: Life = { from: -Infinity, to: Infinity, fresh: false };

  pipelines.forEach((pipeline, pipelineIndex) => {
    const primary = pipelineIndex === 0;
    for (const vertex of vertexModels()) {
      for (let replica = 0; replica < vertex.replicas; replica++) {
        const pod = `${pipeline}-${vertex.name}-${replica}-${names.chars(5)}`;
        const replaced = primary && scenario === 'replaced' && vertex.name === SOAK_NAMES.batchMap && replica === REPLACED.replica;
        if (!replaced) {
          addVertexPod(ctx, ksmGrid, ns, pipeline, vertex, replica, pod, always, primary);
          continue;
        }
        // Evicted: the pod's series end; a new pod (new name, fresh counters) takes its place.
        const at = start + REPLACED.atHour * HOUR;
        addVertexPod(ctx, ksmGrid, ns, pipeline, vertex, replica, pod, { from: -Infinity, to: at, fresh: false }, primary);
        addVertexPod(ctx, ksmGrid, ns, pipeline, vertex, replica, `${pipeline}-${vertex.name}-${replica}-${names.chars(5)}`, { from: at + 30, to: Infinity, fresh: true }, primary);
      }
    }
    if (primary) {
      // The pipeline daemon: a Deployment pod, `{pipeline}-daemon-{template hash}-{5}`.
      const pod = `${pipeline}-daemon-${names.chars(10)}-${names.chars(5)}`;
      const grid = scrapeGrid(ctx, `cadvisor/${pod}`);
      containerSeries(ctx, ns, pod, DAEMON_NUMA, grid, {}, always);
      addKsm(ctx, ksmGrid, ns, pod, DAEMON_NUMA, {});
      addKsmInit(ctx, ksmGrid, ns, pod);
      addPodInfo(ctx, ksmGrid, ns, pod, 'ReplicaSet', `${pipeline}-daemon-${pod.split('-').slice(-2, -1)[0]}`);
      addDaemonSeries(ctx, ns, pipeline, pod);
      addBufferSeries(ctx, ns, pipeline);
    }
  });

  // The InterStepBufferService: StatefulSet `isbsvc-{name}-js`, pods `isbsvc-{name}-js-{i}`.
  for (let i = 0; i < SOAK_SHAPE.bufferReplicas; i++) {
    const pod = `isbsvc-${SOAK_NAMES.buffer}-js-${i}`;
    const grid = scrapeGrid(ctx, `cadvisor/${pod}`);
    for (const model of [ISB_MAIN, ISB_RELOADER, ISB_METRICS]) {
      containerSeries(ctx, ns, pod, model, grid, {}, always);
      addKsm(ctx, ksmGrid, ns, pod, model, {});
    }
    addPodInfo(ctx, ksmGrid, ns, pod, 'StatefulSet', `isbsvc-${SOAK_NAMES.buffer}-js`);
  }

  const dayText = Number.isInteger(days) ? `${days}d` : `${round(days * 24)}h`;
  const extras = [
    pipelines.length > 1 ? `${pipelines.length}pipelines` : '',
    ctx.duplicateScrapes ? '' : 'nodup',
    ctx.podLevelRows ? '' : 'nopod',
    ...Object.entries(ctx.extraLabels).map(([k, v]) => `${k}-${v}`),
  ].filter(Boolean);
  return {
    name: [`soak-${scenario}-${dayText}-${scrape}s-seed${seed}`, ...extras].join('-'),
    start,
    end,
    scrapeSeconds: scrape,
    series: ctx.series,
  };
}

/** One vertex pod: cAdvisor and kube-state-metrics series per container, and its Numaflow series. */
function addVertexPod(ctx: Context, ksmGrid: Float64Array, ns: string, pipeline: string, vertex: VertexModel, replica: number, pod: string, life: Life, primary: boolean): void {
  const podGrid = within(scrapeGrid(ctx, `cadvisor/${pod}`), life);
  const podKsm = within(ksmGrid, life);
  const perContainer: ContainerSeries[] = [];
  for (const model of vertex.containers) {
    const events = primary ? scenarioEvents(ctx, vertex.name, replica, model.container) : {};
    const cs = containerSeries(ctx, ns, pod, model, podGrid, events, life);
    perContainer.push(cs);
    addKsm(ctx, podKsm, ns, pod, model, events);
    const dup = vertex.name === SOAK_NAMES.batchMap ? replica < 3 : vertex.name === SOAK_NAMES.source && replica === 0;
    if (ctx.duplicateScrapes && dup && model.container !== MONITOR.container) {
      for (const s of [cs.cpu, cs.memory]) addSeries(ctx, s.metric, { ...s.labels, job: 'cadvisor-dup' }, s.t, s.type, s.v);
    }
  }
  addKsmInit(ctx, podKsm, ns, pod);
  addPodInfo(ctx, podKsm, ns, pod, 'Vertex', `${pipeline}-${vertex.name}`);
  const podRows = vertex.name === SOAK_NAMES.batchMap ? replica < 4 : replica < 2;
  if (ctx.podLevelRows && podRows) addPodLevelRows(ctx, ns, pod, podGrid, perContainer);
  addNumaflowPodSeries(ctx, ns, pipeline, vertex, replica, pod, life, primary);
}

/** The scrapes of a grid that fall in a pod's life. */
function within(grid: Float64Array, life: Life): Float64Array {
  return life.from === -Infinity && life.to === Infinity ? grid : grid.filter((t) => t >= life.from && t <= life.to);
}

/** A pod's IP and node, derived from its name (stable, not meaningful). */
function placement(pod: string): { readonly ip: string; readonly node: string; readonly uid: string } {
  const h = hash32(pod);
  const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
  return {
    ip: `10.${(h >>> 16) & 0xff}.${(h >>> 8) & 0xff}.${h & 0xff}`,
    node: `node-${h % 6}`,
    uid: `${hex(h)}-${hex(hash32(`${pod}/1`)).slice(0, 4)}-4${hex(hash32(`${pod}/2`)).slice(0, 3)}-8${hex(hash32(`${pod}/3`)).slice(0, 3)}-${hex(hash32(`${pod}/4`))}${hex(hash32(`${pod}/5`)).slice(0, 4)}`,
  };
}

/** kube-state-metrics' target labels under kube-prometheus-stack (the exposition's namespace/pod win: honorLabels). */
const KSM_TARGET = { endpoint: 'http', instance: '10.0.0.9:8080', job: 'kube-state-metrics', service: 'kube-prometheus-stack-kube-state-metrics' } as const;

/** `kube_pod_info` while the pod exists (kube-state-metrics internal/store/pod.go). */
function addPodInfo(ctx: Context, grid: Float64Array, namespace: string, pod: string, createdByKind: string, createdByName: string): void {
  const { ip, node, uid } = placement(pod);
  addSeries(
    ctx,
    'kube_pod_info',
    {
      namespace,
      pod,
      uid,
      host_ip: `192.168.0.${hash32(node) % 250}`,
      pod_ip: ip,
      node,
      created_by_kind: createdByKind,
      created_by_name: createdByName,
      priority_class: '',
      host_network: 'false',
      container: 'kube-state-metrics',
      ...KSM_TARGET,
    },
    grid,
    'gauge',
    new Float64Array(grid.length).fill(1),
  );
}

let memoizedDefault: SoakDataset | undefined;

/** The dataset of DEFAULT_DATASET, generated once per process. */
export function defaultDataset(): SoakDataset {
  memoizedDefault ??= generateSoakDataset(DEFAULT_DATASET);
  return memoizedDefault;
}

// ---------------------------------------------------------------------------------------
// Scrape grids and series

/**
 * Scrape times of one target, from LEAD_IN_SECONDS before the start to the end: a fixed
 * phase within the scrape interval plus millisecond jitter, never on a whole second (so no
 * sample sits on the boundary of a range evaluated at whole seconds, where Prometheus 2's
 * closed ranges and Prometheus 3's left-open ones would differ), minus the outage.
 */
function scrapeGrid(ctx: Context, target: string): Float64Array {
  const rng = new Random(ctx.seed, `grid/${target}`);
  const phase = floor(rng.uniform(1, ctx.scrape)) + 0.1 + floor(rng.uniform(0, 800)) / 1000;
  const times: number[] = [];
  for (let j = 0; ; j++) {
    const jitter = floor(rng.uniform(0, 60)) / 1000;
    const t = round((ctx.start - LEAD_IN_SECONDS + phase + j * ctx.scrape + jitter) * 1000) / 1000;
    if (t > ctx.end) break;
    if (ctx.gap && t >= ctx.gap[0] && t < ctx.gap[1]) continue;
    times.push(t);
  }
  return Float64Array.from(times);
}

function addSeries(
  ctx: Context,
  metric: string,
  labels: Record<string, string>,
  t: Float64Array,
  type: RawSeries['type'],
  v: Float64Array,
): RawSeries {
  const s: RawSeries = { metric, labels: { ...labels, ...ctx.extraLabels }, t, v, type };
  ctx.series.push(s);
  return s;
}

interface ContainerSeries {
  readonly cpu: RawSeries;
  readonly memory: RawSeries;
  /** Usage per interval, for the pod-level row. */
  readonly cores: Float64Array;
}

/** The time between scrapes before sample j (the first interval assumes a regular scrape). */
function intervalBefore(grid: Float64Array, j: number, scrape: number): number {
  return j === 0 ? scrape : grid[j] - grid[j - 1];
}

function diurnal(ctx: Context, t: number): number {
  // Peaks at 14:00 UTC, lowest at 02:00.
  return sin((2 * PI * (t - ctx.start - 8 * HOUR)) / DAY);
}

function containerSeries(
  ctx: Context,
  namespace: string,
  pod: string,
  model: ContainerModel,
  grid: Float64Array,
  events: ContainerEvents,
  life: Life,
): ContainerSeries {
  const n = grid.length;
  const labels = cadvisorLabels(namespace, pod, model.container);
  const cpuRng = new Random(ctx.seed, `cpu/${pod}/${model.container}`);
  const memRng = new Random(ctx.seed, `mem/${pod}/${model.container}`);
  const cfsRng = new Random(ctx.seed, `cfs/${pod}/${model.container}`);
  const { cpu, memory } = model;

  // Per-pod variation of the means.
  const cpuBase = cpu.base * (1 + 0.04 * cpuRng.gauss());
  const memBase = memory.base + 0.03 * memory.base * memRng.gauss();
  // Rare bursts, as a Poisson process over the soak.
  const bursts: [number, number, number][] = [];
  if (cpu.bursts) {
    let at = ctx.start + cpuRng.exponential(cpu.bursts.everyHours * HOUR);
    while (at < ctx.end) {
      const length = cpuRng.uniform(cpu.bursts.minutes[0], cpu.bursts.minutes[1]) * 60;
      bursts.push([at, at + length, cpuRng.uniform(cpu.bursts.level[0], cpu.bursts.level[1])]);
      at += length + cpuRng.exponential(cpu.bursts.everyHours * HOUR);
    }
  }
  const throttleBursts = events.throttleBursts ?? [];
  const inWindow = (windows: readonly (readonly [number, number, ...number[]])[], t: number) => windows.find((w) => t >= w[0] && t < w[1]);

  const cores = new Float64Array(n);
  const cpuV = new Float64Array(n);
  const periodsV = new Float64Array(n);
  const throttledV = new Float64Array(n);
  const memV = new Float64Array(n);
  // The container has been running for a while when the soak's history starts.
  const uptime = life.fresh ? 0 : (1 + cpuRng.uniform(0, 2)) * HOUR * 6;
  let cpuCounter = cpuBase * uptime;
  let periods = round(10 * uptime);
  let throttled = round(periods * cpu.throttle);
  let restarted = false;
  let cycleStart = (n > 0 ? grid[0] : ctx.start) - memRng.uniform(0, memory.periodMinutes[1] * 60);
  let cycleLength = memRng.uniform(memory.periodMinutes[0], memory.periodMinutes[1]) * 60;
  const wobblePhase = memRng.uniform(0, 2 * PI);

  for (let j = 0; j < n; j++) {
    const t = grid[j];
    const dt = intervalBefore(grid, j, ctx.scrape);
    const mid = t - dt / 2;
    // CPU of the interval.
    let u = cpuBase * (1 + cpu.wave * diurnal(ctx, mid)) * (1 + cpu.noise * cpuRng.gauss());
    let ratio = cpu.throttle * abs(1 + 0.5 * cfsRng.gauss());
    const burst = inWindow(bursts, mid);
    if (burst) u = burst[2] * (1 + 0.02 * cpuRng.gauss());
    if (inWindow(throttleBursts, mid)) {
      u = cpu.limit * cpuRng.uniform(0.97, 1.0);
      ratio = 0.4 + 0.03 * cfsRng.gauss();
    }
    u = min(cpu.limit, max(cpu.base * 0.05, u));
    ratio = min(1, max(0, ratio));
    cores[j] = u;
    // A restart (OOM kill): the new container's counters start from zero.
    let used = dt;
    if (events.restartAt !== undefined && !restarted && t >= events.restartAt) {
      restarted = true;
      used = max(0, t - (events.restartAt + 2));
      cpuCounter = 0;
      periods = 0;
      throttled = 0;
    }
    cpuCounter += u * used;
    const activity = min(1, 0.05 + 2 * u);
    const periodsInc = round(10 * used * activity);
    periods += periodsInc;
    throttled += round(periodsInc * ratio);
    cpuV[j] = round6(cpuCounter);
    periodsV[j] = periods;
    throttledV[j] = throttled;

    // Working set: GC sawtooth around the mean, plus the scenario's extra.
    while (t >= cycleStart + cycleLength) {
      cycleStart += cycleLength;
      cycleLength = memRng.uniform(memory.periodMinutes[0], memory.periodMinutes[1]) * 60;
    }
    const frac = (t - cycleStart) / cycleLength;
    let bytes = memBase - memory.sawtooth + 2 * memory.sawtooth * frac + memory.noise * memRng.gauss();
    if (memory.wobble) bytes += memory.wobble[0] * sin((2 * PI * (t - ctx.start)) / (memory.wobble[1] * HOUR) + wobblePhase);
    if (events.memoryExtra) bytes += events.memoryExtra(t);
    memV[j] = max(1 * MB, round(bytes));
  }

  const cpuSeries = addSeries(ctx, 'container_cpu_usage_seconds_total', { ...labels, cpu: 'total' }, grid, 'counter', cpuV);
  const memorySeries = addSeries(ctx, 'container_memory_working_set_bytes', labels, grid, 'gauge', memV);
  addSeries(ctx, 'container_cpu_cfs_periods_total', labels, grid, 'counter', periodsV);
  addSeries(ctx, 'container_cpu_cfs_throttled_periods_total', labels, grid, 'counter', throttledV);
  return { cpu: cpuSeries, memory: memorySeries, cores };
}

/**
 * cAdvisor's labels through the kubelet (kubernetes pkg/kubelet/server/server.go
 * containerPrometheusLabelsFunc) and kube-prometheus-stack's kubelet target labels.
 */
function cadvisorLabels(namespace: string, pod: string, container: string): Record<string, string> {
  const { node, uid } = placement(pod);
  const cgroup = `/kubepods/burstable/pod${uid}${container === '' ? '' : `/${hash32(`${pod}/${container}`).toString(16)}`}`;
  return {
    namespace,
    pod,
    container,
    id: cgroup,
    image: container === '' ? '' : `registry.example/${container}:modelled`,
    name: container === '' ? '' : `k8s_${container}_${pod}`,
    endpoint: 'https-metrics',
    instance: `192.168.0.${hash32(node) % 250}:10250`,
    job: 'kubelet',
    metrics_path: '/metrics/cadvisor',
    node,
    service: 'kube-prometheus-stack-kubelet',
  };
}

/** The pod cgroup (`container=""`, the sum of the containers plus the pause container) and the pause container (`container="POD"`). */
function addPodLevelRows(ctx: Context, namespace: string, pod: string, grid: Float64Array, containers: readonly ContainerSeries[]): void {
  const n = grid.length;
  const pauseCores = 0.0001;
  const pauseBytes = 0.6 * MB;
  const podCpu = new Float64Array(n);
  const podMem = new Float64Array(n);
  const pauseCpu = new Float64Array(n);
  const pauseMem = new Float64Array(n).fill(pauseBytes);
  let pauseCounter = pauseCores * DAY;
  for (let j = 0; j < n; j++) {
    pauseCounter += pauseCores * intervalBefore(grid, j, ctx.scrape);
    pauseCpu[j] = round6(pauseCounter);
    let cpu = pauseCounter;
    let mem = pauseBytes;
    for (const c of containers) {
      cpu += c.cpu.v[j];
      mem += c.memory.v[j];
    }
    podCpu[j] = round6(cpu);
    podMem[j] = round(mem);
  }
  addSeries(ctx, 'container_cpu_usage_seconds_total', { ...cadvisorLabels(namespace, pod, ''), cpu: 'total' }, grid, 'counter', podCpu);
  addSeries(ctx, 'container_memory_working_set_bytes', cadvisorLabels(namespace, pod, ''), grid, 'gauge', podMem);
  addSeries(ctx, 'container_cpu_usage_seconds_total', { ...cadvisorLabels(namespace, pod, 'POD'), cpu: 'total' }, grid, 'counter', pauseCpu);
  addSeries(ctx, 'container_memory_working_set_bytes', cadvisorLabels(namespace, pod, 'POD'), grid, 'gauge', pauseMem);
}

/** kube-state-metrics: restarts (and, after a termination, its reason) of one container. */
function addKsm(ctx: Context, grid: Float64Array, namespace: string, pod: string, model: ContainerModel, events: ContainerEvents): void {
  const prefix = model.sidecar ? 'kube_pod_init_container' : 'kube_pod_container';
  const labels = { namespace, pod, uid: placement(pod).uid, container: model.container, ...KSM_TARGET };
  const restarts = new Float64Array(grid.length);
  // ksm sees a restart at its first scrape after the new container started.
  const restartAt = events.restartAt;
  const first = restartAt === undefined ? -1 : grid.findIndex((t) => t >= restartAt + 5);
  if (first >= 0) restarts.fill(1, first);
  addSeries(ctx, `${prefix}_status_restarts_total`, labels, grid, 'counter', restarts);
  if (first >= 0) {
    // The reason series appears with the first termination, as ksm emits it.
    const t = grid.subarray(first);
    addSeries(ctx, `${prefix}_status_last_terminated_reason`, { ...labels, reason: 'OOMKilled' }, t, 'gauge', new Float64Array(t.length).fill(1));
  }
}

/** kube-state-metrics: the `init` container of a vertex or daemon pod (completed, never restarted). */
function addKsmInit(ctx: Context, grid: Float64Array, namespace: string, pod: string): void {
  addSeries(ctx, 'kube_pod_init_container_status_restarts_total', { namespace, pod, uid: placement(pod).uid, container: 'init', ...KSM_TARGET }, grid, 'counter', new Float64Array(grid.length));
}

/** The stream of partition i of a vertex's buffer: `{namespace}-{pipeline}-{vertex}-{i}` (vertex_types.go GenerateBufferName). */
function streamName(namespace: string, pipeline: string, vertex: string, partition: number): string {
  return `${namespace}-${pipeline}-${vertex}-${partition}`;
}

/** A vertex pod's scrape target labels (PodMonitor `{pipeline}-vertices`, port `metrics`). */
function vertexTarget(namespace: string, pipeline: string, pod: string): Record<string, string> {
  return { namespace, pod, container: 'numa', endpoint: 'metrics', job: `${namespace}/${pipeline}-vertices`, instance: `${placement(pod).ip}:2469` };
}

function inHours(ctx: Context, t: number, hours: { readonly fromHour: number; readonly toHour: number }): boolean {
  return t >= ctx.start + hours.fromHour * HOUR && t < ctx.start + hours.toHour * HOUR;
}

/**
 * Numaflow's series of one vertex pod, as its `numa` container serves them: `up`, messages
 * read, the processing-time histogram, and for the sink its writes and (lazily) its drops.
 */
function addNumaflowPodSeries(ctx: Context, namespace: string, pipeline: string, vertex: VertexModel, replica: number, pod: string, life: Life, primary: boolean): void {
  const grid = within(scrapeGrid(ctx, `numa/${pod}`), life);
  const rng = new Random(ctx.seed, `read/${pod}`);
  const target = vertexTarget(namespace, pipeline, pod);
  const base = { ...target, pipeline, vertex: vertex.name, vertex_type: vertex.type, replica: String(replica) };
  const partition = vertex.partitions === 0 ? undefined : streamName(namespace, pipeline, vertex.name, replica % vertex.partitions);
  addSeries(ctx, 'up', target, grid, 'gauge', new Float64Array(grid.length).fill(1));

  const read = new Float64Array(grid.length);
  const written = new Float64Array(grid.length);
  const dropped = new Float64Array(grid.length);
  let counter = life.fresh ? 0 : round(vertex.readRate * (6 * HOUR + rng.uniform(0, 12 * HOUR)));
  let writes = counter;
  let drops = 0;
  let firstDrop = -1;
  const loses = primary && ctx.scenario === 'loss' && vertex.type === 'Sink';
  for (let j = 0; j < grid.length; j++) {
    const dt = intervalBefore(grid, j, ctx.scrape);
    const inc = round(vertex.readRate * dt * (1 + 0.005 * rng.gauss()));
    counter += inc;
    const drop = loses && inHours(ctx, grid[j], LOSS_HOURS) ? round(inc * LOSS_SHARE) : 0;
    if (drop > 0 && firstDrop < 0) firstDrop = j;
    drops += drop;
    writes += inc - drop;
    read[j] = counter;
    written[j] = writes;
    dropped[j] = drops;
  }
  // Source reads carry source_partition (source.rs record_partition_read_metrics); ISB reads partition_name.
  addSeries(ctx, 'forwarder_data_read_total', partition ? { ...base, partition_name: partition } : { ...base, source_partition: String(replica) }, grid, 'counter', read);
  if (vertex.type === 'Sink') {
    // The sink's writes carry partition_name = the vertex (sinker/sink.rs).
    addSeries(ctx, 'forwarder_write_total', { ...base, partition_name: vertex.name }, grid, 'counter', written);
    if (firstDrop >= 0) {
      // Created on the first drop (lazy counter).
      addSeries(ctx, 'forwarder_drop_total', { ...base, partition_name: vertex.name, reason: SINK_DROP_REASON }, grid.subarray(firstDrop), 'counter', dropped.subarray(firstDrop));
    }
  }
  // The source observes its e2e time with partition_name = the vertex (source.rs send_ack_metrics).
  addHistogram(ctx, grid, { ...base, partition_name: partition ?? vertex.name }, vertex, pod);
}

/** The daemon's target labels (ServiceMonitor on `{pipeline}-daemon-svc`, port `tcp`), `pipeline_processing_lag` and `build_info`. */
function addDaemonSeries(ctx: Context, namespace: string, pipeline: string, pod: string): void {
  const grid = scrapeGrid(ctx, `daemon/${pod}`);
  const service = `${pipeline}-daemon-svc`;
  const target = { namespace, service, pod, container: 'numa', endpoint: 'tcp', job: service, instance: `${placement(pod).ip}:4327` };
  addSeries(ctx, 'up', target, grid, 'gauge', new Float64Array(grid.length).fill(1));
  const rng = new Random(ctx.seed, `lag/${pipeline}`);
  const lag = new Float64Array(grid.length);
  for (let j = 0; j < grid.length; j++) {
    const t = grid[j];
    let ms = 1500 + 300 * rng.gauss();
    if (ctx.scenario === 'backlog') ms += (BACKLOG_GROWTH.lagMs * max(0, t - ctx.start)) / (ctx.end - ctx.start);
    if (ctx.scenario === 'backpressure' && inHours(ctx, t, BACK_PRESSURE_HOURS)) ms += 60_000;
    lag[j] = round(max(0, ms));
  }
  addSeries(ctx, 'pipeline_processing_lag', { ...target, pipeline }, grid, 'gauge', lag);
  // Set once at start (pkg/daemon/server/daemon_server.go): component, the pipeline's name, the release and its platform.
  const build = { component: 'daemon', component_name: pipeline, version: NUMAFLOW_VERSION, platform: 'linux/amd64' };
  addSeries(ctx, 'build_info', { ...target, ...build }, grid, 'gauge', new Float64Array(grid.length).fill(1));
}

/**
 * What the writers report about the buffers they write to (js_writer.rs): pending messages
 * (one writer pod per buffer), and isFull write attempts: at start-up (every scenario) and
 * while the buffers are full (`backpressure`). Source pods write to batch-cat's partitions,
 * batch-cat pods to the sink's.
 */
function addBufferSeries(ctx: Context, namespace: string, pipeline: string): void {
  const [source, batchMap] = vertexModels();
  const podOf = (vertex: VertexModel, replica: number) => ctx.series.find((s) => s.metric === 'up' && s.labels.pipeline === undefined && s.labels.pod?.startsWith(`${pipeline}-${vertex.name}-${replica}-`))!.labels.pod!;
  const capacity = SOAK_SHAPE.bufferMaxLength * (SOAK_SHAPE.bufferUsageLimit / 100);
  const buffers: { readonly name: string; readonly writer: string; readonly backlog: boolean }[] = [
    ...Array.from({ length: batchMap.partitions }, (_, i) => ({ name: streamName(namespace, pipeline, batchMap.name, i), writer: podOf(source, i % source.replicas), backlog: true })),
    { name: streamName(namespace, pipeline, SOAK_NAMES.sink, 0), writer: podOf(batchMap, 0), backlog: false },
  ];
  for (const buffer of buffers) {
    const grid = scrapeGrid(ctx, `numa/${buffer.writer}`);
    const rng = new Random(ctx.seed, `pending/${buffer.name}`);
    const pending = new Float64Array(grid.length);
    for (let j = 0; j < grid.length; j++) {
      const t = grid[j];
      let p = 600 + 250 * abs(rng.gauss());
      if (ctx.scenario === 'backlog' && buffer.backlog) p += (BACKLOG_GROWTH.pendingPerPartition * max(0, t - ctx.start)) / (ctx.end - ctx.start);
      if (ctx.scenario === 'backpressure' && inHours(ctx, t, BACK_PRESSURE_HOURS)) p = capacity + 200 * abs(rng.gauss());
      pending[j] = round(p);
    }
    addSeries(ctx, 'isb_jetstream_buffer_pending', { ...vertexTarget(namespace, pipeline, buffer.writer), buffer: buffer.name }, grid, 'gauge', pending);
  }
  // isFull write attempts (lazy: a series appears with the first attempt).
  for (let w = 0; w < source.replicas; w++) {
    const warmUp = w < WARM_UP_FULL.writers;
    const pressured = ctx.scenario === 'backpressure';
    if (!warmUp && !pressured) continue;
    const writer = podOf(source, w);
    const grid = scrapeGrid(ctx, `numa/${writer}`);
    const full = (t: number) =>
      (warmUp && t >= ctx.start && t < ctx.start + WARM_UP_FULL.seconds) || (pressured && inHours(ctx, t, BACK_PRESSURE_HOURS));
    const values = new Float64Array(grid.length);
    let count = 0;
    let first = -1;
    for (let j = 0; j < grid.length; j++) {
      const dt = intervalBefore(grid, j, ctx.scrape);
      if (full(grid[j] - dt / 2) || full(grid[j])) count += round(WARM_UP_FULL.attemptsPerSecond * dt);
      if (count > 0 && first < 0) first = j;
      values[j] = count;
    }
    if (first < 0) continue;
    const buffer = streamName(namespace, pipeline, batchMap.name, w % batchMap.partitions);
    addSeries(ctx, 'isb_jetstream_isFull_total', { ...vertexTarget(namespace, pipeline, writer), buffer }, grid.subarray(first), 'counter', values.subarray(first));
  }
}

/** `forwarder_processing_time` (µs) of one pod: buckets, sum and count. */
function addHistogram(ctx: Context, grid: Float64Array, labels: Record<string, string>, vertex: VertexModel, pod: string): void {
  const rng = new Random(ctx.seed, `latency/${pod}`);
  const bounds = PROCESSING_TIME_BUCKETS;
  const profile = LATENCY_PROFILE[vertex.type];
  const n = grid.length;
  const buckets = bounds.map(() => new Float64Array(n));
  const sum = new Float64Array(n);
  const count = new Float64Array(n);
  // One observation per read batch.
  const chunksPerSecond = vertex.readRate / SOAK_SHAPE.readBatchSize;
  const cumulative = bounds.map(() => 0);
  // Observations are summed at the middle of their bucket (twice the last bound for +Inf).
  const midpoints = bounds.map((upper, b) => {
    const lower = b === 0 ? 0 : bounds[b - 1];
    return (lower + (Number.isFinite(upper) ? upper : 2 * lower)) / 2;
  });
  let total = 0;
  let sumValue = 0;
  for (let j = 0; j < n; j++) {
    const dt = intervalBefore(grid, j, ctx.scrape);
    const observations = chunksPerSecond * dt * (1 + 0.01 * rng.gauss());
    let running = 0;
    for (let b = 0; b < bounds.length; b++) {
      const share = profile[b] - (b === 0 ? 0 : profile[b - 1]);
      const inc = share <= 0 ? 0 : max(0, round(observations * share * (1 + 0.05 * rng.gauss())));
      running += inc;
      cumulative[b] += running;
      sumValue += inc * midpoints[b];
      buckets[b][j] = cumulative[b];
    }
    total += running;
    count[j] = total;
    sum[j] = sumValue;
  }
  for (let b = 0; b < bounds.length; b++) {
    addSeries(ctx, 'forwarder_processing_time_bucket', { ...labels, le: formatLe(bounds[b]) }, grid, 'counter', buckets[b]);
  }
  addSeries(ctx, 'forwarder_processing_time_sum', labels, grid, 'counter', sum);
  addSeries(ctx, 'forwarder_processing_time_count', labels, grid, 'counter', count);
}

function formatLe(bound: number): string {
  return Number.isFinite(bound) ? String(bound) : '+Inf';
}

/** What the scenario changes in one container of the first pipeline. */
function scenarioEvents(ctx: Context, vertex: string, replica: number, container: string): ContainerEvents {
  const isUdf = vertex === SOAK_NAMES.batchMap && container === 'udf';
  const isMapNuma = vertex === SOAK_NAMES.batchMap && container === 'numa';
  switch (ctx.scenario) {
    case 'leak':
      return isUdf ? { memoryExtra: (t) => (LEAK_BYTES_PER_HOUR * (t - ctx.start)) / HOUR } : {};
    case 'oom': {
      if (!isUdf || replica !== OOM_REPLICA) return {};
      const killAt = ctx.start + round((ctx.end - ctx.start) / 2);
      const rampFrom = killAt - 2 * HOUR;
      const extra = OOM_PEAK_BYTES - UDF.memory.base;
      return {
        restartAt: killAt,
        memoryExtra: (t) => (t >= rampFrom && t < killAt ? (extra * (t - rampFrom)) / (killAt - rampFrom) : 0),
      };
    }
    case 'throttle': {
      if (!isMapNuma) return {};
      const rng = new Random(ctx.seed, `throttle/${vertex}/${replica}`);
      const windows: [number, number][] = [];
      for (let at = ctx.start + rng.uniform(0.5, 2) * HOUR; at < ctx.end; at += 2 * HOUR + rng.uniform(-15, 15) * 60) {
        windows.push([at, at + 10 * 60]);
      }
      return { throttleBursts: windows };
    }
    default:
      return {};
  }
}

function round6(x: number): number {
  return round(x * 1e6) / 1e6;
}
