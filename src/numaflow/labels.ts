/**
 * Labels the Numaflow v1.8.3 controllers put on the pods and Services they create
 * (numaflow-facts §3; `pkg/reconciler/*`). We select by them for anti-affinity, the
 * PodDisruptionBudget and the monitors, so they are written in this one place.
 */

const PART_OF_NUMAFLOW = { 'app.kubernetes.io/part-of': 'numaflow' } as const;

/** Every vertex pod of a pipeline; with `vertex`, only that vertex's pods. */
export function vertexPodLabels(pipeline: string, vertex?: string): Record<string, string> {
  return {
    'app.kubernetes.io/component': 'vertex',
    'app.kubernetes.io/managed-by': 'vertex-controller',
    ...PART_OF_NUMAFLOW,
    'numaflow.numaproj.io/pipeline-name': pipeline,
    ...(vertex !== undefined ? { 'numaflow.numaproj.io/vertex-name': vertex } : {}),
  };
}

/** The JetStream buffer service's pods and its Service `isbsvc-{name}-js-svc`. */
export function bufferLabels(name: string): Record<string, string> {
  return {
    'app.kubernetes.io/component': 'isbsvc',
    'app.kubernetes.io/managed-by': 'isbsvc-controller',
    ...PART_OF_NUMAFLOW,
    'numaflow.numaproj.io/isbsvc-name': name,
    'numaflow.numaproj.io/isbsvc-type': 'jetstream',
  };
}

/**
 * The pipeline daemon's pods: Numaflow v1.8.3 `Pipeline.GetDaemonDeploymentObj`
 * (`pkg/apis/numaflow/v1alpha1/pipeline_types.go`) labels them part-of, managed-by
 * `pipeline-controller`, component `daemon`, name `{pipeline}-daemon` and pipeline-name;
 * these are the ones that do not repeat the pipeline name.
 */
export function daemonPodLabels(pipeline: string): Record<string, string> {
  return daemonServiceLabels(pipeline);
}

/**
 * The pods of the Jobs that create, delete and clean up a pipeline's buffers: Numaflow v1.8.3
 * `buildISBBatchJob` (`pkg/reconciler/pipeline/controller.go`) labels them part-of, managed-by
 * `pipeline-controller`, component `job` (`ComponentJob` in `pkg/apis/numaflow/v1alpha1/const.go`)
 * and pipeline-name.
 */
export function bufferJobPodLabels(pipeline: string): Record<string, string> {
  return {
    'app.kubernetes.io/component': 'job',
    'app.kubernetes.io/managed-by': 'pipeline-controller',
    ...PART_OF_NUMAFLOW,
    'numaflow.numaproj.io/pipeline-name': pipeline,
  };
}

/** The pipeline daemon's Service `{pipeline}-daemon-svc` (port `tcp`, HTTPS 4327). */
export function daemonServiceLabels(pipeline: string): Record<string, string> {
  return {
    'app.kubernetes.io/component': 'daemon',
    'app.kubernetes.io/managed-by': 'pipeline-controller',
    ...PART_OF_NUMAFLOW,
    'numaflow.numaproj.io/pipeline-name': pipeline,
  };
}
