import * as path from 'node:path';
import { type IPodMonitor, PodMonitor as UpstreamPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import {
  AlertmanagerConfig as UpstreamAlertmanagerConfig,
  type IAlertmanagerConfig,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig';
import {
  type IPrometheusRule,
  PrometheusRule as UpstreamPrometheusRule,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import {
  type IServiceMonitor,
  ServiceMonitor as UpstreamServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Testing } from 'cdk8s';
import { SLACK_TEXT } from '../../src/constructs/alert-routing';
import { SoakMonitoring } from '../../src/constructs/monitoring';
import type { AlertmanagerConfigProps, PodMonitorProps, PrometheusRuleProps, ServiceMonitorProps } from '../../src/monitoring/prometheus-operator';
import { loadStackFile } from '../../src/plan/load';
import { Duration } from '../../src/plan/quantity';
import type { AlertRoutingPlan, SoakPlan } from '../../src/plan/schema';
import { validateCoreObject } from '../support/kube';

const SOAK_STACK = path.join(__dirname, '../../stacks/Pulumi.soak.yaml');
const NAMESPACE = 'numaflow-soak';
const PIPELINE = 'batch-map-soak';
const BUFFER = 'soak-isb';

/** A synthesized object, typed by the props of our wrapper class. */
type Manifest<P> = P & { readonly apiVersion: string; readonly kind: string };
type AnyManifest = Manifest<PodMonitorProps | ServiceMonitorProps | PrometheusRuleProps | AlertmanagerConfigProps>;

function soakPlan(): SoakPlan {
  return loadStackFile(SOAK_STACK).plan;
}

function withMonitoring(plan: SoakPlan, monitoring: Partial<SoakPlan['monitoring']>): SoakPlan {
  return { ...plan, monitoring: { ...plan.monitoring, ...monitoring } };
}

function synth(plan: SoakPlan = soakPlan()): AnyManifest[] {
  const chart = Testing.chart();
  new SoakMonitoring(chart, 'monitoring', { plan });
  return Testing.synth(chart) as AnyManifest[];
}

function find<P>(objects: readonly AnyManifest[], kind: string, name: string): Manifest<P> {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found as unknown as Manifest<P>;
}

function alerts(objects: readonly AnyManifest[] = synth()) {
  return find<PrometheusRuleProps>(objects, 'PrometheusRule', `${PIPELINE}-soak`).spec.groups.flatMap((g) => g.rules);
}

function alertNamed(name: string, objects?: readonly AnyManifest[]) {
  const found = alerts(objects).find((a) => a.alert === name);
  if (!found) throw new Error(`no alert ${name}`);
  return found;
}

/**
 * Whether brackets, braces and parentheses nest properly and every string is closed.
 * Not a PromQL parser: it catches the mistakes string building makes.
 */
function isBalanced(expr: string): boolean {
  const opening: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
    } else if (c === '(' || c === '[' || c === '{') {
      stack.push(c);
    } else if (c in opening && stack.pop() !== opening[c]) {
      return false;
    }
  }
  return stack.length === 0 && quote === undefined;
}

describe('SoakMonitoring', () => {
  it('emits a PodMonitor for the vertices, ServiceMonitors for the buffer and the daemon, PrometheusRules for the alerts and the recording rules, and the dashboard ConfigMap, all in the plan namespace', () => {
    const objects = synth();
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      `monitoring.coreos.com/v1 PodMonitor ${NAMESPACE}/${PIPELINE}-vertices`,
      `monitoring.coreos.com/v1 ServiceMonitor ${NAMESPACE}/${BUFFER}-jetstream`,
      `monitoring.coreos.com/v1 ServiceMonitor ${NAMESPACE}/${PIPELINE}-daemon`,
      `monitoring.coreos.com/v1 PrometheusRule ${NAMESPACE}/${PIPELINE}-soak`,
      `monitoring.coreos.com/v1 PrometheusRule ${NAMESPACE}/${PIPELINE}-soak-recording`,
      `v1 ConfigMap ${NAMESPACE}/${PIPELINE}-dashboard`,
    ]);
  });

  it("selects the pipeline's vertex pods by the labels Numaflow sets, and scrapes HTTPS port metrics without verifying the self-signed certificate", () => {
    const { spec } = find<PodMonitorProps>(synth(), 'PodMonitor', `${PIPELINE}-vertices`);
    expect(spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/component': 'vertex',
      'app.kubernetes.io/managed-by': 'vertex-controller',
      'app.kubernetes.io/part-of': 'numaflow',
      'numaflow.numaproj.io/pipeline-name': PIPELINE,
    });
    expect(spec.namespaceSelector).toEqual({ matchNames: [NAMESPACE] });
    expect(spec.podMetricsEndpoints).toEqual([{ port: 'metrics', scheme: 'https', tlsConfig: { insecureSkipVerify: true }, interval: '30s' }]);
  });

  it('selects the JetStream buffer service by its Numaflow labels and scrapes its exporter over HTTP', () => {
    const { spec } = find<ServiceMonitorProps>(synth(), 'ServiceMonitor', `${BUFFER}-jetstream`);
    expect(spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/component': 'isbsvc',
      'app.kubernetes.io/managed-by': 'isbsvc-controller',
      'app.kubernetes.io/part-of': 'numaflow',
      'numaflow.numaproj.io/isbsvc-name': BUFFER,
      'numaflow.numaproj.io/isbsvc-type': 'jetstream',
    });
    expect(spec.namespaceSelector).toEqual({ matchNames: [NAMESPACE] });
    expect(spec.endpoints).toEqual([{ port: 'metrics', scheme: 'http', interval: '30s' }]);
  });

  it('scrapes the pipeline daemon, the only source of pipeline_processing_lag, on its HTTPS port tcp', () => {
    const { spec } = find<ServiceMonitorProps>(synth(), 'ServiceMonitor', `${PIPELINE}-daemon`);
    expect(spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/component': 'daemon',
      'app.kubernetes.io/managed-by': 'pipeline-controller',
      'app.kubernetes.io/part-of': 'numaflow',
      'numaflow.numaproj.io/pipeline-name': PIPELINE,
    });
    expect(spec.endpoints).toEqual([{ port: 'tcp', scheme: 'https', tlsConfig: { insecureSkipVerify: true }, interval: '30s' }]);
  });

  it('writes the scrape interval in canonical form, and widens rate windows to four intervals', () => {
    const objects = synth(withMonitoring(soakPlan(), { scrapeInterval: Duration.parse('90s') }));
    const intervals = objects.flatMap((o) =>
      o.kind === 'PodMonitor'
        ? (o.spec as PodMonitorProps['spec']).podMetricsEndpoints.map((e) => e.interval)
        : o.kind === 'ServiceMonitor'
          ? (o.spec as ServiceMonitorProps['spec']).endpoints.map((e) => e.interval)
          : [],
    );
    expect(intervals).toEqual(['1m30s', '1m30s', '1m30s']);
    expect(alertNamed('NumaflowSoakThroughputBelowTarget', objects).expr).toContain('[6m]');
  });

  it('emits nothing when monitoring is disabled', () => {
    expect(synth(withMonitoring(soakPlan(), { enabled: false }))).toEqual([]);
  });

  it('puts the plan labels and part-of numaflow-soak on every object, keys sorted, and the Grafana sidecar label on the dashboard', () => {
    const objects = synth(withMonitoring(soakPlan(), { labels: { team: 'data', release: 'kube-prometheus-stack' } }));
    expect(objects).toHaveLength(6);
    for (const object of objects) {
      const dashboard = object.kind === 'ConfigMap';
      expect(object.metadata.labels).toEqual({
        'app.kubernetes.io/part-of': 'numaflow-soak',
        ...(dashboard ? { grafana_dashboard: '1' } : {}),
        release: 'kube-prometheus-stack',
        team: 'data',
      });
      expect(Object.keys(object.metadata.labels)).toEqual(
        dashboard ? ['app.kubernetes.io/part-of', 'grafana_dashboard', 'release', 'team'] : ['app.kubernetes.io/part-of', 'release', 'team'],
      );
    }
  });

  it('refuses plan labels that would change part-of', () => {
    expect(() => synth(withMonitoring(soakPlan(), { labels: { 'app.kubernetes.io/part-of': 'something-else' } }))).toThrow(
      /monitoring\.labels sets app\.kubernetes\.io\/part-of: something-else/,
    );
  });

  it('synthesizes the same output twice', () => {
    expect(JSON.stringify(synth())).toBe(JSON.stringify(synth()));
  });

  describe('alerts', () => {
    it('alerts when the source reads below 45000 msg/s for the soak plan (90% of the 50000 msg/s target)', () => {
      const rule = alertNamed('NumaflowSoakThroughputBelowTarget');
      expect(Number(/< (\d+(\.\d+)?)$/.exec(rule.expr)?.[1])).toBe(45000);
      expect(rule.expr).toBe(
        `(sum(rate(forwarder_data_read_total{namespace="${NAMESPACE}", pipeline="${PIPELINE}", vertex="in"}[5m])) or vector(0)) < 45000`,
      );
    });

    it('renders a fractional throughput floor without float noise', () => {
      const plan = soakPlan();
      const fractional = withMonitoring(plan, { alerts: { ...plan.monitoring.alerts, throughputFloorPercent: 33 } });
      // 50000 × 33 / 100 = 16500 (whole); make the target fractional: 7 msg per 3s on one replica.
      const source = { ...plan.pipeline.source, scale: { min: 1, max: 1 }, generator: { ...plan.pipeline.source.generator, rpu: 7, duration: Duration.parse('3s') } };
      const rule = alertNamed('NumaflowSoakThroughputBelowTarget', synth({ ...fractional, pipeline: { ...fractional.pipeline, source } }));
      expect(rule.expr.endsWith('< 0.77')).toBe(true);
    });

    it('has the expected alerts, each with for, a severity, the namespace, a summary, a description and a runbook link', () => {
      const rules = alerts();
      expect(rules.map((r) => r.alert)).toEqual([
        'NumaflowSoakContainerRestarted',
        'NumaflowSoakOOMKilled',
        'NumaflowSoakThroughputBelowTarget',
        'NumaflowSoakBufferBackPressure',
        'NumaflowSoakProcessingLag',
        'NumaflowSoakMemoryNearLimit',
        'NumaflowSoakBufferVolumeFilling',
        'NumaflowSoakBufferVolumeFullIn6h',
        'NumaflowSoakErrors',
      ]);
      for (const rule of rules) {
        expect(rule.for).toBe(rule.alert === 'NumaflowSoakOOMKilled' ? '0s' : '10m');
        expect(['warning', 'critical']).toContain(rule.labels.severity);
        // namespace: an AlertmanagerConfig receives only alerts labelled with its own namespace.
        expect(rule.labels).toEqual({ namespace: NAMESPACE, severity: rule.labels.severity });
        expect(Object.keys(rule.annotations)).toEqual(['description', 'runbook_url', 'summary']);
        expect(rule.annotations.summary).toMatch(/\S/);
        expect(rule.annotations.description).toMatch(/\S/);
        expect(rule.annotations.runbook_url).toBe(`docs/runbook.md#${rule.alert.toLowerCase()}`);
      }
    });

    it('limits every series selector to the namespace and to the pipeline or the buffer service', () => {
      const scopes = [
        `pipeline="${PIPELINE}"`,
        `pod=~"${PIPELINE}-.*|isbsvc-${BUFFER}-js-.*"`,
        `buffer=~"${NAMESPACE}-${PIPELINE}-.*"`,
        `persistentvolumeclaim=~"isbsvc-${BUFFER}-js-vol-.*"`,
      ];
      for (const rule of alerts()) {
        const selectors = rule.expr.match(/[a-zA-Z_:][a-zA-Z0-9_:]*\{[^}]*\}/g) ?? [];
        expect(selectors.length).toBeGreaterThan(0);
        for (const selector of selectors) {
          expect(selector).toContain(`namespace="${NAMESPACE}"`);
          expect(scopes.some((scope) => selector.includes(scope))).toBe(true);
        }
      }
    });

    it('counts restarts and OOM kills of init containers too, since user containers are native sidecars', () => {
      const restarts = alertNamed('NumaflowSoakContainerRestarted').expr;
      expect(restarts).toContain('increase(kube_pod_container_status_restarts_total{');
      expect(restarts).toContain('increase(kube_pod_init_container_status_restarts_total{');
      expect(restarts).toContain('[15m]');
      const oom = alertNamed('NumaflowSoakOOMKilled').expr;
      expect(oom).toContain('kube_pod_container_status_last_terminated_reason{');
      expect(oom).toContain('kube_pod_init_container_status_last_terminated_reason{');
      expect(oom.match(/reason="OOMKilled"/g)).toHaveLength(2);
    });

    it('widens the restart window so a single restart outlasts a longer for', () => {
      const plan = soakPlan();
      const longFor = withMonitoring(plan, { alerts: { ...plan.monitoring.alerts, for: Duration.parse('30m') } });
      const rule = alertNamed('NumaflowSoakContainerRestarted', synth(longFor));
      expect(rule.for).toBe('30m');
      expect(rule.expr).toContain('[35m]');
      expect(rule.expr).not.toContain('[15m]');
    });

    it('renders the thresholds of the plan: lag in milliseconds, memory and volume as fractions', () => {
      expect(alertNamed('NumaflowSoakProcessingLag').expr).toBe(
        `max(pipeline_processing_lag{namespace="${NAMESPACE}", pipeline="${PIPELINE}"}) > 60000`,
      );
      expect(alertNamed('NumaflowSoakMemoryNearLimit').expr.endsWith('\n> 0.9')).toBe(true);
      expect(alertNamed('NumaflowSoakBufferVolumeFilling').expr.endsWith('\n> 0.8')).toBe(true);
    });

    it('divides memory by limit one to one: both sides reduced to namespace, pod and container, empty and pause containers left out', () => {
      const expr = alertNamed('NumaflowSoakMemoryNearLimit').expr;
      expect(expr).toContain('container!="", container!="POD"');
      expect(expr).toContain('/ on (namespace, pod, container)\n');
      expect(expr).not.toContain('group_left');
      expect(expr.match(/max by \(namespace, pod, container\)/g)).toHaveLength(2);
      expect(expr).toContain('kube_pod_init_container_resource_limits{');
    });

    it('watches back pressure by buffer name, the only label isb_jetstream_isFull_total carries', () => {
      expect(alertNamed('NumaflowSoakBufferBackPressure').expr).toBe(
        `sum by (buffer) (rate(isb_jetstream_isFull_total{namespace="${NAMESPACE}", buffer=~"${NAMESPACE}-${PIPELINE}-.*"}[5m])) > 0`,
      );
    });

    it('predicts a full buffer volume from the last 6 hours', () => {
      expect(alertNamed('NumaflowSoakBufferVolumeFullIn6h').expr).toContain('predict_linear(kubelet_volume_stats_available_bytes{');
      expect(alertNamed('NumaflowSoakBufferVolumeFullIn6h').expr).toMatch(/\[6h\], 6 \* 3600\)\) < 0$/);
    });

    it('sums the four error counters, each falling back to 0 so one missing counter cannot hide the others', () => {
      const expr = alertNamed('NumaflowSoakErrors').expr;
      for (const kind of ['read', 'write', 'udf', 'critical']) {
        expect(expr).toContain(`(sum(rate(forwarder_${kind}_error_total{namespace="${NAMESPACE}", pipeline="${PIPELINE}"}[5m])) or vector(0))`);
      }
      expect(expr.endsWith('\n> 0')).toBe(true);
    });

    it('writes only balanced PromQL', () => {
      expect(isBalanced('sum(rate(x{a="b"}[5m]))')).toBe(true);
      expect(isBalanced('sum(rate(x{a="b"}[5m])')).toBe(false);
      expect(isBalanced('x{a="b}')).toBe(false);
      expect(isBalanced('max(x[5m)]')).toBe(false);
      for (const rule of alerts()) expect({ alert: rule.alert, balanced: isBalanced(rule.expr) }).toEqual({ alert: rule.alert, balanced: true });
    });
  });
});

describe('alert routing', () => {
  const webhook: AlertRoutingPlan = {
    receiver: 'webhook',
    urlSecret: { name: 'soak-alerts', key: 'url' },
    severities: ['critical', 'warning'],
    sendResolved: true,
    groupWait: Duration.parse('30s'),
    groupInterval: Duration.parse('5m'),
    repeatInterval: Duration.parse('4h'),
  };
  const routed = (routing: AlertRoutingPlan) => synth(withMonitoring(soakPlan(), { alertRouting: routing }));
  const routingOf = (objects: readonly AnyManifest[]) => find<AlertmanagerConfigProps>(objects, 'AlertmanagerConfig', `${PIPELINE}-soak-routing`);

  it('is off by default: no AlertmanagerConfig', () => {
    expect(soakPlan().monitoring.alertRouting).toBeUndefined();
    expect(synth().filter((o) => o.kind === 'AlertmanagerConfig')).toEqual([]);
  });

  it('routes every soak alert of the chosen severities to a webhook whose URL is read from a Secret', () => {
    const objects = routed(webhook);
    const config = routingOf(objects);
    expect(config.apiVersion).toBe('monitoring.coreos.com/v1alpha1');
    expect(config.metadata.namespace).toBe(NAMESPACE);
    expect(config.spec.route).toEqual({
      receiver: 'numaflow-soak',
      groupBy: ['alertname', 'namespace'],
      groupWait: '30s',
      groupInterval: '5m',
      repeatInterval: '4h',
      matchers: [
        { name: 'alertname', matchType: '=~', value: alerts(objects).map((a) => a.alert).join('|') },
        { name: 'severity', matchType: '=~', value: 'critical|warning' },
      ],
    });
    expect(config.spec.receivers).toEqual([{ name: 'numaflow-soak', webhookConfigs: [{ urlSecret: { name: 'soak-alerts', key: 'url' }, sendResolved: true }] }]);
    // The operator only lets through alerts labelled with the object's namespace: all of them are.
    for (const rule of alerts(objects)) expect(rule.labels.namespace).toBe(config.metadata.namespace);
  });

  it('posts to Slack with the summary, description and runbook link of each alert, to a channel if given', () => {
    const config = routingOf(routed({ ...webhook, receiver: 'slack', slackChannel: '#soak', severities: ['critical'] }));
    expect(config.spec.route.matchers[1]).toEqual({ name: 'severity', matchType: '=~', value: 'critical' });
    expect(config.spec.receivers).toEqual([
      { name: 'numaflow-soak', slackConfigs: [{ apiURL: { name: 'soak-alerts', key: 'url' }, sendResolved: true, channel: '#soak', text: SLACK_TEXT }] },
    ]);
    expect(SLACK_TEXT).toContain('{{ .Annotations.runbook_url }}');
  });

  it('never writes a URL into the manifest', () => {
    const text = JSON.stringify(routingOf(routed(webhook)));
    expect(text).not.toMatch(/https?:/);
  });
});

// ---------------------------------------------------------------------------------------
// Schema validation against @kubernetes-models/prometheus-operator (CRDs of operator v0.65.1)

/**
 * Paths of fields in `Ours` that `Theirs` does not declare, e.g. `.spec.podMetricEndpoints`;
 * `never` when every field is known. Walks objects and arrays; index signatures accept any key.
 */
type UnknownFields<Ours, Theirs, Path extends string = ''> = Ours extends readonly (infer O)[]
  ? Theirs extends readonly (infer T)[]
    ? UnknownFields<O, T, `${Path}[]`>
    : never
  : Ours extends object
    ? {
        [K in keyof Ours & string]-?: K extends keyof Theirs
          ? UnknownFields<NonNullable<Ours[K]>, NonNullable<Theirs[K]>, `${Path}.${K}`>
          : `${Path}.${K}`;
      }[keyof Ours & string]
    : never;

/** `true` when `Ours` declares only fields `Theirs` knows; otherwise names the unknown ones. */
type OnlyKnownFields<Ours, Theirs> = [UnknownFields<Ours, Theirs>] extends [never] ? true : { unknownFields: UnknownFields<Ours, Theirs> };

const UPSTREAM = {
  PodMonitor: UpstreamPodMonitor,
  ServiceMonitor: UpstreamServiceMonitor,
  PrometheusRule: UpstreamPrometheusRule,
  AlertmanagerConfig: UpstreamAlertmanagerConfig,
} as const;

function validateUpstream(object: { kind: string }): void {
  const Model = UPSTREAM[object.kind as keyof typeof UPSTREAM];
  if (!Model) throw new Error(`no upstream model for kind ${object.kind}`);
  new Model(object as any).validate();
}

describe('schema validation', () => {
  it('every synthesized object passes the upstream prometheus-operator schema (the dashboard ConfigMap: kubernetes-models)', () => {
    const alertRouting: AlertRoutingPlan = {
      receiver: 'slack',
      urlSecret: { name: 'soak-alerts', key: 'url' },
      slackChannel: '#soak',
      severities: ['critical', 'warning'],
      sendResolved: true,
      groupWait: Duration.parse('30s'),
      groupInterval: Duration.parse('5m'),
      repeatInterval: Duration.parse('4h'),
    };
    const objects = synth(withMonitoring(soakPlan(), { labels: { release: 'kube-prometheus-stack' }, alertRouting }));
    expect(objects.map((o) => o.kind)).toEqual(['PodMonitor', 'ServiceMonitor', 'ServiceMonitor', 'PrometheusRule', 'PrometheusRule', 'ConfigMap', 'AlertmanagerConfig']);
    for (const object of objects) {
      if (object.kind === 'ConfigMap') expect(validateCoreObject(object)).toBe(true);
      else expect(() => validateUpstream(object)).not.toThrow();
    }
  });

  it('the upstream validator rejects an AlertmanagerConfig matcher type outside its enum', () => {
    const config = synth(withMonitoring(soakPlan(), {
      alertRouting: {
        receiver: 'webhook',
        urlSecret: { name: 'soak-alerts', key: 'url' },
        severities: ['critical'],
        sendResolved: true,
        groupWait: Duration.parse('30s'),
        groupInterval: Duration.parse('5m'),
        repeatInterval: Duration.parse('4h'),
      },
    })).find((o) => o.kind === 'AlertmanagerConfig') as Manifest<AlertmanagerConfigProps>;
    const bad = { ...config, spec: { ...config.spec, route: { ...config.spec.route, matchers: [{ name: 'alertname', matchType: '~=', value: 'x' }] } } };
    expect(() => validateUpstream(bad)).toThrow(/matchType must be equal to one of the allowed values/);
  });

  it('the upstream validator rejects a misspelled required field, a value outside an enum and a malformed duration', () => {
    const podMonitor = find<PodMonitorProps>(synth(), 'PodMonitor', `${PIPELINE}-vertices`);
    const { podMetricsEndpoints, ...rest } = podMonitor.spec;
    const misspelled = { ...podMonitor, spec: { ...rest, podMetricEndpoints: podMetricsEndpoints } };
    expect(() => validateUpstream(misspelled)).toThrow(/must have required property podMetricsEndpoints/);

    const badScheme = { ...podMonitor, spec: { ...podMonitor.spec, podMetricsEndpoints: [{ ...podMetricsEndpoints[0], scheme: 'htps' }] } };
    expect(() => validateUpstream(badScheme)).toThrow(/scheme must be equal to one of the allowed values/);

    const badInterval = { ...podMonitor, spec: { ...podMonitor.spec, podMetricsEndpoints: [{ ...podMetricsEndpoints[0], interval: '30 s' }] } };
    expect(() => validateUpstream(badInterval)).toThrow(/interval must match pattern/);
  });

  it('the upstream validator lets unknown fields through, so field names are checked against the upstream types at compile time', () => {
    // Limitation: the package's compiled validators do not set additionalProperties: false,
    // so a misspelled optional field such as `tlsConfg` validates (and the API server would
    // prune it silently). The interfaces in src/monitoring/prometheus-operator.ts are checked
    // against the package's published types below instead; `tsc` fails on a field they lack.
    const podMonitor = find<PodMonitorProps>(synth(), 'PodMonitor', `${PIPELINE}-vertices`);
    const { tlsConfig, ...endpoint } = podMonitor.spec.podMetricsEndpoints[0];
    const typo = { ...podMonitor, spec: { ...podMonitor.spec, podMetricsEndpoints: [{ ...endpoint, tlsConfg: tlsConfig }] } };
    expect(() => validateUpstream(typo)).not.toThrow();

    const knownUpstream: [
      OnlyKnownFields<PodMonitorProps, IPodMonitor>,
      OnlyKnownFields<ServiceMonitorProps, IServiceMonitor>,
      OnlyKnownFields<PrometheusRuleProps, IPrometheusRule>,
      OnlyKnownFields<AlertmanagerConfigProps, IAlertmanagerConfig>,
    ] = [true, true, true, true];
    // @ts-expect-error: proves the check bites: `podMetricEndpoints` is not a PodMonitor field.
    const misspelled: OnlyKnownFields<{ spec: { podMetricEndpoints: [] } }, IPodMonitor> = true;
    expect([...knownUpstream, misspelled]).toEqual([true, true, true, true, true]);
  });
});
