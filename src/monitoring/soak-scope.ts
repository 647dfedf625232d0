/**
 * The label matchers that limit a query to one soak: its namespace, its pipeline, its pods,
 * its buffers and its buffer volumes. The alerts and the dashboard select with the same
 * matchers, so what a panel shows is what an alert fires on.
 *
 * Names are DNS labels (letters, digits, '-'), so they need no escaping inside a regex.
 */
import type { SoakPlan } from '../plan/schema';
import { eq, matches } from './promql';

export interface SoakScope {
  /** Every series of the soak is in the plan's namespace. */
  readonly inNamespace: string;
  /** Numaflow's own series of the pipeline (`pipeline` label). */
  readonly ofPipeline: string;
  /** The pipeline's pods (vertices, daemon, buffer Jobs) and the buffer service's JetStream pods. */
  readonly soakPods: string;
  /** The pipeline's buffers, by `buffer`: `isb_jetstream_*` carry no `pipeline`. */
  readonly pipelineBuffers: string;
  /** The JetStream volume claims of the buffer service. */
  readonly bufferVolumes: string;
}

export function soakScope(plan: SoakPlan): SoakScope {
  const { namespace, pipeline, buffer } = plan;
  return {
    inNamespace: eq('namespace', namespace),
    ofPipeline: eq('pipeline', pipeline.name),
    soakPods: matches('pod', `${pipeline.name}-.*|isbsvc-${buffer.name}-js-.*`),
    // isb_jetstream_* series carry only `buffer` (`jetstream_isb_metrics_labels` in Numaflow v1.8.3
    // rust/numaflow-core/src/metrics/mod.rs), the stream name {namespace}-{pipeline}-{vertex}-{partition}
    // (rust/numaflow-core/src/config/pipeline.rs); the scrape adds `namespace`.
    pipelineBuffers: matches('buffer', `${namespace}-${pipeline.name}-.*`),
    bufferVolumes: matches('persistentvolumeclaim', `isbsvc-${buffer.name}-js-vol-.*`),
  };
}

/** A set of pods that run the same containers with the same resources. */
export interface SoakWorkload {
  /** For people: the vertex name, `daemon` or `jetstream`. */
  readonly name: string;
  /** Matches exactly this workload's pods. */
  readonly pods: string;
}

/**
 * The soak's long-running workloads, each with a `pod` matcher for exactly its pods (the
 * buffer Jobs, which run for seconds, are left out):
 * - vertex pods `{pipeline}-{vertex}-{replica}-{5 random}` (Numaflow v1.8.3
 *   pkg/reconciler/vertex/controller.go, a Vertex object named `{pipeline}-{vertex}`); the
 *   replica number keeps vertex `a` from matching the pods of vertex `a-b`;
 * - the daemon Deployment `{pipeline}-daemon` (pkg/apis/numaflow/v1alpha1/pipeline_types.go
 *   GetDaemonDeploymentObj): pods `{pipeline}-daemon-{template hash}-{5 random}`;
 * - the JetStream StatefulSet `isbsvc-{name}-js` (pkg/reconciler/isbsvc/installer/jetstream.go):
 *   pods `isbsvc-{name}-js-{i}`.
 */
export function soakWorkloads(plan: SoakPlan): SoakWorkload[] {
  const { pipeline, buffer } = plan;
  const vertex = (name: string): SoakWorkload => ({ name, pods: matches('pod', `${pipeline.name}-${name}-[0-9]+-[a-z0-9]+`) });
  return [
    vertex(pipeline.source.name),
    vertex(pipeline.batchMap.name),
    vertex(pipeline.sink.name),
    { name: 'daemon', pods: matches('pod', `${pipeline.name}-daemon-[a-z0-9]+-[a-z0-9]+`) },
    { name: 'jetstream', pods: matches('pod', `isbsvc-${buffer.name}-js-[0-9]+`) },
  ];
}
