/**
 * Read-only root filesystems and no service account tokens, checked on the pods the Numaflow
 * v1.8.3 controller builds from what we emit (test/support/controller-pods.ts), not only on
 * the fields we write. Every file a container writes (read in the v1.8.3 source, see
 * src/constructs/pod-settings.ts) must then be on one of its volume mounts.
 */
import { listVariants, parsePlan } from '../../src/plan/load';
import { patchedSoak } from '../plan/helpers';
import { controllerPods, vertexPod, type ModelContainer, type ModelPod } from '../support/controller-pods';
import { numaflowSchemaErrors, testWithShared } from '../support/schemas';
import { find, synthPlan, synthVariant, type Manifest } from '../support/synth';

/**
 * What each container writes, by pod kind and container name (numaflow v1.8.3 unless said
 * otherwise). A container not listed writes nothing.
 */
const WRITES: Record<string, Record<string, readonly string[]>> = {
  vertex: {
    // rust/numaflow-core/src/lib.rs → rust/numaflow-monitor/src/runtime.rs persist_application_error
    numa: ['/var/numaflow/runtime/application-errors'],
    // numaflow-rs numaflow/src/batchmap.rs SOCK_ADDR, SERVER_INFO_FILE (written by shared/server.rs)
    udf: ['/var/run/numaflow/batchmap.sock', '/var/run/numaflow/mapper-server-info'],
  },
  InterStepBufferService: {
    // installer/assets/jetstream/nats-cluster.conf store_dir and pid_file
    main: ['/data/jetstream/store', '/var/run/nats/nats.pid'],
  },
};

const allContainers = (pod: ModelPod): ModelContainer[] => [...pod.initContainers, ...pod.containers];
const kindOf = (pod: ModelPod) => pod.owner.split(' ')[0];
const under = (file: string, dir: string) => file === dir || file.startsWith(`${dir}/`);

describe.each(listVariants())('the %s variant', (variant) => {
  const objects = synthVariant(variant);
  const pods = controllerPods(find(objects, 'Pipeline'), find(objects, 'InterStepBufferService'));

  test('no pod gets a service account token', () => {
    for (const pod of pods) expect({ pod: pod.owner, automount: pod.automountServiceAccountToken }).toEqual({ pod: pod.owner, automount: false });
  });

  test('every container runs with a read-only root filesystem, the monitor sidecar included', () => {
    const checked = pods.flatMap((pod) => allContainers(pod).map((c) => ({ pod: pod.owner, container: c.name, readOnly: c.securityContext?.readOnlyRootFilesystem })));
    expect(checked.map((c) => c.container)).toEqual(expect.arrayContaining(['init', 'numa', 'monitor', 'udf', 'main', 'reloader', 'metrics']));
    for (const c of checked) expect(c).toEqual({ ...c, readOnly: true });
  });

  test('every file a container writes is on one of its volume mounts', () => {
    for (const pod of pods) {
      for (const c of allContainers(pod)) {
        for (const file of WRITES[kindOf(pod)]?.[c.name] ?? []) {
          expect({ pod: pod.owner, container: c.name, file, mounted: c.mountPaths.some((dir) => under(file, dir)) }).toEqual({ pod: pod.owner, container: c.name, file, mounted: true });
        }
      }
    }
  });

  test('the containers that write have the mounts upstream gives them', () => {
    const map = pods.find((p) => p.owner === 'vertex batch-cat')!;
    const mounts = Object.fromEntries(allContainers(map).map((c) => [c.name, c.mountPaths]));
    expect(mounts).toEqual({
      init: [],
      monitor: ['/var/numaflow/runtime'],
      udf: ['/var/run/numaflow', '/var/numaflow/runtime'],
      numa: ['/var/run/numaflow', '/var/numaflow/runtime'],
    });
  });
});

describe('plan switches and failure', () => {
  const pipelineOf = (patch: Parameters<typeof patchedSoak>[0]): Manifest => find(synthPlan(parsePlan(patchedSoak(patch), 'hardening').plan), 'Pipeline');

  testWithShared('batchMap.readOnlyRootFilesystem: false makes only the udf root filesystem writable', () => {
    const pipeline = pipelineOf([{ path: 'pipeline.batchMap.readOnlyRootFilesystem', value: false }]);
    const map = pipeline.spec.vertices.find((v: Manifest) => v.udf);
    const pod = vertexPod(pipeline, map);
    const readOnly = Object.fromEntries(allContainers(pod).map((c) => [c.name, c.securityContext?.readOnlyRootFilesystem]));
    expect(readOnly).toEqual({ init: true, monitor: true, udf: false, numa: true });
    expect(numaflowSchemaErrors(pipeline)).toEqual([]);
  });

  testWithShared('the udsink container is read-only by default too', () => {
    const pipeline = pipelineOf([
      { path: 'pipeline.sink.type', value: 'udsink' },
      { path: 'pipeline.sink.udsink', value: { image: 'quay.io/example/sink:v1', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } } },
    ]);
    const sink = pipeline.spec.vertices.find((v: Manifest) => v.sink);
    expect(sink.sink.udsink.container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(numaflowSchemaErrors(pipeline)).toEqual([]);
  });

  test('a template without automountServiceAccountToken leaves the token mounted (the controller sets none itself)', () => {
    const pipeline = pipelineOf([]);
    const vertex = structuredClone(pipeline.spec.vertices[0]);
    delete vertex.automountServiceAccountToken;
    expect(vertexPod(pipeline, vertex).automountServiceAccountToken).toBeUndefined();
  });
});
