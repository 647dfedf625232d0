import {
  extrapolatedDelta,
  histogramQuantile,
  increaseOver,
  lastOver,
  leastSquaresSlope,
  minOver,
  quantile,
  rateAt,
  type Samples,
} from '../../src/recommend/stats';

/** A counter scraped every `interval` s from `t0`, growing by `perSecond`. */
function counter(t0: number, interval: number, n: number, perSecond: number, initial = 1000): Samples {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    t.push(t0 + i * interval);
    v.push(initial + perSecond * i * interval);
  }
  return { t, v };
}

describe('quantile (quantile_over_time rule)', () => {
  test('interpolates linearly at rank φ·(n − 1) over the sorted values', () => {
    const values = [10, 1, 7, 3, 5]; // sorted: 1 3 5 7 10
    expect(quantile(values, 0.5)).toBe(5);
    // rank 0.95 × 4 = 3.8: 7 + 0.8 × (10 − 7)
    expect(quantile(values, 0.95)).toBeCloseTo(9.4, 12);
    // rank 0.25 × 4 = 1: exactly the second value
    expect(quantile(values, 0.25)).toBe(3);
    expect(quantile(values, 0)).toBe(1);
    expect(quantile(values, 1)).toBe(10);
  });

  test('p99 of 1..100 is 99.01, as Prometheus computes it', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(values, 0.99)).toBeCloseTo(99.01, 10);
  });

  test('is NaN for no values, ignores NaN values, and is ±Inf outside [0, 1]', () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect(quantile([NaN, 4, NaN, 2], 0.5)).toBe(3);
    expect(quantile([1, 2], -0.1)).toBe(-Infinity);
    expect(quantile([1, 2], 1.1)).toBe(Infinity);
  });
});

describe('rateAt (rate over 5m)', () => {
  test('equals the slope between the first and last samples for regularly scraped counters', () => {
    // about 2 cores with uneven usage per interval, scraped every 120 s with a phase of 37.5 s
    const t: number[] = [];
    const v: number[] = [];
    for (let i = 0, used = 5000; i < 100; i++, used += 120 * (2 + Math.sin(i * 1.7))) {
      t.push(1000037.5 + i * 120);
      v.push(used);
    }
    const s = { t, v };
    for (const at of [1000300, 1000360, 1003000, 1003061, 1010000]) {
      const [first, last] = inRange(s, at - 300, at);
      const slope = (v[last] - v[first]) / (t[last] - t[first]);
      expect(rateAt(s, at)).toBeCloseTo(slope, 12);
      // the extrapolated increase covers the whole range
      expect(increaseOver(s, at - 300, at)).toBeCloseTo(slope * 300, 9);
    }
    // a line gives its slope
    expect(rateAt(counter(1000037.5, 120, 100, 2), 1003000)).toBeCloseTo(2, 12);
  });

  test('handles a counter reset as a restart from zero', () => {
    // 10 → 20 → 30, reset, 5 → 15: increase 10 + 10 + 5 + 10 = 35 over 4 intervals of 60 s
    const s = { t: [60, 120, 180, 240, 300], v: [10, 20, 30, 5, 15] };
    // at 300 over [300]: samples in (0, 300] all five; first at 60 (60 to the start, < 1.1 × 60),
    // zero point 10/35 × 240 ≈ 68.6 s before the first sample, farther than the start: full extrapolation
    expect(rateAt(s, 300, 300)).toBeCloseTo((35 / 240) * (300 / 300), 12);
    expect(rateAt(s, 300, 300)).toBeGreaterThan(0);
  });

  test('is NaN with fewer than 2 samples in the range', () => {
    const s = { t: [100, 500], v: [1, 2] };
    expect(rateAt(s, 400)).toBeNaN(); // (100, 400]: no sample, 100 is excluded
    expect(rateAt(s, 399)).toBeNaN(); // (99, 399]: only the sample at 100
    expect(rateAt({ t: [], v: [] }, 400)).toBeNaN();
  });

  test('the left boundary of the range is open, the right one closed', () => {
    const s = { t: [0, 100, 200, 300], v: [0, 100, 200, 300] };
    // (0, 300] holds 100, 200, 300: extrapolated 100 s back (< 1.1 × 100) to 0
    expect(rateAt(s, 300, 300)).toBeCloseTo(1, 12);
  });

  test('extrapolates only half an interval towards a boundary farther than 1.1 intervals', () => {
    // samples at 200..260 every 20 s, range (0, 300]: 200 s to the start (≥ 22), 40 s to the end (≥ 22)
    const s = { t: [200, 220, 240, 260], v: [1000, 1020, 1040, 1060] };
    // increase 60 over 60 s sampled, extended by 10 s on each side: 60 × 80/60 = 80, / 300 s
    expect(rateAt(s, 300, 300)).toBeCloseTo(80 / 300, 12);
    expect(increaseOver(s, 0, 300)).toBeCloseTo(80, 12);
  });

  test('extrapolates all the way when the gaps to the boundaries are under 1.1 intervals', () => {
    // samples every 20 s from 10 to 290, range (0, 300]: 10 s to each boundary
    const s = counter(10, 20, 15, 1, 5000);
    expect(increaseOver(s, 0, 300)).toBeCloseTo(300, 9);
    expect(rateAt(s, 300, 300)).toBeCloseTo(1, 12);
  });

  test('does not extrapolate a counter below zero', () => {
    // 2 at t=110, then +2 every 10 s: the zero point is 10 s before the first sample, as far
    // as the start of (100, 140], so the full 10 s are extrapolated
    const s = { t: [110, 120, 130, 140], v: [2, 4, 6, 8] };
    expect(increaseOver(s, 100, 140)).toBeCloseTo(6 * (40 / 30), 12);
    // a counter starting at 1 with slope 2 per 10 s: zero point 5 s before the first sample
    const fresh = { t: [110, 120, 130, 140], v: [1, 3, 5, 7] };
    // (100, 140]: 10 s to the start is below the threshold, but the zero point is only 5 s back
    expect(increaseOver(fresh, 100, 140)).toBeCloseTo(6 * (35 / 30), 12);
  });

  test('delta of a gauge extrapolates without the counter rules', () => {
    const s = { t: [110, 120, 130, 140], v: [10, 5, 8, 1] };
    // no reset handling: 1 − 10 = −9, extended 10 s to the start: −9 × 40/30
    expect(extrapolatedDelta(s, 100, 140, false, false)).toBeCloseTo(-9 * (40 / 30), 12);
  });
});

describe('lastOver, minOver', () => {
  const s = { t: [10, 130, 250], v: [5, 7, 6] };
  test('lastOver takes the last sample in (t − lookback, t]', () => {
    expect(lastOver(s, 250)).toBe(6);
    expect(lastOver(s, 249)).toBe(7);
    expect(lastOver(s, 310)).toBe(6); // (10, 310]: the samples at 130 and 250
    expect(lastOver(s, 549)).toBe(6); // (249, 549]: the sample at 250
  });
  test('lastOver is NaN when the lookback holds no sample', () => {
    expect(lastOver(s, 5)).toBeNaN();
    expect(lastOver(s, 600, 300)).toBeNaN();
  });
  test('minOver takes the smallest sample in the range', () => {
    expect(minOver(s, 250, 300)).toBe(5);
    expect(minOver(s, 250, 200)).toBe(6);
    expect(minOver(s, 1000, 100)).toBeNaN();
  });
});

describe('leastSquaresSlope (deriv)', () => {
  test('is exact for a line, per second', () => {
    const t = [1751331600, 1751335200, 1751338800, 1751342400, 1751346000];
    const v = t.map((x) => 70e6 + (4e6 / 3600) * (x - t[0]));
    expect(leastSquaresSlope(t, v) * 3600).toBeCloseTo(4e6, 3);
  });
  test('fits the least-squares line through noisy points', () => {
    // (0,1) (1,3) (2,2) (3,5): slope = cov/var = 1.1
    expect(leastSquaresSlope([0, 1, 2, 3], [1, 3, 2, 5])).toBeCloseTo(1.1, 12);
  });
  test('is 0 for a constant series and NaN with fewer than 2 points', () => {
    expect(leastSquaresSlope([1, 2, 3], [7, 7, 7])).toBe(0);
    expect(leastSquaresSlope([1], [7])).toBeNaN();
    expect(leastSquaresSlope([1, 2], [NaN, 7])).toBeNaN();
  });
});

describe('histogramQuantile', () => {
  test('interpolates linearly inside the bucket the rank falls in', () => {
    const buckets = [
      { le: 100, count: 10 },
      { le: 500, count: 60 },
      { le: 1000, count: 90 },
      { le: Infinity, count: 100 },
    ];
    // rank 0.5 × 100 = 50, in (100, 500]: 100 + 400 × (50 − 10)/(60 − 10)
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(420, 12);
    // the first bucket interpolates from 0
    expect(histogramQuantile(0.05, buckets)).toBeCloseTo(50, 12);
    // in the +Inf bucket: the largest finite bound
    expect(histogramQuantile(0.99, buckets)).toBe(1000);
  });
  test('accepts buckets in any order and forces cumulative counts monotonic', () => {
    const buckets = [
      { le: Infinity, count: 100 },
      { le: 1000, count: 100 },
      { le: 500, count: 101 }, // a scrape race made this bucket larger than the next
    ];
    // 101 observations everywhere: rank 50.5 in the first bucket, interpolated from 0
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(250, 12);
  });
  test('is NaN without observations or without a +Inf bucket', () => {
    expect(histogramQuantile(0.99, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeNaN();
    expect(histogramQuantile(0.99, [{ le: 1, count: 5 }, { le: 2, count: 9 }])).toBeNaN();
  });
});

function inRange(s: Samples, from: number, to: number): [number, number] {
  let first = -1;
  let last = -1;
  for (let i = 0; i < s.t.length; i++) {
    if (s.t[i] > from && s.t[i] <= to) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return [first, last];
}
