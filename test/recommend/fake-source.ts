/**
 * A hand-made MetricsSource for the policy tests: every container of the soak measured as
 * a few pods with given statistics, so each rule can be driven by the one number it reads.
 * Containers are keyed by `<vertex or isbsvc or daemon>/<container>`, as the selectors name
 * them (batch-cat/udf, isbsvc/main, ...).
 */
import type {
  Backlog,
  ContainerSelector,
  CoverageFamily,
  ErrorCounter,
  MessageCounts,
  PodSelector,
  MetricsSource,
  PodMemoryTrend,
  PodRestarts,
  PodThrottling,
  PodUsage,
  Series,
  TimeWindow,
  VertexThroughput,
  InventoryEntry,
  InventoryQuery,
} from '../../src/recommend/metrics';

export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;
export const HOUR = 3600;
/** A 5-day window at 60 s steps: 7201 points. */
export const WINDOW: TimeWindow = { start: 1751328000, end: 1751328000 + 5 * 24 * HOUR, stepSeconds: 60 };

export interface FakeContainer {
  /** Cores: p95, p99, peak. */
  cpu?: { p95: number; p99?: number; peak?: number };
  /** Bytes: p95, p99, peak. */
  memory?: { p95?: number; p99?: number; peak: number };
  samples?: number;
  pods?: number;
  slopeBytesPerHour?: number;
  trendPoints?: number;
  throttledRatio?: number;
  throttledPeak5m?: number;
  oomKilled?: boolean;
  restarts?: number;
}

/** Modest usage for every container of the soak plan, as measured over WINDOW. */
export function steadyContainers(): Record<string, FakeContainer> {
  return {
    'in/numa': { cpu: { p95: 0.7, peak: 0.9 }, memory: { peak: 190 * MiB }, pods: 10 },
    'batch-cat/numa': { cpu: { p95: 1.0, peak: 1.2 }, memory: { peak: 270 * MiB }, pods: 18 },
    'batch-cat/udf': { cpu: { p95: 1.3, peak: 1.6 }, memory: { peak: 75 * MiB }, pods: 18 },
    'out/numa': { cpu: { p95: 0.6, peak: 0.8 }, memory: { peak: 170 * MiB }, pods: 6 },
    'daemon/numa': { cpu: { p95: 0.02, peak: 0.04 }, memory: { peak: 45 * MiB }, pods: 1 },
    'isbsvc/main': { cpu: { p95: 3.8, peak: 4.3 }, memory: { peak: 2 * GiB }, pods: 3 },
    'isbsvc/reloader': { cpu: { p95: 0.001, peak: 0.002 }, memory: { peak: 12 * MiB }, pods: 3 },
    'isbsvc/metrics': { cpu: { p95: 0.01, peak: 0.02 }, memory: { peak: 22 * MiB }, pods: 3 },
  };
}

export interface FakeOptions {
  containers?: Record<string, FakeContainer>;
  /** Source-wide rate of each vertex, msg/s, and the replicas that reported it. */
  throughput?: Record<string, { rate: number; replicas: number; points?: number }>;
  latencyP99Micros?: number;
  backPressure?: number;
  errors?: Partial<Record<ErrorCounter, number>>;
  /** Vertex pods with `up == 1` (default: every pod of the soak plan). */
  scraped?: readonly string[];
  /** Vertex pods kube_pod_info reported (default: the same as scraped). */
  seen?: readonly string[];
  messages?: MessageCounts;
  /** Pending messages at each hourly point (default: flat 600 per buffer). */
  pending?: (hour: number) => number;
  lagMs?: (hour: number) => number;
  /** windowCoverage of each counter family, percent (default 100). */
  coverage?: Partial<Record<CoverageFamily, number>>;
}

/** One pod name per replica of each vertex of the soak plan (10 in, 18 batch-cat, 6 out). */
export function soakVertexPods(): string[] {
  const pods: string[] = [];
  for (const [vertex, n] of [['in', 10], ['batch-cat', 18], ['out', 6]] as const) for (let i = 0; i < n; i++) pods.push(`batch-map-soak-${vertex}-${i}-abcde`);
  return pods;
}

/** Which container of the soak a selector means: `batch-cat/udf`, `isbsvc/main`, `daemon/numa`. */
export function keyOf(sel: ContainerSelector): string {
  if (sel.podPattern.includes('isbsvc-')) return `isbsvc/${sel.container}`;
  if (sel.podPattern.includes('-daemon-')) return `daemon/${sel.container}`;
  const vertex = /^\^batch-map-soak-(.+?)-\\d\+/.exec(sel.podPattern)?.[1] ?? '?';
  return `${vertex}/${sel.container}`;
}

export class FakeSource implements MetricsSource {
  readonly description = 'fake:policy-test';

  /** The policy tests take no inventory: every query finds nothing. */
  async inventory(queries: readonly InventoryQuery[]): Promise<InventoryEntry[]> {
    return queries.map(() => ({ series: 0, values: [] }));
  }
  readonly calls: string[] = [];
  readonly containers: Record<string, FakeContainer>;

  constructor(private readonly options: FakeOptions = {}) {
    this.containers = options.containers ?? steadyContainers();
  }

  private pods(sel: ContainerSelector): { names: string[]; c: FakeContainer | undefined } {
    const c = this.containers[keyOf(sel)];
    const n = c ? (c.pods ?? 1) : 0;
    return { names: Array.from({ length: n }, (_, i) => `pod-${i}`), c };
  }

  async cpuUsage(sel: ContainerSelector): Promise<PodUsage[]> {
    this.calls.push(`cpu ${keyOf(sel)}`);
    const { names, c } = this.pods(sel);
    if (!c?.cpu) return [];
    const { p95, p99 = c.cpu.p95 * 1.05, peak = c.cpu.p95 * 1.2 } = c.cpu;
    // Pod 0 has the highest statistics; the others a little less.
    return names.map((pod, i) => ({ pod, p95: p95 * (1 - i * 0.001), p99: p99 * (1 - i * 0.001), peak: peak * (1 - i * 0.001), samples: c.samples ?? 7201 }));
  }

  async memoryUsage(sel: ContainerSelector): Promise<PodUsage[]> {
    const { names, c } = this.pods(sel);
    if (!c?.memory) return [];
    const { peak, p95 = peak * 0.9, p99 = peak * 0.95 } = c.memory;
    return names.map((pod, i) => ({ pod, p95: p95 * (1 - i * 0.001), p99: p99 * (1 - i * 0.001), peak: peak * (1 - i * 0.001), samples: c.samples ?? 7201 }));
  }

  async memoryTrend(sel: ContainerSelector): Promise<PodMemoryTrend[]> {
    const { names, c } = this.pods(sel);
    if (!c) return [];
    return names.map((pod, i) => ({ pod, slopeBytesPerHour: i === 0 ? (c.slopeBytesPerHour ?? 0) : 0, points: c.trendPoints ?? 120 }));
  }

  async throttling(sel: ContainerSelector): Promise<PodThrottling[]> {
    const { names, c } = this.pods(sel);
    if (!c) return [];
    return names.map((pod, i) => ({ pod, ratio: i === 0 ? (c.throttledRatio ?? 0) : 0, peak5m: i === 0 ? (c.throttledPeak5m ?? 0) : 0 }));
  }

  async windowCoverage(family: CoverageFamily): Promise<number> {
    return this.options.coverage?.[family] ?? 100;
  }

  async restarts(sel: ContainerSelector): Promise<PodRestarts[]> {
    const { names, c } = this.pods(sel);
    if (!c) return [];
    return names.map((pod, i) => ({ pod, restarts: i === 0 ? (c.restarts ?? (c.oomKilled ? 1 : 0)) : 0, oomKilled: i === 0 && c.oomKilled === true }));
  }

  async usageSeries(sel: ContainerSelector, window: TimeWindow): Promise<{ cpu: Series; memory: Series }> {
    const { c } = this.pods(sel);
    const t: number[] = [];
    for (let x = window.start; x <= window.end; x += window.stepSeconds) t.push(x);
    const cpu = t.map((_, i) => (c?.cpu ? c.cpu.p95 * (0.9 + 0.1 * Math.sin(i / 50)) : Number.NaN));
    const memory = t.map(() => (c?.memory ? c.memory.peak * 0.95 : Number.NaN));
    return { cpu: { t, values: cpu }, memory: { t, values: memory } };
  }

  async throughput(_namespace: string, _pipeline: string, vertex: string, window: TimeWindow): Promise<VertexThroughput> {
    const spec = this.options.throughput?.[vertex] ?? { rate: 50000, replicas: vertex === 'in' ? 10 : vertex === 'batch-cat' ? 18 : 6 };
    const points = spec.points ?? Math.floor((window.end - window.start) / window.stepSeconds) + 1;
    const t = Array.from({ length: points }, (_, i) => window.start + i * window.stepSeconds);
    return { rate: { t, values: t.map(() => spec.rate) }, replicas: spec.replicas };
  }

  async processingLatencyP99(): Promise<number | undefined> {
    return this.options.latencyP99Micros ?? 9000;
  }

  async backPressureEvents(): Promise<number> {
    return this.options.backPressure ?? 0;
  }

  async errorCounts(): Promise<Readonly<Record<ErrorCounter, number>>> {
    return { ...ZERO_ERRORS, ...this.options.errors };
  }

  async scrapedPods(pods: PodSelector): Promise<readonly string[]> {
    const re = new RegExp(pods.podPattern);
    return (this.options.scraped ?? soakVertexPods()).filter((p) => re.test(p));
  }

  async podsSeen(pods: PodSelector): Promise<readonly string[]> {
    const re = new RegExp(pods.podPattern);
    return (this.options.seen ?? this.options.scraped ?? soakVertexPods()).filter((p) => re.test(p));
  }

  async messageCounts(_namespace: string, _pipeline: string, _vertices: unknown, window: TimeWindow): Promise<MessageCounts> {
    const n = 50000 * (window.end - window.start);
    return this.options.messages ?? { read: n, written: n, dropped: {} };
  }

  async backlog(_namespace: string, _pipeline: string, _buffers: unknown, window: TimeWindow): Promise<Backlog> {
    const t: number[] = [];
    for (let h = window.start + HOUR; h <= window.end; h += HOUR) t.push(h);
    const pending = this.options.pending ?? (() => 13 * 600);
    const lag = this.options.lagMs ?? (() => 1500);
    return { pending: { t, values: t.map((_, i) => pending(i + 1)) }, lagMs: { t, values: t.map((_, i) => lag(i + 1)) } };
  }
}

const ZERO_ERRORS = {
  forwarder_read_error_total: 0,
  forwarder_write_error_total: 0,
  forwarder_udf_error_total: 0,
  forwarder_critical_error_total: 0,
  isb_jetstream_read_error_total: 0,
  isb_jetstream_write_error_total: 0,
  isb_jetstream_write_timeout_total: 0,
  isb_jetstream_isFull_error_total: 0,
} as const satisfies Record<ErrorCounter, number>;
