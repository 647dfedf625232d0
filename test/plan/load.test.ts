import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadStackDeployment, loadStackFile, parseDeployment, parsePlan, PlanError, readStackConfig, stackFile } from '../../src/plan/load';
import { Bytes, Cpu, Duration } from '../../src/plan/quantity';
import { patchedSoak, PLAN_PREFIX, soakRaw } from './helpers';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numaflow-soak-load-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
/** Writes a stack file into the temporary folder and returns its path. */
function writeStack(text: string): string {
  const file = path.join(dir, `Pulumi.case${++fileCount}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

function stackWithPlan(plan: unknown, extraConfig: Record<string, unknown> = {}): string {
  return writeStack(stringify({ config: { ...extraConfig, [PLAN_PREFIX]: plan } }));
}

/** The PlanError `fn` throws; fails the test if it returns or throws anything else. */
function planError(fn: () => unknown): PlanError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PlanError) return error;
    throw error;
  }
  throw new Error('expected a PlanError, but nothing was thrown');
}

describe('loadStackFile on stacks/Pulumi.soak.yaml', () => {
  const loaded = loadStackFile(stackFile('soak'));

  it('names the stack file, relative to the working folder, as the source', () => {
    expect(loaded.source).toBe(path.relative(process.cwd(), stackFile('soak')));
    expect(loaded.source.endsWith(path.join('stacks', 'Pulumi.soak.yaml'))).toBe(true);
  });

  it('turns quantities into value objects with the values written in the file', () => {
    const { plan } = loaded;
    expect(plan.namespace).toBe('numaflow-soak');
    expect(plan.cluster.nodeShape.cpu).toBeInstanceOf(Cpu);
    expect(plan.cluster.nodeShape.cpu.millicores).toBe(31000);
    expect(plan.cluster.nodeShape.memory.toString()).toBe('120Gi');
    expect(plan.buffer.containers.main.limits.memory).toBeInstanceOf(Bytes);
    expect(plan.buffer.containers.main.limits.memory.bytes).toBe(16 * 1024 ** 3);
    expect(plan.buffer.containers.reloader.requests.cpu.toString()).toBe('50m');
    expect(plan.buffer.stream.maxAge).toBeInstanceOf(Duration);
    expect(plan.buffer.stream.maxAge.seconds).toBe(72 * 3600);
    expect(plan.buffer.settings.maxFileStore?.toString()).toBe('36Gi');
    expect(plan.pipeline.batchMap.udf.limits.memory.toString()).toBe('16Gi');
    expect(plan.pipeline.batchMap.partitions).toBe(12);
    expect(plan.pipeline.source.generator.rpu).toBe(5000);
  });

  it('fills defaults for keys the file leaves out', () => {
    const { plan } = loaded;
    expect(plan.pipeline.sink.partitions).toBe(1);
    expect(plan.monitoring.labels).toEqual({});
    expect(plan.pipeline.placement).toEqual({ nodeSelector: {}, tolerations: [] });
    expect(plan.buffer.persistence.accessMode).toBe('ReadWriteOnce');
  });

  it('reports exactly one warning: the moving tag :stable of the batch-map image', () => {
    expect(loaded.warnings).toHaveLength(1);
    const [warning] = loaded.warnings;
    expect(warning.rule).toBe('image-moving-tag');
    expect(warning.severity).toBe('warning');
    expect(warning.path).toBe(`${PLAN_PREFIX}.pipeline.batchMap.image`);
    expect(warning.message).toContain('tag "stable" moves between releases');
  });

  it('reads the same plan through readStackConfig and parsePlan', () => {
    const config = readStackConfig(stackFile('soak'));
    expect(Object.keys(config).sort()).toEqual([PLAN_PREFIX, 'numaflow-soak:protectBuffer']);
    const again = parsePlan(config[PLAN_PREFIX], 'again', undefined, 'soak');
    expect(JSON.stringify(again.plan)).toBe(JSON.stringify(loaded.plan));
  });
});

describe('readStackConfig', () => {
  it('accepts other projects\' config keys and the keys Pulumi allows at the top', () => {
    const file = writeStack(
      stringify({
        secretsprovider: 'passphrase',
        encryptionsalt: 'v1:abc',
        config: { 'kubernetes:context': 'kind-soak', [PLAN_PREFIX]: soakRaw() },
      }),
    );
    expect(Object.keys(readStackConfig(file)).sort()).toEqual(['kubernetes:context', PLAN_PREFIX]);
  });

  it('rejects an unknown top-level key, naming the file and the key', () => {
    const file = writeStack(stringify({ config: { [PLAN_PREFIX]: soakRaw() }, configs: {} }));
    const error = planError(() => readStackConfig(file));
    expect(error.findings).toEqual([expect.objectContaining({ path: 'configs', severity: 'error' })]);
    expect(error.message).toContain(`invalid plan in ${file} (1 error):`);
    expect(error.message).toContain('configs: unknown top-level key; a Pulumi stack file allows config, encryptionsalt, environment, secretsprovider');
  });

  it('rejects an unknown numaflow-soak:* key such as numaflow-soak:plann', () => {
    const file = writeStack(stringify({ config: { [PLAN_PREFIX]: soakRaw(), 'numaflow-soak:plann': {} } }));
    const error = planError(() => readStackConfig(file));
    expect(error.findings.map((f) => f.path)).toEqual(['config.numaflow-soak:plann']);
    expect(error.message).toContain(file);
    expect(error.message).toContain('config.numaflow-soak:plann: unknown config key; this project reads numaflow-soak:plan');
  });

  it('rejects a stack file without the plan', () => {
    const file = writeStack(stringify({ config: { 'kubernetes:context': 'kind-soak' } }));
    const error = planError(() => readStackConfig(file));
    expect(error.message).toContain(file);
    expect(error.message).toContain('config.numaflow-soak:plan: required, but missing');
  });

  it('rejects a stack file whose plan key is misspelled, and not only as a missing plan', () => {
    const file = writeStack(stringify({ config: { 'numaflow-soak:plann': soakRaw() } }));
    const error = planError(() => readStackConfig(file));
    expect(error.message).toContain('numaflow-soak:plann');
  });

  it('rejects a stack file without config', () => {
    const error = planError(() => readStackConfig(writeStack('secretsprovider: passphrase\n')));
    expect(error.message).toContain('config: required: a mapping of config keys');
  });

  it('rejects duplicate YAML keys, which a plain parser would silently resolve to the last one', () => {
    const file = writeStack(
      [
        'config:',
        '  numaflow-soak:plan:',
        '    namespace: numaflow-soak',
        '    namespace: other',
        '',
      ].join('\n'),
    );
    const error = planError(() => readStackConfig(file));
    expect(error.message).toContain(file);
    expect(error.message).toContain('numaflow-soak:plan.namespace: duplicate key at line 4, column 5, first at line 3, column 5');
  });

  it('rejects duplicate keys nested deep in the plan', () => {
    const text = fs.readFileSync(stackFile('soak'), 'utf8').replace('        maxFileStore: 36Gi\n', '        maxFileStore: 36Gi\n        maxFileStore: 38Gi\n');
    expect(text).toContain('maxFileStore: 38Gi');
    const error = planError(() => readStackConfig(writeStack(text)));
    expect(error.findings).toEqual([expect.objectContaining({ path: 'numaflow-soak:plan.buffer.settings.maxFileStore', message: expect.stringMatching(/^duplicate key at line \d+, column 9, first at line \d+, column 9/) })]);
  });

  it('rejects text that is not YAML', () => {
    const file = writeStack('config:\n  numaflow-soak:plan: [1, 2\n');
    const error = planError(() => readStackConfig(file));
    expect(error.findings[0].path).toBe('(file)');
    expect(error.message).toContain(file);
    expect(error.message).toContain('not valid YAML');
  });

  it('rejects an empty file and a file that is a list', () => {
    expect(planError(() => readStackConfig(writeStack(''))).message).toContain('a stack file must be a mapping with a config key');
    expect(planError(() => readStackConfig(writeStack('- config\n'))).message).toContain('a stack file must be a mapping with a config key');
  });

  it('rejects a file that does not exist', () => {
    const missing = path.join(dir, 'Pulumi.missing.yaml');
    expect(planError(() => readStackConfig(missing)).message).toContain(`stack file not found: ${missing}`);
  });
});

describe('loadStackFile on a bad plan', () => {
  it('names the file and the full key path of the mistake', () => {
    const file = stackWithPlan(patchedSoak([{ path: 'pipeline.batchMap.udf.limits.memory', value: '16GB' }]));
    const error = planError(() => loadStackFile(file));
    expect(error.source).toBe(file);
    expect(error.message).toContain(`invalid plan in ${file} (1 error):`);
    expect(error.message).toContain(`  - numaflow-soak:plan.pipeline.batchMap.udf.limits.memory: expected a byte quantity such as 512Mi or 16Gi, got string "16GB"`);
  });

  it('names the key path of a rule violation too', () => {
    const file = stackWithPlan(patchedSoak([{ path: 'pipeline.batchMap.udf.requests.memory', value: '32Gi' }]));
    const error = planError(() => loadStackFile(file));
    expect(error.message).toContain(file);
    expect(error.message).toContain('numaflow-soak:plan.pipeline.batchMap.udf.requests.memory: request 32Gi is above the limit 16Gi');
  });

  it('refuses a plan that is not a mapping', () => {
    const error = planError(() => loadStackFile(stackWithPlan('batch-map')));
    expect(error.message).toContain('numaflow-soak:plan: expected a mapping, got string "batch-map"');
  });
});

describe('a plan with several mistakes', () => {
  it('lists every shape mistake in one PlanError, not only the first', () => {
    const raw = patchedSoak([
      { path: 'namespace', value: 'Numaflow-Soak' },
      { path: 'buffer.containers.main.limits.memory', value: '16GB' },
      { path: 'pipeline.batchMap.resources', value: { requests: { cpu: '1', memory: '1Gi' } } },
      { path: 'pipeline.sink.scale.max', value: 2.5 },
      { path: 'monitoring.alerts.for', value: '1d' },
    ]);
    const error = planError(() => parsePlan(raw, 'several.yaml'));
    expect(error.findings.map((f) => f.path).sort()).toEqual(
      [
        'namespace',
        'buffer.containers.main.limits.memory',
        'pipeline.batchMap',
        'pipeline.sink.scale.max',
        'monitoring.alerts.for',
      ]
        .map((p) => `${PLAN_PREFIX}.${p}`)
        .sort(),
    );
    expect(error.message.split('\n')[0]).toBe('invalid plan in several.yaml (5 errors):');
    expect(error.message.split('\n')).toHaveLength(6);
  });

  it('lists every rule violation in one PlanError, not only the first', () => {
    const raw = patchedSoak([
      { path: 'buffer.replicas', value: 2 },
      { path: 'buffer.version', value: 'latest' },
      { path: 'pipeline.batchMap.udf.requests.cpu', value: '8' },
      { path: 'pipeline.sink.scale.min', value: 7 },
      { path: 'pipeline.batchMap.image', value: 'quay.io/numaio/numaflow-rs/batchmap-cat' },
    ]);
    const error = planError(() => parsePlan(raw, 'rules.yaml'));
    const byRule = Object.fromEntries(error.findings.map((f) => [f.rule, f.path.slice(PLAN_PREFIX.length + 1)]));
    expect(byRule).toEqual({
      'request-within-limit': 'pipeline.batchMap.udf.requests.cpu',
      'scale-min-within-max': 'pipeline.sink.scale.min',
      'jetstream-version-listed': 'buffer.version',
      'jetstream-node-count': 'buffer.replicas',
      'image-pinned': 'pipeline.batchMap.image',
    });
    expect(error.message.split('\n')[0]).toBe('invalid plan in rules.yaml (5 errors):');
  });

  it('does not list warnings among the errors of a refused plan', () => {
    // Even node count (a warning) together with a wrong version (an error).
    const raw = patchedSoak([
      { path: 'buffer.replicas', value: 4 },
      { path: 'buffer.version', value: '2.11.0' },
    ]);
    const error = planError(() => parsePlan(raw, 'mixed.yaml'));
    expect(error.findings.map((f) => f.rule)).toEqual(['jetstream-version-listed']);
  });
});

describe('deployment settings in a stack file', () => {
  it('reads the soak stack\'s switch: protection on, and no install (the platform stack\'s)', () => {
    expect(loadStackDeployment(stackFile('soak'))).toEqual({ protectBuffer: true });
  });

  it('defaults protection to on when the stack file omits it', () => {
    expect(parseDeployment({}, 'empty')).toEqual({ protectBuffer: true });
  });

  it('names the key of a wrongly typed setting', () => {
    expect(() => parseDeployment({ protectBuffer: 'yes' }, 'x.yaml')).toThrow(/numaflow-soak:protectBuffer: expected boolean \(true or false\), got string "yes"/);
  });
});
