/**
 * Monitoring of one soak: what Prometheus scrapes, and the alerts that say the soak went
 * wrong. Needs the prometheus-operator CRDs and a Prometheus whose selectors match
 * `plan.monitoring.labels`; emits nothing when `plan.monitoring.enabled` is false.
 *
 * Scraped: the vertex pods (PodMonitor), the JetStream exporter of the buffer service and
 * the pipeline daemon (ServiceMonitors). The daemon is the only source of
 * `pipeline_processing_lag`, so the lag alert needs its monitor.
 *
 * Alerted on: restarts and OOM kills (init containers included, since Numaflow's user
 * containers are native sidecars), source throughput below target, back pressure,
 * processing lag, memory near the limit, buffer volumes filling up, and forwarder errors.
 * Container and volume metrics (kube-state-metrics, cAdvisor, kubelet) are expected to be
 * scraped already, as kube-prometheus-stack does. Every alert links its section of
 * docs/runbook.md (`runbook_url`) and carries the plan's `namespace` label.
 *
 * Recorded: per-container CPU rate, working set and throttled ratio of the soak's pods
 * (recording-rules.ts), which the right-sizing tools read when they cover the window.
 *
 * Watched: a Grafana dashboard ConfigMap (soak-dashboard.ts); with `monitoring.alertRouting`,
 * the alerts are routed to a webhook or Slack (alert-routing.ts).
 */
import { Construct } from 'constructs';
import {
  type AlertingRule,
  type ObjectMeta,
  PodMonitor,
  type PrometheusDuration,
  PrometheusRule,
  ServiceMonitor,
} from '../monitoring/prometheus-operator';
import { eq, increase, maxBy, notEq, num, orZero, prometheusDuration, rate, series, sum, sumBy } from '../monitoring/promql';
import { soakRecordingRules } from '../monitoring/recording-rules';
import { runbookUrl } from '../monitoring/runbook';
import { soakScope } from '../monitoring/soak-scope';
import { bufferLabels, daemonServiceLabels, vertexPodLabels } from '../numaflow/labels';
import { targetRatePerSecond } from '../plan/derived';
import { Duration } from '../plan/quantity';
import type { SoakPlan } from '../plan/schema';
import { SoakAlertRouting } from './alert-routing';
import { SoakDashboard } from './soak-dashboard';

export interface SoakMonitoringProps {
  /** The plan; `plan.monitoring` holds the switch, the labels, the scrape interval and the thresholds. */
  readonly plan: SoakPlan;
}

/** The label every monitoring object carries besides the plan's own `monitoring.labels`. */
export const PART_OF = { key: 'app.kubernetes.io/part-of', value: 'numaflow-soak' } as const;

export class SoakMonitoring extends Construct {
  /** Scrapes the `numa` container of every vertex pod (port `metrics`, HTTPS 2469, self-signed). */
  public readonly vertexMonitor?: PodMonitor;
  /** Scrapes the buffer service's NATS exporter (port `metrics`, HTTP 7777). */
  public readonly bufferMonitor?: ServiceMonitor;
  /** Scrapes the pipeline daemon (port `tcp`, HTTPS 4327, self-signed). */
  public readonly daemonMonitor?: ServiceMonitor;
  /** The soak's alerts. */
  public readonly rules?: PrometheusRule;
  /** Per-container CPU rate, working set and throttled ratio, recorded as the soak runs (recording-rules.ts). */
  public readonly recordingRules?: PrometheusRule;
  /** The Grafana dashboard ConfigMap. */
  public readonly dashboard?: SoakDashboard;
  /** Routes the alerts to a receiver; only with `plan.monitoring.alertRouting`. */
  public readonly alertRouting?: SoakAlertRouting;

  constructor(scope: Construct, id: string, props: SoakMonitoringProps) {
    super(scope, id);
    const { namespace, pipeline, buffer, monitoring } = props.plan;
    if (!monitoring.enabled) return;

    const labels = objectLabels(monitoring.labels);
    const metadata = (name: string): ObjectMeta => ({ name, namespace, labels });
    const namespaceSelector = { matchNames: [namespace] };
    const interval = scrapeInterval(monitoring.scrapeInterval);
    const selfSigned = { insecureSkipVerify: true };

    this.vertexMonitor = new PodMonitor(this, 'vertices', {
      metadata: metadata(`${pipeline.name}-vertices`),
      spec: {
        selector: { matchLabels: vertexPodLabels(pipeline.name) },
        namespaceSelector,
        podMetricsEndpoints: [{ port: 'metrics', scheme: 'https', tlsConfig: selfSigned, interval }],
      },
    });
    this.bufferMonitor = new ServiceMonitor(this, 'jetstream', {
      metadata: metadata(`${buffer.name}-jetstream`),
      spec: {
        selector: { matchLabels: bufferLabels(buffer.name) },
        namespaceSelector,
        endpoints: [{ port: 'metrics', scheme: 'http', interval }],
      },
    });
    this.daemonMonitor = new ServiceMonitor(this, 'daemon', {
      metadata: metadata(`${pipeline.name}-daemon`),
      spec: {
        selector: { matchLabels: daemonServiceLabels(pipeline.name) },
        namespaceSelector,
        endpoints: [{ port: 'tcp', scheme: 'https', tlsConfig: selfSigned, interval }],
      },
    });
    const alerts = soakAlerts(props.plan);
    this.rules = new PrometheusRule(this, 'rules', {
      metadata: metadata(`${pipeline.name}-soak`),
      spec: { groups: [{ name: `numaflow-soak.${pipeline.name}`, rules: alerts }] },
    });
    this.recordingRules = new PrometheusRule(this, 'recording-rules', {
      metadata: metadata(`${pipeline.name}-soak-recording`),
      spec: { groups: [soakRecordingRules(props.plan)] },
    });
    this.dashboard = new SoakDashboard(this, 'dashboard', { plan: props.plan, labels });
    if (monitoring.alertRouting) {
      this.alertRouting = new SoakAlertRouting(this, 'alert-routing', {
        metadata: metadata(`${pipeline.name}-soak-routing`),
        routing: monitoring.alertRouting,
        alertNames: alerts.map((a) => a.alert),
      });
    }
  }
}

/**
 * The alerts of a soak, in a fixed order. Every expression is limited to the plan's
 * namespace and to the pipeline's or the buffer service's series.
 */
export function soakAlerts(plan: SoakPlan): AlertingRule[] {
  const { namespace, pipeline, monitoring } = plan;
  const { alerts } = monitoring;
  const holdFor = prometheusDuration(alerts.for, 'monitoring.alerts.for');
  // rate() needs several samples in its window; widen it for slow scrape intervals.
  const rateWindow = prometheusDuration(longest(minutes(5), times(monitoring.scrapeInterval, 4)), 'rate window');
  // A restart keeps increase() above zero for one window; the window must outlast `for`.
  const restartWindow = prometheusDuration(longest(minutes(15), plus(alerts.for, minutes(5))), 'restart window');

  // The soak's namespace, pipeline, pods, buffers (by `buffer`: isb_jetstream_* carry no
  // `pipeline`) and volumes; the dashboard selects with the same matchers.
  const { inNamespace, ofPipeline, soakPods, pipelineBuffers, bufferVolumes } = soakScope(plan);
  // Every alert links its runbook section and carries the plan's namespace: the throughput,
  // back-pressure, lag and error expressions aggregate `namespace` away, and an
  // AlertmanagerConfig only receives alerts labelled with its own namespace (alert-routing.ts).
  const alert = (definition: AlertDefinition) => alertingRule(definition, { namespace, runbookBaseUrl: monitoring.runbookBaseUrl });
  const perContainer = ['namespace', 'pod', 'container'];
  const perVolume = ['namespace', 'persistentvolumeclaim'];

  /**
   * The same per-container query over regular and init containers. Numaflow v1.8.3 runs its
   * user containers (udf) and the `monitor` sidecar as native sidecars, init containers with
   * restartPolicy Always (pkg/apis/numaflow/v1alpha1/vertex_types.go, container_builder.go,
   * monitor_container.go), and kube-state-metrics reports those only in the
   * kube_pod_init_container_* families, labelled namespace, pod, uid, container
   * (kube-state-metrics v2.15.0 internal/store/pod.go, the version kube-prometheus-stack
   * 70.4.1 ships).
   */
  const anyContainer = (query: (kind: 'container' | 'init_container') => string) =>
    `${query('container')}\nor\n${query('init_container')}`;

  const target = targetRatePerSecond(plan);
  const floor = (target * alerts.throughputFloorPercent) / 100;
  const source = pipeline.source.name;
  const volumeRatio = (metric: string) => maxBy(perVolume, series(metric, inNamespace, bufferVolumes));

  return [
    alert({
      name: 'NumaflowSoakContainerRestarted',
      severity: 'critical',
      for: holdFor,
      expr: anyContainer(
        (kind) => `${maxBy(perContainer, increase(series(`kube_pod_${kind}_status_restarts_total`, inNamespace, soakPods), restartWindow))} > 0`,
      ),
      summary: 'Container {{ $labels.container }} of pod {{ $labels.pod }} restarted',
      description: `{{ $labels.container }} in {{ $labels.pod }} restarted about {{ printf "%.0f" $value }} times in the last ${restartWindow}; a soak expects none. Look at its last termination reason and its previous logs.`,
    }),
    alert({
      name: 'NumaflowSoakOOMKilled',
      severity: 'critical',
      // The reason stays on the series until the container stops again, so waiting adds nothing.
      for: '0s',
      expr: anyContainer(
        (kind) =>
          `${maxBy(perContainer, series(`kube_pod_${kind}_status_last_terminated_reason`, inNamespace, soakPods, eq('reason', 'OOMKilled')))} == 1`,
      ),
      summary: 'Container {{ $labels.container }} of pod {{ $labels.pod }} was OOM-killed',
      description:
        'The last termination of {{ $labels.container }} in {{ $labels.pod }} was OOMKilled: its memory reached the limit. Raise the limit in the plan or look for a leak. The alert lasts until the container stops for another reason or the pod is replaced.',
    }),
    alert({
      name: 'NumaflowSoakThroughputBelowTarget',
      severity: 'warning',
      for: holdFor,
      // A stopped source has no series at all; `or vector(0)` turns that into a rate of 0.
      // A source vertex counts its reads with pipeline, vertex, vertex_type="Source", replica and
      // source_partition, not partition_name (Numaflow v1.8.3 rust/numaflow-core/src/source.rs
      // `record_partition_read_metrics`); sum() drops the per-replica and per-partition labels.
      expr: `${orZero(sum(rate(series('forwarder_data_read_total', inNamespace, ofPipeline, eq('vertex', source)), rateWindow)))} < ${num(floor)}`,
      summary: `Source ${source} of pipeline ${pipeline.name} reads below ${num(floor)} msg/s`,
      description: `The source reads {{ $value | humanize }} msg/s, below ${alerts.throughputFloorPercent}% of the ${num(target)} msg/s target.`,
    }),
    alert({
      name: 'NumaflowSoakBufferBackPressure',
      severity: 'warning',
      for: holdFor,
      expr: `${sumBy(['buffer'], rate(series('isb_jetstream_isFull_total', inNamespace, pipelineBuffers), rateWindow))} > 0`,
      summary: 'Buffer {{ $labels.buffer }} is full',
      description: `Writers found {{ $labels.buffer }} full {{ $value | humanize }} times per second over the last ${rateWindow}: the vertex reading it does not keep up. Check its pending messages, replicas and resources.`,
    }),
    alert({
      name: 'NumaflowSoakProcessingLag',
      severity: 'warning',
      for: holdFor,
      expr: `max(${series('pipeline_processing_lag', inNamespace, ofPipeline)}) > ${num(alerts.processingLagSeconds * 1000)}`,
      summary: `Pipeline ${pipeline.name} lags by more than ${alerts.processingLagSeconds}s`,
      description: 'The gap between the newest and the oldest watermark of the pipeline is {{ printf "%.0f" $value }} ms.',
    }),
    alert({
      name: 'NumaflowSoakMemoryNearLimit',
      severity: 'warning',
      for: holdFor,
      // Both sides are reduced to one series per container (duplicate scrape jobs, extra
      // labels such as `id` or `node` go), so the division matches one to one.
      expr: [
        maxBy(perContainer, series('container_memory_working_set_bytes', inNamespace, soakPods, notEq('container', ''), notEq('container', 'POD'))),
        `/ on (${perContainer.join(', ')})`,
        maxBy(
          perContainer,
          `${series('kube_pod_container_resource_limits', inNamespace, soakPods, eq('resource', 'memory'))} or ${series('kube_pod_init_container_resource_limits', inNamespace, soakPods, eq('resource', 'memory'))}`,
        ),
        `> ${num(alerts.memoryNearLimitPercent / 100)}`,
      ].join('\n'),
      summary: 'Container {{ $labels.container }} of pod {{ $labels.pod }} is near its memory limit',
      description: `The working set of {{ $labels.container }} in {{ $labels.pod }} is {{ $value | humanizePercentage }} of its memory limit (alert above ${alerts.memoryNearLimitPercent}%). At the limit it is OOM-killed.`,
    }),
    alert({
      name: 'NumaflowSoakBufferVolumeFilling',
      severity: 'warning',
      for: holdFor,
      expr: [
        volumeRatio('kubelet_volume_stats_used_bytes'),
        `/ on (${perVolume.join(', ')})`,
        volumeRatio('kubelet_volume_stats_capacity_bytes'),
        `> ${num(alerts.volumeFullPercent / 100)}`,
      ].join('\n'),
      summary: 'Buffer volume {{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full',
      description: `{{ $labels.persistentvolumeclaim }} is fuller than ${alerts.volumeFullPercent}%. JetStream stops accepting messages when its file store is full.`,
    }),
    alert({
      name: 'NumaflowSoakBufferVolumeFullIn6h',
      severity: 'critical',
      for: holdFor,
      expr: `${maxBy(perVolume, `predict_linear(${series('kubelet_volume_stats_available_bytes', inNamespace, bufferVolumes)}[6h], 6 * 3600)`)} < 0`,
      summary: 'Buffer volume {{ $labels.persistentvolumeclaim }} fills up within 6 hours',
      description: 'At the trend of the last 6 hours, {{ $labels.persistentvolumeclaim }} has no space left within 6 hours.',
    }),
    alert({
      name: 'NumaflowSoakErrors',
      severity: 'warning',
      for: holdFor,
      // Counters that never counted have no series; each term falls back to 0 on its own,
      // so one missing counter cannot hide the others.
      //
      // Numaflow v1.8.3 counts errors on the inter-step buffer apart from the forwarder's:
      // a failed ISB fetch increments isb_jetstream_read_error_total
      // (rust/numaflow-core/src/pipeline/isb/reader.rs) and a failed ISB publish
      // isb_jetstream_write_error_total (rust/numaflow-core/src/pipeline/isb/jetstream/js_writer.rs,
      // rust/numaflow-core/src/pipeline/isb/writer.rs). Those carry only `buffer` and `reason`,
      // never `pipeline` (`jetstream_isb_metrics_labels`, `jetstream_isb_error_metrics_labels` in
      // rust/numaflow-core/src/metrics/mod.rs), so they are selected by buffer name. In v1.8.3
      // forwarder_read_error_total is registered but never incremented by a pipeline, and
      // forwarder_write_error_total only by a sink (rust/numaflow-core/src/sinker/sink.rs):
      // without the isb_jetstream terms, ISB read and write errors would not alert at all.
      expr: `${[
        ...['read', 'write', 'udf', 'critical'].map((kind) => series(`forwarder_${kind}_error_total`, inNamespace, ofPipeline)),
        ...['read', 'write'].map((kind) => series(`isb_jetstream_${kind}_error_total`, inNamespace, pipelineBuffers)),
      ]
        .map((selector) => orZero(sum(rate(selector, rateWindow))))
        .join('\n+ ')}\n> 0`,
      summary: `Pipeline ${pipeline.name} reports errors`,
      description: `Read, write, UDF and critical errors of the pipeline and read and write errors on its buffers add up to {{ $value | humanize }} per second over the last ${rateWindow}. See forwarder_{read,write,udf,critical}_error_total by vertex and isb_jetstream_{read,write}_error_total by buffer and reason.`,
    }),
  ];
}

// ---------------------------------------------------------------------------------------
// Building blocks

interface AlertDefinition {
  readonly name: string;
  readonly severity: 'warning' | 'critical';
  readonly for: PrometheusDuration;
  readonly expr: string;
  readonly summary: string;
  readonly description: string;
}

/** The rule of an alert of the soak in `namespace`, linking its section of the runbook. */
function alertingRule(definition: AlertDefinition, soak: { readonly namespace: string; readonly runbookBaseUrl: string }): AlertingRule {
  const { name, severity, expr, summary, description } = definition;
  return {
    alert: name,
    expr,
    for: definition.for,
    labels: { namespace: soak.namespace, severity },
    annotations: { description, runbook_url: runbookUrl(soak.runbookBaseUrl, name), summary },
  };
}

/** The plan's labels plus {@link PART_OF}, sorted by key. */
function objectLabels(planLabels: Readonly<Record<string, string>>): Record<string, string> {
  const own = planLabels[PART_OF.key];
  if (own !== undefined && own !== PART_OF.value) {
    throw new Error(
      `monitoring.labels sets ${PART_OF.key}: ${own}, but the monitoring objects are always ${PART_OF.key}: ${PART_OF.value}; remove that label from the plan`,
    );
  }
  const merged: Record<string, string> = { ...planLabels, [PART_OF.key]: PART_OF.value };
  return Object.fromEntries(Object.keys(merged).sort().map((key) => [key, merged[key]]));
}

function scrapeInterval(interval: Duration): PrometheusDuration {
  if (interval.nanos === 0) throw new Error('monitoring.scrapeInterval must be longer than 0s');
  return prometheusDuration(interval, 'monitoring.scrapeInterval');
}

const minutes = (n: number) => Duration.seconds(n * 60);
const times = (d: Duration, factor: number) => Duration.nanoseconds(d.nanos * factor);
const plus = (a: Duration, b: Duration) => Duration.nanoseconds(a.nanos + b.nanos);
const longest = (...durations: Duration[]) => durations.reduce((a, b) => (b.nanos > a.nanos ? b : a));
