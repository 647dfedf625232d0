/**
 * What the recommender and the verdict need to know about a soak, as one interface with
 * two implementations that must agree:
 * - `PrometheusSource` (prometheus.ts) asks a real Prometheus over its HTTP API, aggregating
 *   in PromQL where that is cheaper than pulling raw samples;
 * - `EmbeddedSource` (embedded.ts) computes the same statistics in TypeScript from an
 *   in-memory dataset (the embedded default, no Prometheus needed).
 *
 * Semantics every implementation follows, so both paths give the same numbers:
 * - The window is [start, end]; statistics are evaluated at `start + k × step` up to `end`.
 * - CPU usage of a container at time t is `rate(container_cpu_usage_seconds_total[5m])`:
 *   the slope between the first and last raw samples in (t − 5m, t] (what Prometheus's
 *   extrapolated rate reduces to for regularly scraped counters), counter resets handled
 *   as Prometheus does (a drop means the counter restarted from 0).
 * - Memory at time t is the last `container_memory_working_set_bytes` sample in (t − 5m, t].
 * - Percentiles use Prometheus's `quantile_over_time` rule: rank φ·(n − 1) over the sorted
 *   values, linear interpolation between neighbours.
 * - Series with `container=""` or `container="POD"` are ignored; when several scrape jobs
 *   report the same pod and container, the series are merged by taking the maximum.
 * - A user container that runs as a native sidecar reports restarts and termination reasons
 *   under `kube_pod_init_container_*`; `ContainerSelector.sidecar` says which to read.
 */

import { metric, type MetricName } from '../metrics/contract';
import type { LabelMatcher } from '../metrics/matchers';

/**
 * The data-plane error counters `errorCounts` reports, always all of them, and the label
 * that ties each to the soak: forwarder_* carry `pipeline`; isb_jetstream_* carry only
 * `buffer` (the contract, src/metrics/contract.ts).
 */
export const ERROR_COUNTERS = [
  { name: metric('forwarder_read_error_total'), by: 'pipeline' },
  { name: metric('forwarder_write_error_total'), by: 'pipeline' },
  { name: metric('forwarder_udf_error_total'), by: 'pipeline' },
  { name: metric('forwarder_critical_error_total'), by: 'pipeline' },
  { name: metric('isb_jetstream_read_error_total'), by: 'buffer' },
  { name: metric('isb_jetstream_write_error_total'), by: 'buffer' },
  { name: metric('isb_jetstream_write_timeout_total'), by: 'buffer' },
  { name: metric('isb_jetstream_isFull_error_total'), by: 'buffer' },
] as const satisfies readonly { readonly name: MetricName; readonly by: 'pipeline' | 'buffer' }[];
export type ErrorCounter = (typeof ERROR_COUNTERS)[number]['name'];

/** Which pods of the soak a question is about. */
export interface PodSelector {
  readonly namespace: string;
  /** A regular expression matching the pod names (Numaflow naming, anchored). */
  readonly podPattern: string;
}

/** Which Numaflow buffers (JetStream streams) a question is about. */
export interface BufferSelector {
  readonly namespace: string;
  /** A regular expression matching the `buffer` label, `{namespace}-{pipeline}-{vertex}-{i}` (anchored). */
  readonly bufferPattern: string;
}

/** Which pods and container of the soak a question is about. */
export interface ContainerSelector extends PodSelector {
  /** The container name inside the pod: `numa`, `udf`, `main`, ... */
  readonly container: string;
  /** True for Numaflow user containers (udf, udsink): native sidecars, kube_pod_init_container_* series. */
  readonly sidecar: boolean;
}

export interface TimeWindow {
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
  /** Evaluation step in seconds (e.g. 60). */
  readonly stepSeconds: number;
}

/** Distribution of one resource of one pod's container over the window. */
export interface PodUsage {
  readonly pod: string;
  /** CPU in cores or memory in bytes. */
  readonly p95: number;
  readonly p99: number;
  readonly peak: number;
  /** Evaluation points that had data. */
  readonly samples: number;
}

export interface PodMemoryTrend {
  readonly pod: string;
  /**
   * Least-squares slope of the hourly minimum of the working set (GC sawtooth removed),
   * in bytes per hour, over the window after the first hour (`deriv` of `min_over_time[1h]`).
   */
  readonly slopeBytesPerHour: number;
  /** Hourly points the slope was fitted to. */
  readonly points: number;
}

export interface PodThrottling {
  readonly pod: string;
  /** increase(throttled periods) / increase(periods) over the window; 0 when there is no CPU limit. */
  readonly ratio: number;
  /** The largest 5-minute throttled ratio seen. */
  readonly peak5m: number;
}

export interface PodRestarts {
  readonly pod: string;
  /** Restarts over the window (increase of the restarts counter). */
  readonly restarts: number;
  /** True when the container's last termination reason was OOMKilled at any time in the window. */
  readonly oomKilled: boolean;
}

/** A series at the window's evaluation points (NaN where there was no data). */
export interface Series {
  /** Unix seconds. */
  readonly t: readonly number[];
  readonly values: readonly number[];
}

export interface VertexThroughput {
  /** Messages read per second by the vertex, all replicas together, at each evaluation point. */
  readonly rate: Series;
  /** Replicas seen reporting (max over the window). */
  readonly replicas: number;
}

/** Messages that entered and left the pipeline over the window, for the no-loss check. */
export interface MessageCounts {
  /** increase(forwarder_data_read_total{vertex=<source>}); undefined without series. */
  readonly read: number | undefined;
  /** increase(forwarder_write_total{vertex=<sink>}); undefined without series. */
  readonly written: number | undefined;
  /** increase(forwarder_drop_total) by `reason`, all vertices of the pipeline (lazy: absent means none). */
  readonly dropped: Readonly<Record<string, number>>;
}

/** Backlog over the window, at hourly points start + k·1h (k ≥ 1). */
export interface Backlog {
  /** Sum over the buffers of the pending messages their writers report (`isb_jetstream_buffer_pending`, max by buffer). */
  readonly pending: Series;
  /** `pipeline_processing_lag` of the daemon, milliseconds. */
  readonly lagMs: Series;
}

/**
 * One question of an inventory (`numaflow-soak doctor`): the series of one name that match
 * every matcher (plus the source's own `--selector` matchers), and a label whose values
 * are listed (`pod`, `buffer`, `version`). Semantics in inventory.ts.
 */
export interface InventoryQuery {
  /** The series name as queried: a contract family, or a histogram's `_bucket`. */
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
  readonly by: string;
}

/** What an inventory found for one InventoryQuery, over the window (inventory.ts). */
export interface InventoryEntry {
  /** Series with at least one sample in (start, end]. */
  readonly series: number;
  /** The distinct values of the query's `by` label among them, sorted (`""` for series without it). */
  readonly values: readonly string[];
  /** Unix seconds: the first and last multiple of the window's step, within the window, with a sample in the step before it. */
  readonly firstSeen?: number;
  readonly lastSeen?: number;
  /** Median scrape interval, seconds: median over series of the median over whole hours of 3600 s / samples in that hour. */
  readonly scrapeIntervalSeconds?: number;
}

/**
 * Everything the recommender and the verdict will ask about one soak, declared before they
 * ask (`MetricsSource.prepare`): a source that pays per query (Prometheus) answers each
 * family for all of it at once (one query per statistic, grouped `by (pod, container)` or
 * `by (vertex)`) and serves the per-container questions from that answer. A question
 * outside every declared scope is asked on its own. selectors.ts `soakScope` builds it.
 */
export interface QueryScope {
  readonly namespace: string;
  readonly pipeline: string;
  /** Every vertex of the pipeline, source first. */
  readonly vertices: readonly string[];
  /** The vertices whose reads and writes the no-loss check compares. */
  readonly messageVertices: { readonly source: string; readonly sink: string };
  /** Every container of every pod kind the soak runs (init containers and sidecars included): restarts, throttling. */
  readonly containers: readonly ContainerSelector[];
  /** The containers whose usage is read over time (CPU, memory, memory trend): the sized ones that run for the whole soak. */
  readonly usage: readonly ContainerSelector[];
  /** The pipeline's vertex pods (scrape proof, pods seen). */
  readonly pods: PodSelector;
  /** The pipeline's buffers. */
  readonly buffers: BufferSelector;
}

/** The usage families a recording rule of the soak may stand in for (src/monitoring/recording-rules.ts). */
export type RecordedFamily = 'cpu' | 'memory' | 'throttling';

/**
 * Which series a usage family was read from for a declared soak and window: the recording
 * rule's, or the raw cAdvisor families, and why (PrometheusSource; docs/recommend.md
 * "Recording rules").
 */
export interface SeriesChoice {
  /** `cpu`: CPU usage; `memory`: working set (usage and trend); `throttling`: the 5-minute throttling peaks. */
  readonly family: RecordedFamily;
  readonly used: 'recorded' | 'raw';
  /** The series read: the recorded name, or the raw family (families). */
  readonly series: string;
  /** The recorded series that was checked. */
  readonly recorded: string;
  /** Share of the window the recorded series cover, percent (the least covered container); absent when not checked. */
  readonly coveragePercent?: number;
  /** One line for people: `CPU usage: recording rule … (covers 100.0% of the window)`. */
  readonly text: string;
}

/**
 * The series a whole-window counter check of the verdict reads, whose coverage of the window
 * it judges (`MetricsSource.windowCoverage`), each taken over the declared soak (QueryScope):
 * - `restarts`: `kube_pod_container_status_restarts_total` and
 *   `kube_pod_init_container_status_restarts_total` of the soak's containers (restarts, OOM kills);
 * - `pods`: `kube_pod_info` of the vertex pods (replaced pods);
 * - `cpu`: `container_cpu_usage_seconds_total` of the soak's containers (CPU throttling: the
 *   CFS period counters exist only for CPU-limited containers, the usage counter for all).
 * The containers' series are selected as one union (namespace of the first container, any
 * of the pod patterns, any of the container names), as PrometheusSource's family queries do.
 */
export type CoverageFamily = 'restarts' | 'pods' | 'cpu';

/** The coverage of a window is judged at most this many points (a whole number of steps apart). */
export const WINDOW_COVERAGE_POINTS = 720;

/**
 * The points at which `windowCoverage` looks for a sample: the multiples (in absolute time,
 * as Prometheus aligns a subquery's steps) of `every` in (start, end], where `every` is the
 * window's step times the smallest whole number that leaves at most WINDOW_COVERAGE_POINTS.
 * A point has data when a series of the family has a sample in the 5 minutes up to it (the
 * lookback of an instant selector), i.e. `count_over_time((count(<family>))[W:every])`.
 */
export function windowCoveragePoints(window: TimeWindow): { readonly every: number; readonly times: readonly number[] } {
  const count = Math.floor((window.end - window.start) / window.stepSeconds + 1e-9) + 1;
  const every = window.stepSeconds * Math.max(1, Math.ceil(count / WINDOW_COVERAGE_POINTS));
  const everyMs = Math.round(every * 1000);
  const first = Math.floor(Math.round(window.start * 1000) / everyMs) + 1;
  const last = Math.floor(Math.round(window.end * 1000) / everyMs);
  const times: number[] = [];
  for (let k = first; k <= last; k++) times.push((k * everyMs) / 1000);
  return { every, times };
}

export interface MetricsSource {
  /** Where the data comes from, for provenance: a Prometheus URL or `embedded:<dataset>`. */
  readonly description: string;
  /**
   * The series each usage family of a declared soak was read from over `window`, once read
   * (PrometheusSource: recording rule or raw). Sources without recording rules leave it out.
   */
  seriesChoices?(scope: QueryScope, window: TimeWindow): readonly SeriesChoice[];
  /**
   * Declares the soak the next questions are about, so that a source that pays per query
   * can answer them from one query per family (PrometheusSource). Optional: answers never
   * depend on it, only the number of queries does.
   */
  prepare?(scope: QueryScope): void;
  /** Series counts, label values, first and last sample and scrape interval, one entry per query, in order (inventory.ts). */
  inventory(queries: readonly InventoryQuery[], window: TimeWindow): Promise<InventoryEntry[]>;
  cpuUsage(sel: ContainerSelector, window: TimeWindow): Promise<PodUsage[]>;
  memoryUsage(sel: ContainerSelector, window: TimeWindow): Promise<PodUsage[]>;
  memoryTrend(sel: ContainerSelector, window: TimeWindow): Promise<PodMemoryTrend[]>;
  throttling(sel: ContainerSelector, window: TimeWindow): Promise<PodThrottling[]>;
  restarts(sel: ContainerSelector, window: TimeWindow): Promise<PodRestarts[]>;
  /** Usage over time, max across the selected pods: CPU cores and memory bytes. */
  usageSeries(sel: ContainerSelector, window: TimeWindow): Promise<{ readonly cpu: Series; readonly memory: Series }>;
  /** `sum(rate(forwarder_data_read_total{namespace, pipeline, vertex}[5m]))` at each point. */
  throughput(namespace: string, pipeline: string, vertex: string, window: TimeWindow): Promise<VertexThroughput>;
  /** p99 of `forwarder_processing_time` (µs histogram) over the window, all vertices of the pipeline. */
  processingLatencyP99(namespace: string, pipeline: string, window: TimeWindow): Promise<number | undefined>;
  /** Increase over the window of `isb_jetstream_isFull_total` of the selected buffers (lazy: absent means none). */
  backPressureEvents(buffers: BufferSelector, window: TimeWindow): Promise<number>;
  /** Increase over the window of every ERROR_COUNTERS entry, by metric name (lazy: absent means 0). */
  errorCounts(namespace: string, pipeline: string, buffers: BufferSelector, window: TimeWindow): Promise<Readonly<Record<ErrorCounter, number>>>;
  /**
   * The pods of the selector Prometheus scraped successfully in the window (`up == 1` at
   * least once): the proof that a lazily created counter without series was really zero.
   */
  scrapedPods(pods: PodSelector, window: TimeWindow): Promise<readonly string[]>;
  /** Every pod of the selector kube-state-metrics reported in the window (`kube_pod_info`), sorted. */
  podsSeen(pods: PodSelector, window: TimeWindow): Promise<readonly string[]>;
  /** Messages read by the source vertex, written by the sink vertex, and dropped. */
  messageCounts(namespace: string, pipeline: string, vertices: { readonly source: string; readonly sink: string }, window: TimeWindow): Promise<MessageCounts>;
  /**
   * The share of the window, percent, that the series of a whole-window counter check cover
   * (CoverageFamily): the windowCoveragePoints at which one of them has a sample, over all
   * of those points; 0 when there is none. PrometheusSource answers it from the query that
   * reads the check's counters (no query of its own once those were read).
   */
  windowCoverage(family: CoverageFamily, scope: QueryScope, window: TimeWindow): Promise<number>;
  /** Pending messages and processing lag at hourly points. */
  backlog(namespace: string, pipeline: string, buffers: BufferSelector, window: TimeWindow): Promise<Backlog>;
}

/** Raised when the data source cannot be reached or answers with an error (exit code 4). */
export class SourceUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceUnavailableError';
  }
}
