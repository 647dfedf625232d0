/**
 * The soak verdict: did the run hold up? One line per check, each with the figure it
 * measured and what was expected, so a reader sees why a check passed or failed:
 *
 * | check | fails when |
 * |---|---|
 * | restarts | any container restarted (init containers and sidecars included) |
 * | oom-kills | any container was OOM-killed |
 * | errors | any forwarder error counter increased |
 * | throughput | the p5 of the source vertex's rate is below 95% of the target |
 * | latency | the p99 of forwarder_processing_time is above the bound |
 * | back-pressure | a buffer reported full (isb_jetstream_isFull_total increased) |
 * | cpu-throttling | never fails; warns when a container was throttled in > 10% of CFS periods, or > 25% over 5 minutes |
 * | memory-trend | a vertex container's memory grows ≥ 1 MiB/h (hourly minima); warns from ¼ of that |
 *
 * `passed` is true when no line fails. `insufficientData` is true when the window is
 * shorter than the minimum history or the throughput (the soak's purpose) has no data.
 */
import { targetRatePerSecond } from '../plan/derived';
import type { SoakPlan } from '../plan/schema';
import type { MetricsSource, TimeWindow } from './metrics';
import { DEFAULT_POLICY, formatBytes, steepestTrend, throttlingOf } from './policy';
import { isoTime } from './recommend';
import { defaultNames, podContainers, type SelectorNames } from './selectors';
import { quantile } from './stats';

export type VerdictStatus = 'pass' | 'fail' | 'warn' | 'no-data';
export type VerdictCheck = 'restarts' | 'oom-kills' | 'errors' | 'throughput' | 'latency' | 'back-pressure' | 'cpu-throttling' | 'memory-trend';

export interface VerdictLine {
  readonly check: VerdictCheck;
  readonly status: VerdictStatus;
  /** What was measured, with its unit. */
  readonly measured: string;
  /** What passes. */
  readonly expected: string;
}

export interface VerdictCriteria {
  /** The source rate's p5 must be at least this percent of the target. */
  readonly throughputPercent: number;
  /** The p99 processing latency must be at most this, in milliseconds. */
  readonly latencyBoundMs: number;
  /** A memory slope at or above this fails the trend check (bytes per hour). */
  readonly leakSlopeBytesPerHour: number;
  /** A memory slope at or above this warns (bytes per hour). */
  readonly leakWarnBytesPerHour: number;
  /** Hourly points a slope needs before it is trusted. */
  readonly minTrendPoints: number;
  /** A window shorter than this (hours) gives no verdict. */
  readonly minHistoryHours: number;
  /** Fewest throughput points to judge the rate. */
  readonly minSamples: number;
  /** Share of the window without throughput data above which the throughput line warns. */
  readonly maxGapShare: number;
}

export const DEFAULT_CRITERIA: VerdictCriteria = {
  throughputPercent: 95,
  // The pipeline's readTimeout is 1s: a batch waits at most that long to fill, so a chunk
  // processed end to end in more than a second means the pipeline is falling behind.
  latencyBoundMs: 1000,
  leakSlopeBytesPerHour: DEFAULT_POLICY.leakSlopeBytesPerHour,
  leakWarnBytesPerHour: DEFAULT_POLICY.leakSlopeBytesPerHour / 4,
  minTrendPoints: DEFAULT_POLICY.minTrendPoints,
  minHistoryHours: DEFAULT_POLICY.minHistoryHours,
  minSamples: DEFAULT_POLICY.minSamples,
  maxGapShare: 0.01,
};

export interface Verdict {
  readonly source: string;
  readonly window: { readonly start: string; readonly end: string; readonly stepSeconds: number };
  readonly names: SelectorNames;
  /** Throughput target, msg/s. */
  readonly target: number;
  readonly criteria: VerdictCriteria;
  readonly lines: readonly VerdictLine[];
  /** No line failed. */
  readonly passed: boolean;
  readonly insufficientData: boolean;
  readonly reasons: readonly string[];
}

export interface VerdictArgs {
  readonly plan: SoakPlan;
  readonly source: MetricsSource;
  readonly window: TimeWindow;
  /** Throughput target in msg/s; default: the plan's generator rate. */
  readonly targetRate?: number;
  readonly criteria?: Partial<VerdictCriteria>;
  readonly names?: Partial<SelectorNames>;
  readonly onProgress?: (message: string) => void;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pctText = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function soakVerdict(args: VerdictArgs): Promise<Verdict> {
  const { plan, source, window } = args;
  const criteria = { ...DEFAULT_CRITERIA, ...args.criteria };
  const names: SelectorNames = { ...defaultNames(plan), ...args.names };
  const target = args.targetRate ?? targetRatePerSecond(plan);
  const progress = args.onProgress ?? (() => undefined);
  const windowHours = (window.end - window.start) / 3600;
  const lines: VerdictLine[] = [];
  const reasons: string[] = [];
  if (windowHours < criteria.minHistoryHours) reasons.push(`the window is ${windowHours.toFixed(1)} h; a verdict needs at least ${criteria.minHistoryHours} h`);

  // Restarts and OOM kills, every container of every pod kind.
  const containers = podContainers(plan, names);
  progress(`counting restarts of ${containers.length} containers`);
  const restarts = await Promise.all(containers.map((c) => source.restarts(c.selector, window)));
  const reported = restarts.some((r) => r.length > 0);
  const restartBy = new Map<string, number>();
  const oomBy = new Map<string, number>();
  let pods = 0;
  containers.forEach((c, k) => {
    pods += restarts[k].length;
    for (const r of restarts[k]) {
      if (r.restarts > 0) restartBy.set(c.label, (restartBy.get(c.label) ?? 0) + r.restarts);
      if (r.oomKilled) oomBy.set(c.label, (oomBy.get(c.label) ?? 0) + 1);
    }
  });
  const detail = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} ${v}`).join(', ');
  const totalRestarts = [...restartBy.values()].reduce((a, b) => a + b, 0);
  const totalOom = [...oomBy.values()].reduce((a, b) => a + b, 0);
  lines.push(
    !reported
      ? { check: 'restarts', status: 'no-data', measured: 'no restart counters', expected: '0' }
      : { check: 'restarts', status: totalRestarts === 0 ? 'pass' : 'fail', measured: totalRestarts === 0 ? `0 over ${pods} pod containers` : `${fmt(totalRestarts)} (${detail(restartBy)})`, expected: '0, init containers and sidecars included' },
  );
  lines.push(
    !reported
      ? { check: 'oom-kills', status: 'no-data', measured: 'no termination reasons', expected: '0' }
      : { check: 'oom-kills', status: totalOom === 0 ? 'pass' : 'fail', measured: totalOom === 0 ? '0' : `${totalOom} container(s) OOM-killed (${detail(oomBy)})`, expected: '0' },
  );

  progress('reading error counters');
  const errors = await source.errorCounts(names.namespace, names.pipeline, window);
  const nonZero = Object.entries(errors)
    .filter(([, v]) => v > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  lines.push({
    check: 'errors',
    status: nonZero.length === 0 ? 'pass' : 'fail',
    measured: nonZero.length === 0 ? '0' : nonZero.map(([k, v]) => `${k} ${fmt(v)}`).join(', '),
    expected: '0 (forwarder and ISB error counters)',
  });

  progress(`measuring the throughput of ${plan.pipeline.source.name}`);
  const throughput = await source.throughput(names.namespace, names.pipeline, plan.pipeline.source.name, window);
  const rates = throughput.rate.values.filter((v) => Number.isFinite(v));
  const floor = (target * criteria.throughputPercent) / 100;
  const expectedRate = `p5 ≥ ${fmt(floor)} msg/s (${criteria.throughputPercent}% of ${fmt(target)}), i.e. held for 95% of the window`;
  if (rates.length < criteria.minSamples) {
    reasons.push(`throughput of ${plan.pipeline.source.name}: ${rates.length} points, fewer than ${criteria.minSamples}`);
    lines.push({ check: 'throughput', status: 'no-data', measured: `${rates.length} points`, expected: expectedRate });
  } else {
    const p5 = quantile(rates, 0.05);
    const median = quantile(rates, 0.5);
    const points = throughput.rate.values.length;
    const gap = points > 0 ? 1 - rates.length / points : 0;
    const status: VerdictStatus = p5 < floor ? 'fail' : gap > criteria.maxGapShare ? 'warn' : 'pass';
    lines.push({
      check: 'throughput',
      status,
      measured: `p5 ${fmt(p5)} msg/s, median ${fmt(median)} msg/s (${plan.pipeline.source.name}, ${throughput.replicas} replicas, ${rates.length} points${gap > 0 ? `; no data for ${(gap * 100).toFixed(1)}% of the window` : ''})`,
      expected: expectedRate,
    });
  }

  progress('reading processing latency');
  const latencyUs = await source.processingLatencyP99(names.namespace, names.pipeline, window);
  lines.push(
    latencyUs === undefined || !Number.isFinite(latencyUs)
      ? { check: 'latency', status: 'no-data', measured: 'no forwarder_processing_time data', expected: `p99 ≤ ${criteria.latencyBoundMs} ms` }
      : {
          check: 'latency',
          status: latencyUs / 1000 <= criteria.latencyBoundMs ? 'pass' : 'fail',
          measured: `p99 ${(latencyUs / 1000).toFixed(1)} ms`,
          expected: `p99 ≤ ${criteria.latencyBoundMs} ms`,
        },
  );

  progress('reading back-pressure events');
  const full = await source.backPressureEvents(names.namespace, names.pipeline, window);
  lines.push({ check: 'back-pressure', status: full > 0 ? 'fail' : 'pass', measured: `${fmt(full)} buffer-full event(s)`, expected: '0 (isb_jetstream_isFull_total)' });

  // CPU throttling of every container that runs for the whole soak (init containers do not).
  const running = containers.filter((c) => c.role !== 'init');
  progress(`reading CPU throttling of ${running.length} containers`);
  const throttling = await Promise.all(running.map((c) => source.throttling(c.selector, window)));
  let throttled: { label: string; ratio: number; peak5m: number } | undefined;
  let anyThrottling = false;
  running.forEach((c, k) => {
    if (throttling[k].length > 0) anyThrottling = true;
    const t = throttlingOf(throttling[k], DEFAULT_POLICY);
    if (t.throttled && (!throttled || t.peak5m > throttled.peak5m)) throttled = { label: c.label, ratio: t.ratio, peak5m: t.peak5m };
  });
  const expectedThrottling = `≤ ${DEFAULT_POLICY.throttledRatio * 100}% of CFS periods over the window and ≤ ${DEFAULT_POLICY.throttledPeak5m * 100}% over any 5 minutes (warns only)`;
  lines.push(
    !anyThrottling
      ? { check: 'cpu-throttling', status: 'no-data', measured: 'no CFS period counters', expected: expectedThrottling }
      : throttled
        ? { check: 'cpu-throttling', status: 'warn', measured: `${throttled.label} throttled in ${pctText(throttled.ratio)} of periods, ${pctText(throttled.peak5m)} in the worst 5 minutes`, expected: expectedThrottling }
        : { check: 'cpu-throttling', status: 'pass', measured: 'no container throttled', expected: expectedThrottling },
  );

  // Memory trend of the vertex containers that process data (numa, udf, udsink).
  const vertexContainers = containers.filter((c) => c.role === 'numa' || c.role === 'user');
  progress(`fitting memory trends of ${vertexContainers.length} containers`);
  const trends = await Promise.all(vertexContainers.map((c) => source.memoryTrend(c.selector, window)));
  let worst: { label: string; slope: number; points: number } | undefined;
  vertexContainers.forEach((c, k) => {
    const t = steepestTrend(trends[k], { ...DEFAULT_POLICY, minTrendPoints: criteria.minTrendPoints });
    if (t.slopeBytesPerHour !== undefined && (!worst || t.slopeBytesPerHour > worst.slope)) worst = { label: c.label, slope: t.slopeBytesPerHour, points: t.points };
  });
  const expectedTrend = `< ${formatBytes(criteria.leakSlopeBytesPerHour)}/h (warn from ${formatBytes(criteria.leakWarnBytesPerHour)}/h), hourly minima over ≥ ${criteria.minTrendPoints} h`;
  lines.push(
    worst === undefined
      ? { check: 'memory-trend', status: 'no-data', measured: `no pod has ${criteria.minTrendPoints} hourly points`, expected: expectedTrend }
      : {
          check: 'memory-trend',
          status: worst.slope >= criteria.leakSlopeBytesPerHour ? 'fail' : worst.slope >= criteria.leakWarnBytesPerHour ? 'warn' : 'pass',
          measured: `steepest ${worst.slope < 0 ? '-' : '+'}${formatBytes(Math.abs(worst.slope))}/h (${worst.label}, ${worst.points} points)`,
          expected: expectedTrend,
        },
  );

  return {
    source: source.description,
    window: { start: isoTime(window.start), end: isoTime(window.end), stepSeconds: window.stepSeconds },
    names,
    target,
    criteria,
    lines,
    passed: !lines.some((l) => l.status === 'fail'),
    insufficientData: reasons.length > 0,
    reasons,
  };
}

/** The verdict as plain JSON (schemaVersion 1), documented in docs/recommend.md. */
export function verdictJson(v: Verdict): unknown {
  return { schemaVersion: 1, source: v.source, window: v.window, names: v.names, target: v.target, passed: v.passed, insufficientData: v.insufficientData, reasons: v.reasons, criteria: v.criteria, lines: v.lines };
}
