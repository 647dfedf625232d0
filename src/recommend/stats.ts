/**
 * The PromQL functions the recommender relies on, reimplemented over raw samples so the
 * embedded metrics source gives the numbers a real Prometheus would give. Each function
 * names the Prometheus code it follows (`promql/functions.go`, `promql/quantile.go`).
 *
 * Range selectors follow Prometheus 3: a range `[r]` evaluated at t holds the samples in
 * (t − r, t]. (Prometheus 2.x used [t − r, t]; the two differ only for a sample exactly
 * on the left boundary, which the generated datasets never produce.)
 *
 * Times are Unix seconds (fractions allowed); values are plain numbers.
 */

// Module-level aliases: under jest's vm sandbox every global lookup (`Math.…`, `NaN`,
// `Number.isNaN`) in a hot loop is slow.
const { floor, max, min } = Math;
const NAN = Number.NaN;
/** NaN test without a global lookup. */
const isNaNumber = (x: number): boolean => x !== x;

/** Raw samples of one series, sorted by time. Float64Array or number[] both fit. */
export interface Samples {
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
}

/**
 * `quantile_over_time(phi, …)` (and `quantile`): rank φ·(n − 1) over the sorted values,
 * linear interpolation between the two neighbours. NaN values are left out; an empty input
 * gives NaN; φ < 0 gives −∞ and φ > 1 gives +∞, as in Prometheus.
 */
export function quantile(values: ArrayLike<number>, phi: number): number {
  if (isNaNumber(phi)) return NAN;
  if (phi < 0) return -Infinity;
  if (phi > 1) return Infinity;
  const sorted = sortedFinite(values);
  const n = sorted.length;
  if (n === 0) return NAN;
  const rank = phi * (n - 1);
  const lower = max(0, floor(rank));
  const upper = min(n - 1, lower + 1);
  const weight = rank - floor(rank);
  return sorted[lower] * (1 - weight) + sorted[upper] * weight;
}

/**
 * p95, p99, peak and count of the non-NaN values: `quantile_over_time(0.95 | 0.99, …)`,
 * `max_over_time(…)` and `count_over_time(…)` of one series at the window's evaluation
 * points. Both sources size from it (EmbeddedSource over its computed points,
 * PrometheusSource over one range read), so they agree exactly on the same points.
 */
export function usageStatistics(values: ArrayLike<number>): { readonly p95: number; readonly p99: number; readonly peak: number; readonly samples: number } {
  let samples = 0;
  for (let i = 0; i < values.length; i++) if (!isNaNumber(values[i])) samples++;
  return { p95: quantile(values, 0.95), p99: quantile(values, 0.99), peak: maxOf(values), samples };
}

/** The largest non-NaN value, NaN when there is none (`max_over_time`). */
export function maxOf(values: ArrayLike<number>): number {
  let best = NAN;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!isNaNumber(x) && !(x <= best)) best = x;
  }
  return best;
}

/** The mean of the non-NaN values, NaN when there is none. */
export function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (!isNaNumber(values[i])) {
      sum += values[i];
      n++;
    }
  }
  return n === 0 ? NAN : sum / n;
}

/**
 * Index range [from, to) of the samples with from < t ≤ to (a left-open range selector).
 */
export function rangeIndices(samples: Samples, from: number, to: number): [number, number] {
  return [upperBound(samples.t, from), upperBound(samples.t, to)];
}

/**
 * `rate(x[range])` evaluated at `evalTime`: Prometheus's extrapolatedRate
 * (promql/functions.go) with isCounter and isRate. NaN with fewer than 2 samples in range.
 */
export function rateAt(samples: Samples, evalTime: number, rangeSeconds = 300): number {
  return extrapolatedDelta(samples, evalTime - rangeSeconds, evalTime, true, true);
}

/**
 * `increase(x[end − start])` evaluated at `end`: the extrapolated increase of a counter over
 * (start, end], which is the extrapolated rate × the range. NaN with fewer than 2 samples.
 */
export function increaseOver(samples: Samples, start: number, end: number): number {
  return extrapolatedDelta(samples, start, end, true, false);
}

/**
 * Prometheus's `extrapolatedRate` for float samples in (rangeStart, rangeEnd]:
 * - the difference between the last and first sample, for counters with every drop
 *   counted as a reset (the value before the drop is added back);
 * - extrapolated to each boundary of the range when the gap to it is shorter than 1.1 × the
 *   average interval between samples, else by half an average interval only;
 * - for counters, the start is never extrapolated past the point where the counter would
 *   have been zero;
 * - divided by the range in seconds for `rate`.
 * NaN with fewer than 2 samples in the range.
 */
export function extrapolatedDelta(
  samples: Samples,
  rangeStart: number,
  rangeEnd: number,
  isCounter: boolean,
  isRate: boolean,
): number {
  const [i0, i1] = rangeIndices(samples, rangeStart, rangeEnd);
  const n = i1 - i0;
  if (n < 2) return NAN;
  const { t, v } = samples;
  const firstT = t[i0];
  const lastT = t[i1 - 1];
  const firstV = v[i0];
  let result = v[i1 - 1] - firstV;
  if (isCounter) {
    let prev = firstV;
    for (let i = i0 + 1; i < i1; i++) {
      if (v[i] < prev) result += prev;
      prev = v[i];
    }
  }
  let durationToStart = firstT - rangeStart;
  let durationToEnd = rangeEnd - lastT;
  const sampledInterval = lastT - firstT;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;

  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter && result > 0 && firstV >= 0) {
    // Counters cannot be negative: do not extrapolate the start beyond the zero point.
    const durationToZero = sampledInterval * (firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  extrapolateToInterval += durationToStart;

  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd;

  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= rangeEnd - rangeStart;
  return result * factor;
}

/**
 * `last_over_time(x[lookback])` at t: the value of the last sample in (t − lookback, t],
 * NaN when there is none.
 */
export function lastOver(samples: Samples, t: number, lookback = 300): number {
  const [i0, i1] = rangeIndices(samples, t - lookback, t);
  return i1 > i0 ? samples.v[i1 - 1] : NAN;
}

/** `min_over_time(x[range])` at t: the smallest sample in (t − range, t], NaN when empty. */
export function minOver(samples: Samples, t: number, rangeSeconds: number): number {
  const [i0, i1] = rangeIndices(samples, t - rangeSeconds, t);
  let best = NAN;
  for (let i = i0; i < i1; i++) {
    const x = samples.v[i];
    if (!isNaNumber(x) && !(x >= best)) best = x;
  }
  return best;
}

/**
 * `deriv`: the least-squares slope of v against t, per second. Like Prometheus's
 * linearRegression, times are taken relative to the first one (for precision) and a
 * constant series has slope 0. Points with a NaN value are skipped; NaN with fewer than 2.
 */
export function leastSquaresSlope(t: ArrayLike<number>, v: ArrayLike<number>): number {
  let n = 0;
  let t0 = NAN;
  let sumX = 0;
  let sumY = 0;
  let sumXY = 0;
  let sumX2 = 0;
  let constY = true;
  let firstY = NAN;
  for (let i = 0; i < t.length; i++) {
    const y = v[i];
    if (isNaNumber(y)) continue;
    if (n === 0) {
      t0 = t[i];
      firstY = y;
    } else if (y !== firstY) {
      constY = false;
    }
    const x = t[i] - t0;
    n++;
    sumX += x;
    sumY += y;
    sumXY += x * y;
    sumX2 += x * x;
  }
  if (n < 2) return NAN;
  if (constY) return 0;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  return covXY / varX;
}

/** One cumulative bucket of a classic histogram: observations ≤ `le`. */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

/**
 * `histogram_quantile(phi, …)` over classic cumulative buckets, as Prometheus's
 * bucketQuantile (promql/quantile.go): buckets sorted by bound, counts forced monotonic,
 * the quantile linearly interpolated inside the bucket it falls in (from 0 for the first
 * bucket); falling into +Inf gives the largest finite bound. NaN without a +Inf bucket,
 * with fewer than 2 buckets or with no observations.
 */
export function histogramQuantile(phi: number, buckets: readonly Bucket[]): number {
  if (isNaNumber(phi)) return NAN;
  if (phi < 0) return -Infinity;
  if (phi > 1) return Infinity;
  // Sort, coalesce equal bounds, force monotonic counts.
  const sorted = [...buckets].filter((b) => !isNaNumber(b.le)).sort((a, b) => a.le - b.le);
  const merged: { le: number; count: number }[] = [];
  for (const b of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.le === b.le) last.count += b.count;
    else merged.push({ le: b.le, count: b.count });
  }
  if (merged.length === 0 || merged[merged.length - 1].le !== Infinity) return NAN;
  for (let i = 1; i < merged.length; i++) {
    if (merged[i].count < merged[i - 1].count) merged[i].count = merged[i - 1].count;
  }
  if (merged.length < 2) return NAN;
  const observations = merged[merged.length - 1].count;
  if (!(observations > 0)) return NAN;
  let rank = phi * observations;
  let b = 0;
  while (b < merged.length - 1 && merged[b].count < rank) b++;
  if (b === merged.length - 1) return merged[merged.length - 2].le;
  if (b === 0 && merged[0].le <= 0) return merged[0].le;
  let bucketStart = 0;
  const bucketEnd = merged[b].le;
  let count = merged[b].count;
  if (b > 0) {
    bucketStart = merged[b - 1].le;
    count -= merged[b - 1].count;
    rank -= merged[b - 1].count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** First index whose time is > x (times sorted ascending). */
function upperBound(t: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sortedFinite(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!isNaNumber(values[i])) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (!isNaNumber(values[i])) out[j++] = values[i];
  return out.sort();
}
