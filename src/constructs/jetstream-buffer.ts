/**
 * The JetStream inter-step buffer service: the stateful heart of the soak. It holds every
 * message between vertices, so it gets a pinned version, Guaranteed resources, one node
 * per pod (required anti-affinity), a PodDisruptionBudget of one, a high PriorityClass and
 * persistent volumes. Numaflow creates the StatefulSet `isbsvc-{name}-js` from this object.
 */
// The generated Kubernetes API types only: the rest of cdk8s-plus-28 is not loaded.
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { InterStepBufferService } from '../numaflow/isbsvc';
import { bufferLabels } from '../numaflow/labels';
import { quantity } from '../numaflow/pod';
import type { BufferPlan } from '../plan/schema';
import { NO_API_TOKEN, placementFields, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity, VARIANT_LABEL } from './pod-settings';

export interface JetStreamBufferProps {
  readonly namespace: string;
  readonly buffer: BufferPlan;
  readonly variant: string;
  /** PriorityClass of the pods. */
  readonly priorityClassName: string;
}

const RETENTION = { Limits: 0, Interest: 1, WorkQueue: 2 } as const;
const STORAGE = { file: 0, memory: 1 } as const;

/** The NATS `settings` YAML: only keys Numaflow honours, bytes as integers, sorted. */
export function natsSettings(buffer: BufferPlan): string {
  const { maxFileStore, maxMemoryStore, maxPayload } = buffer.settings;
  return stringify({
    ...(maxFileStore ? { max_file_store: maxFileStore.bytes } : {}),
    ...(maxMemoryStore ? { max_memory_store: maxMemoryStore.bytes } : {}),
    max_payload: maxPayload.bytes,
  });
}

/** The `bufferConfig` YAML: stream and consumer settings merged over the controller's. */
export function bufferConfig(buffer: BufferPlan): string {
  const { stream, consumer } = buffer;
  return stringify({
    consumer: { ackWait: consumer.ackWait.toString(), maxAckPending: consumer.maxAckPending },
    stream: {
      duplicates: stream.duplicates.toString(),
      maxAge: stream.maxAge.toString(),
      maxBytes: stream.maxBytes,
      maxMsgs: stream.maxMsgs,
      replicas: stream.replicas,
      retention: RETENTION[stream.retention],
      storage: STORAGE[stream.storage],
    },
  });
}

export class JetStreamBuffer extends Construct {
  public readonly name: string;
  public readonly resource: InterStepBufferService;

  constructor(scope: Construct, id: string, props: JetStreamBufferProps) {
    super(scope, id);
    const { buffer, namespace } = props;
    this.name = buffer.name;
    const container = (resources: BufferPlan['containers']['main']) => ({
      resources: resourceRequirements(resources),
      securityContext: restrictedContainerSecurity(),
    });

    this.resource = new InterStepBufferService(this, 'isbsvc', {
      metadata: { name: buffer.name, namespace },
      spec: {
        jetstream: {
          version: buffer.version,
          replicas: buffer.replicas,
          containerTemplate: container(buffer.containers.main),
          reloaderContainerTemplate: container(buffer.containers.reloader),
          metricsContainerTemplate: container(buffer.containers.metrics),
          persistence: {
            accessMode: buffer.persistence.accessMode,
            volumeSize: quantity(buffer.persistence.volumeSize),
            ...(buffer.persistence.storageClassName ? { storageClassName: buffer.persistence.storageClassName } : {}),
          },
          settings: natsSettings(buffer),
          bufferConfig: bufferConfig(buffer),
          tls: buffer.tls,
          encryption: buffer.encryption,
          metadata: { labels: { [VARIANT_LABEL]: props.variant } },
          ...placementFields(buffer.placement),
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: bufferLabels(buffer.name) }, topologyKey: 'kubernetes.io/hostname' },
              ],
            },
          },
          priorityClassName: props.priorityClassName,
          securityContext: restrictedPodSecurity({ writableVolumes: true }),
          ...NO_API_TOKEN,
        },
      },
    });

    // Numaflow creates no PodDisruptionBudget; with one, a node drain takes one JetStream
    // node at a time and the streams keep their quorum.
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name: `isbsvc-${buffer.name}-js`, namespace },
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: bufferLabels(buffer.name) },
      },
    });
  }
}
