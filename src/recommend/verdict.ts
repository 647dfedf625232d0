/**
 * The soak verdict: did the run hold up? One line per check, each with the figure it
 * measured, what was expected and the selector it used, so a reader sees why a check
 * passed or failed, and where to look when it found nothing:
 *
 * | check | fails when |
 * |---|---|
 * | restarts | any container restarted (init containers, sidecars and `monitor` included) |
 * | oom-kills | any container was OOM-killed |
 * | replaced-pods | a vertex with a fixed replica count ran a pod under a new name (evicted or deleted and recreated: fresh restart counters); warns when the vertex autoscales |
 * | errors | a forwarder or ISB error counter increased (forwarder_critical_error_total counts UDF crashes) |
 * | throughput | the p5 of the source vertex's rate is below 95% of the target |
 * | data-loss | the sink wrote fewer messages than the source read, beyond the tolerance, or any message was dropped |
 * | latency | the p99 of forwarder_processing_time is above the bound |
 * | back-pressure | a buffer reported full (isb_jetstream_isFull_total increased) |
 * | backlog | pending messages or the processing lag grow without bound |
 * | cpu-throttling | never fails; warns when a container was throttled in > 10% of CFS periods, or > 25% over 5 minutes |
 * | memory-trend | a vertex container's memory grows ≥ 1 MiB/h (hourly minima); warns from ¼ of that |
 *
 * No false passes. Numaflow creates its counters lazily (rust/numaflow-core/src/metrics/mod.rs,
 * `Family::get_or_create` on the first increment), so "no error series" means zero errors
 * only when the pipeline's pods were demonstrably scraped in the window: every vertex must
 * have a pod with `up == 1`, else the errors and back-pressure lines are `no-data`. Every
 * line is required unless skipped by name (`skip`); a required `no-data` line makes the
 * verdict insufficient (exit 6), with the selector and a hint on that line.
 *
 * Coverage: every line judges how much of the window its own data covers, and names it; a
 * line whose data covers less than `minCoveragePercent` (90%) of the window is `no-data`
 * unless it already failed (a failure seen in part of the window is a failure). The
 * data-plane lines take the points of the source vertex's read rate, the trend lines their
 * hourly points, and the whole-window counter lines (restarts, OOM kills, replaced pods,
 * CPU throttling) the points at which the series they read had a sample
 * (`MetricsSource.windowCoverage`: restart counters, kube_pod_info, the CPU usage counter).
 * The hint of a line without enough data tells a sparse window (some data, too little)
 * from one where nothing was scraped at all.
 *
 * `passed` is true when no line fails.
 */
import type { SoakVerdictRecord } from '../diff/provenance';
import { targetRatePerSecond } from '../plan/derived';
import type { SoakPlan } from '../plan/schema';
import type { MetricsSource, SeriesChoice, TimeWindow } from './metrics';
import { coverageOf, DEFAULT_POLICY, formatBytes, steepestTrend, throttlingOf } from './policy';
import { isoTime, seriesJson } from './recommend';
import { defaultNames, pipelineBuffers, podContainers, soakScope, unsizedContainers, vertexPodPattern, vertexPods, type SelectorNames } from './selectors';
import { leastSquaresSlope, quantile } from './stats';
import { RECORDED } from '../monitoring/recording-rules';

export type VerdictStatus = 'pass' | 'fail' | 'warn' | 'no-data' | 'skipped';
export const VERDICT_CHECKS = [
  'restarts',
  'oom-kills',
  'replaced-pods',
  'errors',
  'throughput',
  'data-loss',
  'latency',
  'back-pressure',
  'backlog',
  'cpu-throttling',
  'memory-trend',
] as const;
export type VerdictCheck = (typeof VERDICT_CHECKS)[number];

export interface VerdictLine {
  readonly check: VerdictCheck;
  readonly status: VerdictStatus;
  /** What was measured, with its unit. */
  readonly measured: string;
  /** What passes. */
  readonly expected: string;
  /** The series the check read, as a PromQL selector (what to look for when there is no data). */
  readonly selector: string;
  /** With `no-data`: the likely causes. */
  readonly hint?: string;
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
  /**
   * Share of the window's points a line needs data at, percent, else it is `no-data`. The
   * data-plane lines (throughput, errors, data-loss, latency, back-pressure) take the
   * coverage of the source vertex's read rate, whose pods serve those counters too; the
   * trend lines (backlog, memory-trend) their hourly points; the whole-window counter lines
   * the points at which the series they count had a sample (MetricsSource.windowCoverage:
   * restart counters for restarts and OOM kills, kube_pod_info for replaced pods, the CPU
   * usage counter for CPU throttling).
   */
  readonly minCoveragePercent: number;
  /**
   * Messages the sink may write fewer than the source read, percent of those read. What is
   * in flight at the window's edges (at most the buffers' capacity) is far below 0.01% of a
   * 5-day soak at 50k msg/s (2.16e10 messages).
   */
  readonly lossTolerancePercent: number;
  /**
   * Backlog: the pending messages may grow over the window by at most this percent of the
   * usable capacity of the pipeline's buffers (partitions × bufferMaxLength × usage limit),
   * judged by the least-squares slope of hourly points.
   */
  readonly backlogGrowthPercent: number;
  /** Backlog: the processing lag may grow over the window by at most this, milliseconds. */
  readonly lagGrowthMs: number;
  /** Checks not judged, by name (a skipped line never makes the verdict insufficient). */
  readonly skip: readonly VerdictCheck[];
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
  minCoveragePercent: DEFAULT_POLICY.minCoveragePercent,
  lossTolerancePercent: 0.01,
  backlogGrowthPercent: 25,
  lagGrowthMs: 60_000,
  skip: [],
};

export interface Verdict {
  readonly source: string;
  readonly window: { readonly start: string; readonly end: string; readonly stepSeconds: number };
  readonly names: SelectorNames;
  /** Throughput target, msg/s. */
  readonly target: number;
  readonly criteria: VerdictCriteria;
  readonly lines: readonly VerdictLine[];
  /** Which series the 5-minute throttling peaks were read from, when a container was throttled: recording rule or raw (empty for the embedded source). */
  readonly series: readonly SeriesChoice[];
  /** No line failed. */
  readonly passed: boolean;
  /** A required line had no data, or the window is too short. */
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

/** A PromQL-style selector for a verdict line. */
function selectorText(metric: string, matchers: Readonly<Record<string, string>>): string {
  const parts = Object.entries(matchers).map(([k, v]) => (k.endsWith('~') ? `${k.slice(0, -1)}=~${JSON.stringify(v)}` : `${k}=${JSON.stringify(v)}`));
  return `${metric}{${parts.join(',')}}`;
}

/** Hints for a data-plane check without data: nothing scraped at all. */
const SCRAPE_HINT =
  'no vertex pod was scraped in the window: check --namespace and --pipeline, that Prometheus selects the PodMonitor (its labels, monitoring.labels in the plan), and that the window covers the soak';

/** The hint of a line whose series cover some of the window, but less than the minimum. */
function sparseHint(what: string, percent: number): string {
  return `${what} cover only ${percent.toFixed(1)}% of the window: scrapes were missing for much of it (Prometheus down or the targets not selected for a while, retention shorter than the window), or the window reaches beyond the soak: check --start and --end`;
}

export async function soakVerdict(args: VerdictArgs): Promise<Verdict> {
  const { plan, source, window } = args;
  const criteria: VerdictCriteria = { ...DEFAULT_CRITERIA, ...args.criteria };
  const names: SelectorNames = { ...defaultNames(plan), ...args.names };
  const target = args.targetRate ?? targetRatePerSecond(plan);
  const progress = args.onProgress ?? (() => undefined);
  const windowHours = (window.end - window.start) / 3600;
  const { source: sourceVertex, batchMap, sink } = plan.pipeline;
  const vertices = [sourceVertex.name, batchMap.name, sink.name];
  const buffers = pipelineBuffers(plan, names);
  const pods = vertexPods(plan, names);
  // One query per family for the whole soak, shared with a recommendation on the same source.
  const scope = soakScope(plan, names);
  source.prepare?.(scope);
  const reasons: string[] = [];
  if (windowHours < criteria.minHistoryHours) reasons.push(`the window is ${windowHours.toFixed(1)} h; a verdict needs at least ${criteria.minHistoryHours} h`);
  const ns = names.namespace;
  const pl = names.pipeline;
  const bufferSel = (metric: string) => selectorText(metric, { namespace: ns, 'buffer~': buffers.bufferPattern });
  const pipelineSel = (metric: string, vertex?: string) => selectorText(metric, { namespace: ns, pipeline: pl, ...(vertex ? { vertex } : {}) });

  // The scrape proof of the lazily created data-plane counters: a scraped pod per vertex.
  progress('checking that the vertex pods were scraped');
  const scraped = await source.scrapedPods(pods, window);
  const unscraped = vertices.filter((v) => !scraped.some((p) => new RegExp(vertexPodPattern(pl, v)).test(p)));
  const proofSelector = selectorText('up', { namespace: ns, 'pod~': pods.podPattern });
  const proofMissing = unscraped.length > 0 ? `no scraped pod of ${unscraped.join(', ')} (${proofSelector} == 1)` : undefined;

  // Restarts and OOM kills, every container of every pod kind, monitor sidecars included.
  const containers = [...podContainers(plan, names), ...unsizedContainers(plan, names)];
  progress(`counting restarts of ${containers.length} containers`);
  const restarts = await Promise.all(containers.map((c) => source.restarts(c.selector, window)));
  const restartBy = new Map<string, number>();
  const oomBy = new Map<string, number>();
  const silent: string[] = [];
  let podContainerCount = 0;
  containers.forEach((c, k) => {
    podContainerCount += restarts[k].length;
    if (restarts[k].length === 0) silent.push(c.label);
    for (const r of restarts[k]) {
      if (r.restarts > 0) restartBy.set(c.label, (restartBy.get(c.label) ?? 0) + r.restarts);
      if (r.oomKilled) oomBy.set(c.label, (oomBy.get(c.label) ?? 0) + 1);
    }
  });
  const detail = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} ${v}`).join(', ');
  const totalRestarts = [...restartBy.values()].reduce((a, b) => a + b, 0);
  const totalOom = [...oomBy.values()].reduce((a, b) => a + b, 0);
  const restartSelector = selectorText('kube_pod_container_status_restarts_total', { namespace: ns }) + ' and kube_pod_init_container_status_restarts_total (sidecars, init)';
  const ksmHint = (what: string) =>
    `no series for ${what}: check that kube-state-metrics is scraped, exposes kube_pod_init_container_* (native sidecars such as udf and monitor are init containers), and --namespace`;
  // How much of the window a family's series cover; below the minimum, the text that says so.
  const coverText = (what: string, percent: number) => `${what} cover ${percent.toFixed(1)}% of the window`;
  const shortOf = (what: string, percent: number) => (percent < criteria.minCoveragePercent ? `${coverText(what, percent)}, less than ${criteria.minCoveragePercent}%` : undefined);
  const restartSeries = 'restart counters';
  const restartCoverage = await source.windowCoverage('restarts', scope, window);
  const restartsShort = shortOf(restartSeries, restartCoverage);
  const lines: VerdictLine[] = [];
  if (silent.length > 0) {
    // A container without restart counters may have restarted: never a pass.
    const hint = ksmHint(silent.join(', '));
    lines.push(
      totalRestarts > 0
        ? { check: 'restarts', status: 'fail', measured: `${fmt(totalRestarts)} (${detail(restartBy)}); no data for ${silent.join(', ')}`, expected: '0', selector: restartSelector, hint }
        : { check: 'restarts', status: 'no-data', measured: `no restart counters for ${silent.join(', ')}; ${restartsShort ?? coverText(restartSeries, restartCoverage)}`, expected: '0', selector: restartSelector, hint },
    );
    lines.push(
      totalOom > 0
        ? { check: 'oom-kills', status: 'fail', measured: `${totalOom} container(s) OOM-killed (${detail(oomBy)}); no data for ${silent.join(', ')}`, expected: '0', selector: restartSelector, hint }
        : { check: 'oom-kills', status: 'no-data', measured: `no termination data for ${silent.join(', ')}; ${restartsShort ?? coverText(restartSeries, restartCoverage)}`, expected: '0', selector: restartSelector, hint },
    );
  } else {
    // A restart or OOM kill seen in part of the window fails; none seen passes only over enough of it.
    const hint = restartsShort ? sparseHint(`the ${restartSeries}`, restartCoverage) : undefined;
    lines.push(
      totalRestarts > 0
        ? { check: 'restarts', status: 'fail', measured: `${fmt(totalRestarts)} (${detail(restartBy)})`, expected: '0, init containers and sidecars included', selector: restartSelector }
        : {
            check: 'restarts',
            status: restartsShort ? 'no-data' : 'pass',
            measured: `0 over ${podContainerCount} pod containers${restartsShort ? `, but ${restartsShort}` : ''}`,
            expected: '0, init containers and sidecars included',
            selector: restartSelector,
            ...(hint ? { hint } : {}),
          },
    );
    const oomSelector = selectorText('kube_pod_container_status_last_terminated_reason', { namespace: ns, reason: 'OOMKilled' });
    lines.push(
      totalOom > 0
        ? { check: 'oom-kills', status: 'fail', measured: `${totalOom} container(s) OOM-killed (${detail(oomBy)})`, expected: '0', selector: oomSelector }
        : { check: 'oom-kills', status: restartsShort ? 'no-data' : 'pass', measured: restartsShort ? `0, but ${restartsShort}` : '0', expected: '0', selector: oomSelector, ...(hint ? { hint } : {}) },
    );
  }

  // Pods replaced: a vertex pod is `{pipeline}-{vertex}-{replica}-{5 random}`; a replica
  // index seen under two names was deleted or evicted and recreated with fresh counters.
  progress('counting replaced vertex pods');
  const seen = await source.podsSeen(pods, window);
  const podsCoverage = await source.windowCoverage('pods', scope, window);
  const podsShort = shortOf('kube_pod_info series', podsCoverage);
  const replacedLine = replacedPodsLine(plan, names, seen, selectorText('kube_pod_info', { namespace: ns, 'pod~': pods.podPattern }));
  lines.push(
    seen.length === 0
      ? { ...replacedLine, measured: `${replacedLine.measured}; ${coverText('kube_pod_info series', podsCoverage)}` }
      : podsShort && replacedLine.status !== 'fail'
        ? { ...replacedLine, status: 'no-data', measured: `${replacedLine.measured}, but ${podsShort}`, hint: sparseHint('the kube_pod_info series', podsCoverage) }
        : replacedLine,
  );

  progress(`measuring the throughput of ${sourceVertex.name}`);
  const throughput = await source.throughput(ns, pl, sourceVertex.name, window);
  const rates = throughput.rate.values.filter((v) => Number.isFinite(v));
  const floor = (target * criteria.throughputPercent) / 100;
  const expectedRate = `p5 ≥ ${fmt(floor)} msg/s (${criteria.throughputPercent}% of ${fmt(target)}), i.e. held for 95% of the window`;
  const throughputSelector = pipelineSel('forwarder_data_read_total', sourceVertex.name);
  const coverage = coverageOf(rates.length, throughput.rate.values.length);
  const coverageText = `${coverage.toFixed(1)}% of the window`;
  const sparse = coverage < criteria.minCoveragePercent ? `data-plane series cover ${coverageText}, less than ${criteria.minCoveragePercent}%` : undefined;
  // Nothing at all: a wrong namespace or pipeline, or no scrape config; some: a sparse window.
  const dataPlaneHint = rates.length === 0 ? SCRAPE_HINT : sparseHint('the data-plane series', coverage);
  if (rates.length < criteria.minSamples) {
    lines.push({ check: 'throughput', status: 'no-data', measured: `${rates.length} points: ${sparse ?? `data-plane series cover ${coverageText}`}, fewer than ${criteria.minSamples} points`, expected: expectedRate, selector: throughputSelector, hint: dataPlaneHint });
  } else if (sparse) {
    lines.push({ check: 'throughput', status: 'no-data', measured: `${rates.length} points: ${sparse}`, expected: expectedRate, selector: throughputSelector, hint: dataPlaneHint });
  } else {
    const p5 = quantile(rates, 0.05);
    const median = quantile(rates, 0.5);
    const points = throughput.rate.values.length;
    const gap = points > 0 ? 1 - rates.length / points : 0;
    const status: VerdictStatus = p5 < floor ? 'fail' : gap > criteria.maxGapShare ? 'warn' : 'pass';
    lines.push({
      check: 'throughput',
      status,
      measured: `p5 ${fmt(p5)} msg/s, median ${fmt(median)} msg/s (${sourceVertex.name}, ${throughput.replicas} replicas, ${rates.length} points${gap > 0 ? `; no data for ${(gap * 100).toFixed(1)}% of the window` : ''})`,
      expected: expectedRate,
      selector: throughputSelector,
    });
  }

  progress('reading error counters');
  const errors = await source.errorCounts(ns, pl, buffers, window);
  const nonZero = Object.entries(errors)
    .filter(([, v]) => v > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  const errorSelector = `${pipelineSel('forwarder_{read,write,udf,critical}_error_total')}; ${bufferSel('isb_jetstream_{read_error,write_error,write_timeout,isFull_error}_total')}`;
  const errorExpected = '0 (forwarder errors incl. critical (UDF crashes), ISB read/write errors and write timeouts)';
  lines.push(
    nonZero.length > 0
      ? { check: 'errors', status: 'fail', measured: nonZero.map(([k, v]) => `${k} ${fmt(v)}`).join(', '), expected: errorExpected, selector: errorSelector }
      : proofMissing
        ? { check: 'errors', status: 'no-data', measured: `no error series and ${proofMissing}; data-plane series cover ${coverageText}`, expected: errorExpected, selector: errorSelector, hint: SCRAPE_HINT }
        : sparse
          ? { check: 'errors', status: 'no-data', measured: `no error counted, but ${sparse}`, expected: errorExpected, selector: errorSelector, hint: dataPlaneHint }
          : { check: 'errors', status: 'pass', measured: `0 (${scraped.length} vertex pods scraped)`, expected: errorExpected, selector: errorSelector },
  );

  progress('counting messages read, written and dropped');
  const counts = await source.messageCounts(ns, pl, { source: sourceVertex.name, sink: sink.name }, window);
  lines.push(dataLossLine(counts, criteria, sparse, `data-plane series cover ${coverageText}`, dataPlaneHint, `${pipelineSel('forwarder_data_read_total', sourceVertex.name)} vs ${pipelineSel('forwarder_write_total', sink.name)}; ${pipelineSel('forwarder_drop_total')}`));

  progress('reading processing latency');
  const latencyUs = await source.processingLatencyP99(ns, pl, window);
  const latencySelector = pipelineSel('forwarder_processing_time_bucket');
  lines.push(
    latencyUs === undefined || !Number.isFinite(latencyUs)
      ? { check: 'latency', status: 'no-data', measured: `no forwarder_processing_time data; ${sparse ?? `data-plane series cover ${coverageText}`}`, expected: `p99 ≤ ${criteria.latencyBoundMs} ms`, selector: latencySelector, hint: dataPlaneHint }
      : latencyUs / 1000 <= criteria.latencyBoundMs && sparse
        ? { check: 'latency', status: 'no-data', measured: `p99 ${(latencyUs / 1000).toFixed(1)} ms, but ${sparse}`, expected: `p99 ≤ ${criteria.latencyBoundMs} ms`, selector: latencySelector, hint: dataPlaneHint }
        : {
            check: 'latency',
            status: latencyUs / 1000 <= criteria.latencyBoundMs ? 'pass' : 'fail',
            measured: `p99 ${(latencyUs / 1000).toFixed(1)} ms`,
            expected: `p99 ≤ ${criteria.latencyBoundMs} ms`,
            selector: latencySelector,
          },
  );

  progress('reading back-pressure events');
  const full = await source.backPressureEvents(buffers, window);
  const fullSelector = bufferSel('isb_jetstream_isFull_total');
  const fullExpected = '0 after the warm-up (isb_jetstream_isFull_total)';
  lines.push(
    full > 0
      ? { check: 'back-pressure', status: 'fail', measured: `${fmt(full)} buffer-full write attempt(s)`, expected: fullExpected, selector: fullSelector }
      : proofMissing
        ? { check: 'back-pressure', status: 'no-data', measured: `no isFull series and ${proofMissing}; data-plane series cover ${coverageText}`, expected: fullExpected, selector: fullSelector, hint: SCRAPE_HINT }
        : sparse
          ? { check: 'back-pressure', status: 'no-data', measured: `no buffer-full attempt counted, but ${sparse}`, expected: fullExpected, selector: fullSelector, hint: dataPlaneHint }
          : { check: 'back-pressure', status: 'pass', measured: `0 buffer-full write attempts (${scraped.length} vertex pods scraped)`, expected: fullExpected, selector: fullSelector },
  );

  progress('reading the backlog');
  const backlog = await source.backlog(ns, pl, buffers, window);
  lines.push(backlogLine(plan, backlog, criteria, `${bufferSel('isb_jetstream_buffer_pending')}; ${pipelineSel('pipeline_processing_lag')}`));

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
  // Of the recorded families the verdict reads only the throttling peaks, and only when a container was throttled at all.
  const series = (source.seriesChoices?.(scope, window) ?? []).filter((c) => c.family === 'throttling');
  const throttlingSelector =
    selectorText('container_cpu_cfs_throttled_periods_total', { namespace: ns }) +
    (series.some((c) => c.used === 'recorded') ? `; 5-minute peaks ${selectorText(RECORDED.throttledRatio5m, { namespace: ns })}` : '');
  const cpuCoverage = await source.windowCoverage('cpu', scope, window);
  const cpuShort = shortOf('CPU usage counters', cpuCoverage);
  const throttlingLine: VerdictLine = !anyThrottling
    ? { check: 'cpu-throttling', status: 'no-data', measured: `no CFS period counters; ${cpuShort ?? coverText('CPU usage counters', cpuCoverage)}`, expected: expectedThrottling, selector: throttlingSelector, hint: 'cAdvisor series missing: check that the kubelet /metrics/cadvisor endpoint is scraped and --namespace' }
    : throttled
      ? { check: 'cpu-throttling', status: 'warn', measured: `${throttled.label} throttled in ${pctText(throttled.ratio)} of periods, ${pctText(throttled.peak5m)} in the worst 5 minutes`, expected: expectedThrottling, selector: throttlingSelector }
      : { check: 'cpu-throttling', status: 'pass', measured: 'no container throttled', expected: expectedThrottling, selector: throttlingSelector };
  // Throttling seen in part of the window is stated, but judged (warn or pass) only over enough of it.
  lines.push(
    cpuShort && anyThrottling
      ? { ...throttlingLine, status: 'no-data', measured: `${throttlingLine.measured}, but ${cpuShort}`, hint: sparseHint('the CPU usage counters', cpuCoverage) }
      : throttlingLine,
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
  const trendSelector = selectorText('container_memory_working_set_bytes', { namespace: ns, 'pod~': pods.podPattern });
  const trendHours = Math.floor(windowHours - 1 + 1e-9);
  const mostPoints = Math.max(0, ...trends.flat().map((t) => t.points));
  const mostCoverage = coverageOf(mostPoints, trendHours);
  lines.push(
    worst === undefined
      ? {
          check: 'memory-trend',
          status: 'no-data',
          measured: `no pod has ${criteria.minTrendPoints} hourly points (the most: ${mostPoints} of ${trendHours}, ${mostCoverage.toFixed(1)}% of the window${mostCoverage < criteria.minCoveragePercent ? `, less than ${criteria.minCoveragePercent}%` : ''})`,
          expected: expectedTrend,
          selector: trendSelector,
          hint: mostPoints > 0 ? sparseHint('the working-set series', mostCoverage) : 'cAdvisor series missing or the window is too short',
        }
      : coverageOf(worst.points, trendHours) < criteria.minCoveragePercent
        ? {
            check: 'memory-trend',
            status: 'no-data',
            measured: `${worst.label} has ${worst.points} of ${trendHours} hourly points (${coverageOf(worst.points, trendHours).toFixed(1)}% of the window), less than ${criteria.minCoveragePercent}%`,
            expected: expectedTrend,
            selector: trendSelector,
            hint: sparseHint('the working-set series', coverageOf(worst.points, trendHours)),
          }
      : {
          check: 'memory-trend',
          status: worst.slope >= criteria.leakSlopeBytesPerHour ? 'fail' : worst.slope >= criteria.leakWarnBytesPerHour ? 'warn' : 'pass',
          measured: `steepest ${worst.slope < 0 ? '-' : '+'}${formatBytes(Math.abs(worst.slope))}/h (${worst.label}, ${worst.points} points)`,
          expected: expectedTrend,
          selector: trendSelector,
        },
  );

  // Lines skipped by name; the order of the table above.
  const judged = VERDICT_CHECKS.map((check) => lines.find((l) => l.check === check)!).map((l) =>
    criteria.skip.includes(l.check) ? { ...l, status: 'skipped' as const, hint: undefined } : l,
  );
  for (const l of judged) if (l.status === 'no-data') reasons.push(`${l.check}: no data (${l.selector})${l.hint ? `: ${l.hint}` : ''}`);
  return {
    source: source.description,
    window: { start: isoTime(window.start), end: isoTime(window.end), stepSeconds: window.stepSeconds },
    names,
    target,
    criteria,
    lines: judged.map(({ hint, ...l }) => (hint ? { ...l, hint } : l)),
    series,
    passed: !judged.some((l) => l.status === 'fail'),
    insufficientData: reasons.length > 0,
    reasons,
  };
}

function replacedPodsLine(plan: SoakPlan, names: SelectorNames, seen: readonly string[], selector: string): VerdictLine {
  const expected = '0 pods replaced (a replica index under two pod names); autoscaled vertices warn only';
  if (seen.length === 0) {
    return { check: 'replaced-pods', status: 'no-data', measured: 'no kube_pod_info series for the vertex pods', expected, selector, hint: 'check that kube-state-metrics is scraped and --namespace, --pipeline' };
  }
  const replaced: string[] = [];
  let fixed = true;
  for (const vertex of [plan.pipeline.source, plan.pipeline.batchMap, plan.pipeline.sink]) {
    const pattern = new RegExp(vertexPodPattern(names.pipeline, vertex.name));
    const byReplica = new Map<string, number>();
    for (const pod of seen.filter((p) => pattern.test(p))) {
      const replica = /-(\d+)-[a-z0-9]{5}$/.exec(pod)![1];
      byReplica.set(replica, (byReplica.get(replica) ?? 0) + 1);
    }
    const extra = [...byReplica.values()].reduce((a, n) => a + n - 1, 0);
    if (extra > 0) {
      replaced.push(`${vertex.name} ${extra}`);
      if (vertex.scale.min !== vertex.scale.max) fixed = false;
    }
  }
  if (replaced.length === 0) return { check: 'replaced-pods', status: 'pass', measured: `0 (${seen.length} vertex pods seen)`, expected, selector };
  return { check: 'replaced-pods', status: fixed ? 'fail' : 'warn', measured: `${replaced.join(', ')} pod(s) replaced (${seen.length} vertex pods seen)`, expected, selector };
}

function dataLossLine(
  counts: { readonly read: number | undefined; readonly written: number | undefined; readonly dropped: Readonly<Record<string, number>> },
  criteria: VerdictCriteria,
  sparse: string | undefined,
  covered: string,
  hint: string,
  selector: string,
): VerdictLine {
  const expected = `sink writes ≥ source reads − ${criteria.lossTolerancePercent}%, 0 dropped (forwarder_drop_total); assumes a 1:1 map UDF such as batchmap-cat`;
  const drops = Object.entries(counts.dropped)
    .filter(([, n]) => Math.round(n) > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  const dropText = drops.map(([reason, n]) => `${fmt(n)} dropped (${reason || 'no reason'})`).join(', ');
  if (counts.read === undefined || counts.written === undefined || counts.read <= 0) {
    const missing = counts.read === undefined || counts.read <= 0 ? 'source reads' : 'sink writes';
    return drops.length > 0
      ? { check: 'data-loss', status: 'fail', measured: `${dropText}; no ${missing}`, expected, selector }
      : { check: 'data-loss', status: 'no-data', measured: `no ${missing}; ${sparse ?? covered}`, expected, selector, hint };
  }
  const lost = counts.read - counts.written;
  const share = (lost / counts.read) * 100;
  const measured = `read ${fmt(counts.read)}, written ${fmt(counts.written)} (${lost >= 0 ? '−' : '+'}${Math.abs(share).toFixed(4)}%)${drops.length > 0 ? `; ${dropText}` : ''}`;
  // Counters that stop inside the window are extrapolated by increase(): with sparse data
  // the read/written difference says nothing, only counted drops do.
  if (sparse && drops.length === 0) return { check: 'data-loss', status: 'no-data', measured: `${measured}, but ${sparse}`, expected, selector, hint };
  const failed = (!sparse && share > criteria.lossTolerancePercent) || drops.length > 0;
  return { check: 'data-loss', status: failed ? 'fail' : 'pass', measured, expected, selector };
}

/** Usable capacity of the pipeline's buffers: partitions × bufferMaxLength × usage limit, per reading vertex. */
export function bufferCapacity(plan: SoakPlan): number {
  const { limits, batchMap, sink } = plan.pipeline;
  const of = (partitions: number, v: { readonly limits?: { readonly bufferMaxLength?: number; readonly bufferUsageLimit?: number } }) =>
    partitions * (v.limits?.bufferMaxLength ?? limits.bufferMaxLength) * ((v.limits?.bufferUsageLimit ?? limits.bufferUsageLimit) / 100);
  return of(batchMap.partitions, batchMap) + of(sink.partitions ?? 1, sink);
}

function backlogLine(plan: SoakPlan, backlog: { readonly pending: { readonly t: readonly number[]; readonly values: readonly number[] }; readonly lagMs: { readonly t: readonly number[]; readonly values: readonly number[] } }, criteria: VerdictCriteria, selector: string): VerdictLine {
  const capacity = bufferCapacity(plan);
  const growthLimit = (capacity * criteria.backlogGrowthPercent) / 100;
  const expected = `pending grows < ${fmt(growthLimit)} messages over the window (${criteria.backlogGrowthPercent}% of the buffers' ${fmt(capacity)}) and lag grows < ${criteria.lagGrowthMs / 1000} s (least-squares slope of hourly points)`;
  // pipeline_processing_lag is −1 when the daemon cannot tell (pkg/daemon/server/daemon_server.go): no data, not a value.
  const fit = (s: { readonly t: readonly number[]; readonly values: readonly number[] }, known: (x: number) => boolean = () => true) => {
    const t: number[] = [];
    const v: number[] = [];
    s.values.forEach((x, i) => {
      if (Number.isFinite(x) && known(x)) {
        t.push(s.t[i]);
        v.push(x);
      }
    });
    if (v.length < criteria.minTrendPoints || coverageOf(v.length, s.values.length) < criteria.minCoveragePercent) return undefined;
    const span = t[t.length - 1] - t[0];
    return { growth: leastSquaresSlope(t, v) * span, last: v[v.length - 1], points: v.length };
  };
  const pending = fit(backlog.pending);
  const lag = fit(backlog.lagMs, (x) => x >= 0);
  if (!pending) {
    const have = backlog.pending.values.filter((x) => Number.isFinite(x)).length;
    const covered = coverageOf(have, backlog.pending.values.length);
    return {
      check: 'backlog',
      status: 'no-data',
      measured: `pending messages at ${have} of ${backlog.pending.values.length} hourly points (${covered.toFixed(1)}% of the window; needs ${criteria.minTrendPoints} points and ${criteria.minCoveragePercent}%)`,
      expected,
      selector,
      hint: have === 0 ? SCRAPE_HINT : sparseHint('the pending-message series', covered),
    };
  }
  const parts = [`pending ${pending.growth >= 0 ? '+' : '−'}${fmt(Math.abs(pending.growth))} over the window (last ${fmt(pending.last)})`];
  parts.push(lag ? `lag ${lag.growth >= 0 ? '+' : '−'}${(Math.abs(lag.growth) / 1000).toFixed(1)} s (last ${(lag.last / 1000).toFixed(1)} s)` : 'no lag data (is the daemon scraped?)');
  const failed = pending.growth >= growthLimit || (lag !== undefined && lag.growth >= criteria.lagGrowthMs);
  const status: VerdictStatus = failed ? 'fail' : lag === undefined ? 'warn' : 'pass';
  return { check: 'backlog', status, measured: parts.join('; '), expected, selector };
}

/** The verdict as plain JSON (schemaVersion 1), documented in docs/recommend.md. */
export function verdictJson(v: Verdict): unknown {
  return {
    schemaVersion: 1,
    source: v.source,
    window: v.window,
    names: v.names,
    target: v.target,
    passed: v.passed,
    insufficientData: v.insufficientData,
    reasons: v.reasons,
    series: v.series.map(seriesJson),
    criteria: v.criteria,
    lines: v.lines,
  };
}

/**
 * The verdict as the provenance file records it (SoakVerdictRecord, src/diff/provenance.ts):
 * the outcome, the window, how many checks were judged, and the lines that failed or had
 * no data, each with its measured figure.
 */
export function verdictRecord(v: Verdict): SoakVerdictRecord {
  return {
    passed: v.passed,
    insufficientData: v.insufficientData,
    window: { start: v.window.start, end: v.window.end, stepSeconds: v.window.stepSeconds },
    checks: v.lines.filter((l) => l.status !== 'skipped').length,
    lines: v.lines.flatMap((l) => (l.status === 'fail' || l.status === 'no-data' ? [{ check: l.check, status: l.status, measured: l.measured }] : [])),
  };
}
