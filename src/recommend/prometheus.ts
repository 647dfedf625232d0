/**
 * `PrometheusSource`: the MetricsSource that asks a real Prometheus over its HTTP API
 * (`/api/v1/query`, `/api/v1/query_range`, POST form-encoded, Node's fetch with a timeout),
 * aggregating in PromQL so that a few numbers per pod cross the wire, not raw samples.
 * It gives the numbers EmbeddedSource computes from the same samples (test/recommend/
 * prometheus.test.ts checks every method against it on a real Prometheus 2.42).
 *
 * How the contract of metrics.ts maps onto PromQL ({sel} = `namespace`, `pod=~`, exact
 * `container`, plus `container!=""`, `container!="POD"` spelled out):
 * - CPU at t: `max by (pod) (rate(container_cpu_usage_seconds_total{sel}[5m]))`; memory at
 *   t: `max by (pod) (last_over_time(container_memory_working_set_bytes{sel}[5m]))` (not the
 *   bare selector: the contract asks for the last sample in the 5-minute range, whatever
 *   the server's lookback delta). `max by (pod)` merges the copies several scrape jobs
 *   report, before anything is aggregated over time or summed.
 * - p95/p99/peak/samples over the window's evaluation points start + k·step are subqueries
 *   sent as ONE instant query at the last point: `quantile_over_time(0.95, (INNER)[R:STEP])`,
 *   `quantile_over_time(0.99, …)`, `max_over_time(…)`, `count_over_time(…)`, each tagged
 *   with a `stat` label by label_replace and joined with `or`.
 * - Prometheus aligns subquery steps to multiples of the step in ABSOLUTE time (checked on
 *   2.42: `[1h:7m]` evaluates at multiples of 420 s). Subqueries are therefore used only
 *   when `start` is a multiple of the step (the CLI ends windows on a step boundary and the
 *   soak datasets start on the hour); otherwise the inner expression is fetched with
 *   `query_range` (which evaluates at start + k·step exactly) and the same statistics are
 *   computed here with stats.ts.
 * - Subquery ranges are R = (last point − start) + 1 ms. Prometheus 2.x selects ranges
 *   closed, [t − R, t], and Prometheus 3 left-open, (t − R, t] (docs/migration.md of 3.0);
 *   with the extra millisecond both include the point at `start` and nothing before it.
 * - Raw-sample ranges (`[5m]`, `[1h]`, the whole window) are written plainly. Prometheus 3,
 *   the contract and EmbeddedSource select (t − r, t]; Prometheus 2.x selects [t − r, t]:
 *   a sample exactly r before t counts in 2.x only (real scrapes carry millisecond
 *   timestamps, the generated datasets never put a sample on a whole second).
 * - Whole-window figures are instant queries at `end` over `[end − start]`: restarts
 *   (`increase`, rounded), OOMKilled (`max_over_time(…last_terminated_reason{reason=
 *   "OOMKilled"})`), the throttled ratio, back pressure, error counters and the latency
 *   histogram. Data-plane series (forwarder_*, isb_*) carry no container label and may
 *   carry `partition_name`: their scrape-job copies are merged with
 *   `max without (job, instance)` before summing.
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
  type Series,
  type TimeWindow,
  type VertexThroughput,
} from './metrics';
import { ERROR_COUNTERS } from './metrics';
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
import { leastSquaresSlope, maxOf, quantile } from './stats';

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
}

/** Queries sent and the time spent waiting for them. */
export interface QueryStats {
  queries: number;
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
/** Inventory queries in flight at once (`numaflow-soak doctor` sends one per series family and pod group). */
const INVENTORY_CONCURRENCY = 4;
const HOUR = 3600;

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
  readonly stats: QueryStats = { queries: 0, totalMs: 0 };
  private readonly base: string;
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

  // ---- MetricsSource ------------------------------------------------------------------

  cpuUsage(sel: ContainerSelector, window: TimeWindow): Promise<PodUsage[]> {
    const inner = `max by (pod) (rate(container_cpu_usage_seconds_total{${this.containerMatchers(sel)}}[${RATE_RANGE}]))`;
    return this.usage(inner, gridOf(window), `cpu p95/p99/peak ${this.label(sel)}`);
  }

  memoryUsage(sel: ContainerSelector, window: TimeWindow): Promise<PodUsage[]> {
    const inner = `max by (pod) (last_over_time(container_memory_working_set_bytes{${this.containerMatchers(sel)}}[${RATE_RANGE}]))`;
    return this.usage(inner, gridOf(window), `memory p95/p99/peak ${this.label(sel)}`);
  }

  async memoryTrend(sel: ContainerSelector, window: TimeWindow): Promise<PodMemoryTrend[]> {
    // Hourly points after the first hour: start + h·3600, h ≥ 1, up to end.
    const hours = Math.floor((window.end - window.start) / HOUR + 1e-9);
    if (hours < 1) return [];
    const grid: Grid = { start: window.start + HOUR, last: window.start + hours * HOUR, step: HOUR, count: hours };
    const inner = `max by (pod) (min_over_time(container_memory_working_set_bytes{${this.containerMatchers(sel)}}[1h]))`;
    const what = `memory trend ${this.label(sel)}`;
    if (aligned(grid.start, HOUR)) {
      const sq = subquery(inner, grid);
      const result = await this.instant(tagged({ slope: `deriv(${sq}) * 3600`, points: `count_over_time(${sq})` }), grid.last, what);
      return byPod(result, (pod, s) => ({ pod, slopeBytesPerHour: s.get('slope') ?? NaN, points: s.get('points') ?? 0 })).filter(
        (p) => p.points >= 2 && Number.isFinite(p.slopeBytesPerHour),
      );
    }
    const series = await this.range(inner, grid, what);
    return this.podSeries(series)
      .map(({ pod, t, v }) => ({ pod, slopeBytesPerHour: leastSquaresSlope(t, v) * HOUR, points: v.filter((x) => !Number.isNaN(x)).length }))
      .filter((p) => p.points >= 2 && Number.isFinite(p.slopeBytesPerHour));
  }

  async throttling(sel: ContainerSelector, window: TimeWindow): Promise<PodThrottling[]> {
    const grid = gridOf(window);
    const m = this.containerMatchers(sel);
    const whole = duration(window.end - window.start);
    const ratioOver = (range: string) =>
      `max by (pod) (increase(container_cpu_cfs_throttled_periods_total{${m}}[${range}])) / max by (pod) (increase(container_cpu_cfs_periods_total{${m}}[${range}]))`;
    const what = `cpu throttling ${this.label(sel)}`;
    // Pods that ran in the window, so that a pod without a CPU limit (no periods series) reports 0.
    const present = `max by (pod) (count_over_time(container_cpu_usage_seconds_total{${m}}[${whole}])) * 0`;
    if (aligned(grid.start, grid.step) && grid.last === window.end) {
      const result = await this.instant(
        tagged({ ratio: ratioOver(whole), peak: `max_over_time(${subquery(ratioOver(RATE_RANGE), grid)})`, present }),
        window.end,
        what,
      );
      return byPod(result, (pod, s) => ({ pod, ratio: this.counted(s.get('ratio'), what, 'throttled ratio', true), peak5m: this.counted(s.get('peak'), what, 'throttled 5m peak', true) }));
    }
    const [overall, series] = await Promise.all([
      this.instant(tagged({ ratio: ratioOver(whole), present }), window.end, what),
      this.range(ratioOver(RATE_RANGE), grid, `${what} (5m peaks)`),
    ]);
    const peaks = new Map(this.podSeries(series).map(({ pod, v }) => [pod, maxOf(v)]));
    return byPod(overall, (pod, s) => ({ pod, ratio: this.counted(s.get('ratio'), what, 'throttled ratio', true), peak5m: this.counted(peaks.get(pod), what, 'throttled 5m peak', true) }));
  }

  async restarts(sel: ContainerSelector, window: TimeWindow): Promise<PodRestarts[]> {
    gridOf(window);
    const m = this.containerMatchers(sel);
    const kind = sel.sidecar ? 'kube_pod_init_container' : 'kube_pod_container';
    const whole = duration(window.end - window.start);
    const what = `restarts ${this.label(sel)}${sel.sidecar ? ' (init-container series)' : ''}`;
    const result = await this.instant(
      tagged({
        restarts: `max by (pod) (increase(${kind}_status_restarts_total{${m}}[${whole}]))`,
        oom: `max by (pod) (max_over_time(${kind}_status_last_terminated_reason{${m},reason="OOMKilled"}[${whole}]))`,
      }),
      window.end,
      what,
    );
    return byPod(result, (pod, s) => ({
      pod,
      // increase() extrapolates to the window's edges; restarts are whole numbers.
      restarts: Math.round(this.counted(s.get('restarts'), what, `restarts of pod ${pod}`)),
      oomKilled: (s.get('oom') ?? 0) > 0,
    }));
  }

  async usageSeries(sel: ContainerSelector, window: TimeWindow): Promise<{ readonly cpu: Series; readonly memory: Series }> {
    const grid = gridOf(window);
    const m = this.containerMatchers(sel);
    const [cpu, memory] = await Promise.all([
      this.range(`max(max by (pod) (rate(container_cpu_usage_seconds_total{${m}}[${RATE_RANGE}])))`, grid, `cpu over time ${this.label(sel)}`),
      this.range(
        `max(max by (pod) (last_over_time(container_memory_working_set_bytes{${m}}[${RATE_RANGE}])))`,
        grid,
        `memory over time ${this.label(sel)}`,
      ),
    ]);
    return { cpu: this.onGrid(cpu[0], grid), memory: this.onGrid(memory[0], grid) };
  }

  async throughput(namespace: string, pipeline: string, vertex: string, window: TimeWindow): Promise<VertexThroughput> {
    const grid = gridOf(window);
    const rate5m = `rate(forwarder_data_read_total{${this.pipelineMatchers(namespace, pipeline, vertex)}}[${RATE_RANGE}])`;
    const perPod = `max by (pod) (${rate5m})`;
    const what = `throughput ${pipeline}/${vertex}`;
    const replicasQuery = aligned(grid.start, grid.step) ? `max_over_time(${subquery(`count(${perPod})`, grid)})` : undefined;
    const [rate, replicas] = await Promise.all([
      this.range(`sum(${dedup(rate5m)})`, grid, what),
      replicasQuery
        ? this.instant(replicasQuery, grid.last, `${what} (replicas)`).then((r) => finiteOr0(r[0]?.value))
        : this.range(`count(${perPod})`, grid, `${what} (replicas)`).then((r) => finiteOr0(maxOf(r[0]?.v ?? []))),
    ]);
    return { rate: this.onGrid(rate[0], grid), replicas };
  }

  async processingLatencyP99(namespace: string, pipeline: string, window: TimeWindow): Promise<number | undefined> {
    gridOf(window);
    const buckets = `forwarder_processing_time_bucket{${this.pipelineMatchers(namespace, pipeline)}}[${duration(window.end - window.start)}]`;
    const result = await this.instant(
      `histogram_quantile(0.99, sum by (le) (${dedup(`increase(${buckets})`)}))`,
      window.end,
      `processing time p99 ${pipeline}`,
    );
    const value = result[0]?.value;
    return value === undefined || Number.isNaN(value) ? undefined : value;
  }

  async backPressureEvents(buffers: BufferSelector, window: TimeWindow): Promise<number> {
    gridOf(window);
    const what = `back pressure ${buffers.bufferPattern}`;
    const result = await this.instant(
      `sum(${dedupBy('buffer', `increase(${metric('isb_jetstream_isFull_total')}{${this.bufferMatchers(buffers)}}[${duration(window.end - window.start)}])`)})`,
      window.end,
      what,
    );
    return this.counted(result[0]?.value, what, 'isFull events');
  }

  async errorCounts(namespace: string, pipeline: string, buffers: BufferSelector, window: TimeWindow): Promise<Readonly<Record<ErrorCounter, number>>> {
    gridOf(window);
    const whole = duration(window.end - window.start);
    const matchers = { pipeline: this.pipelineMatchers(namespace, pipeline), buffer: this.bufferMatchers(buffers) };
    // increase() drops the metric name: one tagged sub-expression per counter, in one query.
    const what = `error counters ${pipeline}`;
    const result = await this.instant(
      tagged(Object.fromEntries(ERROR_COUNTERS.map(({ name, by }) => [name, `sum(${dedup(`increase(${name}{${matchers[by]}}[${whole}])`)})`]))),
      window.end,
      what,
    );
    const out = Object.fromEntries(ERROR_COUNTERS.map(({ name }) => [name, 0])) as Record<ErrorCounter, number>;
    for (const s of result) if (s.metric.stat && s.metric.stat in out) out[s.metric.stat as ErrorCounter] = this.counted(s.value, what, s.metric.stat);
    return out;
  }

  async scrapedPods(pods: PodSelector, window: TimeWindow): Promise<readonly string[]> {
    gridOf(window);
    const result = await this.instant(
      `max by (pod) (max_over_time(${metric('up')}{${this.podMatchers(pods)}}[${duration(window.end - window.start)}])) == 1`,
      window.end,
      `scrape proof ${pods.podPattern}`,
    );
    return [...new Set(result.map((s) => s.metric.pod ?? ''))].filter(Boolean).sort();
  }

  async podsSeen(pods: PodSelector, window: TimeWindow): Promise<readonly string[]> {
    gridOf(window);
    const result = await this.instant(
      `max by (pod) (max_over_time(${metric('kube_pod_info')}{${this.podMatchers(pods)}}[${duration(window.end - window.start)}]))`,
      window.end,
      `pods seen ${pods.podPattern}`,
    );
    return [...new Set(result.map((s) => s.metric.pod ?? ''))].filter(Boolean).sort();
  }

  async messageCounts(namespace: string, pipeline: string, vertices: { readonly source: string; readonly sink: string }, window: TimeWindow): Promise<MessageCounts> {
    gridOf(window);
    const whole = duration(window.end - window.start);
    const increase = (name: MetricName, vertex?: string) => `sum(${dedup(`increase(${name}{${this.pipelineMatchers(namespace, pipeline, vertex)}}[${whole}])`)})`;
    const what = `messages read, written and dropped ${pipeline}`;
    const result = await this.instant(
      [
        tagged({ read: increase(metric('forwarder_data_read_total'), vertices.source), written: increase(metric('forwarder_write_total'), vertices.sink) }),
        `label_replace(sum by (reason) (${dedup(`increase(${metric('forwarder_drop_total')}{${this.pipelineMatchers(namespace, pipeline)}}[${whole}])`)}), "stat", "dropped", "", "")`,
      ].join(' or '),
      window.end,
      what,
    );
    const stat = (name: string) => result.find((s) => s.metric.stat === name)?.value;
    const dropped: Record<string, number> = {};
    for (const s of result) if (s.metric.stat === 'dropped') dropped[s.metric.reason ?? ''] = this.counted(s.value, what, `messages dropped (${s.metric.reason ?? 'no reason'})`);
    const read = stat('read');
    const written = stat('written');
    return {
      read: read === undefined ? undefined : this.counted(read, what, 'messages read'),
      written: written === undefined ? undefined : this.counted(written, what, 'messages written'),
      dropped,
    };
  }

  async backlog(namespace: string, pipeline: string, buffers: BufferSelector, window: TimeWindow): Promise<Backlog> {
    const hours = Math.floor((window.end - window.start) / HOUR + 1e-9);
    const grid: Grid = { start: window.start + HOUR, last: window.start + hours * HOUR, step: HOUR, count: hours };
    if (hours < 1) return { pending: { t: [], values: [] }, lagMs: { t: [], values: [] } };
    const [pending, lag] = await Promise.all([
      this.range(
        `sum(max by (buffer) (last_over_time(${metric('isb_jetstream_buffer_pending')}{${this.bufferMatchers(buffers)}}[${RATE_RANGE}])))`,
        grid,
        `pending messages ${pipeline}`,
      ),
      this.range(`max(last_over_time(${metric('pipeline_processing_lag')}{${this.pipelineMatchers(namespace, pipeline)}}[${RATE_RANGE}]))`, grid, `processing lag ${pipeline}`),
    ]);
    return { pending: this.onGrid(pending[0], grid), lagMs: this.onGrid(lag[0], grid) };
  }

  /** One instant query per InventoryQuery (inventory.ts), at most INVENTORY_CONCURRENCY at a time. */
  async inventory(queries: readonly InventoryQuery[], window: TimeWindow): Promise<InventoryEntry[]> {
    gridOf(window);
    return inOrder(queries, INVENTORY_CONCURRENCY, async (q) => {
      const selector = `${q.metric}{${[...q.matchers.map(matcherText), this.extra.slice(1)].filter(Boolean).join(',')}}`;
      return inventoryFromResult(await this.instant(inventoryExpression(selector, q.by, window), window.end, `inventory ${selector}`), q.by);
    });
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

  /** p95, p99, peak and samples of INNER (one value per pod at each evaluation point). */
  private async usage(inner: string, grid: Grid, what: string): Promise<PodUsage[]> {
    return this.finiteUsage(await this.rawUsage(inner, grid, what), what);
  }

  /**
   * A pod with samples whose p95, p99 or peak is NaN or infinite (e.g. `+Inf` from a broken
   * recording rule): Prometheus's figures cannot size anything, so it is an error naming the pod.
   */
  private finiteUsage(usage: PodUsage[], what: string): PodUsage[] {
    for (const u of usage) {
      const bad = (['p95', 'p99', 'peak'] as const).filter((k) => !Number.isFinite(u[k]));
      if (bad.length > 0) {
        throw new SourceUnavailableError(
          `Prometheus at ${this.base} answered a ${bad.map((k) => `${k} of ${u[k]}`).join(', ')} for pod ${u.pod || '(no pod label)'} (${what}): not a usable measurement`,
        );
      }
    }
    return usage;
  }

  private async rawUsage(inner: string, grid: Grid, what: string): Promise<PodUsage[]> {
    if (aligned(grid.start, grid.step)) {
      const sq = subquery(inner, grid);
      const result = await this.instant(
        tagged({
          p95: `quantile_over_time(0.95, ${sq})`,
          p99: `quantile_over_time(0.99, ${sq})`,
          peak: `max_over_time(${sq})`,
          samples: `count_over_time(${sq})`,
        }),
        grid.last,
        what,
      );
      return byPod(result, (pod, s) => ({
        pod,
        p95: s.get('p95') ?? NaN,
        p99: s.get('p99') ?? NaN,
        peak: s.get('peak') ?? NaN,
        samples: Math.round(s.get('samples') ?? 0),
      })).filter((p) => p.samples > 0);
    }
    const series = await this.range(inner, grid, `${what} (unaligned window: raw points)`);
    return this.podSeries(series)
      .map(({ pod, v }) => ({
        pod,
        p95: quantile(v, 0.95),
        p99: quantile(v, 0.99),
        peak: maxOf(v),
        samples: v.filter((x) => !Number.isNaN(x)).length,
      }))
      .filter((p) => p.samples > 0);
  }

  private podSeries(series: readonly RangeSeries[]): { pod: string; t: number[]; v: number[] }[] {
    return series
      .map((s) => ({ pod: s.metric.pod ?? '', t: s.t, v: s.v }))
      .sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
  }

  /** A range result laid onto every evaluation point of the grid, NaN where it has no point. */
  private onGrid(series: RangeSeries | undefined, grid: Grid): Series {
    const t = Array.from({ length: grid.count }, (_, k) => grid.start + k * grid.step);
    const values = new Array<number>(grid.count).fill(NaN);
    if (series) {
      for (let i = 0; i < series.t.length; i++) {
        const k = Math.round((series.t[i] - grid.start) / grid.step);
        if (k >= 0 && k < grid.count) values[k] = series.v[i];
      }
    }
    return { t, values };
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

  private async instant(query: string, time: number, what: string): Promise<InstantSample[]> {
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

  /** query_range over the grid, split into requests of at most MAX_RANGE_POINTS points. */
  private async range(query: string, grid: Grid, what: string): Promise<RangeSeries[]> {
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
