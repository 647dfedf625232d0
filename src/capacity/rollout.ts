/**
 * What a namespace holds while a running soak changes in place, pod by pod, and whether
 * the ResourceQuota admits every pod the controllers create on the way. ResourceQuota
 * admission checks each pod creation against the namespace's usage, and that usage keeps
 * every pod that is not in a terminal phase, a terminating one included until its grace
 * period has run out (kubernetes pkg/quota/v1/evaluator/core/pods.go, `QuotaV1Pod` and
 * `PodUsageFunc`, read at kubernetes/kubernetes commit 05e7cb29dcda; no release tag was at
 * hand to pin it to). So the pods a rollout replaces hold their requests and limits until
 * they are gone, and a quota sized for the new pods alone rejects the first new ones.
 *
 * How each workload is replaced (Numaflow v1.8.3):
 * - vertex pods are managed by the Vertex controller itself, not by a Deployment
 *   (pkg/reconciler/vertex/controller.go `orchestratePods`): on a new pod-spec hash it takes
 *   the next `ceil(maxUnavailable × desired replicas)` replicas (`GetScaledValueFromIntOrPercent`
 *   rounding up; maxUnavailable defaults to 25%, pkg/apis/numaflow/v1alpha1/update_strategy.go
 *   `GetMaxUnavailable`; the plan's `pipeline.maxUnavailable` sets it), creates their new pods first and deletes the old ones of that batch
 *   only after (`orchestratePodsFromTo`: the create loop, then the delete loop); pods above
 *   the new replica count are deleted before (`cleanUpPodsFromTo`). It moves to the next batch
 *   when the new pods are ready, ignoring terminating ones (`findExistingPods`), so a batch's
 *   old pods may still be terminating when the next batch is created: counted here.
 *   A creation the quota rejects ends the reconcile before the delete loop, so the old pods
 *   of that batch are never deleted: the rollout stalls for good.
 * - the daemon is a Deployment without a strategy (pkg/apis/numaflow/v1alpha1/pipeline_types.go
 *   `GetDaemonDeploymentObj`), so Kubernetes' default applies: RollingUpdate with maxSurge 25%
 *   rounded up and maxUnavailable 25% rounded down, for one replica: the new pod first
 *   (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/, "Max Surge").
 * - JetStream is a StatefulSet (pkg/apis/numaflow/v1alpha1/jetstream_buffer_service.go
 *   `GetStatefulSetSpec`: podManagementPolicy Parallel, no updateStrategy, so RollingUpdate):
 *   one pod at a time from the highest ordinal, the new pod created under the same name only
 *   once the old one is gone (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/,
 *   "Rolling Updates"); a changed replica count is created or deleted first.
 * The buffer Jobs run only when buffers are created or deleted (pkg/reconciler/pipeline/
 * controller.go), not on a resize, and are left out.
 */
import { Bytes, Cpu } from '../plan/quantity';
import type { Amounts, PodGroup } from './pods';
import type { Workload } from '../plan/containers';

/** Numaflow v1.8.3's default `updateStrategy.rollingUpdate.maxUnavailable` for vertices (the plan's `pipeline.maxUnavailable` default too). */
export const VERTEX_MAX_UNAVAILABLE = '25%';

/** A vertex's `maxUnavailable`: a whole number of pods or a percentage such as `25%`. */
export type MaxUnavailable = number | string;

/**
 * How many of a vertex's replicas Numaflow replaces at once: `GetScaledValueFromIntOrPercent`
 * with rounding up (pkg/reconciler/vertex/controller.go), at most the replica count.
 */
export function vertexBatch(maxUnavailable: MaxUnavailable, replicas: number): number {
  const percent = typeof maxUnavailable === 'string' ? /^(\d+)%$/.exec(maxUnavailable) : null;
  if (typeof maxUnavailable === 'string' && percent === null) throw new Error(`maxUnavailable: expected a whole number or a percentage such as 25%, got ${JSON.stringify(maxUnavailable)}`);
  const batch = percent !== null ? Math.ceil((Number(percent[1]) * replicas) / 100) : (maxUnavailable as number);
  return Math.max(1, Math.min(batch, replicas));
}

/** How the rollout goes. */
export interface RolloutOptions {
  /** The vertices' `updateStrategy.rollingUpdate.maxUnavailable` after the change. @default '25%' */
  readonly maxUnavailable?: MaxUnavailable;
  /** Delays a workload's start by that many steps, to try other interleavings. @default none */
  readonly offsets?: Readonly<Partial<Record<Workload, number>>>;
}

/** What quota admission counts: pods, and requests and limits of CPU and memory. */
export interface Usage {
  readonly pods: number;
  readonly requestsCpu: Cpu;
  readonly requestsMemory: Bytes;
  readonly limitsCpu: Cpu;
  readonly limitsMemory: Bytes;
}

/** The resource names of a ResourceQuota's `hard` this model checks, in the order reported. */
export const USAGE_RESOURCES = ['pods', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const;
export type UsageResource = (typeof USAGE_RESOURCES)[number];

/** The sizes of one workload's pods, before or after the change: what a PodGroup carries. */
export type PodSizes = Pick<PodGroup, 'workload' | 'count' | 'requests' | 'limits'>;

/** One moment of one workload's rollout: how many old and new pods exist. */
interface GroupState {
  readonly old: number;
  readonly new: number;
  /** True when pods were created to reach this state (a quota check happens). */
  readonly creates: boolean;
}

/** One moment of the whole namespace during the rollout. */
export interface RolloutStep {
  readonly step: number;
  readonly usage: Usage;
  /** True when a controller created pods to reach this moment: quota admission ran. */
  readonly creates: boolean;
  /** Per workload, old and new pods at this moment, e.g. `batchMap 13 old + 5 new`. */
  readonly detail: string;
}

const EMPTY: Usage = { pods: 0, requestsCpu: Cpu.ZERO, requestsMemory: Bytes.ZERO, limitsCpu: Cpu.ZERO, limitsMemory: Bytes.ZERO };

function podsUsage(count: number, requests: Amounts, limits: Amounts): Usage {
  return {
    pods: count,
    requestsCpu: requests.cpu.times(count),
    requestsMemory: requests.memory.times(count),
    limitsCpu: limits.cpu.times(count),
    limitsMemory: limits.memory.times(count),
  };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    pods: a.pods + b.pods,
    requestsCpu: a.requestsCpu.plus(b.requestsCpu),
    requestsMemory: a.requestsMemory.plus(b.requestsMemory),
    limitsCpu: a.limitsCpu.plus(b.limitsCpu),
    limitsMemory: a.limitsMemory.plus(b.limitsMemory),
  };
}

/** The larger of two usages, resource by resource. */
export function maxUsage(a: Usage, b: Usage): Usage {
  const cpu = (x: Cpu, y: Cpu) => (x.compare(y) >= 0 ? x : y);
  const mem = (x: Bytes, y: Bytes) => (x.compare(y) >= 0 ? x : y);
  return {
    pods: Math.max(a.pods, b.pods),
    requestsCpu: cpu(a.requestsCpu, b.requestsCpu),
    requestsMemory: mem(a.requestsMemory, b.requestsMemory),
    limitsCpu: cpu(a.limitsCpu, b.limitsCpu),
    limitsMemory: mem(a.limitsMemory, b.limitsMemory),
  };
}

/** A usage's figure for one quota resource, as a plain number (cores, bytes, pods). */
export function usageOf(u: Usage, resource: UsageResource): number {
  switch (resource) {
    case 'pods':
      return u.pods;
    case 'requests.cpu':
      return u.requestsCpu.cores;
    case 'requests.memory':
      return u.requestsMemory.bytes;
    case 'limits.cpu':
      return u.limitsCpu.cores;
    case 'limits.memory':
      return u.limitsMemory.bytes;
  }
}

/** The moments of one vertex's rollout (Numaflow's own batches of 25%). */
function vertexStates(oldCount: number, newCount: number, maxUnavailable: MaxUnavailable): GroupState[] {
  const batch = vertexBatch(maxUnavailable, newCount);
  const kept = Math.min(oldCount, newCount);
  const states: GroupState[] = [{ old: oldCount, new: 0, creates: false }];
  for (let from = 0; from < newCount; from += batch) {
    const to = Math.min(from + batch, newCount);
    // Old pods not yet replaced (this batch's included: deleted after the creates), the
    // previous batch's old pods still terminating, and on the first batch the pods above the
    // new count that were deleted just before.
    const oldLeft = Math.max(0, kept - from);
    const terminating = from === 0 ? Math.max(0, oldCount - newCount) : Math.max(0, Math.min(from, kept) - Math.max(0, from - batch));
    states.push({ old: oldLeft + terminating, new: to, creates: true });
  }
  states.push({ old: 0, new: newCount, creates: false });
  return states;
}

/** The daemon Deployment: one surge pod, then the old one goes. */
function deploymentStates(oldCount: number, newCount: number): GroupState[] {
  return [
    { old: oldCount, new: 0, creates: false },
    { old: oldCount, new: newCount, creates: true },
    { old: 0, new: newCount, creates: false },
  ];
}

/** The JetStream StatefulSet: extra nodes created or removed first, then one pod at a time from the top. */
function statefulSetStates(oldCount: number, newCount: number): GroupState[] {
  const states: GroupState[] = [{ old: oldCount, new: 0, creates: false }];
  const kept = Math.min(oldCount, newCount);
  // Scaling with podManagementPolicy Parallel: the pods above the old count are created at
  // once with the new revision; those above the new count are deleted (and still count while
  // they terminate, so the count stays at the old one here).
  if (newCount > oldCount) states.push({ old: oldCount, new: newCount - oldCount, creates: true });
  for (let ordinal = kept - 1; ordinal >= 0; ordinal -= 1) {
    // Old pod `ordinal` is gone before its replacement is created under the same name.
    states.push({ old: ordinal, new: newCount - ordinal, creates: true });
  }
  states.push({ old: 0, new: newCount, creates: false });
  return states;
}

function statesOf(workload: Workload, oldCount: number, newCount: number, maxUnavailable: MaxUnavailable): GroupState[] {
  if (workload === 'daemon') return deploymentStates(oldCount, newCount);
  if (workload === 'buffer') return statefulSetStates(oldCount, newCount);
  return vertexStates(oldCount, newCount, maxUnavailable);
}

interface GroupRollout {
  readonly workload: Workload;
  readonly states: readonly GroupState[];
  readonly usage: (s: GroupState) => Usage;
}

/** Pairs the pods before and after by workload; a workload only on one side starts or ends at zero pods. */
function groupRollouts(before: readonly PodSizes[], after: readonly PodSizes[], maxUnavailable: MaxUnavailable): GroupRollout[] {
  const workloads = [...new Set([...before, ...after].map((g) => g.workload))];
  return workloads.map((workload) => {
    const from = before.find((g) => g.workload === workload);
    const to = after.find((g) => g.workload === workload);
    const old = from ?? to!;
    const neu = to ?? from!;
    return {
      workload,
      states: statesOf(workload, from?.count ?? 0, to?.count ?? 0, maxUnavailable),
      usage: (s: GroupState) => addUsage(podsUsage(s.old, old.requests, old.limits), podsUsage(s.new, neu.requests, neu.limits)),
    };
  });
}

/**
 * The rollout from `before` to `after` with every workload changed at once, moving in lock
 * step (each one a step at a time, the faster ones then staying at their end state): every
 * moment, with the namespace's usage. Step 0 is before the change, the last step after it.
 */
export function simulateRollout(before: readonly PodSizes[], after: readonly PodSizes[], options: RolloutOptions = {}): RolloutStep[] {
  const offsets = options.offsets ?? {};
  const groups = groupRollouts(before, after, options.maxUnavailable ?? VERTEX_MAX_UNAVAILABLE);
  const at = (g: GroupRollout, step: number) => g.states[Math.min(Math.max(0, step - (offsets[g.workload] ?? 0)), g.states.length - 1)];
  const length = Math.max(...groups.map((g) => g.states.length + (offsets[g.workload] ?? 0)));
  const steps: RolloutStep[] = [];
  for (let step = 0; step < length; step += 1) {
    const states = groups.map((g) => ({ g, s: at(g, step), moved: step > 0 && at(g, step) !== at(g, step - 1) }));
    steps.push({
      step,
      usage: states.reduce((u, { g, s }) => addUsage(u, g.usage(s)), EMPTY),
      creates: states.some(({ s, moved }) => moved && s.creates),
      detail: states.map(({ g, s }) => `${g.workload} ${s.old} old + ${s.new} new`).join(', '),
    });
  }
  return steps;
}

/**
 * The most the namespace can hold at any moment of the rollout, whatever order the
 * controllers take: each workload's own peak, added up (an upper bound of every interleaving).
 * With `before` equal to `after` it is the room a change of the pod specs alone needs (an
 * image or setting change rolls every pod the same way). `maxUnavailable` is the vertices'
 * after the change (@default '25%').
 */
export function rolloutPeak(before: readonly PodSizes[], after: readonly PodSizes[], maxUnavailable: MaxUnavailable = VERTEX_MAX_UNAVAILABLE): Usage {
  return groupRollouts(before, after, maxUnavailable)
    .map((g) => g.states.map(g.usage).reduce(maxUsage, EMPTY))
    .reduce(addUsage, EMPTY);
}

/** The hard limits a ResourceQuota sets, for the resources this model checks. */
export type QuotaHard = Usage;

/** A pod creation quota admission refuses. */
export interface Rejection {
  readonly step: number;
  readonly resource: UsageResource;
  readonly used: number;
  readonly hard: number;
  readonly detail: string;
}

/**
 * The first moment where a creation would be refused by the quota in force then
 * (`quotaAt(step)`, undefined for no quota), or undefined if every creation is admitted.
 */
export function firstRejection(steps: readonly RolloutStep[], quotaAt: (step: number) => QuotaHard | undefined): Rejection | undefined {
  for (const s of steps) {
    if (!s.creates) continue;
    const quota = quotaAt(s.step);
    if (quota === undefined) continue;
    for (const resource of USAGE_RESOURCES) {
      const used = usageOf(s.usage, resource);
      const hard = usageOf(quota, resource);
      if (used > hard) return { step: s.step, resource, used, hard, detail: s.detail };
    }
  }
  return undefined;
}

/** The pods of a plan as a stack output: plain JSON, read back by `podSizesFromOutput` on the next update. */
export interface PodSizesOutput {
  readonly workload: Workload;
  readonly count: number;
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export function podSizesOutput(groups: readonly PodSizes[]): PodSizesOutput[] {
  const amounts = (a: Amounts) => ({ cpu: a.cpu.toString(), memory: a.memory.toString() });
  return groups.map((g) => ({ workload: g.workload, count: g.count, requests: amounts(g.requests), limits: amounts(g.limits) }));
}

const WORKLOADS: readonly Workload[] = ['source', 'batchMap', 'sink', 'daemon', 'buffer'];

/**
 * The pods the last update left running, from its `podGroups` output; undefined when there
 * is none (a first update). A malformed value is an error naming the output: the quota
 * cannot be sized safely from it.
 */
export function podSizesFromOutput(value: unknown, name = 'podGroups'): PodSizes[] | undefined {
  if (value === undefined || value === null) return undefined;
  const fail = (what: string): never => {
    throw new Error(`stack output ${name} of the last update: ${what}; expected a list of { workload, count, requests: { cpu, memory }, limits: { cpu, memory } }`);
  };
  if (!Array.isArray(value)) fail(`got ${typeof value}`);
  return (value as unknown[]).map((item, i) => {
    const g = item as Partial<PodSizesOutput>;
    if (typeof g !== 'object' || g === null) return fail(`entry ${i} is not a mapping`);
    if (!WORKLOADS.includes(g.workload as Workload)) fail(`entry ${i}: unknown workload ${JSON.stringify(g.workload)}`);
    if (!Number.isSafeInteger(g.count) || (g.count as number) < 0) fail(`entry ${i}: count must be a whole number of pods`);
    const amounts = (a: unknown, key: string): Amounts => {
      const x = a as { cpu?: unknown; memory?: unknown } | undefined;
      try {
        return { cpu: Cpu.parse(x?.cpu as string), memory: Bytes.parse(x?.memory as string) };
      } catch (error) {
        return fail(`entry ${i}: ${key}: ${(error as Error).message}`);
      }
    };
    return { workload: g.workload as Workload, count: g.count as number, requests: amounts(g.requests, 'requests'), limits: amounts(g.limits, 'limits') };
  });
}

/** True when two pod inventories have the same counts and sizes per workload. */
export function samePodSizes(a: readonly PodSizes[], b: readonly PodSizes[]): boolean {
  const key = (groups: readonly PodSizes[]) => JSON.stringify(podSizesOutput([...groups].sort((x, y) => x.workload.localeCompare(y.workload))));
  return key(a) === key(b);
}
