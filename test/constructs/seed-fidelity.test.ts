/**
 * The `soak` variant reproduces the seed soak test (numaflow issue #1817, the 2025 report),
 * with the batch-map udf resources placed where the CRD reads them.
 */
import { Testing } from 'cdk8s';
import { Pipeline, type UdfVertex } from '../../src/numaflow/pipeline';
import { numaflowSchemaErrors, testWithShared } from '../support/schemas';
import { find, synthVariant, type Manifest } from '../support/synth';

const objects = synthVariant('soak');
const spec = find(objects, 'Pipeline').spec;
const vertex = (name: string) => spec.vertices.find((v: Manifest) => v.name === name);
const resources = (requests: [string, string], limits: [string, string]) => ({
  requests: { cpu: requests[0], memory: requests[1] },
  limits: { cpu: limits[0], memory: limits[1] },
});

test('the generator source runs 10 fixed replicas at 5000 messages per second each, 500-byte messages', () => {
  const v = vertex('in');
  expect(v.scale).toEqual({ min: 10, max: 10 });
  expect(v.source.generator).toEqual({ rpu: 5000, duration: '1s', msgSize: 500, value: 100, jitter: '0s' });
  expect(v.containerTemplate.resources).toEqual(resources(['2', '4Gi'], ['4', '8Gi']));
  expect(v.partitions).toBeUndefined();
});

test('the batch map runs 18 fixed replicas over 12 partitions with the udf resources inside udf.container', () => {
  const v = vertex('batch-cat');
  expect(v.scale).toEqual({ min: 18, max: 18 });
  expect(v.partitions).toBe(12);
  expect(v.udf.container.resources).toEqual(resources(['2', '8Gi'], ['4', '16Gi']));
  expect(v.udf.resources).toBeUndefined();
  expect(Object.keys(v.udf)).toEqual(['container']);
  expect(v.containerTemplate.resources).toEqual(resources(['2', '4Gi'], ['4', '8Gi']));
});

test('the batch map uses a pass-through batch-map image, not the comma-splitting flatmap example, and never latest', () => {
  const image: string = vertex('batch-cat').udf.container.image;
  expect(image).toMatch(/batchmap-cat:/);
  expect(image).not.toMatch(/flatmap/);
  expect(image).not.toMatch(/:latest$/);
});

test('the sink runs 6 fixed replicas at 4 CPU and 8Gi', () => {
  const v = vertex('out');
  expect(v.scale).toEqual({ min: 6, max: 6 });
  expect(v.sink).toEqual({ log: {} });
  expect(v.containerTemplate.resources).toEqual(resources(['4', '8Gi'], ['4', '8Gi']));
});

test('the buffer service runs 3 JetStream nodes of 16 CPU and 16Gi with 40Gi volumes, at a pinned version', () => {
  const js = find(objects, 'InterStepBufferService').spec.jetstream;
  expect(js.replicas).toBe(3);
  expect(js.containerTemplate.resources).toEqual(resources(['16', '16Gi'], ['16', '16Gi']));
  expect(js.persistence.volumeSize).toBe('40Gi');
  expect(js.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(spec.interStepBufferServiceName).toBe(find(objects, 'InterStepBufferService').metadata.name);
});

testWithShared('the seed test\'s misplaced udf resources are rejected by the real CRD schema', () => {
  const pipeline = structuredClone(find(objects, 'Pipeline'));
  const udf = pipeline.spec.vertices.find((v: Manifest) => v.udf).udf;
  udf.resources = udf.container.resources;
  delete udf.container.resources;
  const errors = numaflowSchemaErrors(pipeline);
  expect(errors.join('\n')).toMatch(/udf must NOT have additional properties: "resources"/);
});

test('the seed test\'s misplaced udf resources do not compile in the typed Pipeline props', () => {
  const misplaced: UdfVertex['udf'] = {
    container: { image: 'example/batchmap:1.0', resources: { requests: {} as never, limits: {} as never } },
    // @ts-expect-error resources belong in udf.container, not beside it (the seed test's mistake)
    resources: {},
  };
  expect(misplaced.container.image).toBe('example/batchmap:1.0');
  // The typed class exists and is what the constructs emit through.
  expect(new Pipeline(Testing.chart(), 'p', { metadata: { name: 'p', namespace: 'n' }, spec: {} as never }).kind).toBe('Pipeline');
});
