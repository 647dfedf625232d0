import { listVariants } from '../../src/plan/load';
import { numaflowSchemaErrors, testWithShared } from '../support/schemas';
import { validateCoreObject } from '../support/kube';
import { find, synthVariant, type Manifest } from '../support/synth';

const CANONICAL_CPU = /^(\d+|\d+m)$/;
const CANONICAL_BYTES = /^\d+(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;

/** Every value under a `resources.requests`/`limits`, `volumeSize` or quota `hard` key, with its path. */
function quantities(node: unknown, path = ''): Array<[string, string]> {
  if (Array.isArray(node)) return node.flatMap((v, i) => quantities(v, `${path}[${i}]`));
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => {
    const p = `${path}.${k}`;
    if (/\.(requests|limits|default|defaultRequest|max)\.(cpu|memory)$/.test(p) || k === 'volumeSize' || /\.hard\.(requests|limits)\./.test(p)) {
      return [[p, String(v)] as [string, string]];
    }
    return quantities(v, p);
  });
}

describe.each(listVariants())('the %s variant', (variant) => {
  const objects = synthVariant(variant);

  testWithShared('every Numaflow object validates against the v1.8.3 CRD with unknown fields as errors', () => {
    const numaflow = objects.filter((o) => o.apiVersion === 'numaflow.numaproj.io/v1alpha1');
    expect(numaflow.map((o) => o.kind).sort()).toEqual(['InterStepBufferService', 'Pipeline']);
    for (const o of numaflow) expect({ kind: o.kind, errors: numaflowSchemaErrors(o) }).toEqual({ kind: o.kind, errors: [] });
  });

  testWithShared('the validated Pipeline carries templates.job, and the closed CRD schema reaches into it', () => {
    const pipeline = find(objects, 'Pipeline');
    expect(Object.keys(pipeline.spec.templates.job).sort()).toEqual(['automountServiceAccountToken', 'containerTemplate', 'metadata', 'securityContext']);
    const misplaced = structuredClone(pipeline);
    misplaced.spec.templates.job.resources = misplaced.spec.templates.job.containerTemplate.resources;
    misplaced.spec.templates.job.containerTemplate.securityContext.runAsUsr = 9737;
    expect(numaflowSchemaErrors(misplaced)).toEqual([
      '/spec/templates/job must NOT have additional properties: "resources"',
      '/spec/templates/job/containerTemplate/securityContext must NOT have additional properties: "runAsUsr"',
    ]);
  });

  test('every core Kubernetes object validates with kubernetes-models', () => {
    const core = objects.filter((o) => !o.apiVersion.includes('numaflow') && !o.apiVersion.startsWith('monitoring.coreos.com'));
    expect(core.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'LimitRange', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'PriorityClass', 'ResourceQuota']);
    for (const o of core) expect(validateCoreObject(o)).toBe(true);
  });

  test('every quantity is written in canonical form', () => {
    const all = objects.flatMap((o) => quantities(o, `${o.kind}/${o.metadata.name}`));
    expect(all.length).toBeGreaterThan(40);
    for (const [p, q] of all) {
      const ok = p.endsWith('.cpu') || p.includes('.cpu') ? CANONICAL_CPU.test(q) : CANONICAL_BYTES.test(q);
      expect({ p, q, ok }).toEqual({ p, q, ok: true });
      if (q.endsWith('Mi')) expect(Number(q.slice(0, -2)) % 1024).not.toBe(0);
      if (/^\d+m$/.test(q)) expect(Number(q.slice(0, -1)) % 1000).not.toBe(0);
    }
  });

  test('objects are namespaced in the plan namespace, except cluster-scoped ones', () => {
    const ns = find(objects, 'Namespace').metadata.name;
    for (const o of objects) {
      if (o.kind === 'Namespace' || o.kind === 'PriorityClass') expect(o.metadata.namespace).toBeUndefined();
      else expect(o.metadata.namespace).toBe(ns);
    }
  });

  test('the namespace comes first, the NetworkPolicy before the buffer service, the buffer service before the pipeline', () => {
    const order = objects.map((o) => o.kind);
    expect(order[0]).toBe('Namespace');
    expect(order.indexOf('NetworkPolicy')).toBeGreaterThan(0);
    expect(order.indexOf('NetworkPolicy')).toBeLessThan(order.indexOf('InterStepBufferService'));
    expect(order.indexOf('InterStepBufferService')).toBeLessThan(order.indexOf('Pipeline'));
  });

  test('every vertex, the daemon and the buffer Jobs run with restricted security contexts', () => {
    const spec = find(objects, 'Pipeline').spec;
    const pods = [...spec.vertices, spec.templates.daemon, spec.templates.job];
    for (const pod of pods) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      // A Job pod has no init container (numaflow v1.8.3 buildISBBatchJob), so its template has none.
      const templates = pod === spec.templates.job ? [pod.containerTemplate] : [pod.containerTemplate, pod.initContainerTemplate];
      for (const template of templates) {
        expect(template.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
    }
    const udf = spec.vertices.find((v: Manifest) => v.udf).udf.container;
    expect(udf.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  test('the buffer service is spread one pod per node, protected by a PodDisruptionBudget of one and high priority', () => {
    const isb = find(objects, 'InterStepBufferService');
    const js = isb.spec.jetstream;
    const term = js.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    expect(term.topologyKey).toBe('kubernetes.io/hostname');
    expect(term.labelSelector.matchLabels['numaflow.numaproj.io/isbsvc-name']).toBe(isb.metadata.name);
    const pdb = find(objects, 'PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(term.labelSelector.matchLabels);
    expect(js.priorityClassName).toBe(find(objects, 'PriorityClass').metadata.name);
    expect(js.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: js.securityContext.runAsUser });
    for (const t of ['containerTemplate', 'reloaderContainerTemplate', 'metricsContainerTemplate']) {
      expect(js[t].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    }
  });

  test('every container Numaflow runs for us has both requests and limits', () => {
    const spec = find(objects, 'Pipeline').spec;
    const js = find(objects, 'InterStepBufferService').spec.jetstream;
    const resources = [
      ...spec.vertices.flatMap((v: Manifest) => [v.containerTemplate.resources, v.initContainerTemplate.resources]),
      spec.vertices.find((v: Manifest) => v.udf).udf.container.resources,
      spec.templates.daemon.containerTemplate.resources,
      spec.templates.job.containerTemplate.resources,
      js.containerTemplate.resources,
      js.reloaderContainerTemplate.resources,
      js.metricsContainerTemplate.resources,
    ];
    for (const r of resources) {
      expect(Object.keys(r.requests).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(r.limits).sort()).toEqual(['cpu', 'memory']);
    }
  });

  test('the pipeline writes the defaults the CRD would inject, so the API server adds nothing', () => {
    const spec = find(objects, 'Pipeline').spec;
    expect(spec.lifecycle).toEqual({ desiredPhase: 'Running', deleteGracePeriodSeconds: 30, deletionGracePeriodSeconds: 30, pauseGracePeriodSeconds: 30 });
    expect(Object.keys(spec.limits).sort()).toEqual(['bufferMaxLength', 'bufferUsageLimit', 'readBatchSize', 'readTimeout']);
    expect(spec.watermark).toEqual({ disabled: false, maxDelay: '0s' });
    for (const v of spec.vertices) expect(v.updateStrategy.type).toBe('RollingUpdate');
    const gen = spec.vertices.find((v: Manifest) => v.source).source.generator;
    expect(Object.keys(gen)).toEqual(expect.arrayContaining(['duration', 'jitter', 'msgSize', 'rpu']));
  });

  test('edges connect source, batch map and sink in a line', () => {
    const spec = find(objects, 'Pipeline').spec;
    const [src, map, out] = spec.vertices.map((v: Manifest) => v.name);
    expect(spec.edges).toEqual([{ from: src, to: map }, { from: map, to: out }]);
  });
});
