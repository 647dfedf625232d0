/**
 * The udf container's env from the plan: literals stay values, Secret and ConfigMap keys
 * become valueFrom, so a credential never reaches the manifests. The Pipeline still
 * validates against the closed v1.8.3 CRD, and the controller keeps our entries ahead of
 * its own (test/support/controller-pods.ts).
 */
import { Yaml } from 'cdk8s';
import { parsePlan } from '../../src/plan/load';
import { patchedSoak } from '../plan/helpers';
import { vertexPod } from '../support/controller-pods';
import { numaflowSchemaErrors, testWithShared } from '../support/schemas';
import { find, synthPlan, type Manifest } from '../support/synth';

const ENV = {
  LOG_LEVEL: 'info',
  EXPLICIT: { value: 'x' },
  DB_PASSWORD: { secretKeyRef: { name: 'udf-db', key: 'password' } },
  MODE: { configMapKeyRef: { name: 'udf-settings', key: 'mode', optional: true } },
};

const objects = synthPlan(parsePlan(patchedSoak([{ path: 'pipeline.batchMap.env', value: ENV }]), 'env').plan);
const pipeline = find(objects, 'Pipeline');
const map = pipeline.spec.vertices.find((v: Manifest) => v.udf);

test('literals become value, references valueFrom, sorted by name', () => {
  expect(map.udf.container.env).toEqual([
    { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'udf-db', key: 'password' } } },
    { name: 'EXPLICIT', value: 'x' },
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'udf-settings', key: 'mode', optional: true } } },
  ]);
});

testWithShared('the Pipeline validates against the closed v1.8.3 CRD, which also catches a misspelt selector', () => {
  expect(numaflowSchemaErrors(pipeline)).toEqual([]);
  const broken = structuredClone(pipeline);
  const entry = broken.spec.vertices.find((v: Manifest) => v.udf).udf.container.env[0];
  entry.valueFrom.secretKeyRef.nam = entry.valueFrom.secretKeyRef.name;
  expect(numaflowSchemaErrors(broken)).toContain('/spec/vertices/1/udf/container/env/0/valueFrom/secretKeyRef must NOT have additional properties: "nam"');
});

test('a referenced variable carries no value anywhere in the manifests', () => {
  const text = Yaml.stringify(...objects);
  expect(text).toContain('name: udf-db');
  const referenced = map.udf.container.env.filter((e: Manifest) => e.valueFrom);
  for (const e of referenced) expect(e).not.toHaveProperty('value');
});

test('the controller keeps our entries ahead of its own in the udf container', () => {
  const udf = vertexPod(pipeline, map).initContainers.find((c) => c.name === 'udf')!;
  expect(udf.env.slice(0, 4).map((e) => e.name)).toEqual(['DB_PASSWORD', 'EXPLICIT', 'LOG_LEVEL', 'MODE']);
  expect(udf.env[0].valueFrom).toEqual({ secretKeyRef: { name: 'udf-db', key: 'password' } });
});

test('no env: the udf container has no env key', () => {
  const plain = find(synthPlan(parsePlan(patchedSoak([]), 'env').plan), 'Pipeline');
  expect(plain.spec.vertices.find((v: Manifest) => v.udf).udf.container.env).toBeUndefined();
});
