/**
 * Typed props for the Numaflow `InterStepBufferService` with a JetStream buffer, limited
 * to the fields this project emits. Field names follow Numaflow v1.8.3
 * (`pkg/apis/numaflow/v1alpha1/jetstream_buffer_service.go`).
 */
import { ApiObject, type ApiObjectMetadata } from 'cdk8s';
import type { Construct } from 'constructs';
import { NUMAFLOW_API_VERSION } from './pipeline';
import type { ContainerTemplate, PodTemplateFields, Quantity } from './pod';

export interface InterStepBufferServiceProps {
  readonly metadata: ApiObjectMetadata & { readonly name: string; readonly namespace: string };
  readonly spec: { readonly jetstream: JetStreamBufferService };
}

export interface JetStreamBufferService extends PodTemplateFields {
  /** A version listed in the controller ConfigMap; otherwise no StatefulSet is ever built. */
  readonly version: string;
  /** JetStream nodes: 1, or 3 and more (never 2). @default 3 */
  readonly replicas: number;
  /** The NATS server container (`main`). GOMEMLIMIT follows its memory limit. */
  readonly containerTemplate: ContainerTemplate;
  readonly reloaderContainerTemplate: ContainerTemplate;
  readonly metricsContainerTemplate: ContainerTemplate;
  /** Cannot change after creation: a change means recreating the buffer service. */
  readonly persistence: Persistence;
  /** NATS server settings, a YAML string; only max_payload, max_memory_store and max_file_store are honoured. */
  readonly settings: string;
  /** Stream, consumer and bucket settings, a YAML string merged over the controller's defaults. */
  readonly bufferConfig: string;
  /** @default false */
  readonly tls: boolean;
  /** Encryption at rest. Changing it means recreating the buffer service. @default false */
  readonly encryption: boolean;
}

export interface Persistence {
  readonly storageClassName?: string;
  /** @default 'ReadWriteOnce' */
  readonly accessMode: 'ReadWriteOnce' | 'ReadWriteOncePod';
  /** @default 20Gi */
  readonly volumeSize: Quantity;
}

/** A Numaflow InterStepBufferService object. */
export class InterStepBufferService extends ApiObject {
  public static readonly GVK = { apiVersion: NUMAFLOW_API_VERSION, kind: 'InterStepBufferService' };

  constructor(scope: Construct, id: string, props: InterStepBufferServiceProps) {
    super(scope, id, { ...InterStepBufferService.GVK, metadata: props.metadata, spec: props.spec });
  }
}
