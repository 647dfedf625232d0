import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { JETSTREAM_VERSIONS } from '../../src/numaflow/versions';
import { stackConfigJsonSchema, stackConfigJsonSchemaText } from '../../src/plan/json-schema';
import { controllerJetStreamVersions, testWithShared } from '../support/schemas';
import { ROOT } from '../support/synth';

testWithShared('the JetStream versions we accept are exactly the controller ConfigMap list without latest', () => {
  expect([...JETSTREAM_VERSIONS].sort()).toEqual(controllerJetStreamVersions().filter((v) => v !== 'latest').sort());
});

test('the committed stack-config JSON Schema is up to date (run npm run schema)', () => {
  const committed = fs.readFileSync(path.join(ROOT, 'stacks', 'stack-config.schema.json'), 'utf8');
  expect(committed).toBe(stackConfigJsonSchemaText());
});

describe('the stack-config JSON Schema', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(stackConfigJsonSchema());
  const stack = (variant: string) => parse(fs.readFileSync(path.join(ROOT, 'stacks', `Pulumi.${variant}.yaml`), 'utf8'));

  test.each(['soak', 'rightsized'])('accepts the %s stack file', (variant) => {
    expect(validate(stack(variant)) ? [] : validate.errors).toEqual([]);
  });

  test('rejects a misspelt quantity, an unknown key and an unknown numaflow-soak config key', () => {
    const bad = stack('soak');
    const plan = bad.config['numaflow-soak:plan'];
    plan.buffer.containers.main.limits.memory = '16GB';
    plan.pipeline.batchMap.resources = {};
    bad.config['numaflow-soak:plann'] = {};
    expect(validate(bad)).toBe(false);
    const where = (validate.errors ?? []).map((e) => e.instancePath);
    expect(where).toEqual(expect.arrayContaining(['/config/numaflow-soak:plan/buffer/containers/main/limits/memory', '/config/numaflow-soak:plan/pipeline/batchMap']));
    expect((validate.errors ?? []).some((e) => e.keyword === 'propertyNames')).toBe(true);
  });

  test('lets other projects\' config keys through', () => {
    const ok = stack('soak');
    ok.config['kubernetes:context'] = 'kind-soak';
    expect(validate(ok)).toBe(true);
  });
});
