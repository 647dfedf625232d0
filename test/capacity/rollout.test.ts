/**
 * An in-place change of a running soak, modelled pod by pod (src/capacity/rollout.ts)
 * against the ResourceQuota in force at every moment: the quota order the program and the
 * kubectl sequence use admits every pod, the old order (quota lowered first) does not.
 */
import { quotaAmounts } from '../../src/constructs/cluster';
import { podGroups } from '../../src/capacity/pods';
import { firstRejection, rolloutPeak, simulateRollout, usageOf, USAGE_RESOURCES, vertexBatch, type QuotaHard, type RolloutStep } from '../../src/capacity/rollout';
import { Bytes, Cpu } from '../../src/plan/quantity';
import type { SoakPlan } from '../../src/plan/schema';
import { loadVariant } from '../support/synth';

const soak = loadVariant('soak');
const rightsized = loadVariant('rightsized');

/** The `hard` of the quota object the chart would emit, as the model reads it. */
const hard = (q: ReturnType<typeof quotaAmounts>): QuotaHard => ({
  pods: q.pods,
  requestsCpu: q.requestsCpu,
  requestsMemory: q.requestsMemory,
  limitsCpu: q.limitsCpu,
  limitsMemory: q.limitsMemory,
});

/** The program's order: the quota for the rollout (from the running pods) before the workloads change, the plan's own quota after. */
function programOrder(from: SoakPlan, to: SoakPlan, steps: readonly RolloutStep[]) {
  const during = hard(quotaAmounts(to, podGroups(from)));
  const after = hard(quotaAmounts(to));
  const last = steps[steps.length - 1].step;
  return (step: number) => (step < last ? during : after);
}

const pairs: Array<[string, SoakPlan, SoakPlan]> = [
  ['soak -> rightsized', soak, rightsized],
  ['rightsized -> soak', rightsized, soak],
];

describe.each(pairs)('%s in place', (_name, from, to) => {
  const steps = simulateRollout(podGroups(from), podGroups(to), { maxUnavailable: to.pipeline.maxUnavailable });

  test('the rollout has steps that create pods and ends with only the new pods', () => {
    expect(steps.filter((s) => s.creates).length).toBeGreaterThan(3);
    expect(steps[steps.length - 1].detail).not.toMatch(/[1-9]\d* old/);
  });

  test('with the quota raised before and lowered after, no creation is rejected', () => {
    expect(firstRejection(steps, programOrder(from, to, steps))).toBeUndefined();
  });

  test('whatever order the workloads roll in (each one delayed by 0..6 steps), no creation is rejected', () => {
    const quota = programOrder(from, to, steps);
    const during = quota(0);
    for (let seed = 0; seed < 200; seed += 1) {
      const offsets = { source: seed % 7, batchMap: (seed * 3) % 7, sink: (seed * 5) % 7, daemon: (seed * 2) % 7, buffer: (seed * 11) % 7 };
      const shuffled = simulateRollout(podGroups(from), podGroups(to), { maxUnavailable: to.pipeline.maxUnavailable, offsets });
      expect(firstRejection(shuffled, () => during)).toBeUndefined();
    }
  });

  test('the lowered quota holds the new pods and a later same-size rolling update of them', () => {
    const after = hard(quotaAmounts(to));
    const again = simulateRollout(podGroups(to), podGroups(to));
    expect(firstRejection(again, () => after)).toBeUndefined();
  });

  test('with the quota of the plan totals plus headroom in force from the start (the order and sizes issue 11 reported), a creation is rejected', () => {
    const totalsOnly = (plan: SoakPlan): QuotaHard => {
      const f = 1.1;
      const groups = podGroups(plan);
      const sum = (pick: (g: (typeof groups)[number]) => number) => groups.reduce((s, g) => s + pick(g) * g.count, 0);
      return {
        pods: Math.ceil(sum(() => 1) * f),
        requestsCpu: Cpu.cores(Math.ceil(sum((g) => g.requests.cpu.cores) * f)),
        requestsMemory: Bytes.gibibytes(Math.ceil(sum((g) => g.requests.memory.gibibytes) * f)),
        limitsCpu: Cpu.cores(Math.ceil(sum((g) => g.limits.cpu.cores) * f)),
        limitsMemory: Bytes.gibibytes(Math.ceil(sum((g) => g.limits.memory.gibibytes) * f)),
      };
    };
    expect(firstRejection(steps, () => totalsOnly(to))).toBeDefined();
  });

  test('the kubectl sequence (quota deleted, workloads applied, quota applied after the rollout) admits every pod and ends within the quota', () => {
    const last = steps[steps.length - 1];
    expect(firstRejection(steps, (step) => (step < last.step ? undefined : hard(quotaAmounts(to))))).toBeUndefined();
    for (const r of USAGE_RESOURCES) expect(usageOf(last.usage, r)).toBeLessThanOrEqual(usageOf(hard(quotaAmounts(to)), r));
  });
});

describe('the model', () => {
  test('soak -> rightsized with the rightsized quota applied first (one kubectl apply of the folder) is rejected at the first batch', () => {
    const steps = simulateRollout(podGroups(soak), podGroups(rightsized));
    const rejected = firstRejection(steps, () => hard(quotaAmounts(rightsized)));
    expect(rejected).toMatchObject({ step: 1, resource: 'requests.cpu' });
    expect(rejected!.used).toBeGreaterThan(rejected!.hard);
  });

  test('rightsized -> soak is admitted under the soak quota applied first: growing needs only the raise', () => {
    const steps = simulateRollout(podGroups(rightsized), podGroups(soak));
    expect(firstRejection(steps, () => hard(quotaAmounts(soak)))).toBeUndefined();
  });

  test('a vertex of 18 pods rolls in batches of ceil(25% x 18) = 5, new pods created before the old ones go', () => {
    const one = (count: number) => [{ workload: 'batchMap' as const, count, requests: { cpu: Cpu.parse('1'), memory: Bytes.parse('1Gi') }, limits: { cpu: Cpu.parse('1'), memory: Bytes.parse('1Gi') } }];
    const steps = simulateRollout(one(18), one(18));
    expect(steps.map((s) => s.detail)).toEqual([
      'batchMap 18 old + 0 new',
      'batchMap 18 old + 5 new',
      'batchMap 18 old + 10 new', // 13 not yet replaced, 5 of the first batch still terminating
      'batchMap 13 old + 15 new',
      'batchMap 8 old + 18 new',
      'batchMap 0 old + 18 new',
    ]);
    expect(rolloutPeak(one(18), one(18)).pods).toBe(28);
  });

  test('the plan\'s pipeline.maxUnavailable sets the batch: a number of pods, or a percentage rounded up', () => {
    expect(vertexBatch('25%', 18)).toBe(5);
    expect(vertexBatch('10%', 23)).toBe(3);
    expect(vertexBatch(2, 18)).toBe(2);
    expect(vertexBatch(40, 18)).toBe(18);
    expect(vertexBatch('1%', 6)).toBe(1);
    const one = [{ workload: 'sink' as const, count: 6, requests: { cpu: Cpu.parse('1'), memory: Bytes.parse('1Gi') }, limits: { cpu: Cpu.parse('1'), memory: Bytes.parse('1Gi') } }];
    expect(simulateRollout(one, one, { maxUnavailable: 1 }).filter((s) => s.creates)).toHaveLength(6);
    // A wider batch needs more room: the quota follows the plan's setting.
    const wide = { ...soak, pipeline: { ...soak.pipeline, maxUnavailable: '50%' } };
    expect(quotaAmounts(wide).pods).toBeGreaterThan(quotaAmounts(soak).pods);
    expect(firstRejection(simulateRollout(podGroups(soak), podGroups(soak), { maxUnavailable: '50%' }), () => hard(quotaAmounts(soak)))).toBeDefined();
    expect(firstRejection(simulateRollout(podGroups(soak), podGroups(soak), { maxUnavailable: '50%' }), () => hard(quotaAmounts(wide)))).toBeUndefined();
  });

  test('JetStream is replaced one pod at a time, never two of one ordinal at once', () => {
    const js = (count: number, memory: string) => [{ workload: 'buffer' as const, count, requests: { cpu: Cpu.parse('1'), memory: Bytes.parse(memory) }, limits: { cpu: Cpu.parse('1'), memory: Bytes.parse(memory) } }];
    const steps = simulateRollout(js(3, '16Gi'), js(3, '4Gi'));
    expect(steps.map((s) => s.detail)).toEqual(['buffer 3 old + 0 new', 'buffer 2 old + 1 new', 'buffer 1 old + 2 new', 'buffer 0 old + 3 new', 'buffer 0 old + 3 new']);
    expect(Math.max(...steps.map((s) => s.usage.pods))).toBe(3);
  });

  test('the peak of every interleaving bounds each lock-step moment', () => {
    const peak = rolloutPeak(podGroups(soak), podGroups(rightsized));
    for (const s of simulateRollout(podGroups(soak), podGroups(rightsized))) {
      for (const r of USAGE_RESOURCES) expect(usageOf(s.usage, r)).toBeLessThanOrEqual(usageOf(peak, r));
    }
  });
});
