/**
 * The semantic diff: what counts as a change (values, not spelling) and how changes are
 * named and ordered. Most cases start from the real soak manifests.
 */
import { stringify as toYaml, parse as parseYaml } from 'yaml';
import { diffManifests, diffObject, objectKey, type Manifest } from '../../src/diff/semantic';
import { variantPair } from '../support/diff';
import { find, synthVariant } from '../support/synth';

const soak = () => structuredClone(synthVariant('soak')) as unknown as Manifest[];
type Mutable = Record<string, any>;

describe('quantities compare by value', () => {
  it('treats 2048Mi as 2Gi and 1000m as 1', () => {
    const before = { resources: { limits: { cpu: '1000m', memory: '2048Mi' }, requests: { cpu: 0.5, memory: '1Gi' } } };
    const after = { resources: { limits: { cpu: '1', memory: '2Gi' }, requests: { cpu: '500m', memory: '1024Mi' } } };
    expect(diffObject(before, after)).toEqual([]);
  });

  it('reports a real quantity change with the values as written on each side', () => {
    const changes = diffObject({ limits: { memory: '2048Mi', cpu: '2' } }, { limits: { memory: '3Gi', cpu: '2000m' } });
    expect(changes).toEqual([{ path: 'limits.memory', before: '2048Mi', after: '3Gi' }]);
  });

  it('normalizes quota keys such as requests.cpu, and volume sizes', () => {
    expect(diffObject({ hard: { 'requests.cpu': '182', 'limits.memory': '1Ti' } }, { hard: { 'requests.cpu': '182000m', 'limits.memory': '1024Gi' } })).toEqual([]);
    expect(diffObject({ persistence: { volumeSize: '40Gi' } }, { persistence: { volumeSize: '40960Mi' } })).toEqual([]);
  });

  it('does not treat other numbers as quantities (1 replica is not 1000m of anything)', () => {
    expect(diffObject({ replicas: '1' }, { replicas: '1000m' })).toEqual([{ path: 'replicas', before: '1', after: '1000m' }]);
  });
});

describe('structure', () => {
  it('ignores key order', () => {
    const before = { a: 1, b: { c: 2, d: [1, 2] } };
    const after = { b: { d: [1, 2], c: 2 }, a: 1 };
    expect(diffObject(before, after)).toEqual([]);
  });

  it('names added and removed keys by path, with only the side that has them', () => {
    expect(diffObject({ spec: { x: 1 } }, { spec: { y: 2 } })).toEqual([
      { path: 'spec.x', before: 1 },
      { path: 'spec.y', after: 2 },
    ]);
  });

  it('compares unnamed lists by position', () => {
    expect(diffObject({ args: ['a', 'b'] }, { args: ['b', 'a', 'c'] })).toEqual([
      { path: 'args[0]', before: 'a', after: 'b' },
      { path: 'args[1]', before: 'b', after: 'a' },
      { path: 'args[2]', after: 'c' },
    ]);
  });
});

describe('named lists match by name', () => {
  it('finds no change when the pipeline vertices are reordered', () => {
    const before = soak();
    const after = soak();
    const pipeline = find(after as any, 'Pipeline') as Mutable;
    const names = pipeline.spec.vertices.map((v: { name: string }) => v.name);
    pipeline.spec.vertices.reverse();
    expect(pipeline.spec.vertices.map((v: { name: string }) => v.name)).toEqual([...names].reverse());
    expect(diffManifests(before, after).filter((o) => o.status !== 'unchanged')).toEqual([]);
  });

  it('reports a renamed vertex as one removed item and one added item, keyed by name', () => {
    const before = soak();
    const after = soak();
    const pipeline = find(after as any, 'Pipeline') as Mutable;
    const vertex = pipeline.spec.vertices.find((v: { name: string }) => v.name === 'batch-cat');
    vertex.name = 'batch-dog';
    const diff = diffManifests(before, after).find((o) => o.ref.kind === 'Pipeline')!;
    expect(diff.status).toBe('changed');
    const paths = diff.changes.map((c) => c.path);
    expect(paths).toEqual(['spec.vertices[batch-cat]', 'spec.vertices[batch-dog]']);
    const [removed, added] = diff.changes;
    expect(removed.after).toBeUndefined();
    expect((removed.before as { name: string }).name).toBe('batch-cat');
    expect(added.before).toBeUndefined();
    expect((added.after as { name: string }).name).toBe('batch-dog');
  });

  it('matches containers and env by name, so reordering env is no change but editing one value is', () => {
    const before = { containers: [{ name: 'main', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] };
    const reordered = { containers: [{ name: 'main', env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] }] };
    const edited = { containers: [{ name: 'main', env: [{ name: 'B', value: '3' }, { name: 'A', value: '1' }] }] };
    expect(diffObject(before, reordered)).toEqual([]);
    expect(diffObject(before, edited)).toEqual([{ path: 'containers[main].env[B].value', before: '2', after: '3' }]);
  });
});

describe('embedded YAML (bufferConfig) compares as data', () => {
  const bufferConfig = (objects: Manifest[]) => (find(objects as any, 'InterStepBufferService') as Mutable).spec.jetstream;

  it('finds no change when the embedded document is only re-formatted', () => {
    const before = soak();
    const after = soak();
    const js = bufferConfig(after);
    const data = parseYaml(js.bufferConfig) as Mutable;
    // Same data, different key order and flow style.
    const reordered = { stream: Object.fromEntries(Object.entries(data.stream).reverse()), consumer: data.consumer };
    js.bufferConfig = toYaml(reordered, { collectionStyle: 'flow' });
    expect(js.bufferConfig).not.toBe(bufferConfig(before).bufferConfig);
    expect(diffManifests(before, after).every((o) => o.status === 'unchanged')).toBe(true);
  });

  it('names a change inside the embedded document by its path in the document', () => {
    const before = soak();
    const after = soak();
    const js = bufferConfig(after);
    const data = parseYaml(js.bufferConfig) as Mutable;
    expect(data.stream.maxMsgs).toBe(100000);
    data.stream.maxMsgs = 200000;
    js.bufferConfig = toYaml(data);
    const diff = diffManifests(before, after).find((o) => o.ref.kind === 'InterStepBufferService')!;
    expect(diff.changes).toEqual([{ path: 'spec.jetstream.bufferConfig.stream.maxMsgs', before: 100000, after: 200000 }]);
  });
});

describe('objects', () => {
  it('reports an object only on the after side as added and one only before as removed, without field changes', () => {
    const before = soak();
    const after = soak().filter((m) => m.kind !== 'PodDisruptionBudget');
    const extra: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'numaflow-soak' }, data: { a: '1' } };
    after.push(extra);
    const diffs = diffManifests(before, after);
    expect(diffs.find((o) => o.ref.kind === 'PodDisruptionBudget')).toMatchObject({ status: 'removed', changes: [] });
    expect(diffs.find((o) => o.ref.kind === 'ConfigMap' && o.ref.name === 'extra')).toMatchObject({ status: 'added', changes: [], key: 'v1/ConfigMap/numaflow-soak/extra' });
    expect(diffs.filter((o) => o.status === 'changed')).toEqual([]);
  });

  it('refuses two objects with the same key on one side', () => {
    const objects = soak();
    expect(() => diffManifests([...objects, objects[0]], objects)).toThrow(/two objects share the key/);
  });

  it('keys cluster-scoped objects with an empty namespace', () => {
    expect(objectKey({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'numaflow-soak' } })).toBe('v1/Namespace//numaflow-soak');
  });
});

describe('ordering', () => {
  it('sorts objects by key and gives the same diff whatever order the inputs come in', () => {
    const before = soak();
    const after = soak();
    (find(after as any, 'Pipeline') as Mutable).spec.vertices[0].scale.min = 1;
    const forward = diffManifests(before, after);
    const shuffled = diffManifests([...before].reverse(), [...after.slice(3), ...after.slice(0, 3)]);
    expect(shuffled).toEqual(forward);
    const keys = forward.map((o) => o.key);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toHaveLength(before.length);
  });

  it('lists field changes sorted by key within an object', () => {
    const changes = diffObject({ z: 1, a: { y: 1, b: 1 } }, { z: 2, a: { y: 2, b: 2 } });
    expect(changes.map((c) => c.path)).toEqual(['a.b', 'a.y', 'z']);
  });
});

describe('ignore predicate', () => {
  it('leaves out the paths it matches, and nothing else', () => {
    const before = { metadata: { labels: { 'numaflow-soak/variant': 'soak', app: 'x' } } };
    const after = { metadata: { labels: { 'numaflow-soak/variant': 'rightsized', app: 'y' } } };
    expect(diffObject(before, after, (p) => p.endsWith('labels.numaflow-soak/variant'))).toEqual([{ path: 'metadata.labels.app', before: 'x', after: 'y' }]);
    expect(diffObject(before, after)).toHaveLength(2);
  });

  it('makes soak and rightsized equal on the objects the resize does not touch, once the variant label is ignored', () => {
    // Side by side, as the commands compare two variants: soak rebuilt in rightsized's namespace.
    const diffs = diffManifests(variantPair('soak', 'rightsized').before.manifests, synthVariant('rightsized') as unknown as Manifest[], (p) => p.endsWith('labels.numaflow-soak/variant'));
    expect(diffs.filter((o) => o.status === 'changed').map((o) => o.ref.kind).sort()).toEqual(['InterStepBufferService', 'LimitRange', 'Pipeline', 'ResourceQuota']);
  });
});
