/**
 * The Helm values of the kube-prometheus-stack release the Pulumi program installs, and the
 * sizing of its Prometheus so that it holds a whole soak: retention from the soak's duration
 * plus a margin, a persistent volume (the data survives a Prometheus restart or reschedule)
 * sized from the series the soak and the cluster expose, and a size limit below the volume.
 * Pure: the program (wherever it installs the chart) calls it; the tests and the README
 * figures come from the same function.
 *
 * Every key is a value of kube-prometheus-stack 70.4.1 (charts/kube-prometheus-stack/values.yaml
 * at tag kube-prometheus-stack-70.4.1, under `prometheus.prometheusSpec`: `scrapeInterval` ("",
 * the operator's 30s), `retention` (10d), `retentionSize` (""), `storageSpec` ({}, with a
 * commented `volumeClaimTemplate.spec.resources.requests.storage` example), and the three
 * `*SelectorNilUsesHelmValues`). The formats follow the Prometheus CRD the chart ships
 * (charts/crds/crds/crd-prometheuses.yaml): `retention` and `scrapeInterval` match
 * `^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$`,
 * `retentionSize` matches `(^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$`.
 */
import { estimateNodes } from '../capacity/nodes';
import { podGroups } from '../capacity/pods';
import { Bytes, Duration } from '../plan/quantity';
import type { SoakPlan } from '../plan/schema';

/**
 * The inputs of the estimate that are not in a plan. The series counts are modelling choices
 * of this project, not upstream facts: check them on a running soak with
 * `prometheus_tsdb_head_series` and `rate(prometheus_tsdb_head_samples_appended_total[1h])`.
 */
export const PROMETHEUS_SIZING = {
  /** Kept after the soak ends, for `verdict`, `recommend --write` and `doctor` to read it. */
  retentionMargin: Duration.parseSpan('2d'),
  /** Series of the cluster-wide targets kube-prometheus-stack scrapes (API server, controller manager, CoreDNS, the operator, Prometheus itself). */
  clusterSeries: 50_000,
  /** Series per node: node-exporter, the kubelet and cAdvisor. */
  seriesPerNode: 3_000,
  /** Series per pod of the soak: a Numaflow vertex pod (forwarder, ISB and runtime histograms per partition), the daemon, a JetStream pod (the exporter with `-jsz=all`: per stream and consumer). */
  seriesPerPod: { vertex: 1_500, daemon: 500, buffer: 3_000 },
  /** "On average, Prometheus uses only around 1-2 bytes per sample" (https://prometheus.io/docs/prometheus/latest/storage/, Operational aspects): the upper end. */
  bytesPerSample: 2,
  /** The estimate's uncertainty (series counts above all) is covered twice over. */
  safetyFactor: 2,
  /**
   * The write-ahead log is outside the blocks the formula counts: at least three 128 MB
   * segments, more on a busy server to keep two hours of raw data (the same page, On-disk
   * layout). Allowed for as three hours of samples at 16 bytes each, at least 3 x 128 MiB.
   */
  walHours: 3,
  walBytesPerSample: 16,
  /** `retentionSize`, as a share of the volume: Prometheus drops the oldest blocks before the volume fills. */
  retentionSizeShare: 0.85,
} as const;

/** The estimate and every figure it was made from, for the README and the stack outputs. */
export interface PrometheusSizing {
  readonly soakDuration: Duration;
  readonly retention: Duration;
  readonly scrapeInterval: Duration;
  readonly nodes: number;
  readonly soakPods: number;
  readonly series: number;
  readonly samplesPerSeries: number;
  /** Blocks: series x samples per series x bytes per sample. */
  readonly blockBytes: number;
  readonly walBytes: number;
  /** The persistent volume requested, whole GiB. */
  readonly volume: Bytes;
  /** `retentionSize`, whole GiB. */
  readonly retentionSize: Bytes;
}

/**
 * Sizes one Prometheus for the soaks of `plans` (every variant the platform serves): the
 * longest soak plus the margin, the shortest scrape interval, the series of all of them.
 * @throws Error when there is no plan
 */
export function prometheusSizing(plans: readonly SoakPlan[]): PrometheusSizing {
  if (plans.length === 0) throw new Error('prometheusSizing: no plan to size the Prometheus for');
  const s = PROMETHEUS_SIZING;
  const soakDuration = plans.map((p) => p.monitoring.soakDuration).reduce((a, b) => (b.compare(a) > 0 ? b : a));
  const scrapeInterval = plans.map((p) => p.monitoring.scrapeInterval).reduce((a, b) => (b.compare(a) < 0 ? b : a));
  const retention = Duration.seconds(Math.ceil(soakDuration.plus(s.retentionMargin).seconds / 86400) * 86400);
  let nodes = 0;
  let soakPods = 0;
  let series = s.clusterSeries;
  for (const plan of plans) {
    nodes += estimateNodes(plan).nodes;
    for (const g of podGroups(plan)) {
      soakPods += g.count;
      const perPod = g.workload === 'buffer' ? s.seriesPerPod.buffer : g.workload === 'daemon' ? s.seriesPerPod.daemon : s.seriesPerPod.vertex;
      series += g.count * perPod;
    }
  }
  series += nodes * s.seriesPerNode;
  const samplesPerSeries = Math.ceil(retention.seconds / scrapeInterval.seconds);
  const blockBytes = series * samplesPerSeries * s.bytesPerSample;
  const walBytes = Math.max(3 * 128 * 2 ** 20, (s.walHours * 3600 * series * s.walBytesPerSample) / scrapeInterval.seconds);
  const needed = (blockBytes + walBytes) * s.safetyFactor;
  const volumeGiB = Math.ceil(needed / s.retentionSizeShare / 2 ** 30);
  return {
    soakDuration,
    retention,
    scrapeInterval,
    nodes,
    soakPods,
    series,
    samplesPerSeries,
    blockBytes,
    walBytes,
    volume: Bytes.gibibytes(volumeGiB),
    retentionSize: Bytes.gibibytes(Math.floor(volumeGiB * s.retentionSizeShare)),
  };
}

/** Release name of the chart the program installs: the chart's own name, so its fullname is the release name. */
export const PROMETHEUS_STACK_RELEASE = 'kube-prometheus-stack';

/**
 * The Service of the release's Prometheus: `<fullname>-prometheus` (templates/prometheus/service.yaml),
 * where fullname is the release name when it contains the chart name (templates/_helpers.tpl
 * `kube-prometheus-stack.fullname`, truncated to 26 characters), on port 9090 (values.yaml
 * `prometheus.service.port`).
 */
export function prometheusService(namespace: string): { readonly name: string; readonly namespace: string; readonly port: number; readonly url: string; readonly portForward: string } {
  const name = `${PROMETHEUS_STACK_RELEASE.slice(0, 26).replace(/-+$/, '')}-prometheus`;
  const port = 9090;
  return {
    name,
    namespace,
    port,
    url: `http://${name}.${namespace}.svc:${port}`,
    portForward: `kubectl -n ${namespace} port-forward svc/${name} ${port}:${port}`,
  };
}

/** `retentionSize` in the Prometheus CRD's byte format (GiB counts as `GiB`). */
function byteSize(b: Bytes): string {
  return `${Math.round(b.gibibytes)}GiB`;
}

/**
 * The release's values: monitors and rules selected in every namespace whatever their labels,
 * and the Prometheus sized by `prometheusSizing` on a volume claim from the cluster's default
 * StorageClass.
 */
export function prometheusStackValues(plans: readonly SoakPlan[]): Record<string, unknown> {
  const sizing = prometheusSizing(plans);
  return {
    prometheus: {
      prometheusSpec: {
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        scrapeInterval: sizing.scrapeInterval.toSpanString(),
        retention: sizing.retention.toSpanString(),
        retentionSize: byteSize(sizing.retentionSize),
        storageSpec: {
          volumeClaimTemplate: {
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: sizing.volume.toString() } },
            },
          },
        },
      },
    },
  };
}
