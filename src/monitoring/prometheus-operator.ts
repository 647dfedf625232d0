/**
 * Typed props for the prometheus-operator objects this project emits (API group
 * `monitoring.coreos.com/v1`): PodMonitor, ServiceMonitor and PrometheusRule. Only the
 * fields we set are declared, so a misspelled field does not compile. The test checks
 * these interfaces against the published types of `@kubernetes-models/prometheus-operator`,
 * so a field name this file invents fails `tsc`.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

export const PROMETHEUS_OPERATOR_API_VERSION = 'monitoring.coreos.com/v1';

/**
 * A Prometheus duration as the operator's CRDs accept it: units from `ms` up to `y`,
 * largest first, no fractions (`30s`, `1m30s`, `10m`, `0s`).
 */
export type PrometheusDuration = string;

/** The metadata we set on every monitoring object. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  /** Labels a Prometheus `podMonitorSelector`, `serviceMonitorSelector` or `ruleSelector` matches. */
  readonly labels: Readonly<Record<string, string>>;
}

/** Selects pods or services by their labels; all of them must match. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
}

/** The namespaces in which the operator looks for the selected pods or services. */
export interface NamespaceSelector {
  readonly matchNames: readonly string[];
}

/** TLS settings of a scrape. */
export interface TlsConfig {
  /** Accept any server certificate; for targets that serve a self-signed one. */
  readonly insecureSkipVerify: boolean;
}

/** What both kinds of monitor say about one scrape endpoint. */
interface ScrapeEndpoint {
  /** Name of the container port (PodMonitor) or service port (ServiceMonitor). */
  readonly port: string;
  readonly scheme: 'http' | 'https';
  /** How often to scrape. @default - the Prometheus global scrape interval */
  readonly interval: PrometheusDuration;
  /** @default - no TLS settings */
  readonly tlsConfig?: TlsConfig;
}

/** One scrape endpoint of a PodMonitor: a named port of the selected pods' containers. */
export type PodMetricsEndpoint = ScrapeEndpoint;

/** One scrape endpoint of a ServiceMonitor: a named port of the selected services. */
export type ServiceEndpoint = ScrapeEndpoint;

export interface PodMonitorSpec {
  /** The pods to scrape. */
  readonly selector: LabelSelector;
  readonly namespaceSelector: NamespaceSelector;
  readonly podMetricsEndpoints: readonly PodMetricsEndpoint[];
}

export interface ServiceMonitorSpec {
  /** The services whose endpoints (the pods behind them) are scraped. */
  readonly selector: LabelSelector;
  readonly namespaceSelector: NamespaceSelector;
  readonly endpoints: readonly ServiceEndpoint[];
}

/** An alerting rule. */
export interface AlertingRule {
  /** Alert name, CamelCase by convention. */
  readonly alert: string;
  /** PromQL; every series it returns is one firing alert. */
  readonly expr: string;
  /** How long the expression must keep returning a series before the alert fires. */
  readonly for: PrometheusDuration;
  /** Extra labels on the alert, e.g. `severity`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Text for people: `summary` and `description`, with Go templating (`{{ $value }}`, `{{ $labels.pod }}`). */
  readonly annotations: Readonly<Record<string, string>>;
}

/** Rules evaluated together, in order, at the same interval. */
export interface RuleGroup {
  /** Unique within the Prometheus instance that loads it. */
  readonly name: string;
  readonly rules: readonly AlertingRule[];
}

export interface PrometheusRuleSpec {
  readonly groups: readonly RuleGroup[];
}

export interface PodMonitorProps {
  readonly metadata: ObjectMeta;
  readonly spec: PodMonitorSpec;
}

export interface ServiceMonitorProps {
  readonly metadata: ObjectMeta;
  readonly spec: ServiceMonitorSpec;
}

export interface PrometheusRuleProps {
  readonly metadata: ObjectMeta;
  readonly spec: PrometheusRuleSpec;
}

/** Scrapes pods directly, by a named container port. */
export class PodMonitor extends ApiObject {
  public static readonly GVK = { apiVersion: PROMETHEUS_OPERATOR_API_VERSION, kind: 'PodMonitor' } as const;

  constructor(scope: Construct, id: string, props: PodMonitorProps) {
    super(scope, id, { ...PodMonitor.GVK, metadata: props.metadata, spec: props.spec });
  }
}

/** Scrapes the pods behind services, by a named service port. */
export class ServiceMonitor extends ApiObject {
  public static readonly GVK = { apiVersion: PROMETHEUS_OPERATOR_API_VERSION, kind: 'ServiceMonitor' } as const;

  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    super(scope, id, { ...ServiceMonitor.GVK, metadata: props.metadata, spec: props.spec });
  }
}

/** Alerting rules that a Prometheus selecting this object's labels loads. */
export class PrometheusRule extends ApiObject {
  public static readonly GVK = { apiVersion: PROMETHEUS_OPERATOR_API_VERSION, kind: 'PrometheusRule' } as const;

  constructor(scope: Construct, id: string, props: PrometheusRuleProps) {
    super(scope, id, { ...PrometheusRule.GVK, metadata: props.metadata, spec: props.spec });
  }
}
