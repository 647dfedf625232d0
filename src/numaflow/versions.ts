/**
 * Versions this project pins, and the JetStream versions the Numaflow controller can run.
 *
 * Facts from Numaflow v1.8.3 (`config/base/controller-manager/numaflow-controller-config.yaml`,
 * key `isbsvc.jetstream.versions`). An InterStepBufferService whose `version` is not in that
 * list never gets a StatefulSet. `latest` is listed upstream but is a moving target, so this
 * project refuses it; a test checks this list against the controller's ConfigMap.
 */

/** The Numaflow release whose CRDs and controller this project targets. */
export const NUMAFLOW_VERSION = 'v1.8.3';

/** JetStream versions listed by the Numaflow v1.8.3 controller, minus `latest`. */
export const JETSTREAM_VERSIONS: readonly string[] = [
  '2.8.1',
  '2.8.1-alpine',
  '2.8.3',
  '2.8.3-alpine',
  '2.9.0',
  '2.9.0-alpine',
  '2.9.6',
  '2.9.8',
  '2.9.15',
  '2.10.3',
  '2.10.11',
  '2.10.17',
  '2.10.29',
  '2.12.7',
];

/**
 * Numaflow v1.8.3 adds a `monitor` sidecar to every vertex pod with these requests
 * (`pkg/apis/numaflow/v1alpha1/monitor_container.go` at v1.8.3). Its resources cannot be
 * configured, but they count towards what a node must hold. Its securityContext is the
 * vertex `containerTemplate.securityContext` (since v1.8.2; `vertex_types.go` `GetPodSpec`).
 */
export const MONITOR_SIDECAR_REQUESTS = { cpuMillis: 10, memoryBytes: 20 * 1024 ** 2 } as const;

/**
 * Numaflow's default requests for containers it creates without resources of their own
 * (the daemon, `init`): `defaults.containerResources` in the controller ConfigMap.
 */
export const CONTROLLER_DEFAULT_REQUESTS = { cpuMillis: 100, memoryBytes: 128 * 1024 ** 2 } as const;
