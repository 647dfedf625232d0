/**
 * The soak's alerts, checked by Prometheus's own tools (`promtool` of the Debian package
 * `prometheus`, 2.42; `.ci/run` installs it):
 *
 * - `promtool check rules` parses the PrometheusRule's `spec` (its `groups:`) for both stack
 *   plans, expressions and annotation templates alike;
 * - `promtool test rules` evaluates the alerts over fixture series and compares the alerts
 *   that fire, with their labels and expanded annotations, at several times: a soak with
 *   incidents fires the OOM-kill, restart (the `monitor` sidecar included), throughput,
 *   back-pressure, error and memory alerts, and a steady soak fires none; every firing alert
 *   carries its summary and description as expanded, its `runbook_url` and the plan's
 *   `namespace` label.
 *
 * The unit-test YAML is generated here from the plan, so names, replica counts, partitions,
 * limits and thresholds flow in. The fixtures carry the label sets upstream exposes:
 *
 * - Numaflow v1.8.3 data plane (rust/numaflow-core/src/metrics/mod.rs): forwarder_* counters
 *   carry pipeline, vertex, vertex_type and replica (`pipeline_metric_labels`); vertex_type is
 *   Source, MapUDF or Sink (rust/numaflow-core/src/config/pipeline.rs). ISB reads add
 *   partition_name = the stream {namespace}-{pipeline}-{vertex}-{i}
 *   (rust/numaflow-core/src/pipeline/isb/reader.rs; stream names in config/pipeline.rs), sink
 *   writes partition_name = the vertex name (rust/numaflow-core/src/sinker/sink.rs), and a
 *   source's reads source_partition instead (rust/numaflow-core/src/source.rs
 *   `record_partition_read_metrics`; a generator's partition is its replica,
 *   rust/numaflow-core/src/source/generator.rs). isb_jetstream_* counters carry only buffer,
 *   the error ones buffer and reason (`jetstream_isb_metrics_labels`,
 *   `jetstream_isb_error_metrics_labels`). A series exists only once it was first counted
 *   (prometheus-client `Family::get_or_create`).
 * - The PodMonitor scrape adds the target labels namespace, pod, container (numa), endpoint,
 *   job and instance; pods are named {pipeline}-{vertex}-{replica}-{5 letters}
 *   (pkg/reconciler/vertex/controller.go, pkg/reconciler/pipeline/controller.go).
 * - kube-state-metrics v2.15.0 (the one kube-prometheus-stack 70.4.1 ships, through its
 *   kube-state-metrics chart 5.31.*), internal/store/pod.go: kube_pod[_init]_container_status_restarts_total
 *   {namespace, pod, uid, container}, kube_pod[_init]_container_status_last_terminated_reason
 *   {namespace, pod, uid, container, reason} = 1 and only once a container has terminated,
 *   kube_pod[_init]_container_resource_limits {namespace, pod, uid, container, node, resource,
 *   unit}. kube-prometheus-stack scrapes it with honorLabels, so these labels are kept beside
 *   job, instance, endpoint and service. Numaflow's udf and `monitor` containers are native
 *   sidecars, i.e. init containers (pkg/apis/numaflow/v1alpha1/vertex_types.go,
 *   monitor_container.go, container_builder.go `asSidecar`).
 * - cAdvisor through the kubelet: container_memory_working_set_bytes {namespace, pod,
 *   container, id, image, name} plus the kubelet scrape's labels; kubelet_volume_stats_*
 *   {namespace, persistentvolumeclaim}.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { SoakMonitoring } from '../../src/constructs/monitoring';
import type { AlertingRule, PrometheusRuleSpec } from '../../src/monitoring/prometheus-operator';
import { targetRatePerSecond } from '../../src/plan/derived';
import { loadStackFile } from '../../src/plan/load';
import { requireBinary } from '../support/prometheus';
import type { SoakPlan } from '../../src/plan/schema';

const STACKS = ['soak', 'rightsized'] as const;
type Stack = (typeof STACKS)[number];

function stackPlan(stack: Stack): SoakPlan {
  return loadStackFile(path.join(__dirname, `../../stacks/Pulumi.${stack}.yaml`)).plan;
}

/** The `spec` of the PrometheusRule that SoakMonitoring synthesizes for the plan. */
function ruleSpec(plan: SoakPlan): PrometheusRuleSpec {
  const chart = Testing.chart();
  new SoakMonitoring(chart, 'monitoring', { plan });
  // The alerts' PrometheusRule; the recording rules are another one (recording-rules.promtool.test.ts).
  const rules = Testing.synth(chart).filter((o) => o.kind === 'PrometheusRule' && o.metadata.name === `${plan.pipeline.name}-soak`);
  if (rules.length !== 1) throw new Error(`expected one alerts PrometheusRule, got ${rules.length}`);
  return rules[0].spec as PrometheusRuleSpec;
}

const alertsOf = (spec: PrometheusRuleSpec): readonly AlertingRule[] => spec.groups.flatMap((g) => g.rules);

// ---------------------------------------------------------------------------------------
// promtool

interface PromtoolRun {
  readonly ok: boolean;
  /** stdout and stderr together, for assertions and failure messages. */
  readonly output: string;
}

function promtool(...args: string[]): PromtoolRun {
  const run = spawnSync(requireBinary('promtool'), args, { encoding: 'utf8', timeout: 30_000 });
  if (run.error) throw run.error;
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

let workDir: string;
beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-alert-rules-'));
});
afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Writes a file into this run's temporary directory and returns its path. */
function writeTemp(name: string, content: string): string {
  const file = path.join(workDir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** `promtool check rules` on the spec written as a Prometheus rule file. */
function checkRules(name: string, spec: PrometheusRuleSpec): PromtoolRun {
  return promtool('check', 'rules', writeTemp(`${name}.rules.yaml`, stringify(spec)));
}

/** `promtool test rules` of one unit test over the spec. */
function testRules(name: string, spec: PrometheusRuleSpec, test: UnitTest): PromtoolRun {
  const rulesFile = writeTemp(`${name}.rules.yaml`, stringify(spec));
  const unitTests = { rule_files: [rulesFile], evaluation_interval: '1m', tests: [test] };
  return promtool('test', 'rules', writeTemp(`${name}.test.yaml`, stringify(unitTests)));
}

// ---------------------------------------------------------------------------------------
// Input series in promtool's expanding notation: one sample a minute, minutes 0 to SPAN.

const SPAN = 60;
type Labels = Readonly<Record<string, string>>;

/** A number as promtool reads it (no exponent). */
function sample(value: number): string {
  const text = String(Number(value.toPrecision(15)));
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`cannot write ${value} as a sample`);
  return text;
}

/** A gauge that holds one value over the whole span: `v x SPAN` is SPAN + 1 samples. */
const flat = (value: number) => `${sample(value)}x${SPAN}`;

/**
 * A counter that starts at `start` (at minute `from`, absent before) and grows by `perMinute`
 * of the step in force: `steps` are [first minute, increase per minute], the first at `from`.
 */
function counter(steps: ReadonlyArray<readonly [minute: number, perMinute: number]>, start = 0): string {
  const from = steps[0][0];
  const parts = from > 0 ? [`_x${from}`] : [];
  let value = start;
  steps.forEach(([minute, perMinute], i) => {
    const last = i + 1 < steps.length ? steps[i + 1][0] - 1 : SPAN;
    if (minute > from) value += perMinute; // the first sample of a later step already grew
    parts.push(`${sample(value)}+${sample(perMinute)}x${last - minute}`);
    value += perMinute * (last - minute);
  });
  return parts.join(' ');
}

/** Absent until `minute`, then `value` to the end (e.g. a last-terminated reason). */
const from = (minute: number, value: number) => `_x${minute} ${sample(value)}x${SPAN - minute}`;

/** 0 until `minute`, then 1: one restart. */
const oneRestartAt = (minute: number) => `0x${minute - 1} 1x${SPAN - minute}`;

interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** Input series keyed by metric and labels, so a scenario can replace what a steady soak has. */
class SeriesSet {
  private readonly byKey = new Map<string, string>();

  set(metric: string, labels: Labels, values: string): this {
    const rendered = Object.entries(labels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', ');
    this.byKey.set(`${metric}{${rendered}}`, values);
    return this;
  }

  /** Drops every series of the metric whose labels include `labels`. */
  delete(metric: string, labels: Labels): this {
    const wanted = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    for (const key of [...this.byKey.keys()]) {
      if (key.startsWith(`${metric}{`) && wanted.every((w) => key.includes(w))) this.byKey.delete(key);
    }
    return this;
  }

  clone(): SeriesSet {
    const copy = new SeriesSet();
    for (const [k, v] of this.byKey) copy.byKey.set(k, v);
    return copy;
  }

  toInput(): InputSeries[] {
    return [...this.byKey].map(([series, values]) => ({ series, values }));
  }
}

// ---------------------------------------------------------------------------------------
// The soak's pods and series, named as Numaflow, kube-state-metrics and the kubelet name them

type VertexKind = 'source' | 'map' | 'sink';
/** rust/numaflow-core/src/config/pipeline.rs VERTEX_TYPE_SOURCE, VERTEX_TYPE_MAP_UDF, VERTEX_TYPE_SINK */
const VERTEX_TYPE: Record<VertexKind, string> = { source: 'Source', map: 'MapUDF', sink: 'Sink' };

class Soak {
  readonly namespace: string;
  readonly pipeline: string;
  readonly vertex: Record<VertexKind, string>;
  readonly replicas: Record<VertexKind, number>;
  readonly partitions: Record<Exclude<VertexKind, 'source'>, number>;
  /** Messages per second the source is meant to read. */
  readonly target: number;

  constructor(readonly plan: SoakPlan) {
    const { pipeline } = plan;
    this.namespace = plan.namespace;
    this.pipeline = pipeline.name;
    this.vertex = { source: pipeline.source.name, map: pipeline.batchMap.name, sink: pipeline.sink.name };
    // Fixed scale in both plans' sources; the other vertices run at least scale.min replicas.
    this.replicas = { source: pipeline.source.scale.min, map: pipeline.batchMap.scale.min, sink: pipeline.sink.scale.min };
    this.partitions = { map: pipeline.batchMap.partitions, sink: pipeline.sink.partitions };
    this.target = targetRatePerSecond(plan);
  }

  /** {namespace}-{pipeline}-{vertex}-{i}: rust/numaflow-core/src/config/pipeline.rs */
  stream(kind: Exclude<VertexKind, 'source'>, partition: number): string {
    return `${this.namespace}-${this.pipeline}-${this.vertex[kind]}-${partition}`;
  }

  /** {pipeline}-{vertex}-{replica}-{5 random letters}: pkg/reconciler/vertex/controller.go */
  vertexPod(kind: VertexKind, replica: number): string {
    return `${this.pipeline}-${this.vertex[kind]}-${replica}-kqzvx`;
  }

  /** The StatefulSet isbsvc-{name}-js: pkg/reconciler/isbsvc/installer/jetstream.go */
  jetStreamPod(i: number): string {
    return `isbsvc-${this.plan.buffer.name}-js-${i}`;
  }

  /** Volume claim template isbsvc-{name}-js-vol, so claims are isbsvc-{name}-js-vol-{pod}. */
  volumeClaim(i: number): string {
    return `isbsvc-${this.plan.buffer.name}-js-vol-${this.jetStreamPod(i)}`;
  }

  /** Labels of a Numaflow data-plane series of a vertex pod, with the PodMonitor's target labels. */
  vertexSeries(kind: VertexKind, replica: number, extra: Labels = {}): Labels {
    return { ...this.scrapeTarget(kind, replica), pipeline: this.pipeline, vertex: this.vertex[kind], vertex_type: VERTEX_TYPE[kind], replica: String(replica), ...extra };
  }

  /** isb_jetstream_* of a vertex pod: only buffer (and reason), with the target labels. */
  bufferSeries(kind: VertexKind, replica: number, buffer: string, extra: Labels = {}): Labels {
    return { ...this.scrapeTarget(kind, replica), buffer, ...extra };
  }

  /** What the PodMonitor `{pipeline}-vertices` adds: job is {namespace}/{monitor}, endpoint the port. */
  private scrapeTarget(kind: VertexKind, replica: number): Labels {
    const vertexIndex = (['source', 'map', 'sink'] as const).indexOf(kind);
    return {
      namespace: this.namespace,
      pod: this.vertexPod(kind, replica),
      container: 'numa',
      endpoint: 'metrics',
      job: `${this.namespace}/${this.pipeline}-vertices`,
      instance: `10.42.${vertexIndex}.${replica + 10}:2469`,
    };
  }

  /** Every pod of the soak with its regular and init containers (native sidecars are init containers). */
  pods(): Array<{ pod: string; containers: string[]; initContainers: string[] }> {
    const vertexPods = (kind: VertexKind) =>
      Array.from({ length: this.replicas[kind] }, (_, r) => ({
        pod: this.vertexPod(kind, r),
        containers: ['numa'],
        // init first, then the monitor sidecar, then user sidecars (vertex_types_test.go).
        initContainers: kind === 'map' ? ['init', 'monitor', 'udf'] : ['init', 'monitor'],
      }));
    const jetStream = Array.from({ length: this.plan.buffer.replicas }, (_, i) => ({
      pod: this.jetStreamPod(i),
      // pkg/apis/numaflow/v1alpha1/jetstream_buffer_service.go
      containers: ['main', 'reloader', 'metrics'],
      initContainers: [],
    }));
    return [...vertexPods('source'), ...vertexPods('map'), ...vertexPods('sink'), ...jetStream];
  }

  /** A kube-state-metrics pod series as kube-prometheus-stack keeps it (honorLabels). */
  ksm(pod: string, container: string, extra: Labels = {}): Labels {
    return {
      namespace: this.namespace,
      pod,
      uid: `uid-${pod}`,
      container,
      ...extra,
      endpoint: 'http',
      instance: '10.42.9.2:8080',
      job: 'kube-state-metrics',
      service: 'kube-prometheus-stack-kube-state-metrics',
    };
  }

  /** A kubelet series (cAdvisor or volume stats) as kube-prometheus-stack scrapes it. */
  kubelet(labels: Labels, metricsPath: '/metrics' | '/metrics/cadvisor'): Labels {
    return {
      namespace: this.namespace,
      ...labels,
      endpoint: 'https-metrics',
      instance: '192.168.0.11:10250',
      job: 'kubelet',
      metrics_path: metricsPath,
      node: 'node-1',
      service: 'kube-prometheus-stack-kubelet',
    };
  }

  /** Memory limit of a container from the plan, bytes. */
  memoryLimit(kind: VertexKind | 'jetstream', container: string): number {
    const { pipeline, buffer } = this.plan;
    if (kind === 'jetstream') return buffer.containers.main.limits.memory.bytes;
    if (container === 'udf') return pipeline.batchMap.udf.limits.memory.bytes;
    const numa = { source: pipeline.source.numa, map: pipeline.batchMap.numa, sink: pipeline.sink.numa }[kind];
    return numa.limits.memory.bytes;
  }
}

/** A pod's working set and memory limit: cAdvisor's series and kube-state-metrics' limit. */
function memory(series: SeriesSet, soak: Soak, pod: string, container: string, init: boolean, limit: number, fraction: number): void {
  const family = init ? 'kube_pod_init_container_resource_limits' : 'kube_pod_container_resource_limits';
  series.set(family, soak.ksm(pod, container, { node: 'node-1', resource: 'memory', unit: 'byte' }), flat(limit));
  series.set(family, soak.ksm(pod, container, { node: 'node-1', resource: 'cpu', unit: 'core' }), flat(2));
  series.set(
    'container_memory_working_set_bytes',
    soak.kubelet({ pod, container, id: `/kubepods/pod-${pod}/${container}`, image: `example/${container}:1`, name: `${container}-cid` }, '/metrics/cadvisor'),
    flat(Math.round(limit * fraction)),
  );
}

/** Five days into a healthy soak: everything at target, nothing new counted, nothing near a limit. */
function steadySoak(soak: Soak): SeriesSet {
  const series = new SeriesSet();
  const perMinute = (perSecond: number) => perSecond * 60;

  // Source reads: one series per replica, labelled by its source partition (= its replica).
  for (let r = 0; r < soak.replicas.source; r++) {
    series.set('forwarder_data_read_total', soak.vertexSeries('source', r, { source_partition: String(r) }), counter([[0, perMinute(soak.target / soak.replicas.source)]]));
  }
  // The batch map reads every partition of its buffer from every replica
  // (rust/numaflow-core/src/config/pipeline.rs: one stream per partition unless ordered).
  for (let r = 0; r < soak.replicas.map; r++) {
    for (let p = 0; p < soak.partitions.map; p++) {
      const rate = soak.target / (soak.replicas.map * soak.partitions.map);
      series.set('forwarder_data_read_total', soak.vertexSeries('map', r, { partition_name: soak.stream('map', p) }), counter([[0, perMinute(rate)]]));
    }
  }
  // The sink reads its buffer and writes to the sink, labelled by its own vertex name.
  for (let r = 0; r < soak.replicas.sink; r++) {
    const rate = soak.target / soak.replicas.sink;
    for (let p = 0; p < soak.partitions.sink; p++) {
      series.set('forwarder_data_read_total', soak.vertexSeries('sink', r, { partition_name: soak.stream('sink', p) }), counter([[0, perMinute(rate / soak.partitions.sink)]]));
    }
    series.set('forwarder_write_total', soak.vertexSeries('sink', r, { partition_name: soak.vertex.sink }), counter([[0, perMinute(rate)]]));
  }
  // Counted before this window and not since: a buffer full once at start-up, a UDF error.
  series.set('isb_jetstream_isFull_total', soak.bufferSeries('source', 0, soak.stream('map', 0)), flat(3));
  series.set('forwarder_udf_error_total', soak.vertexSeries('map', 2), flat(2));

  // Restart counters of every container; one reloader restarted once before this window.
  for (const { pod, containers, initContainers } of soak.pods()) {
    for (const c of containers) series.set('kube_pod_container_status_restarts_total', soak.ksm(pod, c), flat(0));
    for (const c of initContainers) series.set('kube_pod_init_container_status_restarts_total', soak.ksm(pod, c), flat(0));
  }
  series.set('kube_pod_container_status_restarts_total', soak.ksm(soak.jetStreamPod(0), 'reloader'), flat(1));
  series.set('kube_pod_container_status_last_terminated_reason', soak.ksm(soak.jetStreamPod(0), 'reloader', { reason: 'Error' }), flat(1));

  // Working sets at half their limits, plus the pod-level cgroup (container="").
  memory(series, soak, soak.vertexPod('source', 0), 'numa', false, soak.memoryLimit('source', 'numa'), 0.5);
  memory(series, soak, soak.vertexPod('map', 0), 'numa', false, soak.memoryLimit('map', 'numa'), 0.5);
  memory(series, soak, soak.vertexPod('map', 0), 'udf', true, soak.memoryLimit('map', 'udf'), 0.5);
  memory(series, soak, soak.vertexPod('map', 1), 'udf', true, soak.memoryLimit('map', 'udf'), 0.5);
  memory(series, soak, soak.vertexPod('sink', 0), 'numa', false, soak.memoryLimit('sink', 'numa'), 0.5);
  memory(series, soak, soak.jetStreamPod(0), 'main', false, soak.memoryLimit('jetstream', 'main'), 0.5);
  series.set('container_memory_working_set_bytes', soak.kubelet({ pod: soak.vertexPod('map', 0), container: '', id: `/kubepods/pod-${soak.vertexPod('map', 0)}` }, '/metrics/cadvisor'), flat(soak.memoryLimit('map', 'udf') * 4));

  // Buffer volumes 30% used and steady.
  const volume = soak.plan.buffer.persistence.volumeSize.bytes;
  for (let i = 0; i < soak.plan.buffer.replicas; i++) {
    const claim = soak.kubelet({ persistentvolumeclaim: soak.volumeClaim(i) }, '/metrics');
    series.set('kubelet_volume_stats_capacity_bytes', claim, flat(volume));
    series.set('kubelet_volume_stats_used_bytes', claim, flat(Math.round(volume * 0.3)));
    series.set('kubelet_volume_stats_available_bytes', claim, flat(volume - Math.round(volume * 0.3)));
  }

  // The daemon's lag gauge in milliseconds (pkg/metrics/metrics.go, label pipeline), 2 s, with
  // the ServiceMonitor's target labels; the daemon's container is CtrMain = "numa"
  // (pkg/apis/numaflow/v1alpha1/const.go, pipeline_types.go GetDaemonDeploymentObj).
  const daemonService = `${soak.pipeline}-daemon-svc`;
  series.set(
    'pipeline_processing_lag',
    { namespace: soak.namespace, pod: `${soak.pipeline}-daemon-7d9f8c6b5-x2x4q`, container: 'numa', endpoint: 'tcp', job: daemonService, service: daemonService, instance: '10.42.5.3:4327', pipeline: soak.pipeline },
    flat(2000),
  );
  return series;
}

// ---------------------------------------------------------------------------------------
// Expected alerts: labels and annotations as promtool expands them

interface FiringAlert {
  /** The labels of the series the expression returns (the alert adds severity and alertname). */
  readonly labels: Labels;
  /** Its value, which the annotations print. */
  readonly value: number;
}

type Expected = Readonly<Record<string, readonly FiringAlert[]>>;

interface AlertRuleTest {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: ReadonlyArray<{ exp_labels: Labels; exp_annotations: Labels }>;
}

interface UnitTest {
  readonly name: string;
  readonly interval: string;
  readonly input_series: readonly InputSeries[];
  readonly alert_rule_test: readonly AlertRuleTest[];
}

/** Go's `%.4g` for the magnitudes the soak's annotations print (no exponent form). */
function g4(value: number): string {
  if (value !== 0 && (Math.abs(value) >= 1e4 || Math.abs(value) < 1e-4)) throw new Error(`%.4g of ${value} would use an exponent`);
  return String(Number(value.toPrecision(4)));
}

/** Prometheus's `humanize` (template/template.go): SI prefixes, 4 significant digits. */
function humanize(value: number): string {
  if (value === 0) return g4(0);
  let v = value;
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
      if (Math.abs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return `${g4(v)}${prefix}`;
}

/** Expands the template actions the soak's annotations use; any other action is an error here. */
function expand(template: string, alert: FiringAlert): string {
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, action: string) => {
    const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(action);
    if (label) {
      const value = alert.labels[label[1]];
      if (value === undefined) throw new Error(`template uses $labels.${label[1]}, which the alert does not carry`);
      return value;
    }
    if (action === '$value | humanize') return humanize(alert.value);
    // Prometheus: fmt.Sprintf("%.4g%%", v*100)
    if (action === '$value | humanizePercentage') return `${g4(alert.value * 100)}%`;
    if (action === 'printf "%.0f" $value') return alert.value.toFixed(0);
    throw new Error(`template action {{ ${action} }} is not modelled by this test`);
  });
}

/**
 * The runbook link every firing alert must carry, written out here rather than taken from the
 * rule: the stack files keep the default `monitoring.runbookBaseUrl` (docs/runbook.md), and
 * each alert's section has the alert's name in lower case as its anchor.
 */
const expectedRunbookUrl = (alert: string) => `docs/runbook.md#${alert.toLowerCase()}`;

/** One alert_rule_test per alert of the spec at `minute`: alerts not in `expected` must be silent. */
function expectAt(spec: PrometheusRuleSpec, minute: number, expected: Expected): AlertRuleTest[] {
  const rules = alertsOf(spec);
  for (const name of Object.keys(expected)) {
    if (!rules.some((r) => r.alert === name)) throw new Error(`no alert named ${name}`);
  }
  return rules.map((rule) => ({
    eval_time: `${minute}m`,
    alertname: rule.alert,
    exp_alerts: (expected[rule.alert] ?? []).map((alert) => ({
      exp_labels: { ...alert.labels, ...rule.labels },
      exp_annotations: {
        ...Object.fromEntries(
          Object.entries(rule.annotations)
            .filter(([k]) => k !== 'runbook_url')
            .map(([k, t]) => [k, expand(t, alert)]),
        ),
        runbook_url: expectedRunbookUrl(rule.alert),
      },
    })),
  }));
}

function unitTest(name: string, series: SeriesSet, checks: AlertRuleTest[][]): UnitTest {
  return { name, interval: '1m', input_series: series.toInput(), alert_rule_test: checks.flat() };
}

// ---------------------------------------------------------------------------------------
// Scenarios

/** Minute the throughput drops, a buffer fills and ISB reads start failing. */
const DEGRADE = 20;
/** Minute of the OOM kills and restarts. */
const INCIDENT = 30;
/** The buffer partition that fills up. */
const FULL_PARTITION = 3;

function steadyTest(spec: PrometheusRuleSpec, soak: Soak): UnitTest {
  // Every alert silent early, mid-way and at the end (after any `for` could have elapsed).
  return unitTest('a steady soak fires no alert', steadySoak(soak), [15, 30, 45, SPAN].map((minute) => expectAt(spec, minute, {})));
}

/**
 * From DEGRADE the source reads half its floor and a buffer partition is full; at INCIDENT the
 * udf sidecar of a batch-map pod and the numa container of a source pod are OOM-killed, the
 * monitor sidecar of a sink pod and a JetStream server restart. Pods of other namespaces and
 * other pipelines do the same and must not alert.
 */
function incidentsTest(spec: PrometheusRuleSpec, soak: Soak): UnitTest {
  const series = steadySoak(soak);
  const { alerts } = soak.plan.monitoring;
  const floor = (soak.target * alerts.throughputFloorPercent) / 100;
  const degraded = floor / 2;
  const perMinute = (perSecond: number) => perSecond * 60;

  // Throughput: every vertex drops to `degraded` msg/s in total.
  for (let r = 0; r < soak.replicas.source; r++) {
    series.set(
      'forwarder_data_read_total',
      soak.vertexSeries('source', r, { source_partition: String(r) }),
      counter([[0, perMinute(soak.target / soak.replicas.source)], [DEGRADE, perMinute(degraded / soak.replicas.source)]]),
    );
  }
  for (let r = 0; r < soak.replicas.map; r++) {
    for (let p = 0; p < soak.partitions.map; p++) {
      const share = soak.replicas.map * soak.partitions.map;
      series.set('forwarder_data_read_total', soak.vertexSeries('map', r, { partition_name: soak.stream('map', p) }), counter([[0, perMinute(soak.target / share)], [DEGRADE, perMinute(degraded / share)]]));
    }
  }

  // Back pressure: every source pod finds the partition full once a second from DEGRADE on.
  const full = soak.stream('map', FULL_PARTITION);
  for (let r = 0; r < soak.replicas.source; r++) {
    series.set('isb_jetstream_isFull_total', soak.bufferSeries('source', r, full), counter([[DEGRADE, 60]], 1));
  }
  // ISB read errors on that partition in one batch-map pod, once a second.
  series.set('isb_jetstream_read_error_total', soak.bufferSeries('map', 0, full, { reason: 'Jetstream Error: timed out' }), counter([[DEGRADE, 60]], 1));

  // OOM kills at INCIDENT: the udf native sidecar (an init container) and a numa container.
  const mapPod = soak.vertexPod('map', 0);
  const sourcePod = soak.vertexPod('source', 0);
  series.set('kube_pod_init_container_status_restarts_total', soak.ksm(mapPod, 'udf'), oneRestartAt(INCIDENT));
  series.set('kube_pod_init_container_status_last_terminated_reason', soak.ksm(mapPod, 'udf', { reason: 'OOMKilled' }), from(INCIDENT, 1));
  series.set('kube_pod_container_status_restarts_total', soak.ksm(sourcePod, 'numa'), oneRestartAt(INCIDENT));
  series.set('kube_pod_container_status_last_terminated_reason', soak.ksm(sourcePod, 'numa', { reason: 'OOMKilled' }), from(INCIDENT, 1));
  // Restarts for other reasons: the monitor sidecar of a sink pod, a JetStream server.
  const sinkPod = soak.vertexPod('sink', 0);
  const jetStreamPod = soak.jetStreamPod(1);
  series.set('kube_pod_init_container_status_restarts_total', soak.ksm(sinkPod, 'monitor'), oneRestartAt(INCIDENT));
  series.set('kube_pod_init_container_status_last_terminated_reason', soak.ksm(sinkPod, 'monitor', { reason: 'Error' }), from(INCIDENT, 1));
  series.set('kube_pod_container_status_restarts_total', soak.ksm(jetStreamPod, 'main'), oneRestartAt(INCIDENT));
  series.set('kube_pod_container_status_last_terminated_reason', soak.ksm(jetStreamPod, 'main', { reason: 'Error' }), from(INCIDENT, 1));

  // A udf sidecar at 95% of its limit all along.
  const hotPod = soak.vertexPod('map', 1);
  memory(series, soak, hotPod, 'udf', true, soak.memoryLimit('map', 'udf'), 0.95);

  // Look-alikes that must not alert: another namespace, another pipeline's buffer, another app.
  const elsewhere = { namespace: `${soak.namespace}-other` };
  const otherTarget = { ...elsewhere, job: `${elsewhere.namespace}/${soak.pipeline}-vertices` };
  series.set('isb_jetstream_isFull_total', { ...soak.bufferSeries('source', 0, full), ...otherTarget }, counter([[0, 60]]));
  series.set('isb_jetstream_isFull_total', soak.bufferSeries('source', 0, `${soak.namespace}-wordcount-cat-0`), counter([[0, 60]]));
  series.set('kube_pod_init_container_status_restarts_total', { ...soak.ksm(mapPod, 'udf'), ...elsewhere }, oneRestartAt(INCIDENT));
  series.set('kube_pod_init_container_status_last_terminated_reason', { ...soak.ksm(mapPod, 'udf', { reason: 'OOMKilled' }), ...elsewhere }, from(INCIDENT, 1));
  series.set('kube_pod_container_status_restarts_total', soak.ksm('wordcount-cat-0-abcde', 'numa'), oneRestartAt(INCIDENT));
  series.set('kube_pod_container_status_last_terminated_reason', soak.ksm('wordcount-cat-0-abcde', 'numa', { reason: 'OOMKilled' }), from(INCIDENT, 1));

  const pod = (p: string, container: string) => ({ namespace: soak.namespace, pod: p, container });
  const oomKilled = [
    { labels: pod(sourcePod, 'numa'), value: 1 },
    { labels: pod(mapPod, 'udf'), value: 1 },
  ];
  const restarted = [...oomKilled, { labels: pod(sinkPod, 'monitor'), value: 1 }, { labels: pod(jetStreamPod, 'main'), value: 1 }];
  const slow = [{ labels: {}, value: degraded }];
  const backPressure = [{ labels: { buffer: full }, value: soak.replicas.source }];
  const errors = [{ labels: {}, value: 1 }];
  const nearLimit = [{ labels: pod(hotPod, 'udf'), value: 0.95 }];

  return unitTest('a soak with incidents fires the alerts that name them', series, [
    // Before any `for` of the degradation elapsed: only the memory alert (high since minute 0).
    expectAt(spec, 25, { NumaflowSoakMemoryNearLimit: nearLimit }),
    // OOM kills alert at once (for 0s); restarts are still pending.
    expectAt(spec, 35, {
      NumaflowSoakOOMKilled: oomKilled,
      NumaflowSoakThroughputBelowTarget: slow,
      NumaflowSoakBufferBackPressure: backPressure,
      NumaflowSoakErrors: errors,
      NumaflowSoakMemoryNearLimit: nearLimit,
    }),
    // INCIDENT + for: the restarts fire too, the monitor sidecar among them.
    expectAt(spec, 42, {
      NumaflowSoakContainerRestarted: restarted,
      NumaflowSoakOOMKilled: oomKilled,
      NumaflowSoakThroughputBelowTarget: slow,
      NumaflowSoakBufferBackPressure: backPressure,
      NumaflowSoakErrors: errors,
      NumaflowSoakMemoryNearLimit: nearLimit,
    }),
    // The restart window has passed; the last termination reason is still OOMKilled.
    expectAt(spec, 55, {
      NumaflowSoakOOMKilled: oomKilled,
      NumaflowSoakThroughputBelowTarget: slow,
      NumaflowSoakBufferBackPressure: backPressure,
      NumaflowSoakErrors: errors,
      NumaflowSoakMemoryNearLimit: nearLimit,
    }),
  ]);
}

/** A source whose pods are gone has no read series at all: the throughput alert fires at 0. */
function stoppedSourceTest(spec: PrometheusRuleSpec, soak: Soak): UnitTest {
  const series = steadySoak(soak).delete('forwarder_data_read_total', { vertex: soak.vertex.source });
  return unitTest('a source without series reads 0 msg/s', series, [
    expectAt(spec, 5, {}),
    expectAt(spec, 15, { NumaflowSoakThroughputBelowTarget: [{ labels: {}, value: 0 }] }),
  ]);
}

// ---------------------------------------------------------------------------------------

describe.each(STACKS)('the alerts of the %s stack, checked by promtool', (stack) => {
  const plan = stackPlan(stack);
  const spec = ruleSpec(plan);
  const soak = new Soak(plan);

  it('promtool check rules accepts the rule file', () => {
    const run = checkRules(stack, spec);
    expect(run).toEqual({ ok: true, output: expect.stringContaining(`SUCCESS: ${alertsOf(spec).length} rules found`) });
  });

  it('a steady soak fires no alert at 15, 30, 45 and 60 minutes', () => {
    const run = testRules(`${stack}-steady`, spec, steadyTest(spec, soak));
    expect(run).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  it('OOM kills, restarts (monitor sidecar included), low throughput, back pressure, ISB errors and memory near the limit fire, with their labels and annotations', () => {
    const run = testRules(`${stack}-incidents`, spec, incidentsTest(spec, soak));
    expect(run).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  it('a source without any series fires the throughput alert at 0 msg/s', () => {
    const run = testRules(`${stack}-stopped-source`, spec, stoppedSourceTest(spec, soak));
    expect(run).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });
});

describe('the promtool checks fail when the rules are wrong', () => {
  const plan = stackPlan('soak');
  const spec = ruleSpec(plan);
  const soak = new Soak(plan);
  const { namespace, pipeline } = soak;

  /** The spec with one alert's expression rewritten; the rewrite must change something. */
  function mutate(alert: string, rewrite: (expr: string) => string): PrometheusRuleSpec {
    let changed = false;
    const groups = spec.groups.map((group) => ({
      ...group,
      rules: group.rules.map((rule) => {
        if (rule.alert !== alert) return rule;
        const expr = rewrite(rule.expr);
        changed = expr !== rule.expr;
        return { ...rule, expr };
      }),
    }));
    if (!changed) throw new Error(`the mutation of ${alert} changed nothing`);
    return { groups };
  }

  it('promtool check rules rejects a broken expression', () => {
    const broken = mutate('NumaflowSoakBufferBackPressure', (expr) => expr.replace('[5m]', '[5m'));
    const run = checkRules('broken', broken);
    expect(run.ok).toBe(false);
    expect(run.output).toMatch(/NumaflowSoakBufferBackPressure/);
    expect(run.output).toMatch(/could not parse expression/);
  });

  const mutations: Array<[what: string, alert: string, rewrite: (expr: string) => string]> = [
    [
      'back pressure selected by pipeline, a label isb_jetstream_isFull_total does not carry',
      'NumaflowSoakBufferBackPressure',
      (expr) => expr.replace(`isb_jetstream_isFull_total{namespace="${namespace}"`, `isb_jetstream_isFull_total{namespace="${namespace}", pipeline="${pipeline}"`),
    ],
    [
      'source reads selected by partition_name, which a source vertex does not set',
      'NumaflowSoakThroughputBelowTarget',
      (expr) => expr.replace(`vertex="${soak.vertex.source}"`, `vertex="${soak.vertex.source}", partition_name=~".+"`),
    ],
    [
      'restarts of regular containers only, missing the native sidecars',
      'NumaflowSoakContainerRestarted',
      (expr) => expr.split('\nor\n')[0],
    ],
    [
      'OOM kills of regular containers only, missing the native sidecars',
      'NumaflowSoakOOMKilled',
      (expr) => expr.split('\nor\n')[0],
    ],
    [
      'ISB errors selected by pipeline, a label isb_jetstream_read_error_total does not carry',
      'NumaflowSoakErrors',
      (expr) => expr.replace(/isb_jetstream_(read|write)_error_total\{[^}]*\}/g, `isb_jetstream_$1_error_total{namespace="${namespace}", pipeline="${pipeline}"}`),
    ],
  ];

  it.each(mutations)('promtool test rules fails on %s', (_what, alert, rewrite) => {
    const mutated = mutate(alert, rewrite);
    expect(checkRules(`mutated-${alert}`, mutated).ok).toBe(true);
    const run = testRules(`mutated-${alert}`, mutated, incidentsTest(mutated, soak));
    expect(run.ok).toBe(false);
    expect(run.output).toContain(`alertname: ${alert}`);
  });
});
