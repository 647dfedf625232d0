/**
 * Pod settings every workload of the soak shares: restricted security contexts, node
 * placement, and resources written from the plan's value objects. One place, so the
 * pipeline and the buffer service cannot drift apart.
 */
import type { ContainerSecurityContext, PodSecurityContext, PodTemplateFields, ResourceRequirements, Toleration } from '../numaflow/pod';
import { quantity } from '../numaflow/pod';
import type { ContainerResources, Placement } from '../plan/schema';

/**
 * The user the pods run as. Numaflow's images (and the NATS images) declare no user, so a
 * non-root pod must name one; 9737 is the user Numaflow's own controller Deployment runs as.
 */
export const RUN_AS_USER = 9737;

/** Pod-level settings of the restricted Pod Security Standard. */
export function restrictedPodSecurity(options: { readonly writableVolumes?: boolean } = {}): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    ...(options.writableVolumes ? { fsGroup: RUN_AS_USER, fsGroupChangePolicy: 'OnRootMismatch' as const } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Container-level settings of the restricted Pod Security Standard, with a read-only root
 * filesystem. Every container Numaflow v1.8.3 runs for us writes only to volumes it mounts
 * itself, so none needs a volume of ours (paths in numaflow v1.8.3 unless said otherwise):
 * - vertex `numa` (the Rust data plane, `/bin/numaflow-rs` via `/bin/entrypoint`): reads the
 *   SDK's server-info and socket under /var/run/numaflow and writes application errors under
 *   /var/numaflow/runtime (`rust/numaflow-core/src/lib.rs` calling
 *   `rust/numaflow-monitor/src/runtime.rs` persist_application_error), both emptyDirs of the pod
 *   (`pkg/apis/numaflow/v1alpha1/vertex_types.go` GetPodSpec, `const.go` PathVarRun,
 *   RuntimeDirMountPath); outside tests, rust/numaflow-core writes no other file for a map,
 *   generator or log vertex;
 * - the `monitor` sidecar (`numaflow-rs monitor`, `monitor_container.go`): serves what is in
 *   /var/numaflow/runtime, its only mount (`rust/numaflow-monitor/src/app.rs`, TLS
 *   certificate made in memory by rcgen in `config.rs`); it gets the vertex containerTemplate's
 *   securityContext (v1.8.2+), so this setting reaches it;
 * - `init` (`isbsvc-validate`), the daemon's `numa` and `init` (`daemon-server`, its TLS
 *   certificate made in memory by `pkg/shared/tls` GenerateX509KeyPair) and the buffer Jobs'
 *   `numa` (`isbsvc-create`, `isbsvc-delete`): Go commands with no volume and no file write
 *   (`cmd/commands/`, `pkg/daemon/`, `pkg/isbsvc/`);
 * - JetStream `main` (nats-server 2.12.7): store_dir /data/jetstream/store on the PVC and
 *   pid_file /var/run/nats/nats.pid on the `pid` emptyDir (`pkg/reconciler/isbsvc/installer/
 *   assets/jetstream/nats-cluster.conf`, `jetstream_buffer_service.go` GetStatefulSetSpec);
 *   the server's other temporary files go under store_dir (nats-server `server/stream.go`);
 * - JetStream `reloader` (nats-server-config-reloader 0.22.4, nats-io/nack
 *   `pkg/natsreloader`) and `metrics` (prometheus-nats-exporter 0.19.2): read a config and a
 *   pid file, serve HTTP, write nothing.
 * The user's udf and udsink containers get it from the plan (`readOnlyRootFilesystem`,
 * default true): the SDK writes only to /var/run/numaflow, which Numaflow mounts into them.
 */
export function restrictedContainerSecurity(options: { readonly readOnlyRootFilesystem?: boolean } = {}): ContainerSecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * No pod Numaflow v1.8.3 builds from what we emit calls the Kubernetes API, so none gets a
 * service account token:
 * - the vertex pods: the Rust data plane and monitor use the `kube` crate only for its
 *   Duration type (`rust/`: no kube Client or Api), and take namespace, pod name and
 *   resources from downward-API env (`vertex_types.go` commonEnvs); the Go `init`
 *   (`isbsvc-validate`) talks to JetStream only; the udf SDK (numaflow-rs) talks to `numa`
 *   over a Unix socket;
 * - the daemon (`pkg/daemon/`): JetStream and the vertex pods' HTTPS endpoints; no client-go;
 * - the buffer Jobs (`cmd/commands/isbsvc_create.go`, `isbsvc_delete.go`): JetStream only;
 * - the JetStream pods: nats-server, the config reloader (a file watch and a signal through
 *   the shared process namespace) and the exporter (http://localhost:8222).
 * Only the controllers (`pkg/reconciler/cmd/start.go`), the webhook and the UI server
 * (`pkg/shared/util/kubeconfig.go` callers) build Kubernetes clients; they run in
 * numaflow-system with their own service accounts.
 */
export const NO_API_TOKEN = { automountServiceAccountToken: false } as const;

/** A plan's requests and limits, as manifest quantities in canonical form. */
export function resourceRequirements(resources: ContainerResources): ResourceRequirements {
  return {
    requests: { cpu: quantity(resources.requests.cpu), memory: quantity(resources.requests.memory) },
    limits: { cpu: quantity(resources.limits.cpu), memory: quantity(resources.limits.memory) },
  };
}

/** nodeSelector (keys sorted) and tolerations, omitted when empty. */
export function placementFields(placement: Placement): Pick<PodTemplateFields, 'nodeSelector' | 'tolerations'> {
  const keys = Object.keys(placement.nodeSelector).sort();
  const tolerations: Toleration[] = placement.tolerations.map((t) => ({
    ...(t.key !== undefined ? { key: t.key } : {}),
    operator: t.operator,
    ...(t.value !== undefined ? { value: t.value } : {}),
    ...(t.effect !== undefined ? { effect: t.effect } : {}),
  }));
  return {
    ...(keys.length > 0 ? { nodeSelector: Object.fromEntries(keys.map((k) => [k, placement.nodeSelector[k]])) } : {}),
    ...(tolerations.length > 0 ? { tolerations } : {}),
  };
}

/**
 * The label naming the variant, on every object and pod we define. Deliberately not an
 * `app.kubernetes.io/*` label: Numaflow sets `part-of` and `managed-by` on its pods and
 * selects by them, and Pulumi sets `managed-by` on what it creates.
 */
export const VARIANT_LABEL = 'numaflow-soak/variant';
