/**
 * `PrometheusSource`: the MetricsSource that asks a real Prometheus over its HTTP API
 * (`/api/v1/query`, `/api/v1/query_range`, POST form-encoded, Node's fetch with a timeout),
 * sending a query PLAN, not a query per container: per metric family, one query answers
 * every container of the declared soak at once (`prepare`, metrics.ts QueryScope), and every
 * answer is kept for the life of the source, so no question is sent twice in one process
 * (the verdict that `recommend` runs first and the recommendation share their reads). It
 * gives the numbers EmbeddedSource computes from the same samples (test/recommend/
 * prometheus.test.ts checks every method against it on a real Prometheus 2.42).
 *
 * How the contract of metrics.ts maps onto PromQL ({sel} = `namespace`, `pod=~`, exact
 * `container`, plus `container!=""`, `container!="POD"` spelled out; inside a scope, the
 * alternation of its pod patterns and container names, each answer then split per selector
 * here by its `pod` and `container` labels):
 * - CPU at t: `max by (pod, container) (rate(container_cpu_usage_seconds_total{sel}[5m]))`;
 *   memory at t: `max by (pod, container) (last_over_time(container_memory_working_set_bytes
 *   {sel}[5m]))` (not the bare selector: the contract asks for the last sample in the 5-minute
 *   range, whatever the server's lookback delta). `max by (pod, container)` merges the copies
 *   several scrape jobs report, before anything is aggregated over time or summed.
 * - p95/p99/peak/samples and the usage over time: ONE range read (`query_range` at the
 *   window's evaluation points start + k·step, exactly) per resource, the statistics computed
 *   here by stats.ts `usageStatistics`, the functions EmbeddedSource uses. (Four subqueries,
 *   `quantile_over_time(0.95, (INNER)[R:STEP])` and the like, would evaluate INNER four times.)
 * - Memory trend: one hourly range read of `min_over_time(…[1h])`, the slope fitted here
 *   (stats.ts leastSquaresSlope, as `deriv`). Backlog: one hourly range read, pending and lag.
 * - Throughput: one range read for every vertex, `sum by (vertex)` of the deduplicated rate
 *   and `count by (vertex)` of the replicas reporting.
 * - Throttling's 5-minute peak is a subquery, `max_over_time((RATIO)[R:STEP])`, in the same
 *   instant query as the whole-window ratio (its inner ratio is evaluated once). Prometheus
 *   aligns subquery steps to multiples of the step in ABSOLUTE time (checked on 2.42: `[1h:7m]`
 *   evaluates at multiples of 420 s), so when `start` is not a multiple of the step the ratio
 *   is read with `query_range` instead and its maximum taken here.
 * - Subquery ranges are R = (last point − start) + 1 ms. Prometheus 2.x selects ranges
 *   closed, [t − R, t], and Prometheus 3 left-open, (t − R, t] (docs/migration.md of 3.0);
 *   with the extra millisecond both include the point at `start` and nothing before it.
 * - Raw-sample ranges (`[5m]`, `[1h]`, the whole window) are written plainly. Prometheus 3,
 *   the contract and EmbeddedSource select (t − r, t]; Prometheus 2.x selects [t − r, t]:
 *   a sample exactly r before t counts in 2.x only (real scrapes carry millisecond
 *   timestamps, the generated datasets never put a sample on a whole second).
 * - Whole-window figures are instant queries at `end` over `[end − start]`, several tagged
 *   with a `stat` label by label_replace and joined with `or`: restarts (`increase`, rounded)
 *   and OOMKilled (`max_over_time(…last_terminated_reason{reason="OOMKilled"})`) of regular
 *   and init containers in one query; the throttled ratio; and, for the verdict, one query
 *   holding the scrape proof (`up`), the pods seen, messages read, written and dropped, every
 *   error counter, back pressure and the latency histogram. Inside a declared soak each of
 *   these three also carries the coverage of the window by the series it counts (restart
 *   counters, CPU usage counter, `kube_pod_info`: `count_over_time((count(…))[W:every])`),
 *   which `windowCoverage` reads from the same cached answer. Data-plane series (forwarder_*,
 *   isb_*) carry no container label and may carry `partition_name`: their scrape-job copies
 *   are merged with `max without (job, instance)` before summing.
 *
 * Recording rules (src/monitoring/recording-rules.ts, docs/recommend.md "Recording rules"):
 * inside a declared soak, before the first CPU, working-set or throttling-peak read, ONE
 * instant query (`checkRecorded`) measures how much of the window the recorded series cover,
 * per sized container (CPU, working set) and for all containers (the throttled ratio); a
 * family covered at RECORDED_MIN_COVERAGE_PERCENT for every container is read from its
 * recorded series (`max by (pod, container) (RECORDED{…})`), else from the raw families as
 * above; `seriesChoices` tells which and why. The whole-window throttled ratio and the
 * memory trend always read the raw series; `--selector` matchers (which the recorded series
 * cannot carry) or `recordingRules: false` turn the rules off.
 *
 * Errors (refused connection, DNS failure, timeout, HTTP errors, `status: "error"`) become
 * `SourceUnavailableError` naming the URL and the cause; HTTP 401 and 403 an
 * `AuthenticationError` saying which credentials were sent, a refused certificate a
 * `TlsError` (http-transport.ts).
 *
 * Credentials (extra headers, a bearer token, basic auth, or `user:password@` in the URL,
 * which is taken out of it) and TLS settings go through http-transport.ts. The URL without
 * its user info is the source's `description`, the only form of it any message, report or
 * written file shows; no message repeats a secret.
 */
import { performance } from 'node:perf_hooks';
import { metric, type MetricName } from '../metrics/contract';
import { matcherText, type LabelMatcher } from '../metrics/matchers';
import {
  SourceUnavailableError,
  type Backlog,
  type BufferSelector,
  type ContainerSelector,
  type ErrorCounter,
  type InventoryEntry,
  type InventoryQuery,
  type MessageCounts,
  type PodSelector,
  type MetricsSource,
  type PodMemoryTrend,
  type PodRestarts,
  type PodThrottling,
  type PodUsage,
  type QueryScope,
  type RecordedFamily,
  type Series,
  type SeriesChoice,
  type TimeWindow,
  type VertexThroughput,
  type CoverageFamily,
} from './metrics';
import { ERROR_COUNTERS, windowCoveragePoints } from './metrics';
import {
  AuthenticationError,
  authHeaders,
  describeAuth,
  redact,
  secretsOf,
  splitUserinfo,
  TlsError,
  tlsFailure,
  MAX_RESPONSE_BYTES,
  ResponseTooLargeError,
  transportFetch,
  type PrometheusAuth,
  type TlsFailure,
  type TlsOptions,
} from './http-transport';
import { inOrder, inventoryExpression, inventoryFromResult } from './inventory';
import { DEFAULT_POLICY } from './policy';
import { leastSquaresSlope, maxOf, usageStatistics } from './stats';
import { RECORDED } from '../monitoring/recording-rules';

export interface PrometheusSourceOptions {
  /**
   * Base URL of the Prometheus server, e.g. `http://prometheus.monitoring:9090` (a path
   * prefix is kept). `user:password@` in it is sent as basic auth and taken out of the URL.
   */
  readonly url: string;
  /** Extra headers, a bearer token or basic auth, sent with every request. */
  readonly auth?: PrometheusAuth;
  /** CA, client certificate and verification for an https:// URL (used by the default transport only). */
  readonly tls?: TlsOptions;
  /** Per-request timeout, milliseconds (default 30000). */
  readonly timeoutMs?: number;
  /** Called before each query with a short description of it (the CLI prints it to stderr). */
  readonly onProgress?: (message: string) => void;
  /** Called after each query with its description, the time it took and the timeout (the CLI's --verbose lines). */
  readonly onQueryDone?: (done: { readonly what: string; readonly elapsedMs: number; readonly timeoutMs: number; readonly ok: boolean }) => void;
  /** The fetch to use (tests); defaults to http-transport's `transportFetch(tls)`. Credentials are headers and reach either. */
  readonly fetchImpl?: typeof fetch;
  /** Extra label matchers added to every selector (`--selector`). */
  readonly selectors?: readonly LabelMatcher[];
  /**
   * Requests in flight at once (default MAX_IN_FLIGHT); more wait their turn, and their
   * time counts from when they are sent. 1 measures each query's own cost (the bench).
   */
  readonly maxInFlight?: number;
  /**
   * Read CPU usage, the working set and throttling peaks from the soak's recording rules
   * where their series cover the window (default true); false reads the raw cAdvisor
   * families always (see "Recording rules" in the header comment).
   */
  readonly recordingRules?: boolean;
}

/** Queries sent and the time spent waiting for them. */
export interface QueryStats {
  /** HTTP requests sent. */
  queries: number;
  /** Questions answered from an earlier answer of the same query (no request sent). */
  reused: number;
  totalMs: number;
}

type Labels = Readonly<Record<string, string>>;
interface InstantSample {
  readonly metric: Labels;
  readonly value: number;
}
interface RangeSeries {
  readonly metric: Labels;
  readonly t: number[];
  readonly v: number[];
}

/** The window's evaluation grid: start, start + step, …, last (≤ end). */
interface Grid {
  readonly start: number;
  readonly last: number;
  readonly step: number;
  /** Number of evaluation points. */
  readonly count: number;
}

/** Prometheus refuses query_range answers of more than 11,000 points per series. */
const MAX_RANGE_POINTS = 10_000;
const RATE_RANGE = '5m';
/**
 * Requests in flight at once by default: the family queries of a 5-day soak each scan every
 * container's samples, and a burst of them slows each other (and the Prometheus) down more
 * than it saves.
 */
const MAX_IN_FLIGHT = 3;
/** Inventory queries in flight at once (`numaflow-soak doctor` sends one per series family and pod group). */
const INVENTORY_CONCURRENCY = 4;
const HOUR = 3600;

/**
 * The share of the window, percent, the recorded series must cover for every container
 * (the least covered one counts) before the tools read them instead of the raw cAdvisor
 * families: the coverage the recommendation and the verdict already ask of any data
 * (policy.ts and verdict.ts `minCoveragePercent`).
 */
export const RECORDED_MIN_COVERAGE_PERCENT = DEFAULT_POLICY.minCoveragePercent;
/** The coverage check looks at most this many points of the window (a multiple of the step apart). */
const COVERAGE_POINTS = 720;
/**
 * How far a figure read from the recorded series may be from the same figure read from the
 * raw ones: |recorded − raw| ≤ `relative` × the larger of the two + the family's absolute
 * allowance. A rule is evaluated at its own times, up to one rule interval before each of
 * the tools' points, so the 5-minute windows it rated hold the same samples or one sample
 * earlier, and rate()'s extrapolation to the window's edges differs: across 8 evaluation
 * offsets of the plan's rule group (promtool create-blocks-from rules) over a 1-day,
 * 60-second dataset, CPU p99 moved by up to 2.6% (0.035 cores), the working set by 0.8%,
 * a 5-minute throttled ratio by 1.5 points (13% of a ratio of 0.006). The absolute
 * allowances sit below what the figures decide: half the 10m CPU floor, 1 MiB of memory
 * (requests round to Mi), 2 points of throttling (the warnings are at 10% and 25%).
 * test/recommend/recording-rules.test.ts holds every CPU and working-set p95, p99 and peak
 * per pod, and every 5-minute throttling peak, to it on a real Prometheus; docs/recommend.md
 * states it.
 */
export const RECORDED_TOLERANCE = { relative: 0.05, cpuCores: 0.005, memoryBytes: 1024 * 1024, throttledRatio: 0.02 } as const;

/** True when a recorded figure is within RECORDED_TOLERANCE of the raw one; `allowance` is the family's absolute one. */
export function withinRecordedTolerance(recorded: number, raw: number, allowance: number): boolean {
  return Math.abs(recorded - raw) <= RECORDED_TOLERANCE.relative * Math.max(Math.abs(recorded), Math.abs(raw)) + allowance;
}

/** Per usage family: the recorded series, the raw families it replaces, for people. */
const RECORDED_FAMILIES: Readonly<Record<RecordedFamily, { readonly recorded: MetricName; readonly raw: string; readonly what: string }>> = {
  cpu: { recorded: RECORDED.cpuRate5m, raw: metric('container_cpu_usage_seconds_total'), what: 'CPU usage' },
  memory: { recorded: RECORDED.workingSet, raw: metric('container_memory_working_set_bytes'), what: 'working set' },
  throttling: {
    recorded: RECORDED.throttledRatio5m,
    raw: `${metric('container_cpu_cfs_throttled_periods_total')} / ${metric('container_cpu_cfs_periods_total')}`,
    what: 'CPU throttling, 5-minute peaks',
  },
};

/** A PromQL string literal (Go escapes; JSON's are a subset). */
function str(value: string): string {
  return JSON.stringify(value);
}

/** Seconds or milliseconds as a PromQL duration, exact to the millisecond. */
function duration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The longest timeout setTimeout can hold (2^31 − 1 ms ≈ 24.8 days); a longer one fires at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A sample value as Prometheus writes it, or undefined when it is not one (not a string, not a number). */
function parseValue(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
    default: {
      const value = text.trim() === '' ? NaN : Number(text);
      return Number.isNaN(value) ? undefined : value;
    }
  }
}

/** A `[time, "value"]` pair's value, or undefined when the pair is malformed. */
function pairValue(pair: unknown): { readonly t: number; readonly v: number } | undefined {
  if (!Array.isArray(pair) || pair.length !== 2) return undefined;
  const t = Number(pair[0]);
  const v = parseValue(pair[1]);
  return typeof pair[0] === 'number' || typeof pair[0] === 'string' ? (Number.isFinite(t) && v !== undefined ? { t, v } : undefined) : undefined;
}

function gridOf(window: TimeWindow): Grid {
  const { start, end, stepSeconds: step } = window;
  if (!(step > 0) || !Number.isFinite(start) || !Number.isFinite(end) || end < start) {
    throw new Error(`invalid time window: start ${start}, end ${end}, step ${step}`);
  }
  const k = Math.floor((end - start) / step + 1e-9);
  return { start, last: start + k * step, step, count: k + 1 };
}

/** True when Prometheus's absolute subquery alignment puts steps on start + k·step. */
function aligned(start: number, step: number): boolean {
  const stepMs = Math.round(step * 1000);
  return Math.round(start * 1000) % stepMs === 0;
}

/** `(INNER)[R:STEP]` covering the grid's points, start included (see the header). */
function subquery(inner: string, grid: Grid): string {
  return `(${inner})[${duration(grid.last - grid.start + 0.001)}:${duration(grid.step)}]`;
}

/** `or` of several expressions, each tagged with a `stat` label. */
function tagged(parts: Readonly<Record<string, string>>): string {
  return Object.entries(parts)
    .map(([stat, expr]) => `label_replace(${expr}, "stat", ${str(stat)}, "", "")`)
    .join(' or ');
}

function containerMatchers(sel: ContainerSelector): string {
  return [
    `namespace=${str(sel.namespace)}`,
    `pod=~${str(sel.podPattern)}`,
    `container=${str(sel.container)}`,
    'container!=""',
    'container!="POD"',
  ].join(',');
}

/**
 * Data-plane series of several scrape jobs merged by their maximum. They carry no
 * `container` label and may carry `partition_name`, so only the job's own labels are dropped.
 */
function dedup(expr: string): string {
  return `max without (job, instance) (${expr})`;
}

/** `max without (job, instance)` keeps `buffer` (and the writer's pod): merge writers per buffer first. */
function dedupBy(label: string, expr: string): string {
  return `max by (${label}) (${expr})`;
}

function podMatchers(pods: PodSelector): string {
  return [`namespace=${str(pods.namespace)}`, `pod=~${str(pods.podPattern)}`].join(',');
}

/** isb_jetstream_* series carry `buffer` only (no `pipeline`); the scrape adds `namespace`. */
function bufferMatchers(buffers: BufferSelector): string {
  return [`namespace=${str(buffers.namespace)}`, `buffer=~${str(buffers.bufferPattern)}`].join(',');
}

function pipelineMatchers(namespace: string, pipeline: string, vertex?: string): string {
  const m = [`namespace=${str(namespace)}`, `pipeline=${str(pipeline)}`];
  if (vertex !== undefined) m.push(`vertex=${str(vertex)}`);
  return m.join(',');
}

function byPod<T>(samples: readonly InstantSample[], make: (pod: string, stats: Map<string, number>) => T): T[] {
  const pods = new Map<string, Map<string, number>>();
  for (const s of samples) {
    const pod = s.metric.pod ?? '';
    const stats = pods.get(pod) ?? new Map<string, number>();
    stats.set(s.metric.stat ?? '', s.value);
    pods.set(pod, stats);
  }
  return [...pods.keys()].sort().map((pod) => make(pod, pods.get(pod)!));
}

/** A name inside a regular expression, literally. */
function reEscape(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Matchers selecting every container of a family at once: the namespace, the pod patterns
 * as one alternation and the container names as another (a superset: `selected` and
 * `forContainer` keep each selector's own pods and container). One selector keeps its
 * exact matchers.
 */
function unionMatchers(sels: readonly ContainerSelector[]): string {
  if (sels.length === 1) return containerMatchers(sels[0]);
  const pods = [...new Set(sels.map((s) => s.podPattern))].sort();
  const names = [...new Set(sels.map((s) => s.container))].sort();
  return [
    `namespace=${str(sels[0].namespace)}`,
    `pod=~${str(pods.length === 1 ? pods[0] : pods.map((p) => `(?:${p})`).join('|'))}`,
    names.length === 1 ? `container=${str(names[0])}` : `container=~${str(names.map(reEscape).join('|'))}`,
    'container!=""',
    'container!="POD"',
  ].join(',');
}

/** True when a `pod` label is one of the selector's pods (Prometheus anchors `=~` at both ends). */
function podTest(pattern: string): (pod: string | undefined) => boolean {
  const re = new RegExp(`^(?:${pattern})$`);
  return (pod) => pod !== undefined && re.test(pod);
}

const byPodLabel = (a: { readonly metric: Labels }, b: { readonly metric: Labels }) => {
  const x = a.metric.pod ?? '';
  const y = b.metric.pod ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
};

/** The series of a `by (pod, container)` answer that belong to `sel`, by pod. */
function selected(series: readonly RangeSeries[], sel: ContainerSelector): RangeSeries[] {
  const isPod = podTest(sel.podPattern);
  return series.filter((s) => s.metric.container === sel.container && isPod(s.metric.pod)).sort(byPodLabel);
}

/** `byPod` over the samples of a `by (pod, container)` answer that belong to `sel`. */
function forContainer<T>(samples: readonly InstantSample[], sel: ContainerSelector, make: (pod: string, stats: Map<string, number>) => T): T[] {
  const isPod = podTest(sel.podPattern);
  return byPod(
    samples.filter((s) => s.metric.container === sel.container && isPod(s.metric.pod)),
    make,
  );
}

/** Series laid onto every evaluation point of the grid, the largest where several have one, NaN where none has. */
function maxOnGrid(series: readonly RangeSeries[], grid: Grid): Series {
  const t = Array.from({ length: grid.count }, (_, k) => grid.start + k * grid.step);
  const values = new Array<number>(grid.count).fill(NaN);
  for (const s of series) {
    for (let i = 0; i < s.t.length; i++) {
      const k = Math.round((s.t[i] - grid.start) / grid.step);
      const v = s.v[i];
      if (k >= 0 && k < grid.count && !Number.isNaN(v) && !(v <= values[k])) values[k] = v;
    }
  }
  return { t, values };
}

/** The hourly points start + h·1h (h ≥ 1) up to end: memory trends and the backlog; none under an hour. */
function hourlyGrid(window: TimeWindow): Grid | undefined {
  const hours = Math.floor((window.end - window.start) / HOUR + 1e-9);
  if (hours < 1) return undefined;
  return { start: window.start + HOUR, last: window.start + hours * HOUR, step: HOUR, count: hours };
}

/** The key of a declared soak and window's recording-rule check. */
function recordedKey(scope: QueryScope, window: TimeWindow): string {
  return `${JSON.stringify(scope)} ${window.start}:${window.end}:${window.stepSeconds}`;
}

const percentText = (p: number) => `${p.toFixed(1)}%`;

function recordedChoice(family: RecordedFamily, coveragePercent: number): SeriesChoice {
  const f = RECORDED_FAMILIES[family];
  return { family, used: 'recorded', series: f.recorded, recorded: f.recorded, coveragePercent, text: `${f.what}: recording rule ${f.recorded} (covers ${percentText(coveragePercent)} of the window)` };
}

/** A raw read: because of `why`, or because the recorded series cover only `worst.percent` of the window. */
function rawChoice(family: RecordedFamily, why: string | undefined, worst?: { readonly percent: number; readonly label: string }): SeriesChoice {
  const f = RECORDED_FAMILIES[family];
  const because =
    why ??
    (worst!.percent === 0
      ? `recording rule ${f.recorded} has no series in the window for ${worst!.label}`
      : `recording rule ${f.recorded} covers ${percentText(worst!.percent)} of the window for ${worst!.label}, less than ${RECORDED_MIN_COVERAGE_PERCENT}%`);
  return { family, used: 'raw', series: f.raw, recorded: f.recorded, ...(worst ? { coveragePercent: worst.percent } : {}), text: `${f.what}: raw ${f.raw} (${because})` };
}

/** The `stat` tag of a restart figure: kube_pod_container_* or, for init containers and native sidecars, kube_pod_init_container_*. */
function restartStat(sidecar: boolean, figure: 'restarts' | 'oom'): string {
  return sidecar ? `init_${figure}` : figure;
}

function sameBuffers(a: BufferSelector, b: BufferSelector): boolean {
  return a.namespace === b.namespace && a.bufferPattern === b.bufferPattern;
}

function samePods(a: PodSelector, b: PodSelector): boolean {
  return a.namespace === b.namespace && a.podPattern === b.podPattern;
}

/** The pods of the samples tagged `stat`, sorted. */
function podsOf(samples: readonly InstantSample[], stat: string): string[] {
  return [...new Set(samples.filter((s) => s.metric.stat === stat).map((s) => s.metric.pod ?? ''))].filter(Boolean).sort();
}

/** A Unix time as ISO 8601, for messages. */
function isoTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

function describeError(error: unknown): string {
  const seen = new Set<unknown>();
  let e: any = error;
  // fetch wraps the socket error: TypeError('fetch failed', { cause }).
  while (e && typeof e === 'object' && e.cause && !seen.has(e.cause)) {
    seen.add(e);
    e = e.cause;
  }
  if (e && typeof e === 'object') {
    if (Array.isArray(e.errors) && e.errors.length > 0) {
      // AggregateError from happy eyeballs (several addresses tried).
      return [...new Set(e.errors.map((x: any) => x?.message ?? String(x)))].join('; ');
    }
    // fetch refuses some ports outright (https://fetch.spec.whatwg.org/#port-blocking).
    if (e.message === 'bad port') return 'bad port (fetch refuses to connect to this port number)';
    if (e.message) return String(e.message);
    if (e.code) return String(e.code);
  }
  return String(e);
}

/** A JSON value, short, for a message about a malformed answer. */
function describeJson(value: unknown): string {
  if (value === undefined) return 'missing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return snippet(text, 80);
}

/** A sample's labels: an object of strings, anything else none. */
function labelsOf(metric: unknown): Labels {
  if (!metric || typeof metric !== 'object' || Array.isArray(metric)) return {};
  return Object.fromEntries(Object.entries(metric).filter(([, v]) => typeof v === 'string')) as Labels;
}

function snippet(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export class PrometheusSource implements MetricsSource {
  readonly description: string;
  readonly stats: QueryStats = { queries: 0, reused: 0, totalMs: 0 };
  private readonly base: string;
  /** Declared soaks (prepare), by their JSON. */
  private readonly scopes = new Map<string, QueryScope>();
  /** Every answer of this source, by request: no question is sent twice in one process. */
  private readonly answers = new Map<string, Promise<unknown>>();
  private readonly maxInFlight: number;
  private inFlight = 0;
  /** Requests waiting for a free slot, first come first served. */
  private readonly waiting: (() => void)[] = [];
  private readonly timeoutMs: number;
  private readonly onProgress?: (message: string) => void;
  private readonly onQueryDone?: PrometheusSourceOptions['onQueryDone'];
  private readonly fetchImpl: typeof fetch;
  /** Credential headers sent with every request. */
  private readonly authHeaders: Readonly<Record<string, string>>;
  /** What the credentials are, without a secret, for authentication errors. */
  private readonly sentAuth: string;
  /** The secret values of the credentials, kept out of every message. */
  private readonly secrets: readonly string[];
  /** Whether a client certificate is offered (to read a TLS alert right). */
  private readonly withClientCert: boolean;
  /** `,cluster="prod-eu"`…: the user's extra matchers, appended to every selector. */
  private readonly extra: string;
  private readonly recordingRules: boolean;
  /** The recording-rule coverage check of each declared soak and window (`recordedSeries`). */
  private readonly recordedChecks = new Map<string, Promise<Readonly<Record<RecordedFamily, SeriesChoice>>>>();
  /** The same, once answered. */
  private readonly recordedChosen = new Map<string, Readonly<Record<RecordedFamily, SeriesChoice>>>();
  /** The families really read (recorded or raw) for each declared soak and window. */
  private readonly recordedRead = new Map<string, Set<RecordedFamily>>();

  constructor(options: PrometheusSourceOptions) {
    const { url, user, password } = splitUserinfo(options.url);
    if (user !== undefined && options.auth?.basicAuth) throw new Error('PrometheusSource: the URL carries user info and auth.basicAuth is given too; give one');
    const auth: PrometheusAuth = user !== undefined ? { ...options.auth, basicAuth: { user, password: password ?? '' } } : (options.auth ?? {});
    if (auth.basicAuth && auth.bearerToken !== undefined) throw new Error('PrometheusSource: basic auth and a bearer token both set Authorization; give one');
    this.base = url.replace(/\/+$/, '');
    this.description = this.base;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if (!(this.timeoutMs > 0) || this.timeoutMs > MAX_TIMEOUT_MS) throw new RangeError(`PrometheusSource: timeoutMs must be above 0 and at most ${MAX_TIMEOUT_MS} (got ${this.timeoutMs})`);
    this.onProgress = options.onProgress;
    this.onQueryDone = options.onQueryDone;
    this.fetchImpl = options.fetchImpl ?? transportFetch(options.tls);
    this.authHeaders = authHeaders(auth);
    this.sentAuth = describeAuth(auth);
    this.secrets = secretsOf(auth);
    this.withClientCert = options.tls?.cert !== undefined;
    this.extra = (options.selectors ?? []).map((m) => `,${matcherText(m)}`).join('');
    this.maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT;
    this.recordingRules = options.recordingRules ?? true;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new RangeError(`PrometheusSource: maxInFlight must be a whole number of at least 1 (got ${this.maxInFlight})`);
  }

  /** Waits for a free request slot; the returned function frees it. */
  private async slot(): Promise<() => void> {
    if (this.inFlight >= this.maxInFlight) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight++;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      const next = this.waiting.shift();
      if (next) next(); // the slot passes on, still counted
      else this.inFlight--;
    };
  }

  // Every selector the source writes goes through one of these, so the extra matchers reach all of them.
  private containerMatchers(sel: ContainerSelector): string {
    return containerMatchers(sel) + this.extra;
  }

  private pipelineMatchers(namespace: string, pipeline: string, vertex?: string): string {
    return pipelineMatchers(namespace, pipeline, vertex) + this.extra;
  }

  private bufferMatchers(buffers: BufferSelector): string {
    return bufferMatchers(buffers) + this.extra;
  }

  private podMatchers(pods: PodSelector): string {
    return podMatchers(pods) + this.extra;
  }

  // ---- the query plan ------------------------------------------------------------------

  /**
   * Declares a soak (metrics.ts QueryScope): from now on, a question inside it is answered
   * from one query per family covering all of it, grouped `by (pod, container)` or
   * `by (vertex)`, and every answer is kept for the life of the source (`instant`, `range`).
   */
  prepare(scope: QueryScope): void {
    this.scopes.set(JSON.stringify(scope), scope);
  }

  /** The declared scope a question falls in, if any. */
  private scopeWhere(test: (scope: QueryScope) => boolean): QueryScope | undefined {
    for (const scope of this.scopes.values()) if (test(scope)) return scope;
    return undefined;
  }

  /**
   * The containers one family query covers for `sel`: every container of the declared scope
   * that holds it (so one query answers them all), or `sel` alone; their matchers, and a
   * description for progress lines.
   */
  private family(
    sel: ContainerSelector,
    which: 'containers' | 'usage' = 'containers',
  ): { readonly matchers: string; readonly about: string; readonly scoped: boolean; readonly scope?: QueryScope } {
    const scope = this.scopeWhere((s) => s[which].some((c) => c.namespace === sel.namespace && c.podPattern === sel.podPattern && c.container === sel.container));
    if (!scope) return { matchers: this.containerMatchers(sel), about: this.label(sel), scoped: false };
    const sels = scope[which].filter((c) => c.namespace === sel.namespace);
    const about = which === 'usage' ? `every sized container of ${scope.pipeline} in ${sel.namespace}` : `every container of ${scope.pipeline} in ${sel.namespace}`;
    return { matchers: unionMatchers(sels) + this.extra, about, scoped: true, scope };
  }

  // ---- recording rules -----------------------------------------------------------------

  /** True when `family` is read from its recording rule for this scope and window (a question outside every scope: raw). */
  private async recorded(family: RecordedFamily, scope: QueryScope | undefined, window: TimeWindow): Promise<boolean> {
    if (!scope) return false;
    const chosen = await this.recordedSeries(scope, window);
    const key = recordedKey(scope, window);
    const read = this.recordedRead.get(key) ?? new Set<RecordedFamily>();
    this.recordedRead.set(key, read.add(family));
    return chosen[family].used === 'recorded';
  }

  /** The choice of every family read so far for the soak and window (throttling peaks are read only for throttled containers). */
  seriesChoices(scope: QueryScope, window: TimeWindow): readonly SeriesChoice[] {
    const key = recordedKey(scope, window);
    const chosen = this.recordedChosen.get(key);
    const read = this.recordedRead.get(key);
    return chosen && read ? Object.values(chosen).filter((c) => read.has(c.family)) : [];
  }

  /** The coverage check of a declared soak and window: asked once, the first time a usage family is read. */
  private recordedSeries(scope: QueryScope, window: TimeWindow): Promise<Readonly<Record<RecordedFamily, SeriesChoice>>> {
    const key = recordedKey(scope, window);
    let check = this.recordedChecks.get(key);
    if (!check) {
      check = this.checkRecorded(scope, window);
      this.recordedChecks.set(key, check);
      check.then(
        (chosen) => this.recordedChosen.set(key, chosen),
        () => this.recordedChecks.delete(key),
      );
    }
    return check;
  }

  /**
   * ONE instant query at `end`: for every container selector of the scope (the sized ones
   * for CPU and the working set; all containers together for the throttled ratio, which
   * only CPU-limited containers have), the points of the window, at most COVERAGE_POINTS,
   * a whole number of steps apart, at which a recorded series has a sample
   * (`count_over_time((count(RECORDED{sel}))[W:S])`). A family's coverage is its least
   * covered selector's; at RECORDED_MIN_COVERAGE_PERCENT or more it is read from the rule.
   */
  private async checkRecorded(scope: QueryScope, window: TimeWindow): Promise<Readonly<Record<RecordedFamily, SeriesChoice>>> {
    const families = Object.keys(RECORDED_FAMILIES) as RecordedFamily[];
    const rawBecause = (why: string) =>
      Object.fromEntries(families.map((f) => [f, rawChoice(f, why)])) as Record<RecordedFamily, SeriesChoice>;
    if (!this.recordingRules) return rawBecause('recording rules turned off');
    if (this.extra) return rawBecause('--selector matchers given, and the recorded series keep only namespace, pod and container');
    const grid = gridOf(window);
    const every = grid.step * Math.max(1, Math.ceil(grid.count / COVERAGE_POINTS));
    const range = duration(window.end - window.start);
    // Subquery points are multiples of `every` in absolute time: those in (start, end].
    const everyMs = Math.round(every * 1000);
    const expected = Math.floor(Math.round(window.end * 1000) / everyMs) - Math.floor(Math.round(window.start * 1000) / everyMs);
    const groups: Record<RecordedFamily, { readonly label: string; readonly matchers: string }[]> = {
      cpu: scope.usage.map((sel) => ({ label: this.label(sel), matchers: containerMatchers(sel) })),
      memory: scope.usage.map((sel) => ({ label: this.label(sel), matchers: containerMatchers(sel) })),
      throttling: scope.containers.length > 0 ? [{ label: `the containers of ${scope.pipeline}`, matchers: unionMatchers(scope.containers) }] : [],
    };
    const parts: string[] = [];
    for (const f of families) {
      groups[f].forEach((g, i) => {
        const points = `count_over_time((count(${RECORDED_FAMILIES[f].recorded}{${g.matchers}}))[${range}:${duration(every)}])`;
        parts.push(`label_replace(label_replace(${points}, "stat", ${str(f)}, "", ""), "sel", ${str(String(i))}, "", "")`);
      });
    }
    if (parts.length === 0 || expected <= 0) return rawBecause('no containers to check');
    const answer = await this.instant(parts.join(' or '), window.end, `recording rule coverage of ${scope.pipeline}`);
    const out = {} as Record<RecordedFamily, SeriesChoice>;
    for (const f of families) {
      if (groups[f].length === 0) {
        out[f] = rawChoice(f, 'no containers to check');
        continue;
      }
      let worst = { percent: Infinity, label: '' };
      groups[f].forEach((g, i) => {
        const found = answer.find((s) => s.metric.stat === f && s.metric.sel === String(i));
        const percent = Math.min(100, (100 * (found && Number.isFinite(found.value) ? found.value : 0)) / expected);
        if (percent < worst.percent) worst = { percent, label: g.label };
      });
      out[f] = worst.percent >= RECORDED_MIN_COVERAGE_PERCENT ? recordedChoice(f, worst.percent) : rawChoice(f, undefined, worst);
    }
    return out;
  }

  // ---- MetricsSource ------------------------------------------------------------------

  async cpuUsage(sel: ContainerSelector, window: TimeWindow): Promise<PodUsage[]> {
    return this.usageOf(selected(await this.usageRead('cpu', sel, window), sel), `cpu p95/p99/peak ${this.label(sel)}`);
  }

  async memoryUsage(sel: ContainerSelector, window: TimeWindow): Promise<PodUsage[]> {
    return this.usageOf(selected(await this.usageRead('memory', sel, window), sel), `memory p95/p99/peak ${this.label(sel)}`);
  }

  async usageSeries(sel: ContainerSelector, window: TimeWindow): Promise<{ readonly cpu: Series; readonly memory: Series }> {
    const grid = gridOf(window);
    const [cpu, memory] = await Promise.all([this.usageRead('cpu', sel, window), this.usageRead('memory', sel, window)]);
    return { cpu: maxOnGrid(selected(cpu, sel), grid), memory: maxOnGrid(selected(memory, sel), grid) };
  }

  /**
   * ONE range read per resource at the window's evaluation points, every container of the
   * family at once: CPU `max by (pod, container) (rate(…[5m]))`, memory `max by (pod,
   * container) (last_over_time(…[5m]))`. p95, p99, peak, samples and the series over time
   * all come from it (stats.ts, as EmbeddedSource computes them): the inner expression is
   * evaluated once, not once per statistic. Where the soak's recording rule covers the
   * window, its series instead: `max by (pod, container) (RECORDED{…})`, the value the rule
   * recorded last before each point.
   */
  private async usageRead(resource: 'cpu' | 'memory', sel: ContainerSelector, window: TimeWindow): Promise<RangeSeries[]> {
    const grid = gridOf(window);
    const f = this.family(sel, 'usage');
    if (await this.recorded(resource, f.scope, window)) {
      return this.range(`max by (pod, container) (${RECORDED_FAMILIES[resource].recorded}{${f.matchers}})`, grid, `${resource} over time (recording rule), ${f.about}`);
    }
    const inner =
      resource === 'cpu'
        ? `rate(${metric('container_cpu_usage_seconds_total')}{${f.matchers}}[${RATE_RANGE}])`
        : `last_over_time(${metric('container_memory_working_set_bytes')}{${f.matchers}}[${RATE_RANGE}])`;
    return this.range(`max by (pod, container) (${inner})`, grid, `${resource} over time, ${f.about}`);
  }

  async memoryTrend(sel: ContainerSelector, window: TimeWindow): Promise<PodMemoryTrend[]> {
    gridOf(window);
    // Hourly points after the first hour: start + h·3600, h ≥ 1, up to end.
    const grid = hourlyGrid(window);
    if (!grid) return [];
    const f = this.family(sel, 'usage');
    // Always the raw samples: the recorded working set holds each sample until the rule's
    // next evaluation, which moves an hour's minimum across the hour's edges and the slope of
    // 24 hourly minima by up to 80% on the test data, far beyond RECORDED_TOLERANCE.
    const series = await this.range(
      `max by (pod, container) (min_over_time(${metric('container_memory_working_set_bytes')}{${f.matchers}}[1h]))`,
      grid,
      `memory trend (hourly minima), ${f.about}`,
    );
    return selected(series, sel)
      .map((s) => ({ pod: s.metric.pod ?? '', slopeBytesPerHour: leastSquaresSlope(s.t, s.v) * HOUR, points: s.v.filter((x) => !Number.isNaN(x)).length }))
      .filter((p) => p.points >= 2 && Number.isFinite(p.slopeBytesPerHour));
  }

  /**
   * The whole-window throttled ratio of every container of the family in one instant query;
   * then, only for the (pod, container) pairs whose ratio is above 0, the largest 5-minute
   * ratio at the evaluation points. A counter that did not move over the window did not
   * move in any 5 minutes of it (a reset counts as movement in `increase`), so every other
   * peak is 0, as EmbeddedSource computes it; without a throttled container, one query.
   */
  async throttling(sel: ContainerSelector, window: TimeWindow): Promise<PodThrottling[]> {
    const grid = gridOf(window);
    const f = this.family(sel);
    const ratioOver = (m: string, range: string) =>
      `max by (pod, container) (increase(${metric('container_cpu_cfs_throttled_periods_total')}{${m}}[${range}])) / max by (pod, container) (increase(${metric('container_cpu_cfs_periods_total')}{${m}}[${range}]))`;
    const what = `cpu throttling ${this.label(sel)}`;
    const overall = await this.throttlingOverall(sel, window);
    const throttled = overall.filter((s) => s.metric.stat === 'ratio' && s.value > 0 && s.metric.pod !== undefined && s.metric.container !== undefined);
    const peaks = new Map<string, number>();
    if (throttled.length > 0) {
      // Exactly the throttled pods and containers (a superset of pairs, split again below).
      const m = [
        `namespace=${str(sel.namespace)}`,
        `pod=~${str([...new Set(throttled.map((s) => reEscape(s.metric.pod!)))].sort().join('|'))}`,
        `container=~${str([...new Set(throttled.map((s) => reEscape(s.metric.container!)))].sort().join('|'))}`,
      ].join(',') + this.extra;
      const about = `cpu throttling, 5-minute peaks of ${throttled.length} throttled container(s)`;
      const peaksOf = async (ratio: string, what: string) =>
        aligned(grid.start, grid.step) && grid.last === window.end
          ? // A subquery: its inner ratio is evaluated once, for max_over_time only.
            (await this.instant(`max_over_time(${subquery(ratio, grid)})`, window.end, what)).map((s) => ({ metric: s.metric, peak: s.value }))
          : (await this.range(ratio, grid, what)).map((s) => ({ metric: s.metric, peak: maxOf(s.v) }));
      const pairKey = (l: Labels) => `${l.pod ?? ''}\u0000${l.container ?? ''}`;
      let peakSeries: { readonly metric: Labels; readonly peak: number | undefined }[] = [];
      if (await this.recorded('throttling', f.scope, window)) {
        peakSeries = await peaksOf(`max by (pod, container) (${RECORDED.throttledRatio5m}{${m}})`, `${about} (recording rule)`);
      }
      // Without the rule, or when it recorded no ratio for a throttled container: the raw counters.
      const recordedPairs = new Set(peakSeries.map((s) => pairKey(s.metric)));
      if (throttled.some((s) => !recordedPairs.has(pairKey(s.metric)))) peakSeries = await peaksOf(ratioOver(m, RATE_RANGE), about);
      for (const s of peakSeries) peaks.set(pairKey(s.metric), s.peak ?? 0);
    }
    return forContainer(overall, sel, (pod, s) => {
      const ratio = this.counted(s.get('ratio'), what, 'throttled ratio', true);
      return { pod, ratio, peak5m: ratio > 0 ? this.counted(peaks.get(`${pod}\u0000${sel.container}`), what, 'throttled 5m peak', true) : 0 };
    });
  }

  /**
   * The whole-window throttled ratio of `sel`'s family in one instant query, with the pods
   * that ran (`present`); inside a declared soak also the coverage of the window by the CPU
   * usage counters (`coverage`, windowCoverage `cpu`).
   */
  private throttlingOverall(sel: ContainerSelector, window: TimeWindow): Promise<InstantSample[]> {
    const f = this.family(sel);
    const whole = duration(window.end - window.start);
    const ratio = `max by (pod, container) (increase(${metric('container_cpu_cfs_throttled_periods_total')}{${f.matchers}}[${whole}])) / max by (pod, container) (increase(${metric('container_cpu_cfs_periods_total')}{${f.matchers}}[${whole}]))`;
    // Pods that ran in the window, so that a pod without a CPU limit (no periods series) reports 0.
    const present = `max by (pod, container) (count_over_time(${metric('container_cpu_usage_seconds_total')}{${f.matchers}}[${whole}])) * 0`;
    const parts: Record<string, string> = { ratio, present };
    if (f.scoped) parts.coverage = this.coverageExpr(`${metric('container_cpu_usage_seconds_total')}{${f.matchers}}`, window);
    return this.instant(tagged(parts), window.end, `cpu throttling over the window, ${f.about}`);
  }

  async restarts(sel: ContainerSelector, window: TimeWindow): Promise<PodRestarts[]> {
    const what = `restarts ${this.label(sel)}${sel.sidecar ? ' (init-container series)' : ''}`;
    const result = await this.restartsAnswer(sel, window, what);
    return forContainer(result, sel, (pod, s) => ({
      pod,
      // increase() extrapolates to the window's edges; restarts are whole numbers.
      restarts: Math.round(this.counted(s.get(restartStat(sel.sidecar, 'restarts')), what, `restarts of pod ${pod}`)),
      oomKilled: (s.get(restartStat(sel.sidecar, 'oom')) ?? 0) > 0,
    }));
  }

  /**
   * The restart and OOMKilled figures of `sel`'s family in one instant query; inside a
   * declared soak also the coverage of the window by the restart counters (`coverage`,
   * windowCoverage `restarts`), so that the verdict's coverage check sends no query of its own.
   */
  private restartsAnswer(sel: ContainerSelector, window: TimeWindow, what: string): Promise<InstantSample[]> {
    gridOf(window);
    const f = this.family(sel);
    const whole = duration(window.end - window.start);
    // A scope reads both kinds at once (regular containers, and init containers and native
    // sidecars); a lone selector only its own.
    const kinds = f.scoped ? [false, true] : [sel.sidecar];
    const parts: Record<string, string> = {};
    for (const sidecar of kinds) {
      const kind = sidecar ? 'kube_pod_init_container' : 'kube_pod_container';
      parts[restartStat(sidecar, 'restarts')] = `max by (pod, container) (increase(${kind}_status_restarts_total{${f.matchers}}[${whole}]))`;
      parts[restartStat(sidecar, 'oom')] = `max by (pod, container) (max_over_time(${kind}_status_last_terminated_reason{${f.matchers},reason="OOMKilled"}[${whole}]))`;
    }
    if (f.scoped) parts.coverage = this.coverageExpr(`kube_pod_container_status_restarts_total{${f.matchers}} or kube_pod_init_container_status_restarts_total{${f.matchers}}`, window);
    return this.instant(tagged(parts), window.end, f.scoped ? `restarts and OOM kills, ${f.about}` : what);
  }

  /**
   * `count_over_time((count(<selectors>))[W:every])` at `end`: how many windowCoveragePoints
   * have a sample of the selected series. The range ends a millisecond after `start`, so that
   * Prometheus 2.x (closed ranges) and 3 (left-open) both take the points in (start, end].
   */
  private coverageExpr(selectors: string, window: TimeWindow): string {
    const { every } = windowCoveragePoints(window);
    return `count_over_time((count(${selectors}))[${duration(window.end - window.start - 0.001)}:${duration(every)}])`;
  }

  /**
   * Rides on the query that reads the family's counters (restarts, the throttled ratio, the
   * verdict's whole-window figures): asked after them, it sends nothing.
   */
  async windowCoverage(family: CoverageFamily, scope: QueryScope, window: TimeWindow): Promise<number> {
    const { times } = windowCoveragePoints(window);
    this.prepare(scope);
    let answer: InstantSample[];
    let stat = 'coverage';
    if (family === 'pods') {
      stat = 'coverage_pods';
      answer = await this.windowFigures((s) => samePods(s.pods, scope.pods), { coverage_pods: this.coveragePodsExpr(scope.pods, window) }, window, `pods seen ${scope.pods.podPattern}`);
    } else {
      const sel = scope.containers[0];
      if (!sel) return 0;
      answer = family === 'restarts' ? await this.restartsAnswer(sel, window, `restarts ${this.label(sel)}`) : await this.throttlingOverall(sel, window);
    }
    const found = answer.find((s) => s.metric.stat === stat)?.value;
    return times.length > 0 && found !== undefined && Number.isFinite(found) ? Math.min(100, (100 * found) / times.length) : 0;
  }

  /**
   * The read rate summed over replicas and the replicas reporting, at every evaluation
   * point: one range read for every vertex of a declared pipeline (`by (vertex)`), else for
   * the one vertex; the replica count is the largest of the window.
   */
  async throughput(namespace: string, pipeline: string, vertex: string, window: TimeWindow): Promise<VertexThroughput> {
    const grid = gridOf(window);
    const scope = this.scopeWhere((s) => s.namespace === namespace && s.pipeline === pipeline && s.vertices.includes(vertex));
    const vertices = scope ? [...scope.vertices].sort() : [vertex];
    const base = this.pipelineMatchers(namespace, pipeline);
    const selector = vertices.length === 1 ? `${base},vertex=${str(vertex)}` : `${base},vertex=~${str(vertices.map(reEscape).join('|'))}`;
    const rate5m = `rate(${metric('forwarder_data_read_total')}{${selector}}[${RATE_RANGE}])`;
    const series = await this.range(
      tagged({ rate: `sum by (vertex) (${dedup(rate5m)})`, replicas: `count by (vertex) (max by (pod, vertex) (${rate5m}))` }),
      grid,
      `throughput ${pipeline}/${vertices.join(',')}`,
    );
    const of = (stat: string) => series.find((s) => s.metric.stat === stat && s.metric.vertex === vertex);
    return { rate: this.onGrid(of('rate'), grid), replicas: finiteOr0(maxOf(of('replicas')?.v ?? [])) };
  }

  async processingLatencyP99(namespace: string, pipeline: string, window: TimeWindow): Promise<number | undefined> {
    const answer = await this.windowFigures(
      (s) => s.namespace === namespace && s.pipeline === pipeline,
      { latency: this.latencyExpr(namespace, pipeline, window) },
      window,
      `processing time p99 ${pipeline}`,
    );
    const value = answer.find((s) => s.metric.stat === 'latency')?.value;
    return value === undefined || Number.isNaN(value) ? undefined : value;
  }

  async backPressureEvents(buffers: BufferSelector, window: TimeWindow): Promise<number> {
    const what = `back pressure ${buffers.bufferPattern}`;
    const answer = await this.windowFigures((s) => sameBuffers(s.buffers, buffers), { isfull: this.backPressureExpr(buffers, window) }, window, what);
    return this.counted(answer.find((s) => s.metric.stat === 'isfull')?.value, what, 'isFull events');
  }

  async errorCounts(namespace: string, pipeline: string, buffers: BufferSelector, window: TimeWindow): Promise<Readonly<Record<ErrorCounter, number>>> {
    const what = `error counters ${pipeline}`;
    const answer = await this.windowFigures(
      (s) => s.namespace === namespace && s.pipeline === pipeline && sameBuffers(s.buffers, buffers),
      this.errorExprs(namespace, pipeline, buffers, window),
      window,
      what,
    );
    const out = Object.fromEntries(ERROR_COUNTERS.map(({ name }) => [name, 0])) as Record<ErrorCounter, number>;
    for (const s of answer) if (s.metric.stat && s.metric.stat in out) out[s.metric.stat as ErrorCounter] = this.counted(s.value, what, s.metric.stat);
    return out;
  }

  async scrapedPods(pods: PodSelector, window: TimeWindow): Promise<readonly string[]> {
    const answer = await this.windowFigures((s) => samePods(s.pods, pods), { scraped: this.scrapedExpr(pods, window) }, window, `scrape proof ${pods.podPattern}`);
    return podsOf(answer, 'scraped');
  }

  async podsSeen(pods: PodSelector, window: TimeWindow): Promise<readonly string[]> {
    const answer = await this.windowFigures((s) => samePods(s.pods, pods), { seen: this.seenExpr(pods, window) }, window, `pods seen ${pods.podPattern}`);
    return podsOf(answer, 'seen');
  }

  async messageCounts(namespace: string, pipeline: string, vertices: { readonly source: string; readonly sink: string }, window: TimeWindow): Promise<MessageCounts> {
    const what = `messages read, written and dropped ${pipeline}`;
    const answer = await this.windowFigures(
      (s) => s.namespace === namespace && s.pipeline === pipeline && s.messageVertices.source === vertices.source && s.messageVertices.sink === vertices.sink,
      this.messageExprs(namespace, pipeline, vertices, window),
      window,
      what,
    );
    const stat = (name: string) => answer.find((s) => s.metric.stat === name)?.value;
    const dropped: Record<string, number> = {};
    for (const s of answer) if (s.metric.stat === 'dropped') dropped[s.metric.reason ?? ''] = this.counted(s.value, what, `messages dropped (${s.metric.reason ?? 'no reason'})`);
    const read = stat('read');
    const written = stat('written');
    return {
      read: read === undefined ? undefined : this.counted(read, what, 'messages read'),
      written: written === undefined ? undefined : this.counted(written, what, 'messages written'),
      dropped,
    };
  }

  /** Pending messages and processing lag at hourly points: one range read for both. */
  async backlog(namespace: string, pipeline: string, buffers: BufferSelector, window: TimeWindow): Promise<Backlog> {
    const grid = hourlyGrid(window);
    if (!grid) return { pending: { t: [], values: [] }, lagMs: { t: [], values: [] } };
    const series = await this.range(
      tagged({
        pending: `sum(max by (buffer) (last_over_time(${metric('isb_jetstream_buffer_pending')}{${this.bufferMatchers(buffers)}}[${RATE_RANGE}])))`,
        lag: `max(last_over_time(${metric('pipeline_processing_lag')}{${this.pipelineMatchers(namespace, pipeline)}}[${RATE_RANGE}]))`,
      }),
      grid,
      `pending messages and processing lag ${pipeline}`,
    );
    const of = (stat: string) => series.find((s) => s.metric.stat === stat);
    return { pending: this.onGrid(of('pending'), grid), lagMs: this.onGrid(of('lag'), grid) };
  }

  /** One instant query per InventoryQuery (inventory.ts), at most INVENTORY_CONCURRENCY at a time. */
  async inventory(queries: readonly InventoryQuery[], window: TimeWindow): Promise<InventoryEntry[]> {
    gridOf(window);
    return inOrder(queries, INVENTORY_CONCURRENCY, async (q) => {
      const selector = `${q.metric}{${[...q.matchers.map(matcherText), this.extra.slice(1)].filter(Boolean).join(',')}}`;
      return inventoryFromResult(await this.instant(inventoryExpression(selector, q.by, window), window.end, `inventory ${selector}`), q.by);
    });
  }

  // ---- whole-window figures ------------------------------------------------------------

  /**
   * Whole-window figures at `end` (increases over `[end − start]`, the scrape proof, pods
   * seen, the latency histogram): inside a declared scope, ONE instant query answers all of
   * them for the verdict (each tagged with a `stat` label); outside, `own` alone is asked.
   */
  private windowFigures(inScope: (scope: QueryScope) => boolean, own: Readonly<Record<string, string>>, window: TimeWindow, what: string): Promise<InstantSample[]> {
    gridOf(window);
    const scope = this.scopeWhere(inScope);
    if (!scope) return this.instant(tagged(own), window.end, what);
    const all = {
      scraped: this.scrapedExpr(scope.pods, window),
      seen: this.seenExpr(scope.pods, window),
      coverage_pods: this.coveragePodsExpr(scope.pods, window),
      ...this.messageExprs(scope.namespace, scope.pipeline, scope.messageVertices, window),
      ...this.errorExprs(scope.namespace, scope.pipeline, scope.buffers, window),
      isfull: this.backPressureExpr(scope.buffers, window),
      latency: this.latencyExpr(scope.namespace, scope.pipeline, window),
    };
    return this.instant(tagged(all), window.end, `whole-window counters, scrape proof and latency of ${scope.pipeline}`);
  }

  private scrapedExpr(pods: PodSelector, window: TimeWindow): string {
    return `max by (pod) (max_over_time(${metric('up')}{${this.podMatchers(pods)}}[${duration(window.end - window.start)}])) == 1`;
  }

  private seenExpr(pods: PodSelector, window: TimeWindow): string {
    return `max by (pod) (max_over_time(${metric('kube_pod_info')}{${this.podMatchers(pods)}}[${duration(window.end - window.start)}]))`;
  }

  private coveragePodsExpr(pods: PodSelector, window: TimeWindow): string {
    return this.coverageExpr(`${metric('kube_pod_info')}{${this.podMatchers(pods)}}`, window);
  }

  private latencyExpr(namespace: string, pipeline: string, window: TimeWindow): string {
    const buckets = `forwarder_processing_time_bucket{${this.pipelineMatchers(namespace, pipeline)}}[${duration(window.end - window.start)}]`;
    return `histogram_quantile(0.99, sum by (le) (${dedup(`increase(${buckets})`)}))`;
  }

  private backPressureExpr(buffers: BufferSelector, window: TimeWindow): string {
    return `sum(${dedupBy('buffer', `increase(${metric('isb_jetstream_isFull_total')}{${this.bufferMatchers(buffers)}}[${duration(window.end - window.start)}])`)})`;
  }

  /** increase() drops the metric name: one tagged sub-expression per counter. */
  private errorExprs(namespace: string, pipeline: string, buffers: BufferSelector, window: TimeWindow): Record<string, string> {
    const whole = duration(window.end - window.start);
    const matchers = { pipeline: this.pipelineMatchers(namespace, pipeline), buffer: this.bufferMatchers(buffers) };
    return Object.fromEntries(ERROR_COUNTERS.map(({ name, by }) => [name, `sum(${dedup(`increase(${name}{${matchers[by]}}[${whole}])`)})`]));
  }

  /** `read` and `written`, and `dropped` by `reason` (several samples under one tag). */
  private messageExprs(namespace: string, pipeline: string, vertices: { readonly source: string; readonly sink: string }, window: TimeWindow): Record<string, string> {
    const whole = duration(window.end - window.start);
    const increase = (name: MetricName, vertex?: string) => `sum(${dedup(`increase(${name}{${this.pipelineMatchers(namespace, pipeline, vertex)}}[${whole}])`)})`;
    return {
      read: increase(metric('forwarder_data_read_total'), vertices.source),
      written: increase(metric('forwarder_write_total'), vertices.sink),
      dropped: `sum by (reason) (${dedup(`increase(${metric('forwarder_drop_total')}{${this.pipelineMatchers(namespace, pipeline)}}[${whole}])`)})`,
    };
  }

  // ---- shared shapes -------------------------------------------------------------------

  /**
   * A counted figure (restarts, errors, messages, a throttled ratio): none is 0; an infinite
   * one, or NaN unless `nanIs0` (0/0 in a ratio), is an error naming it: Prometheus's answer
   * cannot be right, and 0 would pass a check on a figure nobody measured.
   */
  private counted(value: number | undefined, what: string, name: string, nanIs0 = false): number {
    if (value === undefined || (nanIs0 && Number.isNaN(value))) return 0;
    if (!Number.isFinite(value)) throw new SourceUnavailableError(`Prometheus at ${this.base} answered ${value} for ${name} (${what}): not a usable measurement`);
    return value;
  }

  /**
   * p95, p99, peak and samples of each pod's series (stats.ts usageStatistics). A point that
   * is NaN or infinite (e.g. `+Inf` from a broken recording rule) cannot size anything: it
   * is an error naming the pod, the time and the value.
   */
  private usageOf(series: readonly RangeSeries[], what: string): PodUsage[] {
    const out: PodUsage[] = [];
    for (const s of series) {
      const pod = s.metric.pod ?? '';
      const bad = s.v.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) {
        throw new SourceUnavailableError(
          `Prometheus at ${this.base} answered ${s.v[bad]} for pod ${pod || '(no pod label)'} at ${isoTime(s.t[bad])} (${what}): not a usable measurement`,
        );
      }
      const stats = usageStatistics(s.v);
      if (stats.samples > 0) out.push({ pod, ...stats });
    }
    return out;
  }

  /** A range result laid onto every evaluation point of the grid, NaN where it has no point. */
  private onGrid(series: RangeSeries | undefined, grid: Grid): Series {
    return maxOnGrid(series ? [series] : [], grid);
  }

  /** The pod pattern with its regex parts as `*`, then the container: `batch-map-soak-batch-cat-*-*` + `/udf`. */
  private label(sel: ContainerSelector): string {
    const pods = sel.podPattern
      .replace(/^\^|\$$/g, '')
      .replace(/\[[^\]]*\](\{\d+(,\d*)?\}|[+*?])?|\\[dws][+*?]?|\.[+*]|\{\d+(,\d*)?\}/g, '*')
      .replace(/\\(.)/g, '$1');
    return `${pods}/${sel.container}`;
  }

  // ---- HTTP ----------------------------------------------------------------------------

  /** The answer to a request asked before, or a new request; a failed one is forgotten. */
  private remembered<T>(key: string, ask: () => Promise<T>): Promise<T> {
    const known = this.answers.get(key);
    if (known) {
      this.stats.reused++;
      return known as Promise<T>;
    }
    const answer = ask();
    this.answers.set(key, answer);
    answer.catch(() => this.answers.delete(key));
    return answer;
  }

  private instant(query: string, time: number, what: string): Promise<InstantSample[]> {
    return this.remembered(`query ${time} ${query}`, () => this.instantNow(query, time, what));
  }

  private async instantNow(query: string, time: number, what: string): Promise<InstantSample[]> {
    const data = await this.call('/api/v1/query', { query, time: String(time) }, what);
    const malformed = (problem: string): never => {
      throw new SourceUnavailableError(`Prometheus at ${this.base}/api/v1/query sent a malformed answer: ${problem} (${what})`);
    };
    switch (data.resultType) {
      case 'vector':
        if (!Array.isArray(data.result)) return malformed(`data.result is ${describeJson(data.result)}, not a list of samples`);
        return (data.result as unknown[]).map((r, i) => {
          if (!r || typeof r !== 'object') return malformed(`sample ${i} is ${describeJson(r)}, not an object`);
          const sample = r as { metric?: unknown; value?: unknown };
          if (sample.value === undefined) return malformed(`sample ${i} has no value`);
          const pair = pairValue(sample.value);
          if (!pair) return malformed(`sample ${i} has value ${describeJson(sample.value)}, not a [time, "number"] pair`);
          return { metric: labelsOf(sample.metric), value: pair.v };
        });
      case 'scalar': {
        const pair = pairValue(data.result);
        if (!pair) return malformed(`the scalar result is ${describeJson(data.result)}, not a [time, "number"] pair`);
        return [{ metric: {}, value: pair.v }];
      }
      default:
        throw new SourceUnavailableError(`Prometheus at ${this.base} answered ${data.resultType} to an instant query (${query})`);
    }
  }

  private range(query: string, grid: Grid, what: string): Promise<RangeSeries[]> {
    return this.remembered(`query_range ${grid.start}:${grid.last}:${grid.step} ${query}`, () => this.rangeNow(query, grid, what));
  }

  /** query_range over the grid, split into requests of at most MAX_RANGE_POINTS points. */
  private async rangeNow(query: string, grid: Grid, what: string): Promise<RangeSeries[]> {
    const bySeries = new Map<string, { metric: Labels; t: number[]; v: number[] }>();
    const chunks = Math.ceil(grid.count / MAX_RANGE_POINTS);
    for (let c = 0; c < chunks; c++) {
      const from = grid.start + c * MAX_RANGE_POINTS * grid.step;
      const to = Math.min(grid.last, from + (MAX_RANGE_POINTS - 1) * grid.step);
      const params = { query, start: String(from), end: String(to), step: String(grid.step) };
      const data = await this.call('/api/v1/query_range', params, chunks > 1 ? `${what} [${c + 1}/${chunks}]` : what);
      if (data.resultType !== 'matrix') {
        throw new SourceUnavailableError(`Prometheus at ${this.base} answered ${data.resultType} to a range query (${query})`);
      }
      const malformed = (problem: string): never => {
        throw new SourceUnavailableError(`Prometheus at ${this.base}/api/v1/query_range sent a malformed answer: ${problem} (${what})`);
      };
      if (!Array.isArray(data.result)) malformed(`data.result is ${describeJson(data.result)}, not a list of series`);
      for (const [i, r] of (data.result as unknown[]).entries()) {
        if (!r || typeof r !== 'object') malformed(`series ${i} is ${describeJson(r)}, not an object`);
        const series = r as { metric?: unknown; values?: unknown };
        if (!Array.isArray(series.values)) malformed(`series ${i} has ${series.values === undefined ? 'no values' : `values ${describeJson(series.values)}, not a list`}`);
        const metric: Labels = labelsOf(series.metric);
        const key = JSON.stringify(Object.entries(metric).sort());
        const entry = bySeries.get(key) ?? { metric, t: [], v: [] };
        for (const [j, raw] of (series.values as unknown[]).entries()) {
          const pair = pairValue(raw);
          if (!pair) malformed(`series ${i} point ${j} is ${describeJson(raw)}, not a [time, "number"] pair`);
          entry.t.push(pair!.t);
          entry.v.push(pair!.v);
        }
        bySeries.set(key, entry);
      }
    }
    return [...bySeries.values()];
  }

  private async call(path: string, params: Record<string, string>, what: string): Promise<any> {
    const free = await this.slot();
    try {
      return await this.send(path, params, what);
    } finally {
      free();
    }
  }

  private async send(path: string, params: Record<string, string>, what: string): Promise<any> {
    this.onProgress?.(what);
    const url = `${this.base}${path}`;
    const query = snippet(params.query ?? '', 600);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const began = performance.now();
    this.stats.queries++;
    let ok = false;
    try {
      let text: string;
      let status: number;
      let statusText: string;
      try {
        const fetchImpl = this.fetchImpl; // called unbound, as the global fetch expects
        const response = await fetchImpl(url, {
          method: 'POST',
          headers: { ...this.authHeaders, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams(params).toString(),
          signal: controller.signal,
        });
        status = response.status;
        statusText = response.statusText;
        text = await cappedText(response, MAX_RESPONSE_BYTES, () => controller.abort());
      } catch (error) {
        if (error instanceof ResponseTooLargeError) {
          throw new SourceUnavailableError(
            `Prometheus at ${url} sent an answer larger than the ${error.limit / MIB} MiB cap (MAX_RESPONSE_BYTES); narrow the query (--selector, a shorter --history-duration or a longer --step) (${what})`,
          );
        }
        if (controller.signal.aborted) {
          throw new SourceUnavailableError(`Prometheus at ${this.base} did not answer within ${this.timeoutMs / 1000}s (${query})`);
        }
        const tls = tlsFailure(error, this.withClientCert);
        if (tls) throw new TlsError(`Prometheus at ${this.base}: TLS: ${TLS_PROBLEM[tls.failure]} (${tls.detail})`, tls.failure);
        throw new SourceUnavailableError(`Prometheus at ${this.base} is unreachable: ${redact(describeError(error), this.secrets)}`);
      }
      if (status === 401 || status === 403) {
        const said = snippet(redact(text, this.secrets), 200);
        throw new AuthenticationError(`Prometheus at ${this.base}: authentication failed (${status}) with ${this.sentAuth}${said ? `: ${said}` : ''}`, status);
      }
      let body: any;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (body && body.status === 'error') {
        const kind = body.errorType ? `${body.errorType}: ` : '';
        throw new SourceUnavailableError(`Prometheus at ${this.base} rejected the query: ${kind}${body.error ?? 'no error text'} (${query})`);
      }
      if (status < 200 || status >= 300) {
        throw new SourceUnavailableError(
          `Prometheus at ${this.base} answered HTTP ${status}${statusText ? ` ${statusText}` : ''}: ${snippet(redact(text, this.secrets)) || 'empty body'} (${query})`,
        );
      }
      if (!body || body.status !== 'success' || body.data === null || typeof body.data !== 'object') {
        throw new SourceUnavailableError(`Prometheus at ${this.base} sent something that is not a Prometheus API answer: ${snippet(redact(text, this.secrets))}`);
      }
      ok = true;
      return body.data;
    } finally {
      clearTimeout(timer);
      const elapsedMs = performance.now() - began;
      this.stats.totalMs += elapsedMs;
      this.onQueryDone?.({ what, elapsedMs, timeoutMs: this.timeoutMs, ok });
    }
  }
}

/** What each TLS failure means, for the error message (the CLI adds the options that fix it). */
const TLS_PROBLEM: Readonly<Record<TlsFailure, string>> = {
  untrusted: "the server's certificate is not trusted",
  hostname: "the server's certificate does not name this host",
  expired: "the server's certificate is outside its validity period",
  'client-cert-required': 'the server requires a client certificate',
  'client-cert-refused': 'the server refused the client certificate',
  handshake: 'the handshake failed',
};

const MIB = 1024 * 1024;

/** A response's body as text, refused (ResponseTooLargeError) once it passes `limit` bytes. */
async function cappedText(response: Response, limit: number, cancel: () => void): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    cancel();
    throw new ResponseTooLargeError(limit);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      cancel();
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function finiteOr0(value: number | undefined): number {
  return value === undefined || !Number.isFinite(value) ? 0 : value;
}
