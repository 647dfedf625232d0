/**
 * The report model: totals agree with the capacity model, container rows line up the two
 * plans, and every risk flag fires on the plan change it exists for (and not on the real
 * soak → rightsized resize).
 */
import { estimateNodes } from '../../src/capacity/nodes';
import { planTotals } from '../../src/capacity/pods';
import type { Provenance } from '../../src/diff/provenance';
import { buildReport, compareVersions, HOURS_PER_MONTH, type DiffReport } from '../../src/diff/report';
import type { PatchOp } from '../plan/helpers';
import { patchedSide, variantPair, variantSide } from '../support/diff';

const soak = variantSide('soak');
const rightsized = variantSide('rightsized');
/** soak as the commands compare it with rightsized: side by side, in rightsized's namespace. */
const soakBeside = variantPair('soak', 'rightsized').before;
const codes = (report: DiffReport) => report.risks.map((r) => r.code);
const GiB = 1024 ** 3;

describe('soak → rightsized totals', () => {
  const report = buildReport(soakBeside, rightsized);

  it('matches the capacity model for both plans', () => {
    for (const [side, view] of [
      [soak, report.totals.before],
      [rightsized, report.totals.after],
    ] as const) {
      const t = planTotals(side.plan);
      expect(view.pods).toBe(t.pods);
      expect(view.requests.cpu).toBeCloseTo(t.requests.cpu.cores, 3);
      expect(view.limits.cpu).toBeCloseTo(t.limits.cpu.cores, 3);
      expect(view.requests.memoryGiB).toBeCloseTo(t.requests.memory.gibibytes, 2);
      expect(view.limits.memoryGiB).toBeCloseTo(t.limits.memory.gibibytes, 2);
      expect(view.nodes).toBe(estimateNodes(side.plan).nodes);
    }
  });

  it('requests 164.89 cores before and 99.09 after, as counted by hand from the stack files', () => {
    // Per pod: vertex pods add Numaflow's 10m monitor sidecar; init containers (100m) are
    // smaller than the running containers, so they do not count.
    // soak:       10 × (2 + 0.01) + 18 × (2 + 2 + 0.01) + 6 × (4 + 0.01) + daemon 0.1 + 3 × (16 + 0.05 + 0.1)
    // rightsized (pods at scale.max: batch-cat 23, out 8):
    //             10 × (0.92 + 0.01) + 23 × (1.23 + 1.72 + 0.01) + 8 × (0.76 + 0.01) + daemon 0.04 + 3 × (5.14 + 0.01 + 0.02)
    const soakCpu = 10 * 2.01 + 18 * 4.01 + 6 * 4.01 + 0.1 + 3 * 16.15;
    const rightsizedCpu = 10 * 0.93 + 23 * 2.96 + 8 * 0.77 + 0.04 + 3 * 5.17;
    expect(soakCpu).toBeCloseTo(164.89, 6);
    expect(rightsizedCpu).toBeCloseTo(99.09, 6);
    expect(report.totals.before.requests.cpu).toBe(164.89);
    expect(report.totals.after.requests.cpu).toBe(99.09);
    expect(report.totals.before.pods).toBe(10 + 18 + 6 + 1 + 3);
  });

  it('prices nodes at the shape price for 730 hours a month', () => {
    const price = soak.plan.cluster.nodeShape.pricePerHour!;
    expect(report.nodeShape.pricePerHour).toBe(price);
    expect(report.totals.before.monthlyCost).toBeCloseTo(report.totals.before.nodes * price * HOURS_PER_MONTH, 2);
    expect(report.totals.after.monthlyCost).toBeCloseTo(report.totals.after.nodes * price * HOURS_PER_MONTH, 2);
    expect(report.totals.after.monthlyCost!).toBeLessThan(report.totals.before.monthlyCost!);
  });

  it('uses a price given in the options over the shape price', () => {
    const priced = buildReport(soakBeside, rightsized, { pricePerHour: 2 });
    expect(priced.totals.before.monthlyCost).toBeCloseTo(priced.totals.before.nodes * 2 * 730, 6);
  });

  it('lines up containers by workload and name, with replicas as text', () => {
    const udf = report.containers.find((r) => r.path === 'pipeline.batchMap.udf')!;
    expect(udf.owner).toBe('batch-cat');
    expect(udf.replicas).toEqual({ before: '18', after: '18-23' });
    expect(String(udf.requests.before!.cpu)).toBe('2');
    expect(String(udf.requests.after!.cpu)).toBe('1720m');
    expect(String(udf.limits.after!.memory)).toBe('100Mi');
  });

  it('raises no risk flag and reports changes', () => {
    expect(report.risks).toEqual([]);
    expect(report.changed).toBe(true);
  });

  it('reports no change from a plan to itself', () => {
    const same = buildReport(soak, variantSide('soak'));
    expect(same.changed).toBe(false);
    expect(same.objects.every((o) => o.status === 'unchanged')).toBe(true);
  });
});

describe('risk flags on targeted plan changes', () => {
  const shrink: PatchOp[] = [
    { path: 'buffer.persistence.volumeSize', value: '30Gi' },
    { path: 'buffer.settings.maxFileStore', value: '27Gi' },
  ];
  const cases: Array<{ name: string; before?: PatchOp[]; after: PatchOp[]; expected: string[] }> = [
    { name: 'a buffer volume shrink', after: shrink, expected: ['buffer-volume-shrink'] },
    { name: 'a buffer volume grow (replacement)', after: [{ path: 'buffer.persistence.volumeSize', value: '60Gi' }], expected: ['buffer-volume-replace'] },
    { name: 'a storage class change', after: [{ path: 'buffer.persistence.storageClassName', value: 'fast-ssd' }], expected: ['buffer-volume-replace'] },
    { name: 'an access mode change', after: [{ path: 'buffer.persistence.accessMode', value: 'ReadWriteOncePod' }], expected: ['buffer-volume-replace'] },
    { name: 'JetStream nodes cut from 5 to 3', before: [{ path: 'buffer.replicas', value: 5 }], after: [{ path: 'buffer.replicas', value: 3 }], expected: ['jetstream-nodes-cut'] },
    { name: 'a JetStream version downgrade 2.12.7 → 2.10.29', after: [{ path: 'buffer.version', value: '2.10.29' }], expected: ['jetstream-downgrade'] },
    { name: 'encryption turned on', after: [{ path: 'buffer.encryption', value: true }], expected: ['buffer-encryption-toggled'] },
    { name: 'TLS turned on', after: [{ path: 'buffer.tls', value: true }], expected: ['buffer-tls-change'] },
    { name: 'a buffer service rename', after: [{ path: 'buffer.name', value: 'soak-isb-b' }], expected: ['buffer-replaced', 'buffer-deleted'] },
    { name: 'a namespace rename', after: [{ path: 'namespace', value: 'numaflow-soak-b' }], expected: ['buffer-replaced', 'buffer-deleted', 'buffer-deleted'] },
  ];

  it.each(cases)('$name raises exactly $expected', ({ before, after, expected }) => {
    const report = buildReport(before ? patchedSide(before, 'before') : soak, patchedSide(after));
    expect(codes(report)).toEqual(expected);
    expect(report.changed).toBe(true);
  });

  it('does not flag JetStream nodes cut from 5 to 4 (one node at a time)', () => {
    const report = buildReport(patchedSide([{ path: 'buffer.replicas', value: 5 }], 'five'), patchedSide([{ path: 'buffer.replicas', value: 4 }], 'four'));
    expect(codes(report)).toEqual([]);
    expect(report.changed).toBe(true);
  });

  it('does not flag a JetStream upgrade', () => {
    const report = buildReport(patchedSide([{ path: 'buffer.version', value: '2.10.29' }], 'old'), soak);
    expect(codes(report)).toEqual([]);
  });

  it('flags a TLS change either way as a restart that needs the buffer service recreated', () => {
    for (const [before, after, word] of [[false, true, 'on'], [true, false, 'off']] as const) {
      const report = buildReport(patchedSide([{ path: 'buffer.tls', value: before }], 'before'), patchedSide([{ path: 'buffer.tls', value: after }]));
      expect(report.risks).toEqual([
        {
          severity: 'warning',
          code: 'buffer-tls-change',
          message: expect.stringMatching(new RegExp(`^TLS to the buffer service is turned ${word}: the JetStream pods and every vertex pod restart.*must be recreated`)),
        },
      ]);
    }
  });

  it('names the sizes in the volume shrink message and marks it critical', () => {
    const [risk] = buildReport(soak, patchedSide(shrink)).risks;
    expect(risk.severity).toBe('critical');
    expect(risk.message).toContain('from 40Gi to 30Gi');
  });

  it('names the deleted objects when the namespace is renamed', () => {
    const report = buildReport(soak, patchedSide([{ path: 'namespace', value: 'numaflow-soak-b' }]));
    const deleted = report.risks.filter((r) => r.code === 'buffer-deleted').map((r) => r.message);
    expect(deleted).toEqual(['InterStepBufferService soak-isb is deleted', 'Namespace numaflow-soak is deleted']);
    expect(report.objects.find((o) => o.ref.kind === 'InterStepBufferService' && o.status === 'added')?.ref.namespace).toBe('numaflow-soak-b');
  });
});

describe('risk flags from the deployment settings', () => {
  const withSettings = (settings: Partial<NonNullable<typeof soak.settings>>, encryptedSettings: readonly string[] = []) => ({ ...soak, settings: { ...soak.settings!, ...settings }, encryptedSettings });

  it('carries the stack file\'s settings on a side and raises nothing when they are equal', () => {
    expect(soak.settings).toEqual({ protectBuffer: true });
    expect(codes(buildReport(soak, soak))).toEqual([]);
  });

  it('flags protection turned off critical, turned on as a warning', () => {
    expect(buildReport(soak, withSettings({ protectBuffer: false })).risks).toEqual([
      expect.objectContaining({ severity: 'critical', code: 'buffer-protection-off' }),
    ]);
    expect(buildReport(withSettings({ protectBuffer: false }), soak).risks).toEqual([expect.objectContaining({ severity: 'warning', code: 'buffer-protection-on' })]);
  });

  it('flags a new context or kubeconfig critical, without showing the kubeconfig', () => {
    const report = buildReport(withSettings({ context: 'a' }), withSettings({ context: 'b', kubeconfig: 'apiVersion: v1\nusers: [{ token: s3cret }]' }));
    expect(report.risks).toEqual([expect.objectContaining({ severity: 'critical', code: 'target-cluster-changed' })]);
    expect(report.risks[0].message).toContain('context a → b, the kubeconfig');
    expect(report.risks[0].message).not.toContain('s3cret');
    // An encrypted kubeconfig on one side only is a change; on both sides it cannot be compared.
    expect(codes(buildReport(soak, withSettings({}, ['kubeconfig'])))).toEqual(['target-cluster-changed']);
    expect(codes(buildReport(withSettings({}, ['kubeconfig']), withSettings({}, ['kubeconfig'])))).toEqual([]);
  });

  it('between two variants side by side, another context or kubeconfig is no risk, and protection off is a warning naming the variant', () => {
    const pair = variantPair('soak', 'rightsized');
    const side = (base: typeof soak, settings: Partial<NonNullable<typeof soak.settings>>, encryptedSettings: readonly string[] = []) => ({ ...base, settings: { ...base.settings!, ...settings }, encryptedSettings });
    const beside = (before: typeof soak, after: typeof soak) => buildReport(before, after, { identity: pair.identity });
    expect(codes(beside(side(pair.before, { context: 'kind-a' }), side(pair.after, { context: 'kind-b', kubeconfig: 'apiVersion: v1' })))).toEqual([]);
    expect(codes(beside(pair.before, side(pair.after, {}, ['kubeconfig'])))).toEqual([]);
    const off = beside(pair.before, side(pair.after, { protectBuffer: false }));
    expect(off.risks).toEqual([{ severity: 'warning', code: 'buffer-protection-off', message: expect.stringMatching(/^rightsized runs with numaflow-soak:protectBuffer off \(soak has it on\)/) }]);
    expect(codes(beside(side(pair.before, { protectBuffer: false }), pair.after))).toEqual([]);
    // The same settings without identity (one stack at two revisions) are still critical.
    expect(codes(buildReport(side(pair.before, { context: 'kind-a' }), side(pair.after, { context: 'kind-b' })))).toEqual(['target-cluster-changed']);
  });
});

describe('risk flags on sizes', () => {
  it('flags a request that fits on no node of the plan\'s node shape (31 cores, 120Gi) critical', () => {
    const big = patchedSide([{ path: 'buffer.containers.main', value: { requests: { cpu: '32', memory: '16Gi' }, limits: { cpu: '32', memory: '16Gi' } } }]);
    expect(buildReport(soak, big).risks).toEqual([
      expect.objectContaining({ severity: 'critical', code: 'request-exceeds-node', message: expect.stringContaining("soak-isb/main: CPU request 32 exceeds the node's 31 cores (node shape 32-vcpu-128gib)") }),
    ]);
    const huge = patchedSide([{ path: 'buffer.containers.main', value: { requests: { cpu: '16', memory: '200Gi' }, limits: { cpu: '16', memory: '200Gi' } } }]);
    expect(buildReport(soak, huge).risks[0].message).toContain("memory request 200Gi exceeds the node's 120Gi");
  });

  it('flags a request or limit resized by more than the factor, up or down (default 250), as a warning', () => {
    const tiny = patchedSide([{ path: 'buffer.containers.metrics', value: { requests: { cpu: '100m', memory: '128Ki' }, limits: { cpu: '100m', memory: '128Ki' } } }]);
    expect(buildReport(soak, tiny).risks.map((r) => r.message)).toEqual([
      'soak-isb/metrics: memory request 128Mi → 128Ki (÷1024) changes by more than ×250: check the measurement it came from',
      'soak-isb/metrics: memory limit 128Mi → 128Ki (÷1024) changes by more than ×250: check the measurement it came from',
    ]);
    expect(codes(buildReport(tiny, soak))).toEqual(['resize-beyond-factor', 'resize-beyond-factor']);
    expect(codes(buildReport(soakBeside, rightsized))).toEqual([]);
    expect(codes(buildReport(soakBeside, rightsized, { resizeFactor: 10 }))).toContain('resize-beyond-factor');
  });
});

describe('risk flags from observed usage', () => {
  /** The udf of the rightsized plan is limited to 2080m / 100Mi and requests 1720m (2 whole cores). */
  const provenance = (udf: Provenance['containers'][string]): Provenance => ({
    source: 'fixture',
    window: { start: '2024-05-06T00:00:00Z', end: '2024-05-11T00:00:00Z', stepSeconds: 60 },
    containers: {
      'pipeline.batchMap.udf': udf,
      'pipeline.sink.numa': {
        cpu: { p95: 0.4, p99: 0.45, peak: 0.5, samples: 7200 },
        // Within the rightsized sink numa's 1 core / 195Mi limits.
        memory: { p95: 150 * 1024 ** 2, p99: 160 * 1024 ** 2, peak: 170 * 1024 ** 2, samples: 7200 },
        requiredCores: 1,
      },
    },
  });

  it('flags a memory limit below the observed peak as critical and a CPU limit below it as a warning', () => {
    const report = buildReport(soakBeside, rightsized, {
      provenance: provenance({
        cpu: { p95: 1.6, p99: 1.9, peak: 2.5, samples: 7200 },
        memory: { p95: 0.9 * GiB, p99: 1.2 * GiB, peak: 1.5 * GiB, samples: 7200 },
      }),
    });
    expect(report.risks.map((r) => [r.severity, r.code])).toEqual([
      ['critical', 'limit-below-peak'],
      ['warning', 'limit-below-peak'],
    ]);
    expect(report.risks[0].message).toMatch(/^batch-cat\/udf: memory limit 100Mi is below the observed peak of 1536Mi/);
    expect(report.risks[1].message).toMatch(/^batch-cat\/udf: CPU limit 2080m is below the observed peak of 2\.50 cores/);
    expect(report.provenance).toEqual({ source: 'fixture', window: provenance({}).window });
  });

  it('flags a CPU request with fewer whole cores than the throughput needs, and only then', () => {
    const usage = { cpu: { p95: 1, p99: 1.1, peak: 1.2, samples: 10 } };
    const enough = buildReport(soakBeside, rightsized, { provenance: provenance({ ...usage, requiredCores: 2 }) });
    expect(codes(enough)).toEqual([]);
    const short = buildReport(soakBeside, rightsized, { provenance: provenance({ ...usage, requiredCores: 3 }) });
    expect(codes(short)).toEqual(['cpu-below-throughput']);
    expect(short.risks[0].message).toContain('1720m gives 2 whole core(s); the measured throughput needs 3');
  });

  it('attaches observations to the container rows of their plan path only', () => {
    const report = buildReport(soakBeside, rightsized, { provenance: provenance({ requiredCores: 1 }) });
    expect(report.containers.filter((r) => r.observed).map((r) => r.path)).toEqual(['pipeline.batchMap.udf', 'pipeline.sink.numa']);
  });
});

describe('compareVersions', () => {
  it.each([
    ['2.10.29', '2.9.15', 1],
    ['2.9.15', '2.10.29', -1],
    ['2.12.7', '2.12.7', 0],
    ['2.10', '2.10.0', 0],
    ['2.10.1-alpine', '2.10.0', 1],
    ['3.0.0', '2.99.99', 1],
  ])('compares %s with %s numerically', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});
