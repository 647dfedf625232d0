/**
 * `numa.workerThreads` pins the numa runtime's tokio worker threads through
 * NUMAFLOW_CPU_REQUEST in the vertex's containerTemplate.env. The controller sets the same
 * variable itself (from requests.cpu, rounded up); ours is appended after it, so the kubelet
 * uses ours. The pods are rebuilt as the v1.8.3 controller builds them
 * (test/support/controller-pods.ts).
 */
import { parsePlan } from '../../src/plan/load';
import { patchedSoak } from '../plan/helpers';
import { effectiveEnv, vertexPod } from '../support/controller-pods';
import { numaflowSchemaErrors, testWithShared } from '../support/schemas';
import { find, synthPlan, type Manifest } from '../support/synth';

function pipelineOf(patch: Parameters<typeof patchedSoak>[0]): Manifest {
  return find(synthPlan(parsePlan(patchedSoak(patch), 'worker-threads').plan), 'Pipeline');
}
const vertex = (pipeline: Manifest, name: string): Manifest => pipeline.spec.vertices.find((v: Manifest) => v.name === name);
const numa = (pipeline: Manifest, name: string) => vertexPod(pipeline, vertex(pipeline, name)).containers.find((c) => c.name === 'numa')!;

describe('unset (the default)', () => {
  const pipeline = pipelineOf([{ path: 'pipeline.batchMap.numa.requests.cpu', value: '1500m' }]);

  test('no vertex containerTemplate carries env', () => {
    for (const v of pipeline.spec.vertices) expect(v.containerTemplate.env).toBeUndefined();
  });

  test('the controller\'s value applies: requests.cpu rounded up to whole cores (1500m gives 2)', () => {
    expect(effectiveEnv(numa(pipeline, 'batch-cat'), 'NUMAFLOW_CPU_REQUEST')).toBe('2');
    expect(effectiveEnv(numa(pipeline, 'out'), 'NUMAFLOW_CPU_REQUEST')).toBe('4');
  });
});

describe('set on the batch map', () => {
  const pipeline = pipelineOf([
    { path: 'pipeline.batchMap.numa.requests.cpu', value: '1500m' },
    { path: 'pipeline.batchMap.numa.workerThreads', value: 3 },
  ]);

  test('emits NUMAFLOW_CPU_REQUEST in that vertex\'s containerTemplate.env only', () => {
    expect(vertex(pipeline, 'batch-cat').containerTemplate.env).toEqual([{ name: 'NUMAFLOW_CPU_REQUEST', value: '3' }]);
    expect(vertex(pipeline, 'in').containerTemplate.env).toBeUndefined();
    expect(vertex(pipeline, 'out').containerTemplate.env).toBeUndefined();
  });

  testWithShared('the Pipeline still validates against the v1.8.3 CRD', () => {
    expect(numaflowSchemaErrors(pipeline)).toEqual([]);
  });

  test('numa gets both entries, the controller\'s first and ours last, so ours wins', () => {
    const container = numa(pipeline, 'batch-cat');
    const entries = container.env.filter((e) => e.name === 'NUMAFLOW_CPU_REQUEST');
    expect(entries).toEqual([{ name: 'NUMAFLOW_CPU_REQUEST', resourceField: 'requests.cpu' }, { name: 'NUMAFLOW_CPU_REQUEST', value: '3' }]);
    expect(effectiveEnv(container, 'NUMAFLOW_CPU_REQUEST')).toBe('3');
  });

  test('ours reaches numa only: init, the monitor sidecar and the udf keep just what the controller sets', () => {
    const pod = vertexPod(pipeline, vertex(pipeline, 'batch-cat'));
    for (const c of pod.initContainers) {
      expect({ c: c.name, value: c.env.find((e) => e.name === 'NUMAFLOW_CPU_REQUEST' && e.value !== undefined) }).toEqual({ c: c.name, value: undefined });
    }
  });
});

test('each vertex can be pinned on its own', () => {
  const pipeline = pipelineOf([
    { path: 'pipeline.source.numa.workerThreads', value: 1 },
    { path: 'pipeline.sink.numa.workerThreads', value: 4 },
  ]);
  expect(effectiveEnv(numa(pipeline, 'in'), 'NUMAFLOW_CPU_REQUEST')).toBe('1');
  expect(effectiveEnv(numa(pipeline, 'batch-cat'), 'NUMAFLOW_CPU_REQUEST')).toBe('2');
  expect(effectiveEnv(numa(pipeline, 'out'), 'NUMAFLOW_CPU_REQUEST')).toBe('4');
});
