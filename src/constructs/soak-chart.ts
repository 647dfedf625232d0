/**
 * One variant of the soak environment as a cdk8s Chart: cluster footprint, buffer service,
 * pipeline and monitoring, built from one plan. Both delivery paths (the cdk8s app and
 * the Pulumi program) build exactly this tree.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { SoakPlan } from '../plan/schema';
import { BatchMapPipeline } from './batch-map-pipeline';
import { SoakCluster } from './cluster';
import { JetStreamBuffer } from './jetstream-buffer';
import { SoakMonitoring } from './monitoring';
import { VARIANT_LABEL } from './pod-settings';

export interface SoakChartProps {
  readonly plan: SoakPlan;
  /** The variant (stack) name, e.g. `soak` or `rightsized`; labels every object. */
  readonly variant: string;
}

export class SoakChart extends Chart {
  public readonly plan: SoakPlan;
  public readonly cluster: SoakCluster;
  public readonly buffer: JetStreamBuffer;
  public readonly pipeline: BatchMapPipeline;
  public readonly monitoring: SoakMonitoring;

  constructor(scope: Construct, id: string, props: SoakChartProps) {
    super(scope, id, { disableResourceNameHashes: true, labels: { [VARIANT_LABEL]: props.variant } });
    const { plan, variant } = props;
    this.plan = plan;
    this.cluster = new SoakCluster(this, 'cluster', { plan });
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
