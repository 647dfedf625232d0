/**
 * Every container a plan sizes, with the key path it is sized at. Rules, the capacity
 * model and the reports all walk this one list, so a new container is added in one place.
 */
import type { ContainerResources, SoakPlan } from './schema';

/** Which workload a container belongs to. */
export type Workload = 'source' | 'batchMap' | 'sink' | 'daemon' | 'buffer';

export interface SizedContainer {
  /** Key path in the plan, e.g. `pipeline.batchMap.udf`. */
  readonly path: string;
  readonly workload: Workload;
  /** The container's name in the pod (`numa`, `udf`, `init`, `main`, ...). */
  readonly container: string;
  /** True for init containers, which run before the others and count as a maximum, not a sum. */
  readonly init: boolean;
  readonly resources: ContainerResources;
}

/** The containers of one pod of each workload, in a stable order. */
export function sizedContainers(plan: SoakPlan): SizedContainer[] {
  const { pipeline, buffer } = plan;
  const out: SizedContainer[] = [];
  const add = (path: string, workload: Workload, container: string, resources: ContainerResources, init = false) =>
    out.push({ path, workload, container, init, resources });

  add('pipeline.init', 'source', 'init', pipeline.init, true);
  add('pipeline.source.numa', 'source', 'numa', pipeline.source.numa);
  add('pipeline.init', 'batchMap', 'init', pipeline.init, true);
  add('pipeline.batchMap.numa', 'batchMap', 'numa', pipeline.batchMap.numa);
  add('pipeline.batchMap.udf', 'batchMap', 'udf', pipeline.batchMap.udf);
  add('pipeline.init', 'sink', 'init', pipeline.init, true);
  add('pipeline.sink.numa', 'sink', 'numa', pipeline.sink.numa);
  if (pipeline.sink.udsink) add('pipeline.sink.udsink.resources', 'sink', 'udsink', pipeline.sink.udsink.resources);
  add('pipeline.daemon', 'daemon', 'init', pipeline.daemon, true);
  // The daemon's container is `numa` (numaflow v1.8.3 pkg/apis/numaflow/v1alpha1/const.go CtrMain).
  add('pipeline.daemon', 'daemon', 'numa', pipeline.daemon);
  add('buffer.containers.main', 'buffer', 'main', buffer.containers.main);
  add('buffer.containers.reloader', 'buffer', 'reloader', buffer.containers.reloader);
  add('buffer.containers.metrics', 'buffer', 'metrics', buffer.containers.metrics);
  return out;
}

/** The same container list without the repeats of the shared init template: one entry per key path. */
export function distinctSizedContainers(plan: SoakPlan): SizedContainer[] {
  const seen = new Set<string>();
  return sizedContainers(plan).filter((c) => (seen.has(c.path) ? false : (seen.add(c.path), true)));
}
