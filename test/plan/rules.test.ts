import { parsePlan, PlanError } from '../../src/plan/load';
import { checkPlan, RULES, type Rule } from '../../src/plan/rules';
import { soakPlan } from '../../src/plan/schema';
import { loadFixtures, patchedSoak, PLAN_PREFIX, type PatchOp } from './helpers';

interface WarningCase {
  readonly name: string;
  readonly patch: readonly PatchOp[];
  readonly rule: string;
  /** Path of the warning, without the `numaflow-soak:plan.` prefix. */
  readonly path: string;
  readonly message: string;
}

/** Plans that are accepted, each with one soft problem that must be reported. */
const WARNING_CASES: readonly WarningCase[] = [
  {
    name: 'moving image tag (the soak plan itself)',
    patch: [],
    rule: 'image-moving-tag',
    path: 'pipeline.batchMap.image',
    message: 'tag "stable" moves between releases',
  },
  {
    name: 'moving tag on the udsink image',
    patch: [
      { path: 'pipeline.sink.type', value: 'udsink' },
      {
        path: 'pipeline.sink.udsink',
        value: { image: 'quay.io/example/sink:main', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } },
      },
    ],
    rule: 'image-moving-tag',
    path: 'pipeline.sink.udsink.image',
    message: 'tag "main" moves between releases',
  },
  {
    name: 'source scale min differs from max',
    patch: [{ path: 'pipeline.source.scale', value: { min: 5, max: 10 } }],
    rule: 'source-fixed-replicas',
    path: 'pipeline.source.scale',
    message: 'it will run 5 replicas, not up to 10',
  },
  {
    name: 'even JetStream node count 4',
    patch: [{ path: 'buffer.replicas', value: 4 }],
    rule: 'jetstream-node-count-odd',
    path: 'buffer.replicas',
    message: '4 JetStream nodes tolerate no more failures than 3',
  },
  {
    name: 'maxFileStore unset',
    patch: [{ path: 'buffer.settings.maxFileStore', delete: true }],
    rule: 'file-store-set',
    path: 'buffer.settings.maxFileStore',
    message: 'unset: JetStream defaults to 1TB, more than the 40Gi volume',
  },
  {
    name: 'stream replicas forced to 1 below 3 nodes',
    patch: [{ path: 'buffer.replicas', value: 1 }],
    rule: 'stream-replicas-forced',
    path: 'buffer.stream.replicas',
    message: 'with 1 JetStream node(s) Numaflow forces 1 stream replica, not 3',
  },
  {
    name: 'full streams need more than 80% of the file store',
    patch: [{ path: 'buffer.settings.maxFileStore', value: '3Gi' }],
    rule: 'streams-fit-volume',
    path: 'buffer.stream.maxMsgs',
    message: 'full streams need about 2.5 GiB per node, more than 80% of the 3Gi file store',
  },
  {
    name: 'buffer main container requests below its limits',
    patch: [{ path: 'buffer.containers.main.requests.memory', value: '12Gi' }],
    rule: 'buffer-guaranteed',
    path: 'buffer.containers.main',
    message: 'requests differ from limits',
  },
  {
    name: 'rpu not a multiple of keyCount',
    patch: [{ path: 'pipeline.source.generator.keyCount', value: 3 }],
    rule: 'generator-rate-rounding',
    path: 'pipeline.source.generator.rpu',
    message: 'rpu 5000 is not a multiple of keyCount 3; Numaflow will generate 4998',
  },
  {
    name: 'more numa worker threads than the CPU limit in whole cores',
    patch: [
      { path: 'pipeline.batchMap.numa.limits.cpu', value: '2500m' },
      { path: 'pipeline.batchMap.numa.workerThreads', value: 4 },
    ],
    rule: 'worker-threads-within-cpu-limit',
    path: 'pipeline.batchMap.numa.workerThreads',
    message: '4 worker threads exceed the numa CPU limit 2500m rounded up to 3 cores',
  },
  {
    name: 'a credential-like variable with a literal value',
    patch: [{ path: 'pipeline.batchMap.env', value: { DB_PASSWORD: 'hunter2', LOG_LEVEL: 'info' } }],
    rule: 'env-credential-literal',
    path: 'pipeline.batchMap.env.DB_PASSWORD',
    message: 'DB_PASSWORD looks like a credential but is a literal',
  },
  {
    name: 'a credential-like variable with a literal in the mapping form',
    patch: [{ path: 'pipeline.batchMap.env', value: { API_TOKEN: { value: 'abc' } } }],
    rule: 'env-credential-literal',
    path: 'pipeline.batchMap.env.API_TOKEN',
    message: 'use { secretKeyRef: { name, key } }',
  },
  {
    name: 'Prometheus pods selected by namespace alone',
    patch: [{ path: 'monitoring.prometheus', value: { namespace: 'observability', podLabels: {} } }],
    rule: 'network-policy-prometheus-selector',
    path: 'monitoring.prometheus.podLabels',
    message: 'admits every pod of namespace observability to the JetStream exporter (7777)',
  },
  {
    name: 'read batch larger than the buffer',
    patch: [{ path: 'pipeline.sink.limits', value: { readBatchSize: 40000 } }],
    rule: 'read-batch-within-buffer',
    path: 'pipeline.sink.limits.readBatchSize',
    message: 'readBatchSize 40000 is above bufferMaxLength 30000',
  },
];

describe('warnings', () => {
  it.each(WARNING_CASES.map((c) => [c.name, c] as const))('%s: the plan is accepted and the warning reported', (_name, c) => {
    const loaded = parsePlan(patchedSoak(c.patch), 'warning-case');
    const warning = loaded.warnings.find((w) => w.rule === c.rule && w.path === `${PLAN_PREFIX}.${c.path}`);
    expect(warning).toEqual({
      rule: c.rule,
      severity: 'warning',
      path: `${PLAN_PREFIX}.${c.path}`,
      message: expect.stringContaining(c.message),
    });
    expect(loaded.warnings.every((w) => w.severity === 'warning')).toBe(true);
  });

  it('reports several warnings of one plan together', () => {
    const loaded = parsePlan(
      patchedSoak([
        { path: 'buffer.replicas', value: 4 },
        { path: 'pipeline.source.scale', value: { min: 5, max: 10 } },
        { path: 'buffer.settings.maxFileStore', delete: true },
      ]),
      'several-warnings',
    );
    expect(loaded.warnings.map((w) => w.rule).sort()).toEqual(
      ['file-store-set', 'image-moving-tag', 'jetstream-node-count-odd', 'source-fixed-replicas'].sort(),
    );
  });

  it('does not warn about a digest-pinned image or an odd node count of 5', () => {
    const digest = `quay.io/numaio/numaflow-rs/batchmap-cat@sha256:${'a'.repeat(64)}`;
    const loaded = parsePlan(
      patchedSoak([
        { path: 'pipeline.batchMap.image', value: digest },
        { path: 'buffer.replicas', value: 5 },
      ]),
      'clean',
    );
    expect(loaded.warnings).toEqual([]);
  });
});

describe('boundaries that are still accepted', () => {
  it.each<[string, PatchOp[]]>([
    ['a 44-character pipeline name with the vertex batch-cat (headless Service of exactly 63)', [{ path: 'pipeline.name', value: 'batch-map-soak-for-numaflow-issue-1817-rerun' }]],
    ['a 42-character buffer name (StatefulSet name of exactly 52)', [{ path: 'buffer.name', value: 'soak-isb-for-the-batch-map-soak-of-issue-1' }]],
    ['maxMsgs equal to bufferMaxLength', [{ path: 'buffer.stream.maxMsgs', value: 30000 }]],
    ['maxFileStore equal to the volume', [{ path: 'buffer.settings.maxFileStore', value: '40Gi' }]],
    ['a request equal to its limit, written in another suffix', [{ path: 'pipeline.batchMap.udf.requests.memory', value: '16384Mi' }]],
    ['one partition on the source', [{ path: 'pipeline.source.partitions', value: 1 }]],
    ['a single JetStream node', [{ path: 'buffer.replicas', value: 1 }]],
    ['keyCount equal to rpu', [{ path: 'pipeline.source.generator.rpu', value: 200 }, { path: 'pipeline.source.generator.keyCount', value: 200 }]],
    ['stream replicas 5 on 5 nodes', [{ path: 'buffer.replicas', value: 5 }, { path: 'buffer.stream.replicas', value: 5 }]],
    ['maxUnavailable 100%', [{ path: 'pipeline.maxUnavailable', value: '100%' }]],
    ['numa worker threads equal to the CPU limit rounded up (3500m: 4)', [{ path: 'pipeline.batchMap.numa.limits.cpu', value: '3500m' }, { path: 'pipeline.batchMap.numa.workerThreads', value: 4 }]],
    ['one numa worker thread', [{ path: 'pipeline.source.numa.workerThreads', value: 1 }]],
    ['a credential-like variable from a Secret', [{ path: 'pipeline.batchMap.env', value: { DB_PASSWORD: { secretKeyRef: { name: 'udf-db', key: 'password' } } } }]],
    ['empty Prometheus pod labels with the NetworkPolicy off', [{ path: 'monitoring.prometheus.podLabels', value: {} }, { path: 'buffer.networkPolicy', value: false }]],
  ])('%s', (_name, patch) => {
    const loaded = parsePlan(patchedSoak(patch), 'boundary');
    expect(loaded.warnings.filter((w) => w.rule === 'worker-threads-within-cpu-limit')).toEqual([]);
    expect(loaded.warnings.filter((w) => w.rule === 'env-credential-literal' || w.rule === 'network-policy-prometheus-selector')).toEqual([]);
  });
});

describe('RULES', () => {
  it.each(RULES.map((r) => [r.id, r] as const))('%s has a kebab-case id, a severity and a description', (_id, rule: Rule) => {
    expect(rule.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(['error', 'warning']).toContain(rule.severity);
    expect(rule.description.trim().length).toBeGreaterThan(10);
  });

  it('has unique ids', () => {
    const ids = RULES.map((r) => r.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('has at least one fixture or test case that makes every rule fire', () => {
    const fired = new Map<string, string[]>();
    const note = (rule: string, by: string) => fired.set(rule, [...(fired.get(rule) ?? []), by]);

    // Every bad-plan fixture whose shape is valid, run through the rules directly.
    for (const fixture of loadFixtures()) {
      const parsed = soakPlan.safeParse(patchedSoak(fixture.patch));
      if (!parsed.success) continue;
      for (const finding of checkPlan(parsed.data)) note(finding.rule, fixture.name);
    }
    for (const c of WARNING_CASES) {
      const parsed = soakPlan.parse(patchedSoak(c.patch));
      for (const finding of checkPlan(parsed)) note(finding.rule, c.name);
    }

    const neverFired = RULES.map((r) => r.id).filter((id) => !fired.has(id));
    expect(neverFired).toEqual([]);
    // And nothing fires that is not in the table.
    expect([...fired.keys()].filter((id) => !RULES.some((r) => r.id === id))).toEqual([]);
  });

  it('refuses every error-rule fixture through parsePlan with that rule among its findings', () => {
    // A fixture whose shape is valid is refused by the rules, and only error rules refuse.
    for (const fixture of loadFixtures()) {
      const raw = patchedSoak(fixture.patch);
      const parsed = soakPlan.safeParse(raw);
      if (!parsed.success) continue;
      const errorRules = checkPlan(parsed.data)
        .filter((f) => f.severity === 'error')
        .map((f) => f.rule);
      expect({ fixture: fixture.name, errorRules: errorRules.length > 0 }).toEqual({ fixture: fixture.name, errorRules: true });
      let refusedBy: string[] = [];
      try {
        parsePlan(raw, fixture.name);
      } catch (error) {
        if (!(error instanceof PlanError)) throw error;
        refusedBy = error.findings.map((f) => f.rule);
      }
      expect(refusedBy).toEqual(errorRules);
    }
  });
});
