/**
 * A variant stack over its life, under pulumi.runtime.setMocks: an in-place resize (the
 * quota holds the rollout, then is lowered on the next update), the outputs a user needs
 * after the soak, and teardown (what `pulumi destroy` refuses and what it leaves).
 */
import { podGroups } from '../../src/capacity/pods';
import { firstRejection, simulateRollout, type QuotaHard } from '../../src/capacity/rollout';
import { quotaAmounts } from '../../src/constructs/cluster';
import { chartFiles } from '../../src/synth';
import { Bytes, Cpu } from '../../src/plan/quantity';
import { buildApp } from '../../src/app';
import { parseTime } from '../../src/cli/soak-inputs';
import { loadVariant } from '../support/synth';
import { PIPELINE_CREATED, runStack, stackFileConfig, type StackRun } from './harness';

const soak = loadVariant('soak');
const rightsized = loadVariant('rightsized');

/** The ResourceQuota the run registered, read as the model reads a quota. */
function registeredQuota(run: StackRun): QuotaHard {
  const quota = run.registered.find((r) => r.type === 'kubernetes:core/v1:ResourceQuota');
  expect(quota).toBeDefined();
  const hard = quota!.inputs.spec.hard;
  return {
    pods: Number(hard.pods),
    requestsCpu: Cpu.parse(hard['requests.cpu']),
    requestsMemory: Bytes.parse(hard['requests.memory']),
    limitsCpu: Cpu.parse(hard['limits.cpu']),
    limitsMemory: Bytes.parse(hard['limits.memory']),
  };
}

const at = (run: StackRun, type: string) => run.registered.findIndex((r) => r.type === type);

function resolve<T>(value: unknown): Promise<T> {
  return new Promise((res) => (value as { apply: (f: (v: T) => void) => void }).apply((v) => res(v)));
}

describe('resizing the running soak stack to the rightsized sizes (one stack, two revisions)', () => {
  let before: StackRun;
  let resize: StackRun;
  let settle: StackRun;
  const warnings: string[][] = [];
  beforeAll(async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const warned = () => warn.mock.calls.map((c) => c.join(' '));
    before = await runStack('soak', stackFileConfig('soak'));
    warnings.push(warned());
    warn.mockClear();
    // The same stack, its plan replaced by the rightsized one: the last update's outputs are the soak's.
    const revised = { ...stackFileConfig('soak'), 'numaflow-soak:plan': stackFileConfig('rightsized')['numaflow-soak:plan'] };
    resize = await runStack('soak', revised, { bufferReplicas: 3, podGroups: before.outputs.podGroups });
    warnings.push(warned());
    warn.mockClear();
    settle = await runStack('soak', revised, { bufferReplicas: 3, podGroups: resize.outputs.podGroups });
    warnings.push(warned());
    warn.mockRestore();
  }, 120_000);

  test('only the resize update tells the user to run pulumi up again once the pods have rolled', () => {
    const told = (w: string[]) => w.some((line) => line.includes('run pulumi up again'));
    expect(warnings.map(told)).toEqual([false, true, false]);
  });

  test('a first update exports the pods it runs and a steady quota', () => {
    expect(before.error).toBeUndefined();
    expect(before.outputs.quota.phase).toBe('steady');
    expect(before.outputs.podGroups.map((g: { workload: string; count: number }) => [g.workload, g.count])).toEqual([['source', 10], ['batchMap', 18], ['sink', 6], ['daemon', 1], ['buffer', 3]]);
  });

  test('the resize update sizes the quota for the rollout from the running pods, and registers it before the buffer service and the pipeline', () => {
    expect(resize.error).toBeUndefined();
    expect(resize.outputs.quota.phase).toBe('rollout');
    const q = quotaAmounts(rightsized, podGroups(soak));
    expect(registeredQuota(resize)).toEqual({ pods: q.pods, requestsCpu: q.requestsCpu, requestsMemory: q.requestsMemory, limitsCpu: q.limitsCpu, limitsMemory: q.limitsMemory });
    expect(at(resize, 'kubernetes:core/v1:ResourceQuota')).toBeLessThan(at(resize, 'kubernetes:numaflow.numaproj.io/v1alpha1:InterStepBufferService'));
    expect(at(resize, 'kubernetes:core/v1:ResourceQuota')).toBeLessThan(at(resize, 'kubernetes:numaflow.numaproj.io/v1alpha1:Pipeline'));
  });

  test('the quota the resize update registers admits every pod of the rollout, in the model', () => {
    const steps = simulateRollout(podGroups(soak), podGroups(rightsized));
    expect(firstRejection(steps, () => registeredQuota(resize))).toBeUndefined();
    // The rightsized stack's own quota, applied first, would not (issue 11).
    expect(firstRejection(steps, () => registeredQuota(settle))).toBeDefined();
  });

  test('the next update, with nothing left to roll, lowers the quota to the plan\'s own', () => {
    expect(settle.outputs.quota.phase).toBe('steady');
    const q = quotaAmounts(rightsized);
    expect(registeredQuota(settle).requestsMemory.equals(q.requestsMemory)).toBe(true);
    expect(registeredQuota(settle).requestsMemory.compare(registeredQuota(resize).requestsMemory)).toBeLessThan(0);
  });

  test('a malformed podGroups output of the last update stops the program, naming it', async () => {
    const run = await runStack('soak', stackFileConfig('soak'), { podGroups: [{ workload: 'batchMap', count: 18, requests: { cpu: '2', memory: '8GB' }, limits: { cpu: '4', memory: '16Gi' } }] });
    expect(run.error?.message).toMatch(/^stack output podGroups of the last update: entry 0: requests: .*8GB/);
    expect(run.registered.filter((r) => r.type.startsWith('kubernetes:'))).toEqual([]);
  });
});

describe('after up', () => {
  let run: StackRun;
  beforeAll(async () => {
    run = await runStack('soak', stackFileConfig('soak'));
  });

  test('exports the in-cluster Prometheus URL and the port-forward that reaches it', () => {
    expect(run.outputs).toMatchObject({
      prometheusUrl: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090',
      portForward: 'kubectl -n monitoring port-forward svc/kube-prometheus-stack-prometheus 9090:9090',
      prometheusLocalUrl: 'http://localhost:9090',
    });
  });

  test('exports when the pipeline was created, as the API server set it, for --start', async () => {
    const start = await resolve<string>(run.outputs.soakStart);
    expect(start).toBe(PIPELINE_CREATED);
    expect(parseTime('verdict', 'start', start)).toBe(Date.parse(PIPELINE_CREATED) / 1000);
  });
});

describe('teardown', () => {
  const protection = (run: StackRun, type: string) => [...run.options].filter(([key]) => key.startsWith(`${type}::`)).map(([, o]) => o);

  test('with protectBuffer on, the buffer service and its namespace are protected (pulumi destroy refuses) and retained on delete', async () => {
    const run = await runStack('soak', stackFileConfig('soak'));
    expect(protection(run, 'kubernetes:numaflow.numaproj.io/v1alpha1:InterStepBufferService')).toEqual([{ protect: true, retainOnDelete: true }]);
    expect(protection(run, 'kubernetes:core/v1:Namespace')).toContainEqual({ protect: true, retainOnDelete: true });
    expect(protection(run, 'kubernetes:numaflow.numaproj.io/v1alpha1:Pipeline')).toEqual([{ protect: false, retainOnDelete: false }]);
    expect(protection(run, 'kubernetes:core/v1:ResourceQuota')).toEqual([{ protect: false, retainOnDelete: false }]);
  });

  test('with protectBuffer off, nothing is protected, and the buffer service and namespace are still left in the cluster by destroy', async () => {
    const run = await runStack('soak', { ...stackFileConfig('soak'), 'numaflow-soak:protectBuffer': false });
    expect(protection(run, 'kubernetes:numaflow.numaproj.io/v1alpha1:InterStepBufferService')).toEqual([{ protect: false, retainOnDelete: true }]);
    expect([...run.options.values()].some((o) => o.protect)).toBe(false);
  });

  test('step 2 of the README\'s sequence (protectBuffer false, pulumi up) changes only the protect bit: the same resources with the same inputs', async () => {
    const on = await runStack('soak', stackFileConfig('soak'));
    const off = await runStack('soak', { ...stackFileConfig('soak'), 'numaflow-soak:protectBuffer': false });
    const resources = (run: StackRun) => run.registered.map((r) => ({ type: r.type, name: r.name, inputs: JSON.stringify(r.inputs) }));
    expect(on.error).toBeUndefined();
    expect(off.error).toBeUndefined();
    expect(resources(off)).toEqual(resources(on));
    const changed = [...on.options.keys()].filter((key) => JSON.stringify(on.options.get(key)) !== JSON.stringify(off.options.get(key)));
    expect(changed.map((key) => key.split('::')[0].split(':').pop()).sort()).toEqual(['InterStepBufferService', 'Namespace']);
  });

  test.each(['soak', 'rightsized'])('kubectl: the %s files in reverse apply order delete the monitors, then the pipeline, then the buffer service, then the namespace', (variant) => {
    const chart = buildApp({ variants: [variant], warn: () => undefined }).charts[0];
    const reversed = chartFiles(chart).map((f) => f.file).sort().reverse();
    const first = (kind: string) => reversed.findIndex((f) => f.includes(`-${kind}-`));
    expect(first('prometheusrule')).toBeLessThan(first('pipeline'));
    expect(first('pipeline')).toBeLessThan(first('interstepbufferservice'));
    expect(first('interstepbufferservice')).toBeLessThan(first('resourcequota'));
    expect(first('resourcequota')).toBeLessThan(first('namespace'));
    expect(reversed[reversed.length - 1]).toMatch(/^0*1-namespace-/);
  });

  test.each(['soak', 'rightsized'])('kubectl resize: in the %s files, exactly one matches *-resourcequota-*, the file the README applies after the rollout', (variant) => {
    const chart = buildApp({ variants: [variant], warn: () => undefined }).charts[0];
    const files = chartFiles(chart);
    const quota = files.filter((f) => /-resourcequota-/.test(f.file));
    expect(quota).toHaveLength(1);
    expect(quota[0].content).toMatch(/^kind: ResourceQuota$/m);
    expect(files.filter((f) => /^kind: ResourceQuota$/m.test(f.content))).toHaveLength(1);
  });
});
