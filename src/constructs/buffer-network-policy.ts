/**
 * A NetworkPolicy for the JetStream pods of the buffer service: it admits exactly the
 * clients Numaflow v1.8.3 gives a pipeline's buffer service, each on the one port it uses,
 * and nothing else. Every client and port below was read in the v1.8.3 source (paths in
 * numaproj/numaflow at v1.8.3 unless said otherwise):
 *
 * Admitted:
 * - the pipeline's vertex pods, to the client port 4222: the `numa` container's ISB reader
 *   and writer and its watermark buckets (`rust/numaflow-core/src/pipeline/isb/jetstream/`
 *   js_reader.rs, js_writer.rs; `watermark/isb.rs`), and the `init` container
 *   (`isbsvc-validate`, `cmd/commands/isbsvc_validate.go`). They dial
 *   NUMAFLOW_ISBSVC_JETSTREAM_URL, `nats://isbsvc-{name}-js-svc.{namespace}.svc:4222`
 *   (`pkg/reconciler/isbsvc/installer/jetstream.go` Install);
 * - the pipeline's daemon pod, to 4222: the daemon server opens a NATS client pool for
 *   buffer information (`pkg/daemon/server/daemon_server.go` Run), and its `init` container
 *   runs `isbsvc-validate` (`pkg/apis/numaflow/v1alpha1/pipeline_types.go`
 *   getDaemonPodInitContainer);
 * - the pipeline's buffer Jobs, to 4222: `isbsvc-create` and `isbsvc-delete` (the create,
 *   delete and clean-up Jobs of `buildISBBatchJob`, `pkg/reconciler/pipeline/controller.go`;
 *   `cmd/commands/isbsvc_create.go`, `isbsvc_delete.go`);
 * - the buffer service's own JetStream pods, to the cluster port 6222: the NATS routes
 *   `nats://isbsvc-{name}-js-{i}.isbsvc-{name}-js-svc.{namespace}.svc:6222`
 *   (`installer/jetstream.go` createConfigMap, `assets/jetstream/nats-cluster.conf`);
 * - with monitoring on, the Prometheus pods, to the exporter port 7777 (the `metrics`
 *   container, `jetstream_buffer_service.go` GetStatefulSetSpec), which our ServiceMonitor
 *   scrapes (src/constructs/monitoring.ts).
 *
 * Not admitted, because nothing outside the pod needs it:
 * - the monitor port 8222: the exporter reads it over localhost inside the pod (its argument
 *   `http://localhost:8222`, GetStatefulSetSpec), the reloader signals nats-server through
 *   the shared process namespace, and the startup and liveness probes come from the kubelet,
 *   whose traffic from the pod's node a NetworkPolicy always allows
 *   (https://kubernetes.io/docs/concepts/services-networking/network-policies/);
 * - the Numaflow controller: it reconciles the buffer service through the API server only
 *   (`pkg/reconciler/isbsvc/`, `installer/`: Secrets, ConfigMap, Service, StatefulSet; no
 *   NATS client anywhere under `pkg/reconciler/`), as does the UI server (`server/`);
 * - other pipelines and other pods of the namespace.
 *
 * Only ingress is restricted: the JetStream pods' own connections (routes to each other, DNS)
 * are left to the cluster's policies, since DNS pods carry different labels on different
 * distributions.
 */
// The generated Kubernetes API types only: the rest of cdk8s-plus-28 is not loaded.
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { bufferJobPodLabels, bufferLabels, daemonPodLabels, vertexPodLabels } from '../numaflow/labels';

/** The JetStream ports (`pkg/reconciler/isbsvc/installer/jetstream.go`: clientPort, clusterPort, monitorPort, metricsPort). */
export const JETSTREAM_PORTS = { client: 4222, cluster: 6222, monitor: 8222, metrics: 7777 } as const;

/**
 * The label the API server sets on every namespace, its name
 * (https://kubernetes.io/docs/reference/labels-annotations-taints/#kubernetes-io-metadata-name).
 */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface PrometheusPeer {
  /** Namespace of the Prometheus pods. */
  readonly namespace: string;
  /** Labels of the Prometheus pods. */
  readonly podLabels: Readonly<Record<string, string>>;
}

export interface BufferNetworkPolicyProps {
  /** Namespace of the buffer service and the pipeline. */
  readonly namespace: string;
  /** The InterStepBufferService whose JetStream pods the policy selects. */
  readonly bufferName: string;
  /** The pipeline whose vertex pods, daemon and buffer Jobs may use the buffer service. */
  readonly pipelineName: string;
  /**
   * The Prometheus that scrapes the JetStream exporter.
   * @default - no scrape is admitted (monitoring is off)
   */
  readonly prometheus?: PrometheusPeer;
}

/** One ingress rule: the pods it admits and the one port they may reach. */
export interface BufferIngressRule {
  /** Who this is, for readers and test names. */
  readonly client: string;
  readonly from: k8s.NetworkPolicyPeer;
  readonly port: number;
}

/** The rules, as data: one per client, in a fixed order. */
export function bufferIngressRules(props: BufferNetworkPolicyProps): BufferIngressRule[] {
  // A peer with a podSelector and no namespaceSelector selects pods of the policy's own namespace.
  const podsOfThisNamespace = (labels: Record<string, string>): k8s.NetworkPolicyPeer => ({ podSelector: { matchLabels: labels } });
  const rules: BufferIngressRule[] = [
    { client: 'vertex pods', from: podsOfThisNamespace(vertexPodLabels(props.pipelineName)), port: JETSTREAM_PORTS.client },
    { client: 'daemon', from: podsOfThisNamespace(daemonPodLabels(props.pipelineName)), port: JETSTREAM_PORTS.client },
    { client: 'buffer Jobs', from: podsOfThisNamespace(bufferJobPodLabels(props.pipelineName)), port: JETSTREAM_PORTS.client },
    { client: 'JetStream routes', from: podsOfThisNamespace(bufferLabels(props.bufferName)), port: JETSTREAM_PORTS.cluster },
  ];
  if (props.prometheus) {
    rules.push({
      client: 'Prometheus',
      from: {
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: props.prometheus.namespace } },
        podSelector: { matchLabels: { ...props.prometheus.podLabels } },
      },
      port: JETSTREAM_PORTS.metrics,
    });
  }
  return rules;
}

export class BufferNetworkPolicy extends Construct {
  public readonly name: string;
  public readonly rules: readonly BufferIngressRule[];
  public readonly resource: k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: BufferNetworkPolicyProps) {
    super(scope, id);
    this.name = `isbsvc-${props.bufferName}-js-ingress`;
    this.rules = bufferIngressRules(props);
    this.resource = new k8s.KubeNetworkPolicy(this, 'policy', {
      metadata: { name: this.name, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: bufferLabels(props.bufferName) },
        policyTypes: ['Ingress'],
        ingress: this.rules.map((r) => ({ from: [r.from], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(r.port) }] })),
      },
    });
  }
}
