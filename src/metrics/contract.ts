/**
 * The metrics contract: every Prometheus series family this project reads (recommend,
 * verdict), alerts on (the PrometheusRule of src/constructs/monitoring.ts) or plots (the
 * Grafana dashboard of src/constructs/soak-dashboard.ts), with the
 * labels its scraped series really carry, who serves it, and the upstream file that
 * defines it at the version we pin. Queries name metrics through `metric()`, so a metric
 * that is not in this table is a compile error; test/metrics/contract.test.ts parses every
 * PromQL expression the project issues (with @prometheus-io/lezer-promql) and fails when
 * a selector names a label the table does not list for that metric.
 *
 * Versions the facts were read at:
 * - Numaflow v1.8.3 (github.com/numaproj/numaflow, tag v1.8.3):
 *   rust/numaflow-core/src/metrics/mod.rs registers the data-plane families (prefixes
 *   `forwarder`, `isb_jetstream`, `vertex`); pkg/metrics/metrics.go the daemon's.
 * - kube-state-metrics v2.15.0, what kube-prometheus-stack 70.4.1 ships (subchart 5.31.x):
 *   internal/store/pod.go (every pod metric starts with namespace, pod, uid). The chart's
 *   ServiceMonitor sets honorLabels: true, so those are the object's; the target adds
 *   `endpoint="http"`, `instance`, `service`, `job="kube-state-metrics"`, and `container`
 *   where the exposition has none (kube_pod_info).
 * - cAdvisor through the kubelet's /metrics/cadvisor (google/cadvisor metrics/prometheus.go;
 *   kubernetes pkg/kubelet/server/server.go containerPrometheusLabelsFunc: id, name, image,
 *   pod, namespace, container; `cpu="total"` on the CPU usage). kube-prometheus-stack's
 *   kubelet ServiceMonitor (honorLabels: true) adds `endpoint="https-metrics"`, `instance`,
 *   `job="kubelet"`, `metrics_path="/metrics/cadvisor"`, `node`, `service`. The CFS period
 *   counters exist only for containers with a CPU limit.
 * - prometheus-operator v0.81.0 (the chart's appVersion), pkg/prometheus/promcfg.go:
 *   generatePodMonitorConfig adds `namespace`, `container`, `pod`, `endpoint` (the port
 *   name) and `job` = `<namespace>/<podmonitor name>`; generateServiceMonitorConfig adds
 *   `namespace`, `service`, `pod`, `container`, `endpoint` and `job` = the Service name.
 *   Prometheus adds `instance` (the target address).
 *
 * Label sets, as they land in Prometheus:
 * - Numaflow pipeline labels (`pipeline_metric_labels`): `vertex`, `pipeline`,
 *   `vertex_type` (Source, MapUDF, Sink: rust/numaflow-core/src/config/pipeline.rs),
 *   `replica`. Readers of an ISB add `partition_name` = the stream name
 *   `{namespace}-{pipeline}-{vertex}-{i}` (pipeline/isb/reader.rs); a source vertex's
 *   reads add `source_partition` instead (source.rs `record_partition_read_metrics`; a
 *   generator's partition is its replica index, source/generator.rs); a sink's writes add
 *   `partition_name` = the vertex name (sinker/sink.rs).
 * - `isb_jetstream_*` carry `buffer` only (`jetstream_isb_metrics_labels`), the error
 *   counters `buffer` and `reason` (`jetstream_isb_error_metrics_labels`). No `pipeline`.
 * - Counter families are created lazily (`Family::get_or_create` on first increment): a
 *   missing error or isFull series means "never incremented" only when the pod was scraped.
 * - The PodMonitor scrape of a vertex pod's `numa` container adds `namespace`, `pod`,
 *   `container`, `endpoint`, `job`, `instance`; a ServiceMonitor adds `service` as well.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricContract {
  /** The family name as queried (counters with their `_total`; histograms without `_bucket`). */
  readonly name: string;
  readonly type: MetricType;
  /** Every label a scraped series of the family carries (a histogram's `_bucket` adds `le`). */
  readonly labels: readonly string[];
  /** Which pod and container serve it. */
  readonly servedBy: string;
  /** Where upstream defines it (and the labels), at the pinned version. */
  readonly upstream: string;
  /** Created on first increment: no series means zero only if the pod was scraped. */
  readonly lazy: boolean;
}

/** Target labels a PodMonitor scrape adds (prometheus-operator pkg/prometheus/promcfg.go, generatePodMonitorConfig). */
const POD_MONITOR_TARGET = ['namespace', 'pod', 'container', 'endpoint', 'job', 'instance'] as const;
/** Target labels a ServiceMonitor scrape adds (promcfg.go, generateServiceMonitorConfig). */
const SERVICE_MONITOR_TARGET = ['namespace', 'service', 'pod', 'container', 'endpoint', 'job', 'instance'] as const;
/** Numaflow's pipeline labels (rust/numaflow-core/src/metrics/mod.rs `pipeline_metric_labels`). */
const PIPELINE = ['pipeline', 'vertex', 'vertex_type', 'replica'] as const;
/** kube-state-metrics through kube-prometheus-stack's ServiceMonitor (honorLabels: the object's namespace and pod win). */
const KSM_TARGET = ['endpoint', 'instance', 'job', 'service'] as const;
/** What a missing exposition label takes from the ksm target (honor_labels keeps only labels the exposition has). */
const KSM_TARGET_CONTAINER = ['container'] as const;
/** cAdvisor's container labels (google/cadvisor metrics/prometheus.go) and the kubelet ServiceMonitor's target labels. */
const CADVISOR = ['container', 'id', 'image', 'name', 'namespace', 'pod', 'endpoint', 'instance', 'job', 'metrics_path', 'node', 'service'] as const;

const RUST_METRICS = 'numaflow v1.8.3 rust/numaflow-core/src/metrics/mod.rs';
const VERTEX_NUMA = 'vertex pods, container `numa` (HTTPS 2469, PodMonitor)';

function family<N extends string>(name: N, type: MetricType, labels: readonly string[], servedBy: string, upstream: string, lazy: boolean): MetricContract & { readonly name: N } {
  return { name, type, labels: [...new Set(labels)].sort(), servedBy, upstream, lazy };
}

const numaflowCounter = <N extends string>(name: N, extra: readonly string[], upstream: string) =>
  family(name, 'counter', [...PIPELINE, ...extra, ...POD_MONITOR_TARGET], VERTEX_NUMA, `${RUST_METRICS}; ${upstream}`, true);
const isbCounter = <N extends string>(name: N, extra: readonly string[], upstream: string) =>
  family(name, 'counter', ['buffer', ...extra, ...POD_MONITOR_TARGET], `${VERTEX_NUMA}, the writer or reader of the buffer`, `${RUST_METRICS} jetstream_isb_metrics_labels; ${upstream}`, true);
const ksm = <N extends string>(name: N, type: MetricType, labels: readonly string[], lazy = false) =>
  family(name, type, [...labels, ...KSM_TARGET], 'kube-state-metrics', 'kube-state-metrics internal/store/pod.go', lazy);
const cadvisor = <N extends string>(name: N, type: MetricType) =>
  family(name, type, CADVISOR, 'kubelet /metrics/cadvisor (kube-prometheus-stack kubelet ServiceMonitor)', 'google/cadvisor metrics/prometheus.go', false);

const recorded = <N extends string>(name: N) =>
  family(name, 'gauge', ['namespace', 'pod', 'container'], 'Prometheus, the soak PrometheusRule `<pipeline>-soak-recording`', 'recording rule of this project (src/monitoring/recording-rules.ts) over the cAdvisor families; naming: prometheus docs content/docs/practices/rules.md', false);

/** The table. Keep it sorted by name. */
const TABLE = [
  family(
    'build_info',
    'gauge',
    ['component', 'component_name', 'version', 'platform', ...SERVICE_MONITOR_TARGET],
    'pipeline daemon, container `numa` (HTTPS 4327, ServiceMonitor)',
    'numaflow v1.8.3 pkg/metrics/metrics.go BuildInfo; pkg/daemon/server/daemon_server.go sets it to 1 at start with component="daemon", component_name = the pipeline, version and platform from version.go GetVersion',
    false,
  ),
  cadvisor('container_cpu_cfs_periods_total', 'counter'),
  cadvisor('container_cpu_cfs_throttled_periods_total', 'counter'),
  family(
    'container_cpu_usage_seconds_total',
    'counter',
    [...CADVISOR, 'cpu'],
    'kubelet /metrics/cadvisor (kube-prometheus-stack kubelet ServiceMonitor)',
    'google/cadvisor metrics/prometheus.go (cpu="total")',
    false,
  ),
  cadvisor('container_memory_working_set_bytes', 'gauge'),
  numaflowCounter('forwarder_critical_error_total', ['reason'], 'lib.rs critical_error! (UDF crashes, EOT from a sink)'),
  numaflowCounter('forwarder_data_read_total', ['partition_name', 'source_partition'], 'pipeline/isb/reader.rs publish_read_metrics; source.rs record_partition_read_metrics'),
  numaflowCounter('forwarder_drop_total', ['partition_name', 'reason'], 'pipeline_drop_metric_labels; pipeline/isb/writer.rs, sinker/sink.rs, source.rs'),
  family(
    'forwarder_processing_time',
    'histogram',
    [...PIPELINE, 'partition_name', ...POD_MONITOR_TARGET],
    VERTEX_NUMA,
    `${RUST_METRICS} e2e_time (µs, exponential_buckets_range(100, 1.2e9, 10)); pipeline/isb/reader.rs, source.rs send_ack_metrics`,
    true,
  ),
  numaflowCounter('forwarder_read_error_total', ['partition_name'], 'registered, not incremented by the v1.8.3 pipeline data plane'),
  numaflowCounter('forwarder_udf_error_total', [], 'mapper/map.rs update_udf_error_metric'),
  numaflowCounter('forwarder_write_error_total', ['partition_name'], 'sinker/sink.rs'),
  numaflowCounter('forwarder_write_total', ['partition_name'], 'pipeline/isb/writer.rs publish_write_metrics; sinker/sink.rs (partition_name = the sink vertex)'),
  isbCounter('isb_jetstream_isFull_error_total', ['reason'], 'pipeline/isb/jetstream/js_writer.rs'),
  isbCounter('isb_jetstream_isFull_total', [], 'pipeline/isb/jetstream/js_writer.rs (the writer starts with is_full = true)'),
  isbCounter('isb_jetstream_read_error_total', ['reason'], 'pipeline/isb/reader.rs'),
  isbCounter('isb_jetstream_write_error_total', ['reason'], 'pipeline/isb/jetstream/js_writer.rs, pipeline/isb/writer.rs'),
  isbCounter('isb_jetstream_write_timeout_total', ['reason'], 'pipeline/isb/jetstream/js_writer.rs'),
  family(
    'isb_jetstream_buffer_pending',
    'gauge',
    ['buffer', ...POD_MONITOR_TARGET],
    `${VERTEX_NUMA}, every writer of the buffer`,
    `${RUST_METRICS} jetstream_isb_metrics_labels; pipeline/isb/jetstream/js_writer.rs`,
    false,
  ),
  ksm('kube_pod_container_status_last_terminated_reason', 'gauge', ['namespace', 'pod', 'uid', 'container', 'reason'], true),
  ksm('kube_pod_container_resource_limits', 'gauge', ['namespace', 'pod', 'uid', 'container', 'node', 'resource', 'unit']),
  // createPodContainerResourceRequestsFamilyGenerator: container, node, resource, unit (core or byte).
  ksm('kube_pod_container_resource_requests', 'gauge', ['namespace', 'pod', 'uid', 'container', 'node', 'resource', 'unit']),
  ksm('kube_pod_container_status_restarts_total', 'counter', ['namespace', 'pod', 'uid', 'container']),
  ksm('kube_pod_info', 'gauge', ['namespace', 'pod', 'uid', 'host_ip', 'pod_ip', 'node', 'created_by_kind', 'created_by_name', 'priority_class', 'host_network', ...KSM_TARGET_CONTAINER]),
  ksm('kube_pod_init_container_resource_limits', 'gauge', ['namespace', 'pod', 'uid', 'container', 'node', 'resource', 'unit']),
  // createPodInitContainerResourceRequestsFamilyGenerator: as above, over spec.initContainers (native sidecars included).
  ksm('kube_pod_init_container_resource_requests', 'gauge', ['namespace', 'pod', 'uid', 'container', 'node', 'resource', 'unit']),
  ksm('kube_pod_init_container_status_last_terminated_reason', 'gauge', ['namespace', 'pod', 'uid', 'container', 'reason'], true),
  ksm('kube_pod_init_container_status_restarts_total', 'counter', ['namespace', 'pod', 'uid', 'container']),
  family('kubelet_volume_stats_available_bytes', 'gauge', ['namespace', 'persistentvolumeclaim', 'endpoint', 'instance', 'job', 'metrics_path', 'node', 'service'], 'kubelet /metrics', 'kubernetes pkg/kubelet/metrics/collectors/volume_stats.go', false),
  family('kubelet_volume_stats_capacity_bytes', 'gauge', ['namespace', 'persistentvolumeclaim', 'endpoint', 'instance', 'job', 'metrics_path', 'node', 'service'], 'kubelet /metrics', 'kubernetes pkg/kubelet/metrics/collectors/volume_stats.go', false),
  family('kubelet_volume_stats_used_bytes', 'gauge', ['namespace', 'persistentvolumeclaim', 'endpoint', 'instance', 'job', 'metrics_path', 'node', 'service'], 'kubelet /metrics', 'kubernetes pkg/kubelet/metrics/collectors/volume_stats.go', false),
  // The soak's own recording rules (src/monitoring/recording-rules.ts): `max by (namespace, pod, container)`
  // keeps those three labels and nothing else (Prometheus docs/practices/rules.md; a recording
  // rule stores the expression's result labels plus the rule's labels, here none).
  recorded('namespace_pod_container:container_cpu_cfs_throttled_periods:ratio_rate5m'),
  recorded('namespace_pod_container:container_cpu_usage_seconds:max_rate5m'),
  recorded('namespace_pod_container:container_memory_working_set_bytes:max_last5m'),
  family(
    'pipeline_processing_lag',
    'gauge',
    ['pipeline', ...SERVICE_MONITOR_TARGET],
    'pipeline daemon, container `numa` (HTTPS 4327, ServiceMonitor)',
    'numaflow v1.8.3 pkg/metrics/metrics.go; pkg/daemon/server/daemon_server.go sets it every 10 s: max source − min sink watermark in ms, −1 when unknown',
    false,
  ),
  family('up', 'gauge', [...POD_MONITOR_TARGET, 'service', 'metrics_path', 'node'], 'Prometheus itself, one series per scrape target', 'prometheus docs/concepts/jobs_instances.md', false),
] as const satisfies readonly MetricContract[];

export type MetricName = (typeof TABLE)[number]['name'];

/** The contract by name. */
export const METRICS: Readonly<Record<MetricName, MetricContract>> = Object.fromEntries(TABLE.map((m) => [m.name, m])) as Record<MetricName, MetricContract>;

/** A metric's name, checked against the contract at compile time. */
export function metric<N extends MetricName>(name: N): N {
  return name;
}

/**
 * The contract entry a series name belongs to: the family itself, or a histogram's
 * `_bucket` (which adds `le`), `_sum` or `_count`. Undefined when the contract has no such family.
 */
export function contractFor(series: string): { readonly contract: MetricContract; readonly labels: readonly string[] } | undefined {
  const direct = (METRICS as Record<string, MetricContract>)[series];
  if (direct && direct.type !== 'histogram') return { contract: direct, labels: direct.labels };
  const m = /^(.*)_(bucket|sum|count)$/.exec(series);
  const base = m ? (METRICS as Record<string, MetricContract>)[m[1]] : undefined;
  if (!base || base.type !== 'histogram') return undefined;
  return { contract: base, labels: m![2] === 'bucket' ? [...base.labels, 'le'] : base.labels };
}
