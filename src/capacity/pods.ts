/**
 * The pods a plan runs, each with what it requests and is limited to. This inventory is
 * what the ResourceQuota, the node estimate and the reports add up, so they always agree.
 *
 * A pod's effective request follows the scheduler: the larger of its biggest init
 * container and the sum of its long-running containers (Numaflow's user containers are
 * native sidecars and count in that sum).
 */
import { CONTROLLER_DEFAULT_REQUESTS, MONITOR_SIDECAR_REQUESTS } from '../numaflow/versions';
import { sizedContainers, type Workload } from '../plan/containers';
import { Bytes, Cpu } from '../plan/quantity';
import type { SoakPlan } from '../plan/schema';

export interface Amounts {
  readonly cpu: Cpu;
  readonly memory: Bytes;
}

export interface PodGroup {
  readonly workload: Workload;
  /** The vertex, `daemon`, or the buffer service name. */
  readonly name: string;
  /** Pods of this group at the plan's maximum scale. */
  readonly count: number;
  readonly requests: Amounts;
  readonly limits: Amounts;
  /** Pods of a group with this set may not share a node (required anti-affinity). */
  readonly onePerNode: boolean;
}

/**
 * Limits the namespace's LimitRange gives a container that sets none. In the soak only
 * Numaflow v1.8.3's `monitor` sidecar has none (its requests are fixed at 10m/20Mi).
 */
export const DEFAULT_CONTAINER_LIMITS: Amounts = { cpu: Cpu.millis(200), memory: Bytes.mebibytes(128) };
/** Requests the LimitRange gives a container that sets none. */
export const DEFAULT_CONTAINER_REQUESTS: Amounts = {
  cpu: Cpu.millis(CONTROLLER_DEFAULT_REQUESTS.cpuMillis),
  memory: Bytes.of(CONTROLLER_DEFAULT_REQUESTS.memoryBytes),
};
const MONITOR_REQUESTS: Amounts = {
  cpu: Cpu.millis(MONITOR_SIDECAR_REQUESTS.cpuMillis),
  memory: Bytes.of(MONITOR_SIDECAR_REQUESTS.memoryBytes),
};

const ZERO: Amounts = { cpu: Cpu.ZERO, memory: Bytes.ZERO };
const add = (a: Amounts, b: Amounts): Amounts => ({ cpu: a.cpu.plus(b.cpu), memory: a.memory.plus(b.memory) });
const max = (a: Amounts, b: Amounts): Amounts => ({
  cpu: a.cpu.compare(b.cpu) >= 0 ? a.cpu : b.cpu,
  memory: a.memory.compare(b.memory) >= 0 ? a.memory : b.memory,
});

/** Pod groups in a stable order: source, batch map, sink, daemon, buffer. */
export function podGroups(plan: SoakPlan): PodGroup[] {
  const { source, batchMap, sink } = plan.pipeline;
  const groups: Array<Omit<PodGroup, 'requests' | 'limits'>> = [
    { workload: 'source', name: source.name, count: source.scale.max, onePerNode: false },
    { workload: 'batchMap', name: batchMap.name, count: batchMap.scale.max, onePerNode: false },
    { workload: 'sink', name: sink.name, count: sink.scale.max, onePerNode: false },
    { workload: 'daemon', name: 'daemon', count: 1, onePerNode: false },
    { workload: 'buffer', name: plan.buffer.name, count: plan.buffer.replicas, onePerNode: true },
  ];
  const containers = sizedContainers(plan);
  return groups.map((g) => {
    const own = containers.filter((c) => c.workload === g.workload);
    let running = own.filter((c) => !c.init).reduce<{ requests: Amounts; limits: Amounts }>(
      (acc, c) => ({ requests: add(acc.requests, c.resources.requests), limits: add(acc.limits, c.resources.limits) }),
      { requests: ZERO, limits: ZERO },
    );
    const isVertex = g.workload === 'source' || g.workload === 'batchMap' || g.workload === 'sink';
    if (isVertex) {
      running = { requests: add(running.requests, MONITOR_REQUESTS), limits: add(running.limits, DEFAULT_CONTAINER_LIMITS) };
    }
    const init = own.filter((c) => c.init).reduce(
      (acc, c) => ({ requests: max(acc.requests, c.resources.requests), limits: max(acc.limits, c.resources.limits) }),
      { requests: ZERO, limits: ZERO },
    );
    return { ...g, requests: max(running.requests, init.requests), limits: max(running.limits, init.limits) };
  });
}

export interface Totals {
  readonly pods: number;
  readonly requests: Amounts;
  readonly limits: Amounts;
  /** Persistent volume claims and the storage they request. */
  readonly volumeClaims: number;
  readonly storage: Bytes;
}

/** What the whole plan requests and is limited to, at maximum scale. */
export function planTotals(plan: SoakPlan): Totals {
  let requests = ZERO;
  let limits = ZERO;
  let pods = 0;
  for (const g of podGroups(plan)) {
    pods += g.count;
    requests = add(requests, { cpu: g.requests.cpu.times(g.count), memory: g.requests.memory.times(g.count) });
    limits = add(limits, { cpu: g.limits.cpu.times(g.count), memory: g.limits.memory.times(g.count) });
  }
  const volumeClaims = plan.buffer.replicas;
  return { pods, requests, limits, volumeClaims, storage: plan.buffer.persistence.volumeSize.times(volumeClaims) };
}
