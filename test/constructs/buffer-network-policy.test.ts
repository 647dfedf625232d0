/**
 * The buffer service's NetworkPolicy, tested as data: the exact allow-list (each client and
 * its one port), nothing broader (no empty `from`, no open port, no ipBlock), and, evaluated
 * with NetworkPolicy's own semantics, which pods the Numaflow v1.8.3 controller builds
 * (test/support/controller-pods.ts, labels as upstream sets them) reach which port.
 */
import { JETSTREAM_PORTS, NAMESPACE_NAME_LABEL } from '../../src/constructs/buffer-network-policy';
import { listVariants, parsePlan } from '../../src/plan/load';
import { patchedSoak } from '../plan/helpers';
import { controllerPods } from '../support/controller-pods';
import { validateCoreObject } from '../support/kube';
import { find, synthPlan, synthVariant, type Manifest } from '../support/synth';

type Labels = Readonly<Record<string, string>>;
interface Peer {
  readonly podSelector?: { readonly matchLabels?: Labels };
  readonly namespaceSelector?: { readonly matchLabels?: Labels };
  readonly ipBlock?: unknown;
}
interface Rule {
  readonly from?: readonly Peer[];
  readonly ports?: ReadonlyArray<{ readonly port?: number | string; readonly protocol?: string; readonly endPort?: number }>;
}

/** A pod somewhere in the cluster: its namespace (and that namespace's name label) and its labels. */
interface ClusterPod {
  readonly namespace: string;
  readonly labels: Labels;
}

const matches = (selector: { readonly matchLabels?: Labels } | undefined, labels: Labels) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/**
 * The ports of the policy's pods a pod may reach, by the NetworkPolicy rules
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/): a peer with
 * only a podSelector selects pods of the policy's namespace; with a namespaceSelector too,
 * pods matching both; every namespace carries kubernetes.io/metadata.name.
 */
function admittedPorts(policy: Manifest, pod: ClusterPod): number[] {
  const rules: readonly Rule[] = policy.spec.ingress ?? [];
  const admitted = rules.filter((rule) =>
    (rule.from ?? []).some((peer) => {
      const inNamespace = peer.namespaceSelector ? matches(peer.namespaceSelector, { [NAMESPACE_NAME_LABEL]: pod.namespace }) : pod.namespace === policy.metadata.namespace;
      return inNamespace && matches(peer.podSelector, pod.labels);
    }),
  );
  return [...new Set(admitted.flatMap((r) => (r.ports ?? []).map((p) => Number(p.port))))].sort();
}

/** A Prometheus pod of the kube-prometheus-stack 70.4.1 release the Pulumi program installs (prometheus-operator v0.81.0 makeSelectorLabels, BuildPodMetadata). */
const KUBE_PROMETHEUS_STACK_POD: ClusterPod = {
  namespace: 'monitoring',
  labels: {
    'app.kubernetes.io/instance': 'kube-prometheus-stack-prometheus',
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/name': 'prometheus',
    'app.kubernetes.io/version': '3.2.1',
    'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus',
    'operator.prometheus.io/shard': '0',
    prometheus: 'kube-prometheus-stack-prometheus',
  },
};

describe.each(listVariants())('the %s variant', (variant) => {
  const objects = synthVariant(variant);
  const policy = find(objects, 'NetworkPolicy');
  const pipeline = find(objects, 'Pipeline');
  const isbsvc = find(objects, 'InterStepBufferService');
  const namespace = find(objects, 'Namespace').metadata.name;
  const pods = controllerPods(pipeline, isbsvc);
  const jetStreamPod = pods.find((p) => p.owner.startsWith('InterStepBufferService'))!;

  test('validates with kubernetes-models and lives in the plan namespace', () => {
    expect(validateCoreObject(policy)).toBe(true);
    expect(policy.metadata).toMatchObject({ name: `isbsvc-${isbsvc.metadata.name}-js-ingress`, namespace });
  });

  test('selects the JetStream pods the controller builds, and only for ingress', () => {
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.egress).toBeUndefined();
    expect(matches(policy.spec.podSelector, jetStreamPod.labels)).toBe(true);
    for (const pod of pods.filter((p) => p !== jetStreamPod)) expect({ pod: pod.owner, selected: matches(policy.spec.podSelector, pod.labels) }).toEqual({ pod: pod.owner, selected: false });
  });

  test('admits exactly: vertex pods, daemon and buffer Jobs to 4222, JetStream peers to 6222, Prometheus to 7777', () => {
    const pl = pipeline.metadata.name;
    const numaflow = { 'app.kubernetes.io/part-of': 'numaflow', 'numaflow.numaproj.io/pipeline-name': pl };
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { ...numaflow, 'app.kubernetes.io/component': 'vertex', 'app.kubernetes.io/managed-by': 'vertex-controller' } } }],
        ports: [{ protocol: 'TCP', port: 4222 }],
      },
      {
        from: [{ podSelector: { matchLabels: { ...numaflow, 'app.kubernetes.io/component': 'daemon', 'app.kubernetes.io/managed-by': 'pipeline-controller' } } }],
        ports: [{ protocol: 'TCP', port: 4222 }],
      },
      {
        from: [{ podSelector: { matchLabels: { ...numaflow, 'app.kubernetes.io/component': 'job', 'app.kubernetes.io/managed-by': 'pipeline-controller' } } }],
        ports: [{ protocol: 'TCP', port: 4222 }],
      },
      { from: [{ podSelector: { matchLabels: policy.spec.podSelector.matchLabels } }], ports: [{ protocol: 'TCP', port: 6222 }] },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 7777 }],
      },
    ]);
  });

  test('allows nothing broader: every rule names its peers and one TCP port of JetStream, no ipBlock, no empty selector', () => {
    const rules: readonly Rule[] = policy.spec.ingress;
    for (const [i, rule] of rules.entries()) {
      expect({ i, from: (rule.from ?? []).length }).toEqual({ i, from: 1 });
      expect({ i, ports: (rule.ports ?? []).length }).toEqual({ i, ports: 1 });
      const [port] = rule.ports!;
      expect(port.protocol).toBe('TCP');
      expect(port.endPort).toBeUndefined();
      expect([JETSTREAM_PORTS.client, JETSTREAM_PORTS.cluster, JETSTREAM_PORTS.metrics]).toContain(port.port);
      for (const peer of rule.from!) {
        expect(peer.ipBlock).toBeUndefined();
        expect(Object.keys(peer.podSelector?.matchLabels ?? {}).length).toBeGreaterThan(0);
        if (peer.namespaceSelector) expect(Object.keys(peer.namespaceSelector.matchLabels ?? {})).toEqual([NAMESPACE_NAME_LABEL]);
      }
    }
    expect(rules.flatMap((r) => r.ports ?? []).map((p) => p.port)).not.toContain(JETSTREAM_PORTS.monitor);
  });

  test.each([
    ['vertex', [4222]],
    ['daemon', [4222]],
    ['Job isbsvc-create', [4222]],
    ['Job isbsvc-delete', [4222]],
    ['InterStepBufferService', [6222]],
  ])('a %s pod the controller builds reaches exactly %j', (owner, ports) => {
    const ofOwner = pods.filter((p) => p.owner.startsWith(owner));
    expect(ofOwner.length).toBeGreaterThan(0);
    for (const pod of ofOwner) expect({ pod: pod.owner, ports: admittedPorts(policy, { namespace, labels: pod.labels }) }).toEqual({ pod: pod.owner, ports });
  });

  test('the kube-prometheus-stack Prometheus reaches the exporter (7777) and nothing else', () => {
    expect(admittedPorts(policy, KUBE_PROMETHEUS_STACK_POD)).toEqual([7777]);
  });

  test('no one else gets in: another pipeline, the Numaflow controller, an unlabelled pod, Prometheus labels in another namespace', () => {
    const other = structuredClone(pipeline);
    other.metadata.name = 'other-pipeline';
    for (const pod of controllerPods(other, isbsvc).filter((p) => !p.owner.startsWith('InterStepBufferService'))) {
      expect({ pod: `other-pipeline ${pod.owner}`, ports: admittedPorts(policy, { namespace, labels: pod.labels }) }).toEqual({ pod: `other-pipeline ${pod.owner}`, ports: [] });
    }
    // The controller Deployment's pod labels (config/base/controller-manager/controller-manager-deployment.yaml).
    const controller = { namespace: 'numaflow-system', labels: { 'app.kubernetes.io/component': 'controller-manager', 'app.kubernetes.io/name': 'controller-manager', 'app.kubernetes.io/part-of': 'numaflow' } };
    expect(admittedPorts(policy, controller)).toEqual([]);
    expect(admittedPorts(policy, { namespace, labels: {} })).toEqual([]);
    expect(admittedPorts(policy, { ...KUBE_PROMETHEUS_STACK_POD, namespace })).toEqual([]);
    // A vertex pod's labels from another namespace do not count either.
    const vertexPod = pods.find((p) => p.owner.startsWith('vertex'))!;
    expect(admittedPorts(policy, { namespace: 'elsewhere', labels: vertexPod.labels })).toEqual([]);
  });
});

describe('plan switches', () => {
  const synth = (patch: Parameters<typeof patchedSoak>[0]) => synthPlan(parsePlan(patchedSoak(patch), 'network-policy').plan);

  test('buffer.networkPolicy: false emits no NetworkPolicy and changes nothing else', () => {
    const on = synth([]);
    const off = synth([{ path: 'buffer.networkPolicy', value: false }]);
    expect(off.some((o) => o.kind === 'NetworkPolicy')).toBe(false);
    expect(off).toEqual(on.filter((o) => o.kind !== 'NetworkPolicy'));
  });

  test('the switch is on by default (the stack files leave it unset)', () => {
    expect((patchedSoak([]).buffer as Record<string, unknown>).networkPolicy).toBeUndefined();
    expect(synth([]).filter((o) => o.kind === 'NetworkPolicy')).toHaveLength(1);
  });

  test('with monitoring off, no scrape is admitted', () => {
    const policy = find(synth([{ path: 'monitoring', value: { enabled: false } }]), 'NetworkPolicy');
    expect(policy.spec.ingress.map((r: Rule) => r.ports![0].port)).toEqual([4222, 4222, 4222, 6222]);
    expect(admittedPorts(policy, KUBE_PROMETHEUS_STACK_POD)).toEqual([]);
  });

  test('the Prometheus namespace and pod labels come from monitoring.prometheus', () => {
    const objects = synth([{ path: 'monitoring.prometheus', value: { namespace: 'observability', podLabels: { app: 'prom' } } }]);
    const policy = find(objects, 'NetworkPolicy');
    expect(validateCoreObject(policy)).toBe(true);
    expect(policy.spec.ingress[4].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: { app: 'prom' } } }]);
    expect(admittedPorts(policy, { namespace: 'observability', labels: { app: 'prom', other: 'x' } })).toEqual([7777]);
    expect(admittedPorts(policy, KUBE_PROMETHEUS_STACK_POD)).toEqual([]);
  });

  test('the defaults are kube-prometheus-stack in namespace monitoring', () => {
    expect((patchedSoak([]).monitoring as Record<string, unknown>).prometheus).toBeUndefined();
    const plan = parsePlan(patchedSoak([]), 'defaults').plan;
    expect(plan.monitoring.prometheus).toEqual({
      namespace: 'monitoring',
      podLabels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' },
    });
  });
});
