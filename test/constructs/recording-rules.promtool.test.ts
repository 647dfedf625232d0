/**
 * The soak's recording rules (src/monitoring/recording-rules.ts), checked by promtool
 * (`check rules` parses them; `test rules` evaluates them over cAdvisor-shaped series and
 * pins what they record).
 *
 * Input series carry cAdvisor's labels as the kubelet serves them (google/cadvisor
 * metrics/prometheus.go; kubernetes pkg/kubelet/server/server.go containerPrometheusLabelsFunc:
 * id, name, image, pod, namespace, container; `cpu="total"` on the usage counter) plus the
 * kubelet ServiceMonitor's target labels. cAdvisor also reports the pod's own cgroup
 * (`container=""`) and the sandbox (`container="POD"`); a container whose cgroup was replaced
 * can show up under two `id`s for a while.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { SoakMonitoring } from '../../src/constructs/monitoring';
import type { PrometheusRuleSpec, RecordingRule } from '../../src/monitoring/prometheus-operator';
import { RECORDED } from '../../src/monitoring/recording-rules';
import { loadStackFile, stackFile } from '../../src/plan/load';
import type { SoakPlan } from '../../src/plan/schema';
import { requireBinary } from '../support/prometheus';

const plans: ReadonlyArray<readonly [string, SoakPlan]> = ['soak', 'rightsized'].map((name) => [name, loadStackFile(stackFile(name)).plan] as const);
const soak = plans[0][1];

/** The `spec` of the recording PrometheusRule that SoakMonitoring synthesizes. */
function recordingSpec(plan: SoakPlan): PrometheusRuleSpec<RecordingRule> {
  const chart = Testing.chart();
  new SoakMonitoring(chart, 'monitoring', { plan });
  const found = Testing.synth(chart).filter((o) => o.kind === 'PrometheusRule' && o.metadata.name === `${plan.pipeline.name}-soak-recording`);
  expect(found).toHaveLength(1);
  return found[0].spec as PrometheusRuleSpec<RecordingRule>;
}

let workDir: string;
beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-recording-rules-'));
});
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

function promtool(...args: string[]): { ok: boolean; output: string } {
  const run = spawnSync(requireBinary('promtool'), args, { encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw run.error;
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

function writeTemp(name: string, content: string): string {
  const file = path.join(workDir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** Labels of a cAdvisor series scraped through kube-prometheus-stack's kubelet ServiceMonitor. */
function cadvisor(namespace: string, pod: string, container: string, id = `/kubepods/${pod}/${container}`): Record<string, string> {
  return {
    container,
    endpoint: 'https-metrics',
    id,
    image: container === '' ? '' : 'example.com/image:1.0',
    instance: '10.0.0.1:10250',
    job: 'kubelet',
    metrics_path: '/metrics/cadvisor',
    name: container === '' ? '' : `k8s_${container}_${pod}`,
    namespace,
    node: 'node-1',
    pod,
    service: 'kube-prometheus-stack-kubelet',
  };
}

const render = (metric: string, labels: Record<string, string>) =>
  `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;

/** A counter growing by `perMinute` a minute for an hour (promtool's expanding notation). */
const counter = (perMinute: number) => `0+${perMinute}x60`;
const flat = (value: number) => `${value}x60`;

describe('the recording rules', () => {
  it.each(plans)('of the %s plan pass promtool check rules', (_name, plan) => {
    const spec = recordingSpec(plan);
    const run = promtool('check', 'rules', writeTemp(`check-${plan.pipeline.name}.yaml`, stringify(spec)));
    expect(run).toEqual({ ok: true, output: expect.stringContaining(`SUCCESS: ${Object.keys(RECORDED).length} rules found`) });
  });

  it('are evaluated at the plan scrape interval, one group per pipeline', () => {
    const spec = recordingSpec(soak);
    expect(spec.groups).toHaveLength(1);
    expect(spec.groups[0]).toMatchObject({ name: `numaflow-soak.${soak.pipeline.name}.recording`, interval: soak.monitoring.scrapeInterval.toString() });
  });

  it("record one series per soak container, the max over duplicate ids, leaving out other pods, the pod cgroup and the sandbox", () => {
    const ns = soak.namespace;
    const udfPod = `${soak.pipeline.name}-${soak.pipeline.batchMap.name}-0-abcde`;
    const jsPod = `isbsvc-${soak.buffer.name}-js-0`;
    const otherPipelinePod = `other-${soak.pipeline.batchMap.name}-0-abcde`;
    const input = [
      // udf: two ids while its cgroup was replaced; the larger rate wins (0.5 cores).
      [render('container_cpu_usage_seconds_total', { ...cadvisor(ns, udfPod, 'udf', '/a'), cpu: 'total' }), counter(30)],
      [render('container_cpu_usage_seconds_total', { ...cadvisor(ns, udfPod, 'udf', '/b'), cpu: 'total' }), counter(12)],
      // The pod cgroup and the sandbox: never recorded.
      [render('container_cpu_usage_seconds_total', { ...cadvisor(ns, udfPod, ''), cpu: 'total' }), counter(90)],
      [render('container_cpu_usage_seconds_total', { ...cadvisor(ns, udfPod, 'POD'), cpu: 'total' }), counter(1)],
      // JetStream's main container: 1 core.
      [render('container_cpu_usage_seconds_total', { ...cadvisor(ns, jsPod, 'main'), cpu: 'total' }), counter(60)],
      // Not the soak's: another pipeline's pod, the same pod name in another namespace.
      [render('container_cpu_usage_seconds_total', { ...cadvisor(ns, otherPipelinePod, 'udf'), cpu: 'total' }), counter(60)],
      [render('container_cpu_usage_seconds_total', { ...cadvisor('elsewhere', udfPod, 'udf'), cpu: 'total' }), counter(60)],
      [render('container_memory_working_set_bytes', cadvisor(ns, udfPod, 'udf', '/a')), flat(1_000_000_000)],
      [render('container_memory_working_set_bytes', cadvisor(ns, udfPod, 'udf', '/b')), flat(900_000_000)],
      [render('container_memory_working_set_bytes', cadvisor(ns, udfPod, '')), flat(3_000_000_000)],
      // 10 of every 100 CFS periods throttled.
      [render('container_cpu_cfs_throttled_periods_total', cadvisor(ns, udfPod, 'udf', '/a')), counter(10)],
      [render('container_cpu_cfs_periods_total', cadvisor(ns, udfPod, 'udf', '/a')), counter(100)],
    ].map(([series, values]) => ({ series, values }));

    const sample = (record: string, pod: string, container: string, value: number) => ({
      labels: render(record, { container, namespace: ns, pod }),
      value,
    });
    const test = {
      interval: '1m',
      input_series: input,
      promql_expr_test: [
        { expr: RECORDED.cpuRate5m, eval_time: '30m', exp_samples: [sample(RECORDED.cpuRate5m, jsPod, 'main', 1), sample(RECORDED.cpuRate5m, udfPod, 'udf', 0.5)] },
        { expr: RECORDED.workingSet, eval_time: '30m', exp_samples: [sample(RECORDED.workingSet, udfPod, 'udf', 1_000_000_000)] },
        { expr: RECORDED.throttledRatio5m, eval_time: '30m', exp_samples: [sample(RECORDED.throttledRatio5m, udfPod, 'udf', 0.1)] },
      ],
    };
    const rulesFile = writeTemp('rules.yaml', stringify(recordingSpec(soak)));
    const testFile = writeTemp('rules.test.yaml', stringify({ rule_files: [rulesFile], evaluation_interval: '15s', tests: [test] }));
    const run = promtool('test', 'rules', testFile);
    expect(run).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  it('a wrong expectation fails promtool test rules, so the test above can fail', () => {
    const ns = soak.namespace;
    const pod = `isbsvc-${soak.buffer.name}-js-0`;
    const test = {
      interval: '1m',
      input_series: [{ series: render('container_cpu_usage_seconds_total', { ...cadvisor(ns, pod, 'main'), cpu: 'total' }), values: counter(60) }],
      promql_expr_test: [{ expr: RECORDED.cpuRate5m, eval_time: '30m', exp_samples: [{ labels: render(RECORDED.cpuRate5m, { container: 'main', namespace: ns, pod }), value: 2 }] }],
    };
    const rulesFile = writeTemp('rules-wrong.yaml', stringify(recordingSpec(soak)));
    const run = promtool('test', 'rules', writeTemp('rules-wrong.test.yaml', stringify({ rule_files: [rulesFile], evaluation_interval: '15s', tests: [test] })));
    expect(run.ok).toBe(false);
    // Failed on the value (promtool prints what it expected and what it got), not on the file.
    expect(run.output).toMatch(/exp: \{[^\n]*\} 2(E\+00)?\n\s*got: \{[^\n]*\} 1(E\+00)?\n/);
  });
});
