/**
 * One variant of the soak environment as a cdk8s Chart: cluster footprint, buffer service,
 * pipeline and monitoring, built from one plan. Both delivery paths (the cdk8s app and
 * the Pulumi program) build exactly this tree.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { PodSizes } from '../capacity/rollout';
import type { SoakPlan } from '../plan/schema';
import { BatchMapPipeline } from './batch-map-pipeline';
import { BufferNetworkPolicy } from './buffer-network-policy';
import { SoakCluster } from './cluster';
import { JetStreamBuffer } from './jetstream-buffer';
import { SoakMonitoring } from './monitoring';
import { VARIANT_LABEL } from './pod-settings';

export interface SoakChartProps {
  readonly plan: SoakPlan;
  /** The variant (stack) name, e.g. `soak` or `rightsized`; labels every object. */
  readonly variant: string;
  /**
   * The pods running now, when the plan resizes a running soak (see SoakClusterProps).
   * @default the plan's own pods
   */
  readonly rolloutFrom?: readonly PodSizes[];
}

export class SoakChart extends Chart {
  public readonly plan: SoakPlan;
  public readonly cluster: SoakCluster;
  public readonly buffer: JetStreamBuffer;
  public readonly pipeline: BatchMapPipeline;
  public readonly monitoring: SoakMonitoring;
  /** Admits only Numaflow's own clients to the buffer service; absent when `buffer.networkPolicy` is off. */
  public readonly bufferNetworkPolicy?: BufferNetworkPolicy;

  constructor(scope: Construct, id: string, props: SoakChartProps) {
    super(scope, id, { disableResourceNameHashes: true, labels: { [VARIANT_LABEL]: props.variant } });
    const { plan, variant } = props;
    this.plan = plan;
    this.cluster = new SoakCluster(this, 'cluster', { plan, ...(props.rolloutFrom ? { rolloutFrom: props.rolloutFrom } : {}) });
    // Under the cluster construct, so it is applied with the namespace (the Pulumi program
    // registers one layer per construct), before any JetStream pod exists.
    if (plan.buffer.networkPolicy) {
      this.bufferNetworkPolicy = new BufferNetworkPolicy(this.cluster, 'buffer-network-policy', {
        namespace: plan.namespace,
        bufferName: plan.buffer.name,
        pipelineName: plan.pipeline.name,
        ...(plan.monitoring.enabled ? { prometheus: plan.monitoring.prometheus } : {}),
      });
    }
    this.buffer = new JetStreamBuffer(this, 'buffer', {
      namespace: plan.namespace,
      buffer: plan.buffer,
      variant,
      priorityClassName: this.cluster.bufferPriorityClassName,
    });
    this.pipeline = new BatchMapPipeline(this, 'pipeline', {
      namespace: plan.namespace,
      pipeline: plan.pipeline,
      bufferName: this.buffer.name,
      variant,
    });
    this.monitoring = new SoakMonitoring(this, 'monitoring', { plan });

    // Order: namespace first, the buffer service before the pipeline that needs it.
    this.buffer.node.addDependency(this.cluster);
    this.pipeline.node.addDependency(this.buffer);
    this.monitoring.node.addDependency(this.cluster);
  }
}
