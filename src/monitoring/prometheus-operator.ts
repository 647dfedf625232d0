/**
 * Typed props for the prometheus-operator objects this project emits (API group
 * `monitoring.coreos.com/v1`): PodMonitor, ServiceMonitor and PrometheusRule; and
 * (`monitoring.coreos.com/v1alpha1`) AlertmanagerConfig. Only the
 * fields we set are declared, so a misspelled field does not compile. The test checks
 * these interfaces against the published types of `@kubernetes-models/prometheus-operator`,
 * so a field name this file invents fails `tsc`.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

export const PROMETHEUS_OPERATOR_API_VERSION = 'monitoring.coreos.com/v1';
/** AlertmanagerConfig is still v1alpha1 in prometheus-operator v0.81.0 (pkg/apis/monitoring/v1alpha1). */
export const PROMETHEUS_OPERATOR_V1ALPHA1_API_VERSION = 'monitoring.coreos.com/v1alpha1';

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

/**
 * A recording rule: Prometheus evaluates `expr` at every interval of its group and stores
 * the result as series named `record` (prometheus-operator v0.81.0
 * pkg/apis/monitoring/v1/prometheusrule_types.go `Rule`: `record` instead of `alert`).
 */
export interface RecordingRule {
  /** Name of the series it writes, `level:metric:operations` by Prometheus's convention (docs/practices/rules.md). */
  readonly record: string;
  /** PromQL; every series it returns is stored under `record` with the series' own labels. */
  readonly expr: string;
}

/** Rules evaluated together, in order, at the same interval. */
export interface RuleGroup<R extends AlertingRule | RecordingRule = AlertingRule> {
  /** Unique within the Prometheus instance that loads it. */
  readonly name: string;
  /** @default - the Prometheus's evaluation interval (the operator's default is 30s) */
  readonly interval?: PrometheusDuration;
  readonly rules: readonly R[];
}

export interface PrometheusRuleSpec<R extends AlertingRule | RecordingRule = AlertingRule> {
  readonly groups: readonly RuleGroup<R>[];
}

export interface PodMonitorProps {
  readonly metadata: ObjectMeta;
  readonly spec: PodMonitorSpec;
}

export interface ServiceMonitorProps {
  readonly metadata: ObjectMeta;
  readonly spec: ServiceMonitorSpec;
}

export interface PrometheusRuleProps<R extends AlertingRule | RecordingRule = AlertingRule> {
  readonly metadata: ObjectMeta;
  readonly spec: PrometheusRuleSpec<R>;
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

  constructor(scope: Construct, id: string, props: PrometheusRuleProps<AlertingRule> | PrometheusRuleProps<RecordingRule>) {
    super(scope, id, { ...PrometheusRule.GVK, metadata: props.metadata, spec: props.spec });
  }
}

// ---------------------------------------------------------------------------------------
// AlertmanagerConfig (v1alpha1): pkg/apis/monitoring/v1alpha1/alertmanager_config_types.go, v0.81.0

/** A key of a Secret in the AlertmanagerConfig's own namespace; the operator reads it and puts its value into Alertmanager's configuration. */
export interface SecretKeySelector {
  readonly name: string;
  readonly key: string;
}

/** A matcher on an alert label (Alertmanager 0.22 or newer). */
export interface AlertMatcher {
  readonly name: string;
  readonly matchType: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/**
 * The top route of an AlertmanagerConfig. The operator always adds a matcher
 * `namespace="<the object's namespace>"` to it (the default `OnNamespace` matcher
 * strategy, pkg/alertmanager/amcfg.go namespaceEnforcer), so only alerts that carry that
 * `namespace` label reach it.
 */
export interface AlertRoute {
  /** Name of a receiver of the same object. */
  readonly receiver: string;
  /** Labels that make one notification; alerts sharing their values are sent together. */
  readonly groupBy: readonly string[];
  readonly groupWait: PrometheusDuration;
  readonly groupInterval: PrometheusDuration;
  readonly repeatInterval: PrometheusDuration;
  /** All must match an alert's labels. */
  readonly matchers: readonly AlertMatcher[];
}

/** POSTs Alertmanager's JSON payload to the URL in the Secret. */
export interface WebhookConfig {
  readonly urlSecret: SecretKeySelector;
  readonly sendResolved: boolean;
}

/** Posts to a Slack incoming webhook whose URL is in the Secret. */
export interface SlackConfig {
  readonly apiURL: SecretKeySelector;
  readonly sendResolved: boolean;
  /** @default - the incoming webhook's own channel */
  readonly channel?: string;
  /** Go template over the notification's data (`.Alerts`, `.Annotations`, ...). */
  readonly text: string;
}

/** One notification integration; we set exactly one of its config lists. */
export interface AlertReceiver {
  /** Unique in the object; the operator prefixes it with `<namespace>/<object name>/`. */
  readonly name: string;
  /** @default - no webhook */
  readonly webhookConfigs?: readonly WebhookConfig[];
  /** @default - no Slack */
  readonly slackConfigs?: readonly SlackConfig[];
}

export interface AlertmanagerConfigSpec {
  readonly route: AlertRoute;
  readonly receivers: readonly AlertReceiver[];
}

export interface AlertmanagerConfigProps {
  readonly metadata: ObjectMeta;
  readonly spec: AlertmanagerConfigSpec;
}

/** A piece of Alertmanager configuration (a route and its receivers) that an Alertmanager selecting this object merges into its own. */
export class AlertmanagerConfig extends ApiObject {
  public static readonly GVK = { apiVersion: PROMETHEUS_OPERATOR_V1ALPHA1_API_VERSION, kind: 'AlertmanagerConfig' } as const;

  constructor(scope: Construct, id: string, props: AlertmanagerConfigProps) {
    super(scope, id, { ...AlertmanagerConfig.GVK, metadata: props.metadata, spec: props.spec });
  }
}
