/**
 * Which pods and container each sized container of a plan is measured from: the
 * `ContainerSelector`s the recommender and the verdict ask a `MetricsSource` about.
 *
 * Pod names follow Numaflow (numaflow-facts §3):
 * - vertex pods are bare Pods `{pipeline}-{vertex}-{replica}-{5 random chars}`;
 * - the daemon is a Deployment `{pipeline}-daemon`, so its pods are
 *   `{pipeline}-daemon-{replicaset hash}-{5 random chars}`;
 * - JetStream pods belong to the StatefulSet `isbsvc-{buffer}-js`: `isbsvc-{buffer}-js-{i}`.
 *
 * User containers (`udf`, `udsink`) are native sidecars, so their restarts and termination
 * reasons come from `kube_pod_init_container_*` (`sidecar: true`); so do the `init`
 * containers' (they are init containers proper).
 */
import { sizedContainers, type SizedContainer, type Workload } from '../plan/containers';
import type { SoakPlan } from '../plan/schema';
import type { BufferSelector, ContainerSelector, PodSelector, QueryScope } from './metrics';

/** What a container is, for the sizing rules that depend on it. */
export type ContainerRole =
  /** The Numaflow runtime of a vertex pod: worker threads follow the CPU request in whole cores. */
  | 'numa'
  /** A user container of a vertex pod (udf, udsink). */
  | 'user'
  /** An init container: runs to completion before the others; never sized from usage. */
  | 'init'
  /** The pipeline daemon's `numa` container. */
  | 'daemon'
  /** v1.8.3's `monitor` sidecar of every vertex pod: fixed resources, not in the plan. */
  | 'monitor'
  /** The NATS server of the buffer service: GOMEMLIMIT follows its memory limit. */
  | 'jetstream'
  /** The buffer service's reloader and metrics-exporter sidecars. */
  | 'buffer-sidecar';

/** Names the selectors are built from; every one defaults from the plan. */
export interface SelectorNames {
  readonly namespace: string;
  readonly pipeline: string;
  readonly buffer: string;
}

export interface MeasuredContainer {
  /** The plan key path the container is sized at, e.g. `pipeline.batchMap.udf`. */
  readonly path: string;
  readonly workload: Workload;
  readonly role: ContainerRole;
  /** A short label for tables: `batch-cat/udf`, `isbsvc/main`. */
  readonly label: string;
  readonly selector: ContainerSelector;
  readonly sized: SizedContainer;
  /** True when a missing measurement does not make the whole recommendation insufficient (none today: every container is required). */
  readonly optional: boolean;
  /** The same key path also sizes an init container that is not measured (`pipeline.daemon`). */
  readonly sharedWithInit: boolean;
}

export function defaultNames(plan: SoakPlan): SelectorNames {
  return { namespace: plan.namespace, pipeline: plan.pipeline.name, buffer: plan.buffer.name };
}

/** Escapes a name for use inside a regular expression (names are DNS labels, but be safe). */
function re(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function vertexPodPattern(pipeline: string, vertex: string): string {
  return `^${re(pipeline)}-${re(vertex)}-\\d+-[a-z0-9]{5}$`;
}

export function daemonPodPattern(pipeline: string): string {
  return `^${re(pipeline)}-daemon-[a-z0-9]+-[a-z0-9]{5}$`;
}

/** Every vertex pod of the pipeline: `{pipeline}-({vertex}|…)-{replica}-{5}`. */
export function pipelinePodPattern(pipeline: string, vertices: readonly string[]): string {
  return `^${re(pipeline)}-(${vertices.map(re).join('|')})-\\d+-[a-z0-9]{5}$`;
}

/**
 * The buffers of the pipeline: one JetStream stream per partition of every vertex that
 * reads from a buffer, named `{namespace}-{pipeline}-{vertex}-{i}` (numaflow v1.8.3
 * pkg/apis/numaflow/v1alpha1/vertex_types.go GenerateBufferName). Source vertices own none.
 */
export function bufferNamePattern(namespace: string, pipeline: string, readers: readonly string[]): string {
  return `^${re(namespace)}-${re(pipeline)}-(${readers.map(re).join('|')})-\\d+$`;
}

export function bufferPodPattern(buffer: string): string {
  return `^isbsvc-${re(buffer)}-js-\\d+$`;
}

function vertexName(plan: SoakPlan, workload: Workload): string | undefined {
  switch (workload) {
    case 'source':
      return plan.pipeline.source.name;
    case 'batchMap':
      return plan.pipeline.batchMap.name;
    case 'sink':
      return plan.pipeline.sink.name;
    default:
      return undefined;
  }
}

function roleOf(c: SizedContainer): ContainerRole {
  if (c.init) return 'init';
  if (c.workload === 'buffer') return c.container === 'main' ? 'jetstream' : 'buffer-sidecar';
  if (c.workload === 'daemon') return 'daemon';
  return c.container === 'numa' ? 'numa' : 'user';
}

function selectorOf(plan: SoakPlan, names: SelectorNames, c: SizedContainer): ContainerSelector {
  const podPattern =
    c.workload === 'buffer'
      ? bufferPodPattern(names.buffer)
      : c.workload === 'daemon'
        ? daemonPodPattern(names.pipeline)
        : vertexPodPattern(names.pipeline, vertexName(plan, c.workload)!);
  const sidecar = c.init || c.container === 'udf' || c.container === 'udsink';
  return { namespace: names.namespace, podPattern, container: c.container, sidecar };
}

function labelOf(plan: SoakPlan, c: SizedContainer): string {
  if (c.workload === 'buffer') return `isbsvc/${c.container}`;
  if (c.workload === 'daemon') return `daemon/${c.container}`;
  return `${vertexName(plan, c.workload)}/${c.container}`;
}

/**
 * Every container of every pod the plan runs, init containers and sidecars included, one
 * entry per pod kind and container (the shared init template appears once per vertex):
 * what the verdict counts restarts and OOM kills over.
 */
export function podContainers(plan: SoakPlan, names: SelectorNames = defaultNames(plan)): MeasuredContainer[] {
  return sizedContainers(plan).map((c) => ({
    path: c.path,
    workload: c.workload,
    role: roleOf(c),
    label: labelOf(plan, c),
    selector: selectorOf(plan, names, c),
    sized: c,
    optional: false,
    sharedWithInit: false,
  }));
}

/** Every vertex pod of the plan's pipeline (the scrape proof of the data-plane counters). */
export function vertexPods(plan: SoakPlan, names: SelectorNames = defaultNames(plan)): PodSelector {
  const { source, batchMap, sink } = plan.pipeline;
  return { namespace: names.namespace, podPattern: pipelinePodPattern(names.pipeline, [source.name, batchMap.name, sink.name]) };
}

/** The buffers the pipeline's vertices write to and read from. */
export function pipelineBuffers(plan: SoakPlan, names: SelectorNames = defaultNames(plan)): BufferSelector {
  const { batchMap, sink } = plan.pipeline;
  return { namespace: names.namespace, bufferPattern: bufferNamePattern(names.namespace, names.pipeline, [batchMap.name, sink.name]) };
}

/**
 * Containers the plan does not size but the verdict must watch: v1.8.3's `monitor` sidecar
 * in every vertex pod (numaflow v1.8.3 pkg/apis/numaflow/v1alpha1/const.go CtrMonitor; a
 * native sidecar, so its restarts are kube_pod_init_container_* series).
 */
export function unsizedContainers(plan: SoakPlan, names: SelectorNames = defaultNames(plan)): { readonly label: string; readonly role: ContainerRole; readonly selector: ContainerSelector }[] {
  return (['source', 'batchMap', 'sink'] as const).map((workload) => {
    const vertex = vertexName(plan, workload)!;
    return {
      label: `${vertex}/monitor`,
      role: 'monitor' as const,
      selector: { namespace: names.namespace, podPattern: vertexPodPattern(names.pipeline, vertex), container: 'monitor', sidecar: true },
    };
  });
}

/**
 * One entry per plan key path the recommender owns, in plan order. Where one key path
 * sizes several containers, the entry measures the one that is not an init container:
 * `pipeline.daemon` sizes the daemon's main and its init container and is measured from
 * `main`. `pipeline.init` (the vertex init template) sizes init containers only; its
 * entry has role `init` and is never sized from usage.
 */
export function sizedSelectors(plan: SoakPlan, names: SelectorNames = defaultNames(plan)): MeasuredContainer[] {
  const all = podContainers(plan, names);
  const byPath = new Map<string, MeasuredContainer>();
  for (const c of all) {
    const seen = byPath.get(c.path);
    if (!seen || (seen.role === 'init' && c.role !== 'init')) byPath.set(c.path, c);
  }
  const order = [...new Set(all.map((c) => c.path))];
  return order.map((p) => {
    const c = byPath.get(p)!;
    const sharedWithInit = c.role !== 'init' && all.some((o) => o.path === p && o.role === 'init');
    return sharedWithInit ? { ...c, sharedWithInit } : c;
  });
}

/** The cAdvisor selector a container is measured with, as a reader would type it into Prometheus. */
export function containerSelectorText(sel: ContainerSelector, metric = 'container_cpu_usage_seconds_total'): string {
  return `${metric}{namespace=${JSON.stringify(sel.namespace)},pod=~${JSON.stringify(sel.podPattern)},container=${JSON.stringify(sel.container)}}`;
}

/**
 * Everything the recommender and the verdict ask about the plan's soak (MetricsSource.prepare):
 * both declare the same scope, so a source that memoizes answers per query (PrometheusSource)
 * asks each family once for both, as `recommend` does when it runs the verdict first.
 */
export function soakScope(plan: SoakPlan, names: SelectorNames = defaultNames(plan)): QueryScope {
  const { source, batchMap, sink } = plan.pipeline;
  return {
    namespace: names.namespace,
    pipeline: names.pipeline,
    vertices: [source.name, batchMap.name, sink.name],
    messageVertices: { source: source.name, sink: sink.name },
    containers: [...podContainers(plan, names), ...unsizedContainers(plan, names)].map((c) => c.selector),
    usage: sizedSelectors(plan, names)
      .filter((c) => c.role !== 'init')
      .map((c) => c.selector),
    pods: vertexPods(plan, names),
    buffers: pipelineBuffers(plan, names),
  };
}
