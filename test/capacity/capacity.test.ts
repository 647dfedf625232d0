import { estimateNodes } from '../../src/capacity/nodes';
import { planTotals, podGroups } from '../../src/capacity/pods';
import { rolloutPeak } from '../../src/capacity/rollout';
import { Bytes, Cpu } from '../../src/plan/quantity';
import { Testing } from 'cdk8s';
import { quotaAmounts, SoakCluster } from '../../src/constructs/cluster';
import { loadVariant } from '../support/synth';

const soak = loadVariant('soak');

test('the soak plan runs 37 workload pods plus the pipeline daemon', () => {
  const groups = podGroups(soak);
  expect(groups.map((g) => [g.name, g.count])).toEqual([['in', 10], ['batch-cat', 18], ['out', 6], ['daemon', 1], ['soak-isb', 3]]);
  expect(planTotals(soak).pods).toBe(38);
});

test('a batch-map pod requests numa plus udf plus the v1.8.3 monitor sidecar', () => {
  const map = podGroups(soak).find((g) => g.name === 'batch-cat')!;
  // numa 2 + udf 2 + monitor 10m; 4Gi + 8Gi + 20Mi
  expect(map.requests.cpu.toString()).toBe('4010m');
  expect(map.requests.memory.equals(Bytes.parse('12308Mi'))).toBe(true);
  // limits: 4 + 4 + the LimitRange default 200m for the monitor sidecar
  expect(map.limits.cpu.toString()).toBe('8200m');
});

test('soak totals: the configured 184 CPU of the report are limits of the main containers; requests are lower', () => {
  const t = planTotals(soak);
  // requests: in 10x(2+0.01) + map 18x(4.01) + out 6x(4.01) + daemon 0.1 + isb 3x(16+0.05+0.1)
  expect(t.requests.cpu.equals(Cpu.parse('20.1').plus(Cpu.parse('72.18')).plus(Cpu.parse('24.06')).plus(Cpu.parse('0.1')).plus(Cpu.parse('48.45')))).toBe(true);
  expect(t.storage.toString()).toBe('120Gi');
  expect(t.volumeClaims).toBe(3);
});

test('the quota holds a rolling update of the plan onto itself with its headroom, rounded up to whole cores and GiB', () => {
  const q = quotaAmounts(soak);
  const peak = rolloutPeak(podGroups(soak), podGroups(soak));
  expect(q.requestsCpu.cores).toBe(Math.ceil(peak.requestsCpu.cores * 1.1));
  expect(q.limitsMemory.gibibytes).toBe(Math.ceil(peak.limitsMemory.gibibytes * 1.1));
  // 38 pods, plus per vertex two batches of ceil(25%) (one being created, the one before still
  // terminating: 2x(3+5+2)) and one daemon pod surging: 59.
  expect(peak.pods).toBe(59);
  expect(q.pods).toBe(Math.ceil(59 * 1.1));
  expect(q.requestsMemory.gibibytes).toBeGreaterThan(planTotals(soak).requests.memory.gibibytes * 1.1);
});

test('the node estimate puts each JetStream node on its own node and never packs below the lower bound', () => {
  const e = estimateNodes(soak);
  expect(e.unschedulable).toEqual([]);
  expect(e.nodes).toBeGreaterThanOrEqual(e.lowerBound);
  expect(e.nodes).toBeGreaterThanOrEqual(3);
  expect(e.cpuUtilisation).toBeLessThanOrEqual(1);
});

test('pods bigger than the node shape are reported as unschedulable, not silently packed', () => {
  const small = { ...soak.cluster.nodeShape, name: 'tiny', cpu: Cpu.parse('8'), memory: Bytes.parse('32Gi') };
  const e = estimateNodes(soak, small);
  expect(e.unschedulable).toEqual(['buffer/soak-isb']);
});

test('with a pod limit of one per node, every pod needs its own node', () => {
  const e = estimateNodes(soak, { ...soak.cluster.nodeShape, maxPods: 1 });
  expect(e.nodes).toBe(38);
});

test('the cluster construct reports the node estimate for the plan shape or another one', () => {
  const cluster = new SoakCluster(Testing.chart(), 'cluster', { plan: soak });
  expect(cluster.nodeEstimate()).toEqual(estimateNodes(soak));
  const big = { ...soak.cluster.nodeShape, name: 'big', cpu: Cpu.parse('96'), memory: Bytes.parse('384Gi') };
  expect(cluster.nodeEstimate(big).nodes).toBeLessThan(cluster.nodeEstimate().nodes);
  expect(cluster.totals.pods).toBe(38);
});
