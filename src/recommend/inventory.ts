/**
 * The inventory behind `numaflow-soak doctor`: which series a soak's Prometheus (or the
 * embedded dataset) holds, and how well they cover the window. For one `InventoryQuery`
 * (a series name, label matchers, a `by` label) over a window (start, end] with step s:
 *
 * - `series`: the series with at least one sample in (start, end];
 * - `values`: the distinct values of the `by` label among them (the pods, the buffers, the
 *   versions), sorted; a series without the label counts as `""`;
 * - `firstSeen`, `lastSeen`: the step points are the multiples of s in [start + s, end];
 *   a point p "has data" when a series has a sample in (p − s, p]. The first and last such
 *   point: the time range covered, precise to one step;
 * - `scrapeIntervalSeconds`: the hourly points are the multiples of 3600 s in
 *   [start + 3600, end]; for each series and each hourly point h with samples in
 *   (h − 3600, h], the interval 3600 / samples; the median of those per series, then the
 *   median over the series. An outage of some hours leaves it unchanged; undefined when the
 *   window holds no whole hour with samples.
 *
 * The points are absolute multiples, not start + k·s, because Prometheus aligns subquery
 * steps to multiples of the step in absolute time (prometheus.ts): so one instant query at
 * `end` answers exactly for any window. With M = `name{matchers}` and R = end − start:
 *
 *   count(count_over_time(M[R]))                                   series
 *   count by (BY) (count_over_time(M[R]))                           values
 *   min_over_time(timestamp(count(count_over_time(M[s])))[Rs:s])    firstSeen
 *   max_over_time(timestamp(count(count_over_time(M[s])))[Rs:s])    lastSeen
 *   quantile(0.5, quantile_over_time(0.5, (3600 / count_over_time(M[1h]))[Rh:1h]))
 *
 * `timestamp()` of an aggregation is its evaluation time, i.e. the step point. Rs and Rh
 * reach 1 ms before the first point, so the subquery's first step is that point (its start
 * is rounded up to a multiple of the step). Ranges select (t − r, t], as in stats.ts;
 * Prometheus 2.x's closed ranges differ only for a sample exactly on a boundary.
 *
 * `inventoryOfSeries` computes the same from raw samples (EmbeddedSource);
 * `inventoryExpression` and `inventoryFromResult` are the PromQL side (PrometheusSource).
 */
import type { InventoryEntry } from './metrics';
import { quantile } from './stats';

const HOUR_MS = 3_600_000;
const { ceil, floor, round } = Math;

/** The step points and hourly points of a window, in milliseconds (first > last when there is none). */
export interface InventoryPoints {
  readonly stepMs: number;
  readonly firstStepMs: number;
  readonly lastStepMs: number;
  readonly firstHourMs: number;
  readonly lastHourMs: number;
}

export function inventoryPoints(window: { readonly start: number; readonly end: number; readonly stepSeconds: number }): InventoryPoints {
  const startMs = round(window.start * 1000);
  const endMs = round(window.end * 1000);
  const stepMs = round(window.stepSeconds * 1000);
  if (!(stepMs > 0) || !(endMs > startMs)) throw new Error(`invalid inventory window: start ${window.start}, end ${window.end}, step ${window.stepSeconds}`);
  return {
    stepMs,
    firstStepMs: ceil((startMs + stepMs) / stepMs) * stepMs,
    lastStepMs: floor(endMs / stepMs) * stepMs,
    firstHourMs: ceil((startMs + HOUR_MS) / HOUR_MS) * HOUR_MS,
    lastHourMs: floor(endMs / HOUR_MS) * HOUR_MS,
  };
}

/** One series as the embedded source holds it. */
export interface InventorySeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Unix seconds, ascending. */
  readonly t: ArrayLike<number>;
}

/** The inventory of raw series that already match the query's matchers. */
export function inventoryOfSeries(series: readonly InventorySeries[], by: string, window: { readonly start: number; readonly end: number; readonly stepSeconds: number }): InventoryEntry {
  const points = inventoryPoints(window);
  const startMs = round(window.start * 1000);
  const endMs = round(window.end * 1000);
  const values = new Set<string>();
  const intervals: number[] = [];
  let count = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const s of series) {
    const from = firstAfter(s.t, startMs);
    const to = firstAfter(s.t, endMs);
    if (to <= from) continue;
    count++;
    values.add(s.labels[by] ?? '');
    // Step points: the first sample after (first point − step), the last one up to the last point.
    if (points.firstStepMs <= points.lastStepMs) {
      const a = firstAfter(s.t, points.firstStepMs - points.stepMs);
      const b = firstAfter(s.t, points.lastStepMs) - 1;
      if (a <= b) {
        first = Math.min(first, ceil(ms(s.t[a]) / points.stepMs) * points.stepMs);
        last = Math.max(last, ceil(ms(s.t[b]) / points.stepMs) * points.stepMs);
      }
    }
    const median = hourlyIntervalMedian(s.t, points);
    if (median === median) intervals.push(median);
  }
  const interval = quantile(intervals, 0.5);
  return {
    series: count,
    values: [...values].sort(),
    ...(first <= last ? { firstSeen: first / 1000, lastSeen: last / 1000 } : {}),
    ...(interval === interval ? { scrapeIntervalSeconds: interval } : {}),
  };
}

/** Median over the hourly points of 3600 / samples in (h − 1h, h]; NaN without any. */
function hourlyIntervalMedian(t: ArrayLike<number>, points: InventoryPoints): number {
  if (points.firstHourMs > points.lastHourMs) return Number.NaN;
  const counts = new Map<number, number>();
  const end = firstAfter(t, points.lastHourMs);
  for (let i = firstAfter(t, points.firstHourMs - HOUR_MS); i < end; i++) {
    const h = ceil(ms(t[i]) / HOUR_MS) * HOUR_MS;
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return quantile([...counts.values()].map((n) => 3600 / n), 0.5);
}

function ms(t: number): number {
  return round(t * 1000);
}

/** Index of the first sample later than `limitMs` (samples in ms, as Prometheus stores them). */
function firstAfter(t: ArrayLike<number>, limitMs: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ms(t[mid]) <= limitMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Seconds or milliseconds as a PromQL duration, exact to the millisecond. */
function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * The one PromQL expression (evaluated at `window.end`) answering an InventoryQuery for the
 * series selector `selector` (`name{matchers}`, the source's extra matchers included).
 * Each statistic is tagged with a `stat` label; `by` must be a label name.
 */
export function inventoryExpression(selector: string, by: string, window: { readonly start: number; readonly end: number; readonly stepSeconds: number }): string {
  const points = inventoryPoints(window);
  const endMs = round(window.end * 1000);
  const whole = duration(endMs - round(window.start * 1000));
  const step = duration(points.stepMs);
  const tag = (stat: string, expr: string) => `label_replace(${expr}, "stat", "${stat}", "", "")`;
  const parts = [tag('series', `count(count_over_time(${selector}[${whole}]))`), tag('value', `count by (${by}) (count_over_time(${selector}[${whole}]))`)];
  if (points.firstStepMs <= points.lastStepMs) {
    const perStep = `timestamp(count(count_over_time(${selector}[${step}])))[${duration(endMs - points.firstStepMs + 1)}:${step}]`;
    parts.push(tag('first', `min_over_time(${perStep})`), tag('last', `max_over_time(${perStep})`));
  }
  if (points.firstHourMs <= points.lastHourMs) {
    parts.push(tag('interval', `quantile(0.5, quantile_over_time(0.5, (3600 / count_over_time(${selector}[1h]))[${duration(endMs - points.firstHourMs + 1)}:1h]))`));
  }
  return parts.join(' or ');
}

/** Reads the answer to `inventoryExpression` back into an InventoryEntry. */
export function inventoryFromResult(result: readonly { readonly metric: Readonly<Record<string, string>>; readonly value: number }[], by: string): InventoryEntry {
  const stat = (name: string) => result.find((s) => s.metric.stat === name)?.value;
  const values = result.filter((s) => s.metric.stat === 'value').map((s) => s.metric[by] ?? '');
  const first = stat('first');
  const last = stat('last');
  const interval = stat('interval');
  return {
    series: stat('series') ?? 0,
    values: [...new Set(values)].sort(),
    ...(first !== undefined && last !== undefined ? { firstSeen: first, lastSeen: last } : {}),
    ...(interval !== undefined && Number.isFinite(interval) ? { scrapeIntervalSeconds: interval } : {}),
  };
}

/** Runs `fn` over the items, at most `limit` at a time, and returns the results in order. */
export async function inOrder<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
