/**
 * How many nodes of one shape a plan needs: first-fit-decreasing packing of its pods by
 * their requests, honouring the buffer service's one-pod-per-node anti-affinity and the
 * node's pod limit. The shape is allocatable capacity; subtract what DaemonSets take.
 */
import type { NodeShape, SoakPlan } from '../plan/schema';
import { podGroups } from './pods';

export interface NodeEstimate {
  readonly shape: string;
  /** Nodes the packing used. */
  readonly nodes: number;
  /** The floor from total requests alone (ignores fragmentation and anti-affinity). */
  readonly lowerBound: number;
  /** Requested share of all the nodes' allocatable CPU and memory, 0..1. */
  readonly cpuUtilisation: number;
  readonly memoryUtilisation: number;
  /** Pods that fit on no node of this shape at all, by group name. */
  readonly unschedulable: readonly string[];
}

interface NodeBin {
  cpu: number;
  memory: number;
  pods: number;
  groups: Set<string>;
}

export function estimateNodes(plan: SoakPlan, shape: NodeShape = plan.cluster.nodeShape): NodeEstimate {
  const capCpu = shape.cpu.millicores;
  const capMem = shape.memory.bytes;
  const pods = podGroups(plan).flatMap((g) =>
    Array.from({ length: g.count }, () => ({
      group: `${g.workload}/${g.name}`,
      onePerNode: g.onePerNode,
      cpu: g.requests.cpu.millicores,
      memory: g.requests.memory.bytes,
    })),
  );
  // Largest first, by the dominant share of a node; ties keep the stable group order.
  const size = (p: { cpu: number; memory: number }) => Math.max(p.cpu / capCpu, p.memory / capMem);
  const ordered = pods.map((p, i) => ({ p, i })).sort((a, b) => size(b.p) - size(a.p) || a.i - b.i).map(({ p }) => p);

  const bins: NodeBin[] = [];
  const unschedulable = new Set<string>();
  for (const pod of ordered) {
    if (pod.cpu > capCpu || pod.memory > capMem) {
      unschedulable.add(pod.group);
      continue;
    }
    const fits = (b: NodeBin) =>
      b.cpu + pod.cpu <= capCpu && b.memory + pod.memory <= capMem && b.pods < shape.maxPods && !(pod.onePerNode && b.groups.has(pod.group));
    let bin = bins.find(fits);
    if (!bin) {
      bin = { cpu: 0, memory: 0, pods: 0, groups: new Set() };
      bins.push(bin);
    }
    bin.cpu += pod.cpu;
    bin.memory += pod.memory;
    bin.pods += 1;
    bin.groups.add(pod.group);
  }

  const scheduled = pods.filter((p) => !unschedulable.has(p.group));
  const totalCpu = scheduled.reduce((s, p) => s + p.cpu, 0);
  const totalMem = scheduled.reduce((s, p) => s + p.memory, 0);
  const lowerBound = Math.max(Math.ceil(totalCpu / capCpu), Math.ceil(totalMem / capMem), Math.ceil(scheduled.length / shape.maxPods));
  const n = bins.length;
  return {
    shape: shape.name,
    nodes: n,
    lowerBound,
    cpuUtilisation: n === 0 ? 0 : totalCpu / (n * capCpu),
    memoryUtilisation: n === 0 ? 0 : totalMem / (n * capMem),
    unschedulable: [...unschedulable].sort(),
  };
}
