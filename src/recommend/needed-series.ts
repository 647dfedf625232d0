/**
 * Every series family the verdict and the recommender read, and the pod groups each comes
 * from: what `numaflow-soak doctor` takes inventory of. One table, in one place:
 * test/recommend/needed-series.test.ts records every query `recommend` and `verdict` send
 * (through a PrometheusSource, as test/metrics/contract.test.ts does) and fails unless this
 * table names exactly the families those queries name, each in the metrics contract
 * (src/metrics/contract.ts). A query for a new family without a row here fails that test.
 *
 * The pod groups and containers come from selectors.ts, the selectors the sources are asked
 * about: the vertex pods of each vertex, the daemon pod, the JetStream pods, and the
 * pipeline's buffers (by the `buffer` label, which `isb_jetstream_*` carry instead of
 * `pipeline`). Where the tools read a family pipeline-wide (error counters, latency), the
 * doctor counts it per vertex, so a missing vertex shows.
 */
import { metric, type MetricName } from '../metrics/contract';
import { matcherText, type LabelMatcher } from '../metrics/matchers';
import type { SoakPlan } from '../plan/schema';
import { ERROR_COUNTERS, type InventoryQuery } from './metrics';
import { defaultNames, pipelineBuffers, podContainers, unsizedContainers, vertexPodPattern, type SelectorNames } from './selectors';

/** Who serves a family: what is wrong when it is missing depends on it. */
export type Exporter =
  /** The kubelet's cAdvisor endpoint (kube-prometheus-stack's kubelet ServiceMonitor). */
  | 'cadvisor'
  /** kube-state-metrics, `kube_pod_container_*` and `kube_pod_info`. */
  | 'kube-state-metrics'
  /** kube-state-metrics' `kube_pod_init_container_*`: init containers and native sidecars. */
  | 'kube-state-metrics-init'
  /** The vertex pods' `numa` container through the PodMonitor, and the PodMonitor's own `up`. */
  | 'pod-monitor'
  /** The pipeline daemon through its ServiceMonitor. */
  | 'daemon-monitor';

/** Which pods (or buffers) a family is counted over, and with which selector. */
export type Scope =
  /** cAdvisor: per pod kind, the containers that run (not the init containers). */
  | 'running-containers'
  /** `kube_pod_container_*`: per pod kind, its regular containers. */
  | 'regular-containers'
  /** `kube_pod_init_container_*`: per pod kind, its init containers and native sidecars (udf, monitor). */
  | 'init-containers'
  /** `{namespace, pod=~<vertex pods>}`, per vertex. */
  | 'vertex-pods'
  /** `{namespace, pipeline, vertex}`, per vertex. */
  | 'vertices'
  /** `{namespace, pipeline, vertex=<sink>}`. */
  | 'sink'
  /** `{namespace, buffer=~<the pipeline's buffers>}`. */
  | 'buffers'
  /** `{namespace, pipeline}`: served by the daemon. */
  | 'daemon-pipeline'
  /** `{namespace, component="daemon", component_name=<pipeline>}`: the daemon's build_info. */
  | 'daemon-build';

export interface NeededFamily {
  readonly name: MetricName;
  /** A histogram is read through its buckets. */
  readonly sample?: '_bucket';
  readonly exporter: Exporter;
  readonly scope: Scope;
  /** What reads it, e.g. `verdict: errors`, `recommend: CPU`. */
  readonly usedBy: readonly string[];
  /** False for the doctor's own families (build_info): the verdict and recommend do not need them. */
  readonly required: boolean;
  /**
   * A counter created on its first increment (lazy in the contract) that the tools read as
   * zero when it has no series, provided the pods that would serve it were scraped: error,
   * isFull and drop counters, termination reasons. Other lazy families (reads, writes, the
   * latency histogram) count from the first message: without them there is nothing to judge.
   */
  readonly absentIsNone: boolean;
}

const CPU = ['recommend: CPU requests and limits', 'verdict: cpu-throttling'];
const THROTTLING = ['recommend: throttled containers keep their CPU', 'verdict: cpu-throttling'];
const RESTARTS = ['verdict: restarts', 'recommend: restarts'];
const OOM = ['verdict: oom-kills', 'recommend: OOM history'];

/** A family the tools need series of. */
function needed(name: MetricName, exporter: Exporter, scope: Scope, usedBy: readonly string[], sample?: '_bucket'): NeededFamily {
  return { name, exporter, scope, usedBy, required: true, absentIsNone: false, ...(sample ? { sample } : {}) };
}

/** A lazy counter whose absence the tools read as none counted. */
function counted(name: MetricName, exporter: Exporter, scope: Scope, usedBy: readonly string[]): NeededFamily {
  return { ...needed(name, exporter, scope, usedBy), absentIsNone: true };
}

/** The table, in the order the doctor reports it. */
export const NEEDED_FAMILIES: readonly NeededFamily[] = [
  needed(metric('container_cpu_usage_seconds_total'), 'cadvisor', 'running-containers', CPU),
  needed(metric('container_memory_working_set_bytes'), 'cadvisor', 'running-containers', ['recommend: memory', 'verdict: memory-trend']),
  needed(metric('container_cpu_cfs_periods_total'), 'cadvisor', 'running-containers', THROTTLING),
  needed(metric('container_cpu_cfs_throttled_periods_total'), 'cadvisor', 'running-containers', THROTTLING),
  needed(metric('kube_pod_container_status_restarts_total'), 'kube-state-metrics', 'regular-containers', RESTARTS),
  counted(metric('kube_pod_container_status_last_terminated_reason'), 'kube-state-metrics', 'regular-containers', OOM),
  needed(metric('kube_pod_init_container_status_restarts_total'), 'kube-state-metrics-init', 'init-containers', RESTARTS),
  counted(metric('kube_pod_init_container_status_last_terminated_reason'), 'kube-state-metrics-init', 'init-containers', OOM),
  needed(metric('kube_pod_info'), 'kube-state-metrics', 'vertex-pods', ['verdict: replaced-pods']),
  needed(metric('up'), 'pod-monitor', 'vertex-pods', ['verdict: errors, back-pressure (proof that a missing counter is zero)']),
  needed(metric('forwarder_data_read_total'), 'pod-monitor', 'vertices', ['verdict: throughput, data-loss', 'recommend: replicas']),
  needed(metric('forwarder_write_total'), 'pod-monitor', 'sink', ['verdict: data-loss']),
  counted(metric('forwarder_drop_total'), 'pod-monitor', 'vertices', ['verdict: data-loss']),
  needed(metric('forwarder_processing_time'), 'pod-monitor', 'vertices', ['verdict: latency'], '_bucket'),
  // The verdict's error counters, as metrics.ts lists them: by `pipeline` per vertex, by `buffer` over the buffers.
  ...ERROR_COUNTERS.map(({ name, by }) => counted(name, 'pod-monitor', by === 'buffer' ? 'buffers' : 'vertices', ['verdict: errors'])),
  counted(metric('isb_jetstream_isFull_total'), 'pod-monitor', 'buffers', ['verdict: back-pressure']),
  needed(metric('isb_jetstream_buffer_pending'), 'pod-monitor', 'buffers', ['verdict: backlog']),
  needed(metric('pipeline_processing_lag'), 'daemon-monitor', 'daemon-pipeline', ['verdict: backlog']),
  { ...needed(metric('build_info'), 'daemon-monitor', 'daemon-build', ['doctor: the Numaflow version']), required: false },
];

/** The name a family is queried by: the family, or its histogram's `_bucket`. */
export function seriesName(family: NeededFamily): string {
  return `${family.name}${family.sample ?? ''}`;
}

/** A set of pods (or buffers) the inventory is counted over. */
export interface PodGroup {
  /** `in`, `batch-cat`, `out` (a vertex), `daemon`, `isbsvc` (the JetStream pods) or `buffers`. */
  readonly id: string;
  readonly kind: 'vertex' | 'daemon' | 'jetstream' | 'buffers';
  /** For tables: `in pods`, `daemon pod`, `JetStream pods`, `buffers`. */
  readonly title: string;
}

/** One row of the inventory: a family over a pod group. */
export interface NeededSeries {
  readonly family: NeededFamily;
  readonly group: PodGroup;
  readonly query: InventoryQuery;
  /** The query as a PromQL selector, for a reader. */
  readonly selector: string;
}

/** An anchored alternation of exact names, for a `=~` matcher. */
function oneOf(names: readonly string[]): string {
  return [...new Set(names)]
    .sort()
    .map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
}

const eq = (label: string, value: string): LabelMatcher => ({ label, op: '=', value });
const re = (label: string, value: string): LabelMatcher => ({ label, op: '=~', value });

/** Every row the doctor takes inventory of, for the plan's soak under `names`, in table order. */
export function neededSeries(plan: SoakPlan, names: SelectorNames = defaultNames(plan)): NeededSeries[] {
  const ns = eq('namespace', names.namespace);
  const { source, batchMap, sink } = plan.pipeline;
  const vertices = [source.name, batchMap.name, sink.name];
  const vertexGroup = (v: string): PodGroup => ({ id: v, kind: 'vertex', title: `${v} pods` });
  const daemon: PodGroup = { id: 'daemon', kind: 'daemon', title: 'daemon pod' };
  const jetstream: PodGroup = { id: 'isbsvc', kind: 'jetstream', title: 'JetStream pods' };
  const buffers: PodGroup = { id: 'buffers', kind: 'buffers', title: 'buffers' };

  // Pod kinds and their containers, from the selectors the sources are asked about.
  const containers = [...podContainers(plan, names), ...unsizedContainers(plan, names)];
  const kinds = new Map<string, { group: PodGroup; podPattern: string; all: typeof containers }>();
  for (const c of containers) {
    const id = c.label.split('/')[0];
    const group = id === 'daemon' ? daemon : id === 'isbsvc' ? jetstream : vertexGroup(id);
    const kind = kinds.get(id) ?? { group, podPattern: c.selector.podPattern, all: [] };
    kind.all.push(c);
    kinds.set(id, kind);
  }
  const containerGroups = (pick: (c: (typeof containers)[number]) => boolean) =>
    [...kinds.values()]
      .map(({ group, podPattern, all }) => ({ group, matchers: [ns, re('pod', podPattern), re('container', oneOf(all.filter(pick).map((c) => c.selector.container)))], some: all.some(pick) }))
      .filter((g) => g.some);

  const bufferPattern = pipelineBuffers(plan, names).bufferPattern;
  const groupsOf = (scope: Scope): { group: PodGroup; matchers: LabelMatcher[] }[] => {
    switch (scope) {
      case 'running-containers':
        return containerGroups((c) => c.role !== 'init');
      case 'regular-containers':
        return containerGroups((c) => !c.selector.sidecar);
      case 'init-containers':
        return containerGroups((c) => c.selector.sidecar);
      case 'vertex-pods':
        return vertices.map((v) => ({ group: vertexGroup(v), matchers: [ns, re('pod', vertexPodPattern(names.pipeline, v))] }));
      case 'vertices':
        return vertices.map((v) => ({ group: vertexGroup(v), matchers: [ns, eq('pipeline', names.pipeline), eq('vertex', v)] }));
      case 'sink':
        return [{ group: vertexGroup(sink.name), matchers: [ns, eq('pipeline', names.pipeline), eq('vertex', sink.name)] }];
      case 'buffers':
        return [{ group: buffers, matchers: [ns, re('buffer', bufferPattern)] }];
      case 'daemon-pipeline':
        return [{ group: daemon, matchers: [ns, eq('pipeline', names.pipeline)] }];
      case 'daemon-build':
        return [{ group: daemon, matchers: [ns, eq('component', 'daemon'), eq('component_name', names.pipeline)] }];
    }
  };

  const rows: NeededSeries[] = [];
  for (const family of NEEDED_FAMILIES) {
    const name = seriesName(family);
    const by = family.scope === 'buffers' ? 'buffer' : family.scope === 'daemon-build' ? 'version' : 'pod';
    for (const { group, matchers } of groupsOf(family.scope)) {
      rows.push({
        family,
        group,
        query: { metric: name, matchers, by },
        selector: `${name}{${matchers.map(matcherText).join(',')}}`,
      });
    }
  }
  return rows;
}
