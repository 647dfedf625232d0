/**
 * The soak pipeline: a generator source, a batch-map UDF and a sink, in a line.
 * Every default the CRD would inject is written out (lifecycle, limits, watermark, update
 * strategy, generator fields), so what we synthesize is what the API server stores and a
 * re-apply shows no phantom diff.
 */
import { Construct } from 'constructs';
import type { ContainerTemplate, PodTemplateFields, UserContainer } from '../numaflow/pod';
import { vertexPodLabels } from '../numaflow/labels';
import { Pipeline, type JobTemplate, type PipelineLimits, type Scale, type Sink, type Vertex } from '../numaflow/pipeline';
import { workerThreadsEnv } from '../numaflow/worker-threads';
import type { ContainerResources, EnvValue, NumaContainer, PipelinePlan, ScalePlan, SinkPlan, VertexLimits } from '../plan/schema';
import { envVars } from './env-vars';
import { NO_API_TOKEN, placementFields, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity, VARIANT_LABEL } from './pod-settings';

export interface BatchMapPipelineProps {
  readonly namespace: string;
  readonly pipeline: PipelinePlan;
  /** Name of the InterStepBufferService; create it first. */
  readonly bufferName: string;
  readonly variant: string;
}

/** Grace periods Numaflow defaults to; written explicitly. */
const GRACE_PERIOD_SECONDS = 30;

function containerTemplate(resources: ContainerResources): ContainerTemplate {
  return { resources: resourceRequirements(resources), securityContext: restrictedContainerSecurity() };
}

/**
 * A vertex's containerTemplate, which Numaflow applies to its `numa` container. With
 * `workerThreads` set, NUMAFLOW_CPU_REQUEST goes into its env: Numaflow appends this env after
 * its own, so this value wins (see src/numaflow/worker-threads.ts).
 */
function numaTemplate(numa: NumaContainer): ContainerTemplate {
  return {
    ...containerTemplate(numa),
    ...(numa.workerThreads !== undefined ? { env: [workerThreadsEnv(numa.workerThreads)] } : {}),
  };
}

interface UserContainerProps {
  readonly image: string;
  readonly resources: ContainerResources;
  /** @default no variables */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** @default true */
  readonly readOnlyRootFilesystem?: boolean;
}

function userContainer(props: UserContainerProps): UserContainer {
  const env = envVars(props.env ?? {});
  return {
    image: props.image,
    imagePullPolicy: 'IfNotPresent',
    ...(env.length > 0 ? { env } : {}),
    resources: resourceRequirements(props.resources),
    securityContext: restrictedContainerSecurity({ readOnlyRootFilesystem: props.readOnlyRootFilesystem ?? true }),
  };
}

function scale(plan: ScalePlan): Scale {
  // Key order does not matter (cdk8s sorts keys); unset autoscaling fields stay unset.
  const { min, max, ...autoscaling } = plan;
  const set = Object.entries(autoscaling).filter(([, v]) => v !== undefined);
  return { min, max, ...Object.fromEntries(set) };
}

function limits(plan: VertexLimits | undefined): { limits?: Partial<PipelineLimits> } {
  if (!plan) return {};
  const l: Partial<PipelineLimits> = {
    ...(plan.readBatchSize !== undefined ? { readBatchSize: plan.readBatchSize } : {}),
    ...(plan.bufferMaxLength !== undefined ? { bufferMaxLength: plan.bufferMaxLength } : {}),
    ...(plan.bufferUsageLimit !== undefined ? { bufferUsageLimit: plan.bufferUsageLimit } : {}),
    ...(plan.readTimeout !== undefined ? { readTimeout: plan.readTimeout.toString() } : {}),
  };
  return Object.keys(l).length > 0 ? { limits: l } : {};
}

function sink(plan: SinkPlan): Sink {
  switch (plan.type) {
    case 'log':
      return { log: {} };
    case 'blackhole':
      return { blackhole: {} };
    case 'udsink': {
      // The plan rules guarantee a udsink container for this type.
      const udsink = plan.udsink!;
      return { udsink: { container: userContainer(udsink) } };
    }
  }
}

export class BatchMapPipeline extends Construct {
  public readonly name: string;
  public readonly resource: Pipeline;

  constructor(scope: Construct, id: string, props: BatchMapPipelineProps) {
    super(scope, id);
    const p = props.pipeline;
    this.name = p.name;

    /** Pod settings shared by every vertex of this pipeline. */
    const pod = (vertex: string): PodTemplateFields => ({
      metadata: { labels: { [VARIANT_LABEL]: props.variant } },
      ...placementFields(p.placement),
      securityContext: restrictedPodSecurity(),
      ...NO_API_TOKEN,
      // Spread a vertex's replicas over nodes where possible, so one node loss takes few of them.
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: { labelSelector: { matchLabels: vertexPodLabels(p.name, vertex) }, topologyKey: 'kubernetes.io/hostname' },
            },
          ],
        },
      },
    });
    const common = (name: string, numa: NumaContainer, scalePlan: ScalePlan, vertexLimits: VertexLimits | undefined) => ({
      name,
      ...pod(name),
      containerTemplate: numaTemplate(numa),
      initContainerTemplate: containerTemplate(p.init),
      scale: scale(scalePlan),
      ...limits(vertexLimits),
      updateStrategy: { type: 'RollingUpdate' as const, rollingUpdate: { maxUnavailable: p.maxUnavailable } },
    });

    // The Jobs that create and delete the buffers (numaflow v1.8.3
    // pkg/reconciler/pipeline/controller.go buildISBBatchJob) set no securityContext and no
    // resources of their own, and the image declares no user: without this template they
    // run as root, unbounded. The pod fields fill what the controller left unset; the
    // containerTemplate is applied to the Job's only container, `numa`.
    const job: JobTemplate = {
      metadata: { labels: { [VARIANT_LABEL]: props.variant } },
      ...placementFields(p.placement),
      securityContext: restrictedPodSecurity(),
      ...NO_API_TOKEN,
      containerTemplate: containerTemplate(p.job),
    };

    const { source: src, batchMap: map, sink: out } = p;
    const g = src.generator;
    const vertices: Vertex[] = [
      {
        ...common(src.name, src.numa, src.scale, src.limits),
        source: {
          generator: {
            rpu: g.rpu,
            duration: g.duration.toString(),
            msgSize: g.msgSize,
            jitter: g.jitter.toString(),
            ...(g.value !== undefined ? { value: g.value } : {}),
            ...(g.keyCount !== undefined ? { keyCount: g.keyCount } : {}),
          },
        },
      },
      {
        ...common(map.name, map.numa, map.scale, map.limits),
        udf: { container: userContainer({ image: map.image, resources: map.udf, env: map.env, readOnlyRootFilesystem: map.readOnlyRootFilesystem }) },
        partitions: map.partitions,
      },
      {
        ...common(out.name, out.numa, out.scale, out.limits),
        sink: sink(out),
        partitions: out.partitions,
      },
    ];

    this.resource = new Pipeline(this, 'pipeline', {
      metadata: { name: p.name, namespace: props.namespace },
      spec: {
        interStepBufferServiceName: props.bufferName,
        lifecycle: {
          desiredPhase: 'Running',
          deleteGracePeriodSeconds: GRACE_PERIOD_SECONDS,
          deletionGracePeriodSeconds: GRACE_PERIOD_SECONDS,
          pauseGracePeriodSeconds: GRACE_PERIOD_SECONDS,
        },
        limits: {
          readBatchSize: p.limits.readBatchSize,
          bufferMaxLength: p.limits.bufferMaxLength,
          bufferUsageLimit: p.limits.bufferUsageLimit,
          readTimeout: p.limits.readTimeout.toString(),
        },
        watermark: { disabled: false, maxDelay: '0s' },
        templates: {
          daemon: {
            metadata: { labels: { [VARIANT_LABEL]: props.variant } },
            ...placementFields(p.placement),
            securityContext: restrictedPodSecurity(),
            ...NO_API_TOKEN,
            containerTemplate: containerTemplate(p.daemon),
            initContainerTemplate: containerTemplate(p.daemon),
          },
          job,
        },
        vertices,
        edges: [
          { from: src.name, to: map.name },
          { from: map.name, to: out.name },
        ],
      },
    });
  }
}
