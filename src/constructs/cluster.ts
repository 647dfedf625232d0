/**
 * The soak's footprint in the cluster: its namespace with Pod Security labels, a
 * ResourceQuota and a LimitRange derived from the plan, and the PriorityClass that keeps
 * the buffer service's pods the last to be preempted.
 */
// The generated Kubernetes API types only: the rest of cdk8s-plus-28 is not loaded.
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { estimateNodes, type NodeEstimate } from '../capacity/nodes';
import { DEFAULT_CONTAINER_LIMITS, DEFAULT_CONTAINER_REQUESTS, planTotals, podGroups, type Totals } from '../capacity/pods';
import { rolloutPeak, type PodSizes } from '../capacity/rollout';
import { distinctSizedContainers } from '../plan/containers';
import { Bytes, Cpu } from '../plan/quantity';
import type { NodeShape, SoakPlan } from '../plan/schema';

/** The Pod Security Standards version the namespace labels pin. */
export const POD_SECURITY_VERSION = 'v1.29';

export interface SoakClusterProps {
  readonly plan: SoakPlan;
  /**
   * The pods running now, when the plan resizes a running soak: the quota then holds the
   * rollout from them to the plan's pods (the Pulumi program passes its last update's
   * `podGroups` output).
   * @default the plan's own pods (the room a same-size rolling update needs)
   */
  readonly rolloutFrom?: readonly PodSizes[];
}

/**
 * Quota amounts: the most the namespace holds while its pods roll from `rolloutFrom` to the
 * plan's (`rolloutPeak`, src/capacity/rollout.ts), plus headroom, rounded up to whole cores
 * and GiB. Without `rolloutFrom` that is a rolling update of the plan's own pods (an image or
 * setting change replaces every pod in batches, the new ones created before the old ones go),
 * so a running soak can always be changed in place; with the sizes that run now, it also holds
 * both sizes while a resize rolls.
 */
export function quotaAmounts(plan: SoakPlan, rolloutFrom?: readonly PodSizes[]) {
  const factor = 1 + plan.cluster.quotaHeadroomPercent / 100;
  const totals = planTotals(plan);
  const groups = podGroups(plan);
  const peak = rolloutPeak(rolloutFrom ?? groups, groups, plan.pipeline.maxUnavailable);
  const cores = (cpu: Cpu) => Cpu.cores(Math.ceil(cpu.times(factor).cores));
  const gib = (bytes: Bytes) => Bytes.gibibytes(Math.ceil(bytes.times(factor).gibibytes));
  return {
    pods: Math.ceil(peak.pods * factor),
    requestsCpu: cores(peak.requestsCpu),
    requestsMemory: gib(peak.requestsMemory),
    limitsCpu: cores(peak.limitsCpu),
    limitsMemory: gib(peak.limitsMemory),
    volumeClaims: totals.volumeClaims,
    storage: gib(totals.storage),
  };
}

export class SoakCluster extends Construct {
  /** Name of the PriorityClass the buffer service's pods use. */
  public readonly bufferPriorityClassName: string;
  public readonly namespace: k8s.KubeNamespace;
  /** What the plan requests and is limited to, at maximum scale. */
  public readonly totals: Totals;
  private readonly plan: SoakPlan;

  constructor(scope: Construct, id: string, props: SoakClusterProps) {
    super(scope, id);
    const { plan } = props;
    this.plan = plan;
    this.totals = planTotals(plan);
    const ns = plan.namespace;
    // `restricted` by default: every pod the Numaflow v1.8.3 controller creates from what we
    // emit can meet it (see the podSecurityEnforce description in src/plan/schema.ts).
    const enforce = plan.cluster.podSecurityEnforce;

    this.namespace = new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: ns,
        labels: {
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': POD_SECURITY_VERSION,
          'pod-security.kubernetes.io/enforce': enforce,
          'pod-security.kubernetes.io/enforce-version': POD_SECURITY_VERSION,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': POD_SECURITY_VERSION,
        },
      },
    });

    const q = quotaAmounts(plan, props.rolloutFrom);
    new k8s.KubeResourceQuota(this, 'quota', {
      metadata: { name: 'soak', namespace: ns },
      spec: {
        hard: {
          'limits.cpu': k8s.Quantity.fromString(q.limitsCpu.toString()),
          'limits.memory': k8s.Quantity.fromString(q.limitsMemory.toString()),
          persistentvolumeclaims: k8s.Quantity.fromNumber(q.volumeClaims),
          pods: k8s.Quantity.fromNumber(q.pods),
          'requests.cpu': k8s.Quantity.fromString(q.requestsCpu.toString()),
          'requests.memory': k8s.Quantity.fromString(q.requestsMemory.toString()),
          'requests.storage': k8s.Quantity.fromString(q.storage.toString()),
        },
      },
    });

    // No container may ask for more than the largest container the plan sizes (the buffer
    // Jobs' `numa` included); a container Numaflow adds without resources (v1.8.3's monitor
    // sidecar) gets small defaults.
    const containers = [...distinctSizedContainers(plan), { resources: plan.pipeline.job }];
    const maxCpu = containers.reduce((m, c) => (c.resources.limits.cpu.compare(m) > 0 ? c.resources.limits.cpu : m), Cpu.ZERO);
    const maxMemory = containers.reduce((m, c) => (c.resources.limits.memory.compare(m) > 0 ? c.resources.limits.memory : m), Bytes.ZERO);
    new k8s.KubeLimitRange(this, 'limits', {
      metadata: { name: 'soak', namespace: ns },
      spec: {
        limits: [
          {
            type: 'Container',
            default: {
              cpu: k8s.Quantity.fromString(DEFAULT_CONTAINER_LIMITS.cpu.toString()),
              memory: k8s.Quantity.fromString(DEFAULT_CONTAINER_LIMITS.memory.toString()),
            },
            defaultRequest: {
              cpu: k8s.Quantity.fromString(DEFAULT_CONTAINER_REQUESTS.cpu.toString()),
              memory: k8s.Quantity.fromString(DEFAULT_CONTAINER_REQUESTS.memory.toString()),
            },
            max: {
              cpu: k8s.Quantity.fromString(maxCpu.toString()),
              memory: k8s.Quantity.fromString(maxMemory.toString()),
            },
          },
        ],
      },
    });

    // PriorityClass is cluster-scoped: the namespace in its name keeps two soaks apart.
    this.bufferPriorityClassName = `${ns}-buffer`;
    new k8s.KubePriorityClass(this, 'buffer-priority', {
      metadata: { name: this.bufferPriorityClassName },
      value: plan.cluster.bufferPriority,
      globalDefault: false,
      preemptionPolicy: 'PreemptLowerPriority',
      description: `Numaflow inter-step buffer service of namespace ${ns}: holds in-flight data, preempted last.`,
    });
  }

  /**
   * How many nodes of a shape the plan needs (first-fit-decreasing by requests, one
   * JetStream pod per node).
   * @default shape - the plan's `cluster.nodeShape`
   */
  public nodeEstimate(shape: NodeShape = this.plan.cluster.nodeShape): NodeEstimate {
    return estimateNodes(this.plan, shape);
  }
}
