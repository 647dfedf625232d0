/**
 * `numaflow-soak doctor`: does the data source hold everything the verdict and the
 * recommender need for this soak (namespace, pipeline, buffer) over the window, and if not,
 * why not? It takes one inventory (MetricsSource.inventory) of every row of
 * needed-series.ts, a series family over a pod group, and judges each row:
 *
 * | status | when |
 * |---|---|
 * | ok | series found, covering the window (a lazy counter: found at all) |
 * | none-counted | a lazy counter (an error, isFull or drop counter, a termination reason: created on its first increment) without series, and the pods that would serve it were scraped (they served their other Numaflow series; kube-state-metrics reported the containers): nothing was counted, which is fine |
 * | missing | no series (a lazy counter: and no proof the pods were scraped) |
 * | partial | series found, but they start well after the window start or stop well before its end |
 *
 * A required row that is missing or partial is a problem; the report names the likely cause
 * of each, from what else the inventory found:
 * - wrong namespace: nothing at all in the namespace (or under --selector): no pod in
 *   kube_pod_info, no cAdvisor series, no scrape target (`up`), whatever their names;
 * - a pod group with nothing at all while the namespace has pods: a wrong --pipeline or
 *   --buffer (the report lists some of the pods the namespace has);
 * - PodMonitor not selected: cAdvisor or kube-state-metrics series exist for the vertex pods,
 *   but no Numaflow series and no `up`; with `up` but no Numaflow series: the scrapes fail;
 * - the daemon's ServiceMonitor not selected: the daemon pod is seen, its metrics are not;
 * - kube-state-metrics without init-container metrics: kube_pod_container_* present,
 *   kube_pod_init_container_* absent (native sidecars and init containers report there);
 * - kube-state-metrics or cAdvisor not scraped; no CPU limit (no CFS counters);
 * - retention shorter than the window: even the oldest needed series starts well after the
 *   window start; data that ends early: the soak or the scrapes stopped.
 * "Well after" is more than max(10 min, 2 steps, 3 scrape intervals).
 *
 * It also reports the Numaflow version the metrics reveal: the `version` label of the
 * daemon's `build_info` (numaflow v1.8.3 pkg/metrics/metrics.go, set by
 * pkg/daemon/server/daemon_server.go). The metrics contract holds for v1.8.3: another
 * version is a warning; none seen is "unknown". Neither changes whether the data is there.
 */
import { metric } from '../metrics/contract';
import { NUMAFLOW_VERSION } from '../numaflow/versions';
import type { SoakPlan } from '../plan/schema';
import type { InventoryEntry, InventoryQuery, MetricsSource, TimeWindow } from './metrics';
import { neededSeries, seriesName, type NeededSeries, type PodGroup } from './needed-series';
import { isoTime } from './recommend';
import { bufferPodPattern, daemonPodPattern, defaultNames, pipelineBuffers, vertexPodPattern, type SelectorNames } from './selectors';

export type DoctorStatus = 'ok' | 'none-counted' | 'missing' | 'partial';

export interface DoctorRow {
  /** The series name as queried (`forwarder_processing_time_bucket` for the histogram). */
  readonly family: string;
  /** The pod group: a vertex name, `daemon`, `isbsvc` (the JetStream pods) or `buffers`. */
  readonly group: string;
  readonly groupTitle: string;
  /** What was counted, as a PromQL selector. */
  readonly selector: string;
  /** A counter the tools read as zero without series (when its pods were scraped): error, isFull and drop counters, termination reasons. */
  readonly lazy: boolean;
  /** False for build_info, which only the doctor reads. */
  readonly required: boolean;
  readonly usedBy: readonly string[];
  readonly status: DoctorStatus;
  /** Required, and missing or partial. */
  readonly problem: boolean;
  /** Series found in the window. */
  readonly series: number;
  /** The label whose values are listed: `pod`, `buffer` or `version`. */
  readonly by: string;
  readonly values: readonly string[];
  /** ISO 8601: the first and last step with data (inventory.ts). */
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  readonly scrapeIntervalSeconds?: number;
  /** Why it is missing or partial; for none-counted, why that is fine. */
  readonly cause?: string;
}

export interface DoctorVersion {
  /** `contract`: the version the metrics contract holds for; `other`: another one; `unknown`: none exposed. */
  readonly status: 'contract' | 'other' | 'unknown';
  readonly seen: readonly string[];
  readonly contract: string;
  readonly text: string;
}

export interface DoctorProblem {
  readonly cause: string;
  readonly rows: readonly { readonly family: string; readonly group: string }[];
}

export interface DoctorReport {
  readonly source: string;
  readonly window: { readonly start: string; readonly end: string; readonly stepSeconds: number };
  readonly names: SelectorNames;
  /** No required row is missing or partial. */
  readonly ok: boolean;
  readonly version: DoctorVersion;
  readonly rows: readonly DoctorRow[];
  /** Every distinct cause of a problem, in table order, with the rows it explains. */
  readonly problems: readonly DoctorProblem[];
}

export interface DoctorArgs {
  readonly plan: SoakPlan;
  readonly source: MetricsSource;
  readonly window: TimeWindow;
  readonly names?: Partial<SelectorNames>;
  /** The --selector matchers as given, for the wrong-namespace hint. */
  readonly selectors?: readonly string[];
  readonly onProgress?: (message: string) => void;
}

interface Found {
  readonly row: NeededSeries;
  readonly entry: InventoryEntry;
}

interface Context {
  readonly window: TimeWindow;
  readonly names: SelectorNames;
  readonly selectors: readonly string[];
  readonly vertices: readonly string[];
  /** The `buffer` pattern of the pipeline's buffers. */
  readonly bufferPattern: string;
  /** The pods the namespace holds, whatever their names (kube_pod_info, cAdvisor, up), sorted: empty for a wrong namespace. */
  readonly namespacePods: readonly string[];
  /** The earliest first and the latest last step of the required, non-lazy rows found. */
  readonly earliest?: number;
  readonly latest?: number;
  /** Whether any row matching `pick` has series. */
  readonly has: (pick: (row: NeededSeries) => boolean) => boolean;
}

export async function soakDoctor(args: DoctorArgs): Promise<DoctorReport> {
  const { plan, source, window } = args;
  const names: SelectorNames = { ...defaultNames(plan), ...args.names };
  const rows = neededSeries(plan, names);
  args.onProgress?.(`taking inventory of ${new Set(rows.map((r) => r.family.name)).size} series families over ${rows.length} pod groups`);
  const probes = namespaceProbes(names);
  const entries = await source.inventory([...rows.map((r) => r.query), ...probes], window);
  const found: Found[] = rows.map((row, i) => ({ row, entry: entries[i] }));
  const namespacePods = [...new Set(entries.slice(rows.length).flatMap((e) => e.values))].filter(Boolean).sort();
  const coverage = found.filter((f) => f.entry.series > 0 && f.row.family.required && !f.row.family.absentIsNone && f.entry.firstSeen !== undefined);
  const ctx: Context = {
    window,
    names,
    selectors: args.selectors ?? [],
    vertices: [plan.pipeline.source.name, plan.pipeline.batchMap.name, plan.pipeline.sink.name],
    bufferPattern: pipelineBuffers(plan, names).bufferPattern,
    namespacePods,
    ...(coverage.length > 0 ? { earliest: Math.min(...coverage.map((f) => f.entry.firstSeen!)), latest: Math.max(...coverage.map((f) => f.entry.lastSeen!)) } : {}),
    has: (pick) => found.some((f) => f.entry.series > 0 && pick(f.row)),
  };
  const judged = found.map((f) => judge(f, ctx));
  const problems = new Map<string, { family: string; group: string }[]>();
  for (const r of judged) {
    if (!r.problem) continue;
    const list = problems.get(r.cause!) ?? [];
    list.push({ family: r.family, group: r.group });
    problems.set(r.cause!, list);
  }
  return {
    source: source.description,
    window: { start: isoTime(window.start), end: isoTime(window.end), stepSeconds: window.stepSeconds },
    names,
    ok: judged.every((r) => !r.problem),
    version: versionOf(found.find((f) => f.row.family.name === 'build_info'), judged.find((r) => r.family === 'build_info')),
    rows: judged,
    problems: [...problems].map(([cause, list]) => ({ cause, rows: list })),
  };
}

function judge({ row, entry }: Found, ctx: Context): DoctorRow {
  const base = {
    family: seriesName(row.family),
    group: row.group.id,
    groupTitle: row.group.title,
    selector: row.selector,
    lazy: row.family.absentIsNone,
    required: row.family.required,
    usedBy: row.family.usedBy,
    series: entry.series,
    by: row.query.by,
    values: entry.values,
    ...(entry.firstSeen !== undefined ? { firstSeen: isoTime(entry.firstSeen), lastSeen: isoTime(entry.lastSeen!) } : {}),
    ...(entry.scrapeIntervalSeconds !== undefined ? { scrapeIntervalSeconds: entry.scrapeIntervalSeconds } : {}),
  };
  const withStatus = (status: DoctorStatus, cause?: string): DoctorRow => ({
    ...base,
    status,
    problem: row.family.required && (status === 'missing' || status === 'partial'),
    ...(cause !== undefined ? { cause } : {}),
  });
  if (entry.series > 0) {
    if (row.family.absentIsNone || entry.firstSeen === undefined) return withStatus('ok');
    const gap = coverageGap(entry, ctx);
    return gap === undefined ? withStatus('ok') : withStatus('partial', gap);
  }
  const proof = row.family.absentIsNone ? scrapeProof(row, ctx) : undefined;
  if (proof !== undefined) return withStatus('none-counted', proof);
  return withStatus('missing', missingCause(row, ctx));
}

/** More than this between the window's edges and the data is "well after" (or before). */
function slackSeconds(entry: InventoryEntry, window: TimeWindow): number {
  return Math.max(600, 2 * window.stepSeconds, 3 * (entry.scrapeIntervalSeconds ?? window.stepSeconds));
}

/** Why a found series does not cover the window, or undefined when it does. */
function coverageGap(entry: InventoryEntry, ctx: Context): string | undefined {
  const { window } = ctx;
  const slack = slackSeconds(entry, window);
  const late = entry.firstSeen! - window.start;
  const early = window.end - entry.lastSeen!;
  const parts: string[] = [];
  if (late > slack) {
    parts.push(
      ctx.earliest !== undefined && ctx.earliest - window.start > slack
        ? `retention shorter than the window: the oldest sample of any needed series is at ${isoTime(ctx.earliest)}, ${durationText(ctx.earliest - window.start)} after the window start (${isoTime(window.start)}); Prometheus keeps less than the window (--storage.tsdb.retention.time or .size), or the soak started later: start the window at or after ${isoTime(ctx.earliest)} (--start, --history-duration)`
        : `starts ${durationText(late)} after the window start, at ${isoTime(entry.firstSeen!)}: the pods or their scrapes started later than the window`,
    );
  }
  if (early > slack) {
    parts.push(
      ctx.latest !== undefined && window.end - ctx.latest > slack
        ? `the data ends at ${isoTime(ctx.latest)}, ${durationText(window.end - ctx.latest)} before the window end: the soak or the scrapes stopped; end the window there (--end ${isoTime(ctx.latest)})`
        : `stops ${durationText(early)} before the window end, at ${isoTime(entry.lastSeen!)}: the pods or their scrapes stopped`,
    );
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** For a lazy counter without series: why "none counted" is the answer, or undefined when that is not proven. */
function scrapeProof(row: NeededSeries, ctx: Context): string | undefined {
  // Scraped successfully: the pods served Numaflow series (an `up` series alone may be up == 0).
  const scraped = (vertex: string) => ctx.has((r) => r.family.exporter === 'pod-monitor' && r.family.name !== 'up' && !r.family.absentIsNone && r.group.id === vertex);
  switch (row.family.exporter) {
    case 'pod-monitor': {
      const proven = row.group.kind === 'vertex' ? scraped(row.group.id) : ctx.vertices.every(scraped);
      return proven ? 'none counted: Numaflow creates it on the first increment, and the vertex pods that would serve it were scraped (their other Numaflow series are there)' : undefined;
    }
    case 'kube-state-metrics':
    case 'kube-state-metrics-init': {
      const reported = ctx.has((r) => r.family.scope === row.family.scope && !r.family.absentIsNone && r.group.id === row.group.id);
      return reported ? 'none: kube-state-metrics adds it with the first termination, and it reported these containers' : undefined;
    }
    default:
      return undefined;
  }
}

function missingCause(row: NeededSeries, ctx: Context): string {
  const { names } = ctx;
  if (ctx.namespacePods.length === 0) {
    const selectors = ctx.selectors.length > 0 ? ` matching --selector ${ctx.selectors.join(' ')}` : '';
    return `wrong namespace: nothing at all in namespace "${names.namespace}"${selectors} in the window ${isoTime(ctx.window.start)} to ${isoTime(ctx.window.end)} (no pod in kube_pod_info, no cAdvisor series, no scrape target): check --namespace${selectors ? ' and --selector' : ''}, and that the window covers the soak`;
  }
  const group = row.group;
  const empty = (id: string) => !ctx.has((r) => r.group.id === id);
  const pipelineEmpty = ctx.vertices.every(empty) && empty('daemon');
  if (group.kind !== 'buffers' && empty(group.id)) return emptyGroup(group, names, ctx.namespacePods, pipelineEmpty);
  if (group.kind === 'buffers' && ctx.vertices.every(empty)) {
    return `${emptyGroup({ id: 'vertex', kind: 'vertex', title: 'vertex pods' }, names, ctx.namespacePods, pipelineEmpty)}; the vertex pods serve the buffers' series`;
  }
  const inGroups = (ids: readonly string[], pick: (r: NeededSeries) => boolean) => ctx.has((r) => ids.includes(r.group.id) && pick(r));
  const kube = (r: NeededSeries) => r.family.exporter === 'cadvisor' || r.family.exporter.startsWith('kube-state-metrics');
  switch (row.family.exporter) {
    case 'pod-monitor': {
      const ids = group.kind === 'vertex' ? [group.id] : ctx.vertices;
      const numaflow = inGroups(ids, (r) => r.family.exporter === 'pod-monitor' && r.family.name !== 'up');
      const up = inGroups(ids, (r) => r.family.name === 'up');
      if (!numaflow && !up) {
        return inGroups(ids, kube)
          ? `PodMonitor not selected: cAdvisor and kube-state-metrics see the vertex pods, but there is no up and no Numaflow series for them: Prometheus does not select the PodMonitor ${names.pipeline}-vertices (check its labels, monitoring.labels in the plan, against the Prometheus's podMonitorSelector and podMonitorNamespaceSelector)`
          : `no up and no Numaflow series for the vertex pods: the PodMonitor ${names.pipeline}-vertices is not selected, or the pods did not run in the window`;
      }
      if (!numaflow) {
        return `the PodMonitor is selected (up exists for the vertex pods) but no Numaflow series arrive: its scrapes fail (up == 0): the numa container's metrics port is HTTPS 2469 with a self-signed certificate, or a NetworkPolicy blocks Prometheus`;
      }
      if (group.kind === 'buffers') {
        return `no ${seriesName(row.family)} for the buffers ${ctx.bufferPattern} although the vertex pods serve other Numaflow series: buffers are named {namespace}-{pipeline}-{vertex}-{partition}, or a Numaflow version other than ${NUMAFLOW_VERSION} (see the version line)`;
      }
      return `no ${seriesName(row.family)} although the pods serve other Numaflow series: a Numaflow version other than ${NUMAFLOW_VERSION} (see the version line), or a vertex that does not serve it`;
    }
    case 'daemon-monitor': {
      if (!ctx.has((r) => r.group.id === 'daemon' && r.family.exporter === 'daemon-monitor')) {
        return `the daemon's ServiceMonitor ${names.pipeline}-daemon is not selected, or its scrapes fail: cAdvisor or kube-state-metrics see the daemon pod but none of its metrics arrive (check the monitor's labels against the Prometheus's serviceMonitorSelector; the daemon serves HTTPS on port tcp 4327 with a self-signed certificate)`;
      }
      return `the daemon serves other metrics but no ${seriesName(row.family)}: a Numaflow version other than ${NUMAFLOW_VERSION}`;
    }
    case 'kube-state-metrics-init':
      return ctx.has((r) => r.family.exporter === 'kube-state-metrics' && r.family.name.startsWith('kube_pod_container_'))
        ? 'kube-state-metrics without init-container metrics: kube_pod_container_* series exist but no kube_pod_init_container_*, where native sidecars (udf, monitor) and init containers report restarts and terminations: allow kube_pod_init_container_* in kube-state-metrics (--metric-allowlist / --metric-denylist; the chart\'s metricAllowlist / metricDenylist) and in its ServiceMonitor\'s metricRelabelings'
        : kubeStateMetricsNotScraped(names);
    case 'kube-state-metrics':
      return kubeStateMetricsNotScraped(names);
    case 'cadvisor':
      if (row.family.name.startsWith('container_cpu_cfs_') && ctx.has((r) => r.family.name === 'container_cpu_usage_seconds_total' && r.group.id === group.id)) {
        return 'no CPU limit: cAdvisor exports CFS periods only for containers with a CPU limit';
      }
      return 'cAdvisor is not scraped: kube-state-metrics sees the pods but there is no container_* series (kube-prometheus-stack\'s kubelet ServiceMonitor, kubelet.serviceMonitor.cAdvisor)';
  }
}

function kubeStateMetricsNotScraped(names: SelectorNames): string {
  return `kube-state-metrics is not scraped, or not for namespace "${names.namespace}": there are no kube_pod_* series for pods cAdvisor sees (kube-prometheus-stack's kube-state-metrics ServiceMonitor; kube-state-metrics --namespaces)`;
}

/**
 * Whatever the namespace holds, by pod name: kube_pod_info (kube-state-metrics), the working
 * set (cAdvisor) and `up` (every scrape target), so that one exporter missing does not look
 * like an empty namespace.
 */
export function namespaceProbes(names: SelectorNames): InventoryQuery[] {
  const ns = [{ label: 'namespace', op: '=' as const, value: names.namespace }];
  return [metric('kube_pod_info'), metric('container_memory_working_set_bytes'), metric('up')].map((name) => ({ metric: name, matchers: ns, by: 'pod' }));
}

/** `a, b, c and 35 more`. */
function someOf(pods: readonly string[], n = 4): string {
  return pods.length <= n ? pods.join(', ') : `${pods.slice(0, n).join(', ')} and ${pods.length - n} more`;
}

/** A pod group without any series, while the namespace has pods: `pipelineEmpty` when no vertex and no daemon pod has any. */
function emptyGroup(group: PodGroup, names: SelectorNames, namespacePods: readonly string[], pipelineEmpty: boolean): string {
  const has = `namespace "${names.namespace}" has pods (${someOf(namespacePods)}), but`;
  const lead = pipelineEmpty ? 'wrong --pipeline: ' : '';
  switch (group.kind) {
    case 'vertex': {
      const pattern = group.id === 'vertex' ? `${names.pipeline}-*` : vertexPodPattern(names.pipeline, group.id);
      return `${lead}${has} nothing at all for the ${group.title} (${pattern}): vertex pods are {pipeline}-{vertex}-{replica}-{suffix}; or they did not run in the window`;
    }
    case 'daemon':
      return `${lead}${has} nothing at all for the daemon pod (${daemonPodPattern(names.pipeline)}); or the daemon did not run in the window`;
    default:
      return `wrong --buffer: ${has} nothing at all for the JetStream pods (${bufferPodPattern(names.buffer)}): they are isbsvc-{buffer}-js-{i}; or the buffer service did not run in the window`;
  }
}

function versionOf(found: Found | undefined, row: DoctorRow | undefined): DoctorVersion {
  const seen = (found?.entry.values ?? []).filter((v) => v !== '');
  const contract = NUMAFLOW_VERSION;
  const from = `build_info of the pipeline daemon`;
  if (seen.length === 0) {
    const why = row?.cause ? ` (${row.cause.split(':')[0]})` : '';
    return { status: 'unknown', seen, contract, text: `unknown: no ${from} in the window${why}; the metrics contract holds for Numaflow ${contract}` };
  }
  const release = (v: string) => v === contract || v.startsWith(`${contract}+`);
  if (seen.every(release)) return { status: 'contract', seen, contract, text: `${seen.join(', ')} (${from}), the version the metrics contract holds for` };
  return {
    status: 'other',
    seen,
    contract,
    text: `${seen.join(', ')} (${from}): the metrics contract (src/metrics/contract.ts) holds for Numaflow ${contract}; families and labels may differ in other versions`,
  };
}

/** `2d 3h 10m`, `45m`, `30s`. */
export function durationText(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean).join(' ') || '0m';
}

/** The JSON document of `doctor --format json`. */
export function doctorJson(report: DoctorReport): Record<string, unknown> {
  return {
    schemaVersion: 1,
    source: report.source,
    window: report.window,
    names: report.names,
    ok: report.ok,
    version: report.version,
    problems: report.problems,
    rows: report.rows,
  };
}
