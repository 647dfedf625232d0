/**
 * The kube-prometheus-stack values (src/monitoring/prometheus-stack-values.ts): a Prometheus
 * that keeps the whole soak, on a volume sized from the stated estimate.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { podGroups } from '../../src/capacity/pods';
import { estimateNodes } from '../../src/capacity/nodes';
import { prometheusService, prometheusSizing, prometheusStackValues, PROMETHEUS_SIZING } from '../../src/monitoring/prometheus-stack-values';
import { parsePlan } from '../../src/plan/load';
import { Duration } from '../../src/plan/quantity';
import type { SoakPlan } from '../../src/plan/schema';
import { loadVariant, ROOT } from '../support/synth';

const soak = loadVariant('soak');
const rightsized = loadVariant('rightsized');
const withMonitoring = (plan: SoakPlan, monitoring: Partial<SoakPlan['monitoring']>): SoakPlan => ({ ...plan, monitoring: { ...plan.monitoring, ...monitoring } });

/** The Prometheus CRD patterns of kube-prometheus-stack 70.4.1 (charts/crds/crds/crd-prometheuses.yaml). */
const CRD_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;
const CRD_BYTE_SIZE = /(^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$/;

describe('the soak plan', () => {
  const sizing = prometheusSizing([soak]);
  const spec = (prometheusStackValues([soak]) as any).prometheus.prometheusSpec;

  test('soaks for 5 days by default and keeps 7: the soak plus the 2-day margin', () => {
    expect(soak.monitoring.soakDuration.seconds).toBe(5 * 86400);
    expect(spec.retention).toBe('7d');
  });

  test('estimates series from the plan\'s pods and nodes, samples from retention over the scrape interval', () => {
    const s = PROMETHEUS_SIZING;
    const nodes = estimateNodes(soak).nodes;
    const pods = podGroups(soak);
    const perPod = (w: string) => (w === 'buffer' ? s.seriesPerPod.buffer : w === 'daemon' ? s.seriesPerPod.daemon : s.seriesPerPod.vertex);
    const series = s.clusterSeries + nodes * s.seriesPerNode + pods.reduce((n, g) => n + g.count * perPod(g.workload), 0);
    expect(sizing.series).toBe(series);
    expect(sizing.samplesPerSeries).toBe((7 * 86400) / 30);
    expect(sizing.blockBytes).toBe(series * 20160 * 2);
    const needed = (sizing.blockBytes + sizing.walBytes) * s.safetyFactor;
    expect(sizing.volume.bytes).toBeGreaterThanOrEqual(needed / s.retentionSizeShare);
    expect(sizing.volume.bytes - 2 ** 30).toBeLessThan(needed / s.retentionSizeShare);
  });

  test('asks for a persistent volume, and keeps retentionSize below it and above what the soak needs', () => {
    expect(spec.storageSpec.volumeClaimTemplate.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: sizing.volume.toString() } } });
    expect(sizing.retentionSize.compare(sizing.volume)).toBeLessThan(0);
    expect(sizing.retentionSize.bytes).toBeGreaterThan(sizing.blockBytes + sizing.walBytes);
  });

  test('writes values in the formats the Prometheus CRD accepts', () => {
    expect(spec.retention).toMatch(CRD_DURATION);
    expect(spec.scrapeInterval).toMatch(CRD_DURATION);
    expect(spec.retentionSize).toMatch(CRD_BYTE_SIZE);
    expect(spec.scrapeInterval).toBe('30s');
  });

  test('selects monitors and rules in every namespace', () => {
    expect(spec).toMatchObject({ podMonitorSelectorNilUsesHelmValues: false, ruleSelectorNilUsesHelmValues: false, serviceMonitorSelectorNilUsesHelmValues: false });
  });
});

describe('the estimate follows the plan', () => {
  test('a longer soak keeps longer and needs a bigger volume', () => {
    const ten = prometheusSizing([withMonitoring(soak, { soakDuration: Duration.parseSpan('10d') })]);
    const five = prometheusSizing([soak]);
    expect(ten.retention.toSpanString()).toBe('12d');
    expect(ten.volume.compare(five.volume)).toBeGreaterThan(0);
  });

  test('a shorter scrape interval means more samples', () => {
    const fast = prometheusSizing([withMonitoring(soak, { scrapeInterval: Duration.parse('15s') })]);
    expect(fast.samplesPerSeries).toBe(2 * prometheusSizing([soak]).samplesPerSeries);
  });

  test('a retention that is not whole days is rounded up to days', () => {
    expect(prometheusSizing([withMonitoring(soak, { soakDuration: Duration.parseSpan('1d12h') })]).retention.toSpanString()).toBe('4d');
  });

  test('two variants served by one Prometheus: the longer soak, the shorter interval, the series of both', () => {
    const both = prometheusSizing([withMonitoring(soak, { soakDuration: Duration.parseSpan('3d') }), rightsized]);
    expect(both.retention.toSpanString()).toBe('7d');
    expect(both.series).toBeGreaterThan(prometheusSizing([soak]).series);
    expect(() => prometheusSizing([])).toThrow(/no plan/);
  });
});

describe('monitoring.soakDuration in a plan', () => {
  const raw = (soakDuration: unknown) => {
    const plan = parse(fs.readFileSync(path.join(ROOT, 'stacks', 'Pulumi.soak.yaml'), 'utf8')).config['numaflow-soak:plan'];
    plan.monitoring = { ...(plan.monitoring ?? {}), soakDuration };
    return plan;
  };

  test('takes days, hours and minutes', () => {
    expect(parsePlan(raw('1d12h'), 'test', undefined, 'soak').plan.monitoring.soakDuration.seconds).toBe(36 * 3600);
  });

  test('refuses Go-only units, a bare number and anything under an hour, naming the key', () => {
    expect(() => parsePlan(raw('5 days'), 'test', undefined, 'soak')).toThrow(/monitoring\.soakDuration: expected a duration such as 5d, 36h or 1d12h, got string "5 days"/);
    expect(() => parsePlan(raw(5), 'test', undefined, 'soak')).toThrow(/monitoring\.soakDuration: expected a duration such as 5d, 36h or 1d12h, got number 5/);
    expect(() => parsePlan(raw('30m'), 'test', undefined, 'soak')).toThrow(/monitoring\.soakDuration: a soak must run at least 1h/);
  });
});

test('the in-cluster URL and port-forward of the release\'s Prometheus', () => {
  expect(prometheusService('monitoring')).toEqual({
    name: 'kube-prometheus-stack-prometheus',
    namespace: 'monitoring',
    port: 9090,
    url: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090',
    portForward: 'kubectl -n monitoring port-forward svc/kube-prometheus-stack-prometheus 9090:9090',
  });
});
