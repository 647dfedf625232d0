/**
 * Pod Security `restricted` holds for every pod the Numaflow v1.8.3 controller builds from
 * what we emit: the vertex pods (init, numa, udf and the monitor sidecar), the daemon, the
 * buffer Jobs and the JetStream pods. The pods are rebuilt by test/support/controller-pods.ts,
 * which applies our templates the way the controller does.
 */
import { listVariants } from '../../src/plan/load';
import { bufferJobPod, controllerPods, vertexPod, type ModelPod } from '../support/controller-pods';
import { containersWithoutUser, restrictedViolations } from '../support/pod-security';
import { find, synthVariant, type Manifest } from '../support/synth';

const problems = (pod: ModelPod) => [...restrictedViolations(pod), ...containersWithoutUser(pod)];

describe.each(listVariants())('the %s variant', (variant) => {
  const objects = synthVariant(variant);
  const pipeline = find(objects, 'Pipeline');
  const pods = controllerPods(pipeline, find(objects, 'InterStepBufferService'));

  test('the namespace enforces restricted', () => {
    expect(find(objects, 'Namespace').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  });

  test('covers every pod the controller creates: 3 vertices, the daemon, 2 buffer Jobs, JetStream', () => {
    expect(pods.map((p) => p.owner)).toEqual([
      ...pipeline.spec.vertices.map((v: Manifest) => `vertex ${v.name}`),
      'daemon',
      'Job isbsvc-create',
      'Job isbsvc-delete',
      `InterStepBufferService ${find(objects, 'InterStepBufferService').metadata.name}`,
    ]);
  });

  test.each(['vertex', 'daemon', 'Job', 'InterStepBufferService'])('every %s pod meets the restricted standard and runs as a non-root user', (kind) => {
    const ofKind = pods.filter((p) => p.owner.startsWith(kind));
    expect(ofKind.length).toBeGreaterThan(0);
    for (const pod of ofKind) expect({ pod: pod.owner, problems: problems(pod) }).toEqual({ pod: pod.owner, problems: [] });
  });

  test('the buffer Job runs numa as the non-root user, sized from pipeline.job', () => {
    const job = bufferJobPod(pipeline);
    expect(job.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 9737, seccompProfile: { type: 'RuntimeDefault' } });
    const [numa] = job.containers;
    expect(numa.name).toBe('numa');
    expect(numa.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });
});

describe('the check can fail', () => {
  const objects = synthVariant('soak');
  const pipeline = find(objects, 'Pipeline');

  test('without templates.job the buffer Job runs as root and is refused', () => {
    const bare = structuredClone(pipeline);
    delete bare.spec.templates.job;
    const job = bufferJobPod(bare);
    expect(job.securityContext).toBeUndefined();
    expect(problems(job)).toEqual([
      'container numa: allowPrivilegeEscalation must be false',
      'container numa: runAsNonRoot must be true (on the container or the pod)',
      'container numa: seccompProfile must be RuntimeDefault or Localhost (on the container or the pod), got none',
      'container numa: capabilities must drop ALL',
      'container numa: no runAsUser on the container or the pod, and the image declares no user',
    ]);
  });

  test('the monitor sidecar is restricted only through the vertex containerTemplate securityContext', () => {
    const vertex = structuredClone(pipeline.spec.vertices[0]);
    delete vertex.containerTemplate.securityContext;
    const pod = vertexPod(pipeline, vertex);
    const monitor = restrictedViolations(pod).filter((p) => p.startsWith('container monitor:'));
    expect(monitor).toEqual(['container monitor: allowPrivilegeEscalation must be false', 'container monitor: capabilities must drop ALL']);
  });
});
