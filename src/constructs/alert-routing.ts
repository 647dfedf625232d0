/**
 * Sends the soak's alerts to someone: one receiver (a webhook or a Slack incoming webhook)
 * as a prometheus-operator AlertmanagerConfig in the plan's namespace, from
 * `plan.monitoring.alertRouting`. The receiver's URL is read by the operator from a Secret
 * in that namespace; the plan, the manifests and the diff report only name the Secret.
 *
 * What makes it reach the Alertmanager (kube-prometheus-stack 70.4.1, prometheus-operator
 * v0.81.0):
 * - the chart's Alertmanager selects every AlertmanagerConfig in every namespace
 *   (values.yaml `alertmanager.alertmanagerSpec.alertmanagerConfigSelector: {}` and
 *   `alertmanagerConfigNamespaceSelector: {}`, written as `{}` by
 *   templates/alertmanager/alertmanager.yaml);
 * - the operator adds `namespace="<this namespace>"` to the route (default `OnNamespace`
 *   matcher strategy, pkg/alertmanager/amcfg.go namespaceEnforcer), so every soak alert
 *   carries a `namespace` label (src/constructs/monitoring.ts);
 * - it forces `continue: true` on that route, so other routes still see the alerts.
 */
import { Construct } from 'constructs';
import { AlertmanagerConfig, type AlertReceiver, type ObjectMeta } from '../monitoring/prometheus-operator';
import { prometheusDuration } from '../monitoring/promql';
import type { AlertRoutingPlan } from '../plan/schema';

export interface SoakAlertRoutingProps {
  /** Name, namespace (the plan's) and labels of the object. */
  readonly metadata: ObjectMeta;
  readonly routing: AlertRoutingPlan;
  /** The alerts to route, by name: those of soakAlerts(). */
  readonly alertNames: readonly string[];
}

/** The receiver's name in the object. */
export const SOAK_RECEIVER = 'numaflow-soak';

/**
 * The Slack message: Alertmanager's default Slack text is empty, so without one a message
 * holds only its title. Each alert gets its summary, description and runbook link.
 */
export const SLACK_TEXT = [
  '{{ range .Alerts }}*{{ .Annotations.summary }}*',
  '{{ .Annotations.description }}',
  'Runbook: {{ .Annotations.runbook_url }}',
  '{{ end }}',
].join('\n');

export class SoakAlertRouting extends Construct {
  public readonly config: AlertmanagerConfig;

  constructor(scope: Construct, id: string, props: SoakAlertRoutingProps) {
    super(scope, id);
    const { routing, alertNames } = props;
    if (alertNames.length === 0) throw new Error('alert routing needs at least one alert to route');
    // Alert names are CamelCase identifiers and severities words: no regex escaping needed.
    const oneOf = (values: readonly string[]) => [...new Set(values)].join('|');

    this.config = new AlertmanagerConfig(this, 'config', {
      metadata: props.metadata,
      spec: {
        route: {
          receiver: SOAK_RECEIVER,
          groupBy: ['alertname', 'namespace'],
          groupWait: prometheusDuration(routing.groupWait, 'monitoring.alertRouting.groupWait'),
          groupInterval: prometheusDuration(routing.groupInterval, 'monitoring.alertRouting.groupInterval'),
          repeatInterval: prometheusDuration(routing.repeatInterval, 'monitoring.alertRouting.repeatInterval'),
          matchers: [
            { name: 'alertname', matchType: '=~', value: oneOf(alertNames) },
            { name: 'severity', matchType: '=~', value: oneOf(routing.severities) },
          ],
        },
        receivers: [receiver(routing)],
      },
    });
  }
}

function receiver(routing: AlertRoutingPlan): AlertReceiver {
  const secret = { name: routing.urlSecret.name, key: routing.urlSecret.key };
  switch (routing.receiver) {
    case 'webhook':
      return { name: SOAK_RECEIVER, webhookConfigs: [{ urlSecret: secret, sendResolved: routing.sendResolved }] };
    case 'slack':
      return {
        name: SOAK_RECEIVER,
        slackConfigs: [
          {
            apiURL: secret,
            sendResolved: routing.sendResolved,
            ...(routing.slackChannel !== undefined ? { channel: routing.slackChannel } : {}),
            text: SLACK_TEXT,
          },
        ],
      };
  }
}
