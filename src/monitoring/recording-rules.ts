/**
 * Recording rules of a soak: the per-container series the right-sizing tools read most,
 * computed once by Prometheus as the soak runs instead of again by every query over five
 * days of raw cAdvisor series.
 *
 * Each rule keeps one series per (namespace, pod, container) of the soak's pods (the
 * alerts' and the dashboard's matchers, soak-scope.ts), with the same reduction the tools
 * apply to raw series (src/recommend/prometheus.ts): `max by` over the duplicate series a
 * container can have (cAdvisor reports a container under more than one `id` while its
 * cgroup is replaced; a second kubelet scrape job duplicates everything).
 *
 * Names follow Prometheus's `level:metric:operations` convention (prometheus/docs
 * content/docs/practices/rules.md: the level is the labels kept, the metric name loses
 * `_total` once rate() has been applied).
 *
 * Sources (metrics contract, src/metrics/contract.ts): cAdvisor through the kubelet,
 * container_cpu_usage_seconds_total, container_memory_working_set_bytes,
 * container_cpu_cfs_{throttled_,}periods_total; cAdvisor also exports a series with
 * `container=""` for the pod's cgroup and one with `container="POD"` for the sandbox
 * (kubernetes pkg/kubelet/server/server.go containerPrometheusLabelsFunc), both left out.
 */
import type { MetricName } from '../metrics/contract';
import type { SoakPlan } from '../plan/schema';
import type { RecordingRule, RuleGroup } from './prometheus-operator';
import { maxBy, notEq, prometheusDuration, rate, series } from './promql';
import { soakScope } from './soak-scope';

/** The labels every recorded series keeps. */
export const RECORDED_LABELS = ['namespace', 'pod', 'container'] as const;

/** The rate window of the recorded rates, the tools' own (RATE_RANGE in src/recommend/prometheus.ts). */
export const RECORDED_RATE_WINDOW = '5m';

/** The series the rules write, by what they hold. */
export const RECORDED = {
  /** CPU cores used, the 5m rate of container_cpu_usage_seconds_total. */
  cpuRate5m: 'namespace_pod_container:container_cpu_usage_seconds:max_rate5m',
  /** Working-set bytes: the newest container_memory_working_set_bytes sample of the last 5m. */
  workingSet: 'namespace_pod_container:container_memory_working_set_bytes:max_last5m',
  /** Share of CFS periods throttled over 5m: throttled periods / periods (containers with a CPU limit only). */
  throttledRatio5m: 'namespace_pod_container:container_cpu_cfs_throttled_periods:ratio_rate5m',
} as const satisfies Record<string, MetricName>;

export type RecordedSeries = (typeof RECORDED)[keyof typeof RECORDED];

/**
 * The soak's recording rule group, evaluated at the plan's scrape interval so the recorded
 * series have the resolution of the raw ones.
 */
export function soakRecordingRules(plan: SoakPlan): RuleGroup<RecordingRule> {
  const { inNamespace, soakPods } = soakScope(plan);
  const containers = [inNamespace, soakPods, notEq('container', ''), notEq('container', 'POD')];
  const perContainer = maxBy.bind(undefined, RECORDED_LABELS);
  const w = RECORDED_RATE_WINDOW;
  return {
    name: `numaflow-soak.${plan.pipeline.name}.recording`,
    interval: prometheusDuration(plan.monitoring.scrapeInterval, 'monitoring.scrapeInterval'),
    rules: [
      { record: RECORDED.cpuRate5m, expr: perContainer(rate(series('container_cpu_usage_seconds_total', ...containers), w)) },
      // last_over_time like the tools' raw query: a sample up to 5m old still counts, staleness markers or not.
      { record: RECORDED.workingSet, expr: perContainer(`last_over_time(${series('container_memory_working_set_bytes', ...containers)}[${w}])`) },
      {
        record: RECORDED.throttledRatio5m,
        expr: [
          perContainer(rate(series('container_cpu_cfs_throttled_periods_total', ...containers), w)),
          `/ on (${RECORDED_LABELS.join(', ')})`,
          perContainer(rate(series('container_cpu_cfs_periods_total', ...containers), w)),
        ].join('\n'),
      },
    ],
  };
}
