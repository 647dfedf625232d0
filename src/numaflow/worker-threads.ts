/**
 * The worker threads of the `numa` runtime, and how to pin them.
 *
 * Facts from Numaflow v1.8.3:
 * - `rust/numaflow/src/main.rs`: the tokio runtime gets as many worker threads as the env
 *   variable NUMAFLOW_CPU_REQUEST says, parsed as an unsigned integer; unset or not an
 *   integer gives 1, and 0 is raised to 1.
 * - `pkg/apis/numaflow/v1alpha1/vertex_types.go` (`commonEnvs`): the controller sets
 *   NUMAFLOW_CPU_REQUEST from the container's `requests.cpu` through a resourceFieldRef.
 *   Kubernetes writes a cpu resourceFieldRef rounded up to whole units of its divisor (1),
 *   so a 1500m request gives "2" (kubelet `convertResourceCPUToString`).
 * - Same file (`GetPodSpec`): the numa container's env is the controller's own variables
 *   (NUMAFLOW_CPU_REQUEST among them) and then, applied last by
 *   `ContainerTemplate.ApplyToNumaflowContainers` (`container_template.go`), the vertex's
 *   `containerTemplate.env`, appended. For a name that appears twice the kubelet keeps the
 *   later entry (`makeEnvironmentVariables` fills a map in list order), so a value in
 *   `containerTemplate.env` wins over the controller's.
 * - The udf container is different: the controller appends its `commonEnvs` after the
 *   user's `udf.container.env`, so NUMAFLOW_CPU_REQUEST set there is overridden, and it
 *   never reaches `numa` anyway.
 */
import type { EnvVar } from './pod';
import type { Cpu } from '../plan/quantity';

/** The env variable the numa runtime reads its worker thread count from. */
export const CPU_REQUEST_ENV = 'NUMAFLOW_CPU_REQUEST';

/** The worker threads a CPU amount gives when the controller sets the variable: whole cores, rounded up, at least 1. */
export function threadsForCpu(cpu: Cpu): number {
  return Math.max(1, cpu.wholeCores);
}

/** The containerTemplate env entry that pins the worker threads to `threads`. */
export function workerThreadsEnv(threads: number): EnvVar {
  return { name: CPU_REQUEST_ENV, value: String(threads) };
}
