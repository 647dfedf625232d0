/**
 * Typed props for the Numaflow `Pipeline` (numaflow.numaproj.io/v1alpha1), limited to the
 * fields this project emits. Field names and defaults follow Numaflow v1.8.3
 * (`pkg/apis/numaflow/v1alpha1/pipeline_types.go`, `vertex_types.go`).
 */
import { ApiObject, type ApiObjectMetadata } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ContainerTemplate, PodTemplateFields, UserContainer } from './pod';

export const NUMAFLOW_API_VERSION = 'numaflow.numaproj.io/v1alpha1';

export interface PipelineProps {
  readonly metadata: ApiObjectMetadata & { readonly name: string; readonly namespace: string };
  readonly spec: PipelineSpec;
}

export interface PipelineSpec {
  /** The InterStepBufferService the pipeline's buffers live in. Cannot change after creation. */
  readonly interStepBufferServiceName: string;
  readonly lifecycle: Lifecycle;
  /** Defaults for every vertex; a vertex's own `limits` override them field by field. */
  readonly limits: PipelineLimits;
  readonly watermark: Watermark;
  readonly templates?: Templates;
  readonly vertices: readonly Vertex[];
  readonly edges: readonly Edge[];
}

export interface Lifecycle {
  /** @default 'Running' */
  readonly desiredPhase: 'Running' | 'Paused';
  /** The v1.8.3 name of the grace period; the CRD defaults it, so we write it to keep diffs quiet. */
  readonly deleteGracePeriodSeconds: number;
  readonly deletionGracePeriodSeconds: number;
  readonly pauseGracePeriodSeconds: number;
}

export interface PipelineLimits {
  /** @default 500 */
  readonly readBatchSize: number;
  /** @default 30000 */
  readonly bufferMaxLength: number;
  /** Percent. @default 80 */
  readonly bufferUsageLimit: number;
  /** A Go duration. @default '1s' */
  readonly readTimeout: string;
}

export interface Watermark {
  readonly disabled: boolean;
  /** A Go duration. @default '0s' */
  readonly maxDelay: string;
}

export interface Templates {
  /** Pod settings of the pipeline's daemon Deployment. */
  readonly daemon?: DaemonTemplate;
  /** Pod settings of the Jobs that create and delete the pipeline's buffers. */
  readonly job?: JobTemplate;
}

/** `templates.daemon` (v1.8.3 `DaemonTemplate`, `pkg/apis/numaflow/v1alpha1/daemon_template.go`). */
export interface DaemonTemplate extends PodTemplateFields {
  /** The daemon's `numa` container. */
  readonly containerTemplate?: ContainerTemplate;
  /** The daemon pod's `init` container. */
  readonly initContainerTemplate?: ContainerTemplate;
}

/**
 * `templates.job` (v1.8.3 `JobTemplate`, `pkg/apis/numaflow/v1alpha1/job_template.go`).
 * The controller builds a Job to create the buffers and buckets when the pipeline is created
 * (`isbsvc-create`), to delete them (`isbsvc-delete`) and to clean up on deletion, in
 * `buildISBBatchJob` (`pkg/reconciler/pipeline/controller.go`). Its pod has one container,
 * `numa`, and no init container; without this template it has no securityContext and no
 * resources. The template's pod fields fill what the controller left unset
 * (`AbstractPodTemplate.ApplyToPodTemplateSpec`), its containerTemplate is applied to `numa`.
 */
export interface JobTemplate extends PodTemplateFields {
  /** The Job's `numa` container. */
  readonly containerTemplate?: ContainerTemplate;
}

/** One vertex: exactly one of `source`, `udf` or `sink`. */
export type Vertex = SourceVertex | UdfVertex | SinkVertex;

interface VertexCommon extends PodTemplateFields {
  /** A DNS-1035 label; `{pipeline}-{vertex}-headless` must fit in 63 characters. */
  readonly name: string;
  /** Resources and security of the `numa` and `init` containers. */
  readonly containerTemplate: ContainerTemplate;
  /** Resources and security of the `init` container (overrides containerTemplate for it). */
  readonly initContainerTemplate?: ContainerTemplate;
  readonly scale: Scale;
  readonly limits?: Partial<PipelineLimits>;
  readonly updateStrategy: UpdateStrategy;
}

export interface SourceVertex extends VertexCommon {
  readonly source: { readonly generator: GeneratorSource };
  readonly udf?: never;
  readonly sink?: never;
  /** Sources own no buffer; Numaflow rejects more than 1. */
  readonly partitions?: 1;
}

export interface UdfVertex extends VertexCommon {
  /**
   * The user-defined function. Its resources go on `container`; there is no
   * `udf.resources` (the soak test's upstream spec put them there and lost them).
   */
  readonly udf: { readonly container: UserContainer };
  readonly source?: never;
  readonly sink?: never;
  /** Buffers (JetStream streams) this vertex reads from. @default 1 */
  readonly partitions?: number;
}

export interface SinkVertex extends VertexCommon {
  readonly sink: Sink;
  readonly source?: never;
  readonly udf?: never;
  /** @default 1 */
  readonly partitions?: number;
}

/** A sink: `log` and `blackhole` run inside `numa`; `udsink` adds your container. */
export type Sink =
  | { readonly log: Record<string, never>; readonly blackhole?: never; readonly udsink?: never }
  | { readonly blackhole: Record<string, never>; readonly log?: never; readonly udsink?: never }
  | { readonly udsink: { readonly container: UserContainer }; readonly log?: never; readonly blackhole?: never };

/** Numaflow's built-in test source. All fields are written so the CRD adds no defaults. */
export interface GeneratorSource {
  /** Messages per replica per `duration`. @default 5 */
  readonly rpu: number;
  /** A Go duration. @default '1s' */
  readonly duration: string;
  /** Approximate payload size in bytes. @default 8 */
  readonly msgSize: number;
  readonly value?: number;
  readonly keyCount?: number;
  /** A Go duration. @default '0s' */
  readonly jitter: string;
}

/** Replica bounds and autoscaling. min = max fixes the replica count (the scaler skips the vertex). */
export interface Scale {
  /** @default 0 */
  readonly min: number;
  /** @default 50 */
  readonly max: number;
  readonly disabled?: boolean;
  readonly lookbackSeconds?: number;
  readonly scaleUpCooldownSeconds?: number;
  readonly scaleDownCooldownSeconds?: number;
  readonly zeroReplicaSleepSeconds?: number;
  readonly targetProcessingSeconds?: number;
  readonly targetBufferAvailability?: number;
  readonly replicasPerScaleUp?: number;
  readonly replicasPerScaleDown?: number;
}

export interface UpdateStrategy {
  readonly type: 'RollingUpdate';
  /** Pods down at once: a count or a percentage. @default '25%' */
  readonly rollingUpdate: { readonly maxUnavailable: number | string };
}

export interface Edge {
  readonly from: string;
  readonly to: string;
}

/** A Numaflow Pipeline object. */
export class Pipeline extends ApiObject {
  public static readonly GVK = { apiVersion: NUMAFLOW_API_VERSION, kind: 'Pipeline' };

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id, { ...Pipeline.GVK, metadata: props.metadata, spec: props.spec });
  }
}
