/**
 * The metrics source that needs no Prometheus: it computes every statistic of
 * `MetricsSource` in TypeScript from an in-memory `SoakDataset`, following the semantics
 * written in metrics.ts with the PromQL functions of stats.ts. What each method mirrors,
 * in PromQL (selectors abbreviated as `{sel}`: namespace, anchored pod regex, container):
 *
 * - cpuUsage: `quantile_over_time(φ, max by (pod) (rate(container_cpu_usage_seconds_total{sel}[5m]))[window:step])`
 * - memoryUsage: the same over `max by (pod) (last_over_time(container_memory_working_set_bytes{sel}[5m]))`
 * - memoryTrend: `deriv(max by (pod) (min_over_time(ws{sel}[1h]))[window:1h]) × 3600`, hourly
 *   points at start + k·1h (k ≥ 1) up to end; pods with fewer than 2 points are left out
 * - throttling: `increase(throttled[window]) / increase(periods[window])`, and the largest
 *   5-minute ratio at the evaluation points
 * - restarts: `increase(kube_pod[_init]_container_status_restarts_total{sel}[window])`,
 *   rounded to a whole number; `max_over_time(…_last_terminated_reason{reason="OOMKilled"}[window]) == 1`
 * - usageSeries: `max(…)` across pods at each point
 * - throughput: `sum(rate(forwarder_data_read_total{namespace, pipeline, vertex}[5m]))`
 * - processingLatencyP99: `histogram_quantile(0.99, sum by (le) (increase(forwarder_processing_time_bucket{namespace, pipeline}[window])))`
 * - backPressureEvents: `sum(increase(isb_jetstream_isFull_total{namespace, buffer=~…}[window]))`
 * - errorCounts: `sum(increase(<name>{namespace, pipeline | buffer=~…}[window]))` per error counter
 * - scrapedPods: pods with `max_over_time(up{namespace, pod=~…}[window]) == 1`
 * - podsSeen: pods with a `kube_pod_info` sample in the window
 * - messageCounts: `sum(increase(forwarder_data_read_total{vertex=source}[window]))`, the same
 *   of `forwarder_write_total{vertex=sink}`, `sum by (reason) (increase(forwarder_drop_total[window]))`
 * - backlog: at hourly points, `sum(max by (buffer) (last_over_time(isb_jetstream_buffer_pending[5m])))`
 *   and `max(last_over_time(pipeline_processing_lag[5m]))`
 * - inventory: series counts, label values, first/last step with data and the scrape interval (inventory.ts)
 * - windowCoverage: `count_over_time((count(<family>{union of the soak's selectors}))[window:every])`
 *   over the windowCoveragePoints (metrics.ts), as a share of them
 *
 * "[window]" is the whole window, (start, end], evaluated at end. Series with container ""
 * or "POD" are never selected; series of the same pod and container from several jobs are
 * merged by their maximum at each point (`max by (pod)`).
 */
import { metric, type MetricName } from '../metrics/contract';
import { matchesLabels, type LabelMatcher } from '../metrics/matchers';
import type { RawSeries, SoakDataset } from './dataset';
import { ERROR_COUNTERS, windowCoveragePoints } from './metrics';
import type {
  Backlog,
  BufferSelector,
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
  QueryScope,
} from './metrics';
import { inventoryOfSeries } from './inventory';
import { histogramQuantile, increaseOver, lastOver, leastSquaresSlope, maxOf, minOver, rangeIndices, rateAt, usageStatistics, type Bucket } from './stats';

/** The range of `rate(…[5m])` and the lookback of `last_over_time(…[5m])`, in seconds. */
export const RATE_RANGE_SECONDS = 300;
/** The bucket of `min_over_time(…[1h])` for memory trends, in seconds. */
export const TREND_BUCKET_SECONDS = 3600;

export class EmbeddedSource implements MetricsSource {
  readonly description: string;
  private readonly byMetric = new Map<string, RawSeries[]>();

  /**
   * @param selectors extra label matchers (`--selector`): every query carries them, so a
   * series that does not match them is invisible, as in Prometheus.
   */
  constructor(
    readonly dataset: SoakDataset,
    selectors: readonly LabelMatcher[] = [],
  ) {
    this.description = `embedded:${dataset.name}`;
    for (const s of dataset.series) {
      if (!selectors.every((m) => matchesLabels(m, s.labels))) continue;
      let list = this.byMetric.get(s.metric);
      if (!list) this.byMetric.set(s.metric, (list = []));
      list.push(s);
    }
  }

  async cpuUsage(sel: ContainerSelector, window: TimeWindow): Promise<PodUsage[]> {
    return this.usage(this.perPodCpu(sel, window));
  }

  async memoryUsage(sel: ContainerSelector, window: TimeWindow): Promise<PodUsage[]> {
    return this.usage(this.perPodMemory(sel, window));
  }

  async memoryTrend(sel: ContainerSelector, window: TimeWindow): Promise<PodMemoryTrend[]> {
    checkWindow(window);
    const hours: number[] = [];
    for (let k = 1; window.start + k * TREND_BUCKET_SECONDS <= window.end; k++) hours.push(window.start + k * TREND_BUCKET_SECONDS);
    const out: PodMemoryTrend[] = [];
    for (const [pod, series] of this.containerSeries('container_memory_working_set_bytes', sel)) {
      const t: number[] = [];
      const v: number[] = [];
      for (const h of hours) {
        const value = maxAt(series, (s) => minOver(s, h, TREND_BUCKET_SECONDS));
        if (!isNaNumber(value)) {
          t.push(h);
          v.push(value);
        }
      }
      if (t.length < 2) continue;
      out.push({ pod, slopeBytesPerHour: leastSquaresSlope(t, v) * 3600, points: t.length });
    }
    return out;
  }

  async throttling(sel: ContainerSelector, window: TimeWindow): Promise<PodThrottling[]> {
    const times = evaluationTimes(window);
    const periodsByPod = this.containerSeries('container_cpu_cfs_periods_total', sel);
    const throttledByPod = this.containerSeries('container_cpu_cfs_throttled_periods_total', sel);
    const pods = new Set([...this.containerSeries('container_cpu_usage_seconds_total', sel).keys(), ...periodsByPod.keys()]);
    const out: PodThrottling[] = [];
    for (const pod of [...pods].sort()) {
      const periods = periodsByPod.get(pod) ?? [];
      const throttled = throttledByPod.get(pod) ?? [];
      const total = maxOf(periods.map((s) => increaseOver(s, window.start, window.end)));
      const totalThrottled = maxOf(throttled.map((s) => increaseOver(s, window.start, window.end)));
      const ratio = total > 0 && !isNaNumber(totalThrottled) ? totalThrottled / total : 0;
      let peak5m = 0;
      if (periods.length > 0 && throttled.length > 0) {
        for (const t of times) {
          const p = maxAt(periods, (s) => increaseOver(s, t - RATE_RANGE_SECONDS, t));
          const th = maxAt(throttled, (s) => increaseOver(s, t - RATE_RANGE_SECONDS, t));
          if (p > 0 && th / p > peak5m) peak5m = th / p;
        }
      }
      out.push({ pod, ratio, peak5m });
    }
    return out;
  }

  async restarts(sel: ContainerSelector, window: TimeWindow): Promise<PodRestarts[]> {
    checkWindow(window);
    const prefix = sel.sidecar ? 'kube_pod_init_container' : 'kube_pod_container';
    const restartsByPod = this.containerSeries(`${prefix}_status_restarts_total`, sel);
    const reasonsByPod = this.containerSeries(`${prefix}_status_last_terminated_reason`, sel);
    const out: PodRestarts[] = [];
    for (const pod of [...new Set([...restartsByPod.keys(), ...reasonsByPod.keys()])].sort()) {
      const increase = maxOf((restartsByPod.get(pod) ?? []).map((s) => increaseOver(s, window.start, window.end)));
      const oom = (reasonsByPod.get(pod) ?? []).filter((s) => s.labels.reason === 'OOMKilled');
      const oomKilled = oom.some((s) => maxInRange(s, window.start, window.end) === 1);
      out.push({ pod, restarts: isNaNumber(increase) ? 0 : Math.round(increase), oomKilled });
    }
    return out;
  }

  async usageSeries(sel: ContainerSelector, window: TimeWindow): Promise<{ readonly cpu: Series; readonly memory: Series }> {
    const times = evaluationTimes(window);
    return {
      cpu: { t: times, values: maxAcross(this.perPodCpu(sel, window), times.length) },
      memory: { t: times, values: maxAcross(this.perPodMemory(sel, window), times.length) },
    };
  }

  async throughput(namespace: string, pipeline: string, vertex: string, window: TimeWindow): Promise<VertexThroughput> {
    const times = evaluationTimes(window);
    const byPod = groupBy(
      this.series('forwarder_data_read_total').filter((s) => s.labels.namespace === namespace && s.labels.pipeline === pipeline && s.labels.vertex === vertex),
      (s) => s.labels.pod ?? '',
    );
    const values = new Array<number>(times.length).fill(NAN);
    let replicas = 0;
    const perPod = [...byPod.values()].map((series) => times.map((t) => maxAt(series, (s) => rateAt(s, t, RATE_RANGE_SECONDS))));
    for (let k = 0; k < times.length; k++) {
      let reporting = 0;
      for (const rates of perPod) {
        if (isNaNumber(rates[k])) continue;
        values[k] = (isNaNumber(values[k]) ? 0 : values[k]) + rates[k];
        reporting++;
      }
      replicas = reporting > replicas ? reporting : replicas;
    }
    return { rate: { t: times, values }, replicas };
  }

  async processingLatencyP99(namespace: string, pipeline: string, window: TimeWindow): Promise<number | undefined> {
    checkWindow(window);
    const totals = new Map<number, number>();
    for (const s of this.series('forwarder_processing_time_bucket')) {
      if (s.labels.namespace !== namespace || s.labels.pipeline !== pipeline || s.labels.le === undefined) continue;
      const increase = increaseOver(s, window.start, window.end);
      if (isNaNumber(increase)) continue;
      const le = parseLe(s.labels.le);
      totals.set(le, (totals.get(le) ?? 0) + increase);
    }
    const buckets: Bucket[] = [...totals].map(([le, count]) => ({ le, count }));
    const p99 = histogramQuantile(0.99, buckets);
    return isNaNumber(p99) ? undefined : p99;
  }

  async backPressureEvents(buffers: BufferSelector, window: TimeWindow): Promise<number> {
    return this.bufferIncrease(metric('isb_jetstream_isFull_total'), buffers, window);
  }

  async errorCounts(namespace: string, pipeline: string, buffers: BufferSelector, window: TimeWindow): Promise<Readonly<Record<ErrorCounter, number>>> {
    const out = {} as Record<ErrorCounter, number>;
    for (const { name, by } of ERROR_COUNTERS) {
      out[name] = by === 'buffer' ? this.bufferIncrease(name, buffers, window) : this.pipelineIncrease(name, namespace, pipeline, window);
    }
    return out;
  }

  async scrapedPods(pods: PodSelector, window: TimeWindow): Promise<readonly string[]> {
    checkWindow(window);
    const match = podMatcher(pods);
    const seen = new Set<string>();
    for (const s of this.series(metric('up'))) {
      if (match(s) && maxInRange(s, window.start, window.end) === 1) seen.add(s.labels.pod!);
    }
    return [...seen].sort();
  }

  async podsSeen(pods: PodSelector, window: TimeWindow): Promise<readonly string[]> {
    checkWindow(window);
    const match = podMatcher(pods);
    const seen = new Set<string>();
    for (const s of this.series(metric('kube_pod_info'))) {
      if (match(s) && !isNaNumber(maxInRange(s, window.start, window.end))) seen.add(s.labels.pod!);
    }
    return [...seen].sort();
  }

  async messageCounts(namespace: string, pipeline: string, vertices: { readonly source: string; readonly sink: string }, window: TimeWindow): Promise<MessageCounts> {
    checkWindow(window);
    const total = (name: MetricName, vertex: string) => {
      const increases = this.series(name)
        .filter((s) => s.labels.namespace === namespace && s.labels.pipeline === pipeline && s.labels.vertex === vertex)
        .map((s) => increaseOver(s, window.start, window.end))
        .filter((x) => !isNaNumber(x));
      return increases.length === 0 ? undefined : increases.reduce((a, b) => a + b, 0);
    };
    const dropped: Record<string, number> = {};
    for (const s of this.series(metric('forwarder_drop_total'))) {
      if (s.labels.namespace !== namespace || s.labels.pipeline !== pipeline) continue;
      const increase = increaseOver(s, window.start, window.end);
      if (isNaNumber(increase)) continue;
      const reason = s.labels.reason ?? '';
      dropped[reason] = (dropped[reason] ?? 0) + increase;
    }
    return { read: total(metric('forwarder_data_read_total'), vertices.source), written: total(metric('forwarder_write_total'), vertices.sink), dropped };
  }

  async backlog(namespace: string, pipeline: string, buffers: BufferSelector, window: TimeWindow): Promise<Backlog> {
    checkWindow(window);
    const hours: number[] = [];
    for (let k = 1; window.start + k * TREND_BUCKET_SECONDS <= window.end; k++) hours.push(window.start + k * TREND_BUCKET_SECONDS);
    const match = bufferMatcher(buffers);
    const byBuffer = groupBy(this.series(metric('isb_jetstream_buffer_pending')).filter(match), (s) => s.labels.buffer!);
    const pending = hours.map((h) => {
      let sum = NAN;
      for (const series of byBuffer.values()) {
        const v = maxAt(series, (s) => lastOver(s, h, RATE_RANGE_SECONDS));
        if (!isNaNumber(v)) sum = (isNaNumber(sum) ? 0 : sum) + v;
      }
      return sum;
    });
    const lagSeries = this.series(metric('pipeline_processing_lag')).filter((s) => s.labels.namespace === namespace && s.labels.pipeline === pipeline);
    const lagMs = hours.map((h) => maxAt(lagSeries, (s) => lastOver(s, h, RATE_RANGE_SECONDS)));
    return { pending: { t: hours, values: pending }, lagMs: { t: hours, values: lagMs } };
  }

  async inventory(queries: readonly InventoryQuery[], window: TimeWindow): Promise<InventoryEntry[]> {
    checkWindow(window);
    return queries.map((q) => inventoryOfSeries(this.series(q.metric).filter((s) => q.matchers.every((m) => matchesLabels(m, s.labels))), q.by, window));
  }

  async windowCoverage(family: CoverageFamily, scope: QueryScope, window: TimeWindow): Promise<number> {
    checkWindow(window);
    const { times } = windowCoveragePoints(window);
    let series: RawSeries[];
    if (family === 'pods') {
      const match = podMatcher(scope.pods);
      series = this.series(metric('kube_pod_info')).filter(match);
    } else {
      if (scope.containers.length === 0) return 0;
      const match = unionMatcher(scope.containers);
      const names = family === 'restarts' ? ['kube_pod_container_status_restarts_total', 'kube_pod_init_container_status_restarts_total'] : ['container_cpu_usage_seconds_total'];
      series = names.flatMap((name) => this.series(name).filter(match));
    }
    // A point has data when a series has a sample in the lookback up to it.
    let found = 0;
    for (const p of times) {
      if (series.some((s) => {
        const [i0, i1] = rangeIndices(s, p - RATE_RANGE_SECONDS, p);
        return i1 > i0;
      })) found++;
    }
    return times.length > 0 ? Math.min(100, (100 * found) / times.length) : 0;
  }

  // -------------------------------------------------------------------------------------

  private series(metric: string): readonly RawSeries[] {
    return this.byMetric.get(metric) ?? [];
  }

  /** The selected container's series of one metric, by pod (sorted), all jobs together. */
  private containerSeries(metric: string, sel: ContainerSelector): Map<string, RawSeries[]> {
    const pods = new RegExp(`^(?:${sel.podPattern})$`);
    const selected = this.series(metric).filter((s) => {
      const { namespace, pod, container } = s.labels;
      return (
        namespace === sel.namespace &&
        pod !== undefined &&
        container !== undefined &&
        container !== '' &&
        container !== 'POD' &&
        container === sel.container &&
        pods.test(pod)
      );
    });
    const byPod = groupBy(selected, (s) => s.labels.pod);
    return new Map([...byPod].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Per pod: CPU cores at each evaluation point (NaN without data). */
  private perPodCpu(sel: ContainerSelector, window: TimeWindow): Map<string, number[]> {
    const times = evaluationTimes(window);
    const out = new Map<string, number[]>();
    for (const [pod, series] of this.containerSeries('container_cpu_usage_seconds_total', sel)) {
      out.set(pod, times.map((t) => maxAt(series, (s) => rateAt(s, t, RATE_RANGE_SECONDS))));
    }
    return out;
  }

  /** Per pod: working-set bytes at each evaluation point (NaN without data). */
  private perPodMemory(sel: ContainerSelector, window: TimeWindow): Map<string, number[]> {
    const times = evaluationTimes(window);
    const out = new Map<string, number[]>();
    for (const [pod, series] of this.containerSeries('container_memory_working_set_bytes', sel)) {
      out.set(pod, times.map((t) => maxAt(series, (s) => lastOver(s, t, RATE_RANGE_SECONDS))));
    }
    return out;
  }

  private usage(perPod: Map<string, number[]>): PodUsage[] {
    const out: PodUsage[] = [];
    for (const [pod, values] of perPod) {
      const stats = usageStatistics(values);
      if (stats.samples === 0) continue;
      out.push({ pod, ...stats });
    }
    return out;
  }

  private bufferIncrease(name: MetricName, buffers: BufferSelector, window: TimeWindow): number {
    checkWindow(window);
    const match = bufferMatcher(buffers);
    let total = 0;
    for (const s of this.series(name)) {
      if (!match(s)) continue;
      const increase = increaseOver(s, window.start, window.end);
      if (!isNaNumber(increase)) total += increase;
    }
    return total;
  }

  private pipelineIncrease(metric: string, namespace: string, pipeline: string, window: TimeWindow): number {
    checkWindow(window);
    let total = 0;
    for (const s of this.series(metric)) {
      if (s.labels.namespace !== namespace || s.labels.pipeline !== pipeline) continue;
      const increase = increaseOver(s, window.start, window.end);
      if (!isNaNumber(increase)) total += increase;
    }
    return total;
  }
}

// Module-level aliases: under jest's vm sandbox every global lookup in a hot loop is slow.
const NAN = Number.NaN;
const isNaNumber = (x: number): boolean => x !== x;

/** The largest non-NaN value of `f` over the series (merging duplicate scrapes), NaN when none has one. */
function maxAt(series: readonly RawSeries[], f: (s: RawSeries) => number): number {
  let best = NAN;
  for (let i = 0; i < series.length; i++) {
    const x = f(series[i]);
    if (!isNaNumber(x) && !(x <= best)) best = x;
  }
  return best;
}

/** The evaluation points of a window: start + k·step for every k with the point ≤ end. */
export function evaluationTimes(window: TimeWindow): number[] {
  checkWindow(window);
  const times: number[] = [];
  for (let k = 0; window.start + k * window.stepSeconds <= window.end; k++) times.push(window.start + k * window.stepSeconds);
  return times;
}

function checkWindow(window: TimeWindow): void {
  if (!(window.end > window.start)) throw new Error(`window end ${window.end} must be after its start ${window.start}`);
  if (!(window.stepSeconds > 0)) throw new Error(`window step must be positive, got ${window.stepSeconds}`);
}

function maxAcross(perPod: Map<string, number[]>, n: number): number[] {
  const out = new Array<number>(n).fill(NAN);
  for (const values of perPod.values()) {
    for (let k = 0; k < n; k++) {
      if (!isNaNumber(values[k]) && !(values[k] <= out[k])) out[k] = values[k];
    }
  }
  return out;
}

/** The largest sample in (from, to], NaN when there is none (`max_over_time`). */
function maxInRange(s: RawSeries, from: number, to: number): number {
  let best = NAN;
  for (let i = 0; i < s.t.length; i++) {
    if (s.t[i] > from && s.t[i] <= to && !(s.v[i] <= best)) best = s.v[i];
  }
  return best;
}

function podMatcher(pods: PodSelector): (s: RawSeries) => boolean {
  const re = new RegExp(`^(?:${pods.podPattern})$`);
  return (s) => s.labels.namespace === pods.namespace && s.labels.pod !== undefined && re.test(s.labels.pod);
}

/**
 * The containers' series as PrometheusSource's family queries select them: the first
 * container's namespace, any of the pod patterns, any of the container names (not "" or "POD").
 */
function unionMatcher(sels: readonly ContainerSelector[]): (s: RawSeries) => boolean {
  const namespace = sels[0].namespace;
  const same = sels.filter((c) => c.namespace === namespace);
  const pods = new RegExp(`^(?:${[...new Set(same.map((c) => c.podPattern))].map((p) => `(?:${p})`).join('|')})$`);
  const names = new Set(same.map((c) => c.container));
  return (s) => {
    const { pod, container } = s.labels;
    return s.labels.namespace === namespace && pod !== undefined && container !== undefined && container !== '' && container !== 'POD' && names.has(container) && pods.test(pod);
  };
}

/** isb_jetstream_* series: the scrape's `namespace` and the `buffer` label (no `pipeline`). */
function bufferMatcher(buffers: BufferSelector): (s: RawSeries) => boolean {
  const re = new RegExp(`^(?:${buffers.bufferPattern})$`);
  return (s) => s.labels.namespace === buffers.namespace && s.labels.buffer !== undefined && re.test(s.labels.buffer);
}

function parseLe(le: string): number {
  return le === '+Inf' ? Infinity : Number(le);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(item);
  }
  return out;
}
