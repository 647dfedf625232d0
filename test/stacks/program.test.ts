/**
 * The Pulumi program under `pulumi.runtime.setMocks`: for each stack file, the resource
 * graph it registers, in order, with its protection, and equal to what `cdk8s synth` writes.
 */
import * as pulumi from '@pulumi/pulumi';
import { objectOptions, checkBufferShrink, BUFFER_REPLACE_ON_CHANGES } from '../../stacks/soak-program';
import { synthVariant, type Manifest } from '../support/synth';
import { runStack, stackFileConfig, type Registered } from './harness';

const k8sObjects = (registered: Registered[]) => registered.filter((r) => r.custom && r.type.startsWith('kubernetes:'));
/** Each variant's own namespace (numaflow-<stack>, the loader's default). */
const NAMESPACE: Record<string, string> = { soak: 'numaflow-soak', rightsized: 'numaflow-rightsized' };
const key = (o: { apiVersion: string; kind: string; metadata: { namespace?: string; name: string } }) =>
  `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** ConfigGroup.getResource is typed for built-in kinds only; custom resources use the same lookup. */
type AnyGetResource = (groupVersionKind: string, namespace: string, name: string) => pulumi.Output<pulumi.CustomResource>;

function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((res) => output.apply((v) => res(v)));
}

describe.each(['soak', 'rightsized'])('the %s stack', (stack) => {
  let run: Awaited<ReturnType<typeof runStack>>;
  beforeAll(async () => {
    run = await runStack(stack, stackFileConfig(stack));
  });

  test('runs without error', () => {
    expect(run.error).toBeUndefined();
  });

  test('registers each Kubernetes object as its own resource, equal to what cdk8s synth writes', () => {
    const synthesized = synthVariant(stack);
    const registered = k8sObjects(run.registered).map((r) => r.inputs as Manifest);
    expect(registered.map(key).sort()).toEqual(synthesized.map(key).sort());
    const byKey = new Map(registered.map((o) => [key(o), o]));
    for (const o of synthesized) expect(byKey.get(key(o))).toEqual(o);
  });

  test('registers in order: namespace and quota, buffer service, pipeline, monitoring', () => {
    const ns = NAMESPACE[stack];
    const names = run.registered.map((r) => `${r.type.split(':').pop()}:${r.name}`);
    const at = (n: string) => {
      const i = names.indexOf(n);
      expect(i).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(at(`Namespace:${ns}`)).toBeLessThan(at(`InterStepBufferService:${ns}/soak-isb`));
    expect(at(`InterStepBufferService:${ns}/soak-isb`)).toBeLessThan(at(`Pipeline:${ns}/batch-map-soak`));
    expect(at(`Pipeline:${ns}/batch-map-soak`)).toBeLessThan(at(`PrometheusRule:${ns}/batch-map-soak-soak`));
  });

  test('installs nothing cluster-wide: no Numaflow manifest, no Helm release, no CRD, one provider', () => {
    expect(run.registered.filter((r) => /ConfigFile|Release|CustomResourceDefinition/.test(r.type) || r.name === 'numaflow-system')).toEqual([]);
    expect(run.registered.filter((r) => r.type === 'pulumi:providers:kubernetes').map((r) => r.name)).toEqual(['kubernetes']);
  });

  test('protects the buffer service and its namespace, and not the pipeline', async () => {
    const layers = run.deployment!.layers;
    const isb = (layers.buffer.getResource as AnyGetResource)('numaflow.numaproj.io/v1alpha1/InterStepBufferService', NAMESPACE[stack], 'soak-isb');
    const ns = layers.cluster.getResource('v1/Namespace', NAMESPACE[stack]);
    const pipeline = (layers.pipeline.getResource as AnyGetResource)('numaflow.numaproj.io/v1alpha1/Pipeline', NAMESPACE[stack], 'batch-map-soak');
    expect(await resolve(isb.apply((r) => (r as any).__protect))).toBe(true);
    expect(await resolve(ns.apply((r) => (r as any).__protect))).toBe(true);
    expect(await resolve(pipeline.apply((r) => (r as any).__protect))).toBeFalsy();
  });

  test('exports what a user wants after up', () => {
    expect(run.outputs).toMatchObject({
      namespace: NAMESPACE[stack],
      pipelineName: 'batch-map-soak',
      bufferServiceName: 'soak-isb',
      bufferReplicas: 3,
      // Pods at scale.max: 10 + 18 + 6 vertex pods in soak, 10 + 23 + 8 in rightsized (the
      // recommender leaves the autoscaler 25% above the replicas the target needs), plus the
      // daemon and 3 JetStream nodes.
      pods: stack === 'soak' ? 38 : 45,
      nodeEstimate: { shape: '32-vcpu-128gib' },
    });
    expect(run.outputs.requests.cpuCores).toBeGreaterThan(0);
    expect(run.outputs.limits.cpuCores).toBeGreaterThanOrEqual(run.outputs.requests.cpuCores);
    expect(run.outputs.nodeEstimate.nodes).toBeGreaterThanOrEqual(run.outputs.nodeEstimate.lowerBound);
  });
});

test('the rightsized stack requests less CPU and memory than the soak stack', async () => {
  const soak = await runStack('soak', stackFileConfig('soak'));
  const right = await runStack('rightsized', stackFileConfig('rightsized'));
  expect(right.outputs.requests.cpuCores).toBeLessThan(soak.outputs.requests.cpuCores);
  expect(right.outputs.requests.memoryGiB).toBeLessThan(soak.outputs.requests.memoryGiB);
});

describe('a broken stack file', () => {
  test('fails with the loader\'s message before any resource is registered', async () => {
    const config = stackFileConfig('soak');
    (config['numaflow-soak:plan'] as any).buffer.containers.main.limits.memory = '16GB';
    const run = await runStack('soak', config);
    expect(run.error?.message).toMatch(/invalid plan in stack soak[\s\S]*numaflow-soak:plan\.buffer\.containers\.main\.limits\.memory: expected a byte quantity/);
    expect(run.registered).toEqual([]);
  });

  test('refuses an unknown config key of this project', async () => {
    const config = { ...stackFileConfig('soak'), 'numaflow-soak:protectBufer': false };
    const run = await runStack('soak', config);
    expect(run.error?.message).toMatch(/config\.numaflow-soak:protectBufer: unknown config key/);
    expect(run.registered).toEqual([]);
  });

  test('refuses a cluster-wide install in a variant, naming the platform stack as its owner', async () => {
    const config = { ...stackFileConfig('soak'), 'numaflow-soak:installNumaflow': true };
    const run = await runStack('soak', config);
    expect(run.error?.message).toMatch(/numaflow-soak:installNumaflow: a variant stack installs nothing cluster-wide: .* the platform stack \(numaflow-soak:role: platform/);
    expect(run.registered).toEqual([]);
  });

  test('refuses the platform stack\'s config in the variant program', async () => {
    const run = await runStack('platform', stackFileConfig('platform'));
    expect(run.error?.message).toMatch(/numaflow-soak:role: this is the platform stack: it holds no plan/);
    expect(run.registered).toEqual([]);
  });

  test('refuses protectBuffer: "nope" as a deployment-setting error, as cdk8s synth and the commands do', async () => {
    const run = await runStack('soak', { ...stackFileConfig('soak'), 'numaflow-soak:protectBuffer': 'nope' });
    expect(run.error?.message).toBe(
      'invalid deployment settings in stack soak (stacks/Pulumi.soak.yaml) (1 error):\n  - numaflow-soak:protectBuffer: expected boolean (true or false), got string "nope"',
    );
    expect(run.registered).toEqual([]);
  });

  test('refuses a stack without a plan', async () => {
    const config = { ...stackFileConfig('soak') };
    delete config['numaflow-soak:plan'];
    const run = await runStack('soak', config);
    expect(run.error?.message).toMatch(/numaflow-soak:plan: required, but missing/);
  });
});

describe('deployment settings', () => {
  test('with monitoring disabled, no monitoring objects and no Prometheus operator', async () => {
    const config = stackFileConfig('soak');
    (config['numaflow-soak:plan'] as any).monitoring = { enabled: false };
    const run = await runStack('soak', config);
    expect(run.registered.some((r) => r.type.includes('monitoring.coreos.com') || r.type.includes('helm'))).toBe(false);
  });

  test('passes kubeconfig context and render directory to the provider', async () => {
    const config = { ...stackFileConfig('soak'), 'numaflow-soak:context': 'kind-soak', 'numaflow-soak:renderYamlToDirectory': 'rendered' };
    const run = await runStack('soak', config);
    const provider = run.registered.find((r) => r.type === 'pulumi:providers:kubernetes' && r.name === 'kubernetes');
    expect(provider?.inputs).toMatchObject({ context: 'kind-soak', renderYamlToDirectory: 'rendered' });
  });

  test('reads "false" as pulumi config set writes it', async () => {
    const run = await runStack('rightsized', { ...stackFileConfig('rightsized'), 'numaflow-soak:protectBuffer': 'false' });
    expect(run.error).toBeUndefined();
    const isb = (run.deployment!.layers.buffer.getResource as AnyGetResource)('numaflow.numaproj.io/v1alpha1/InterStepBufferService', 'numaflow-rightsized', 'soak-isb');
    expect(await resolve(isb.apply((r) => (r as any).__protect))).toBe(false);
  });

  test('with protection off, the buffer service is not protected', async () => {
    const run = await runStack('rightsized', { ...stackFileConfig('rightsized'), 'numaflow-soak:protectBuffer': false });
    const isb = (run.deployment!.layers.buffer.getResource as AnyGetResource)('numaflow.numaproj.io/v1alpha1/InterStepBufferService', 'numaflow-rightsized', 'soak-isb');
    expect(await resolve(isb.apply((r) => (r as any).__protect))).toBeFalsy();
  });
});

describe('the kubeconfig', () => {
  /** A kubeconfig in JSON, as `kubectl config view --raw -o json` prints it, with a credential. */
  const KUBECONFIG = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'soak', cluster: { server: 'https://127.0.0.1:6443' } }],
    contexts: [{ name: 'soak', context: { cluster: 'soak', user: 'soak' } }],
    'current-context': 'soak',
    users: [{ name: 'soak', user: { token: 'secret-token' } }],
  });
  const KEY = 'numaflow-soak:kubeconfig';
  /** A secret input as the engine receives it (and the mock sees it): wrapped, with Pulumi's secret signature. */
  const secret = (value: string) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });
  const providerKubeconfigs = (run: Awaited<ReturnType<typeof runStack>>) =>
    Object.fromEntries(run.registered.filter((r) => r.type === 'pulumi:providers:kubernetes').map((r) => [r.name, r.inputs.kubeconfig]));

  test('reaches the provider as a secret when set with --secret', async () => {
    const run = await runStack('soak', { ...stackFileConfig('soak'), [KEY]: KUBECONFIG }, {}, [KEY]);
    expect(run.error).toBeUndefined();
    expect(providerKubeconfigs(run)).toEqual({ kubernetes: secret(KUBECONFIG) });
  });

  test('reaches the provider as a secret even when set in plain text', async () => {
    const run = await runStack('soak', { ...stackFileConfig('soak'), [KEY]: KUBECONFIG });
    expect(providerKubeconfigs(run)).toEqual({ kubernetes: secret(KUBECONFIG) });
  });

  test('appears nowhere in plain text among the registered inputs', async () => {
    const run = await runStack('soak', { ...stackFileConfig('soak'), [KEY]: KUBECONFIG }, {}, [KEY]);
    /** The value with every secret replaced by a marker: what would be stored in plain text. */
    const plainPart = (value: unknown): unknown => {
      if (typeof value !== 'object' || value === null) return value;
      if ((value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return '[secret]';
      return Array.isArray(value) ? value.map(plainPart) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainPart(v)]));
    };
    expect(JSON.stringify(run.registered.map((r) => r.inputs))).toContain('secret-token');
    expect(JSON.stringify(run.registered.map((r) => plainPart(r.inputs)))).not.toContain('secret-token');
  });

  test('may be a path or YAML text as well as JSON text', async () => {
    for (const kubeconfig of ['/home/soak/.kube/config', 'apiVersion: v1\nkind: Config\n']) {
      const run = await runStack('soak', { ...stackFileConfig('soak'), [KEY]: kubeconfig }, {}, [KEY]);
      expect(run.error).toBeUndefined();
      expect(providerKubeconfigs(run).kubernetes).toEqual(secret(kubeconfig));
    }
  });

  test('is left to the provider (the ambient kubeconfig) when unset', async () => {
    const run = await runStack('soak', stackFileConfig('soak'));
    expect(providerKubeconfigs(run).kubernetes).toBe(process.env.KUBECONFIG);
  });
});

describe('JetStream node count', () => {
  const withReplicas = (n: number) => {
    const config = stackFileConfig('soak');
    (config['numaflow-soak:plan'] as any).buffer.replicas = n;
    return config;
  };

  test('refuses to take away two nodes in one update, reading the last update\'s outputs', async () => {
    const run = await runStack('soak', withReplicas(3), { bufferReplicas: 5 });
    expect(run.error?.message).toMatch(/runs 5 JetStream nodes; going to 3 would take away 2 at once/);
    expect(run.registered.filter((r) => r.type.startsWith('kubernetes:'))).toEqual([]);
  });

  test('allows one node less, the same count, more nodes, and a first deployment', async () => {
    for (const [previous, next] of [[4, 3], [3, 3], [3, 5]] as const) {
      const run = await runStack('soak', withReplicas(next), { bufferReplicas: previous });
      expect(run.error).toBeUndefined();
    }
    expect((await runStack('soak', withReplicas(3), {})).error).toBeUndefined();
  });

  test('the rule itself', () => {
    expect(() => checkBufferShrink(7, 5)).toThrow(/7 -> 6/);
    expect(() => checkBufferShrink(undefined, 1)).not.toThrow();
    expect(() => checkBufferShrink(2, 1)).not.toThrow();
  });
});

describe('resource options per object', () => {
  const settings = { protectBuffer: true };
  const obj = (kind: string) => ({ apiVersion: 'x', kind, metadata: { name: 'n' } });
  const deps = [] as pulumi.Resource[];

  test('the buffer service is protected, retained on delete, and replaced when persistence or encryption changes', () => {
    expect(objectOptions(obj('InterStepBufferService'), settings, deps)).toEqual({
      dependsOn: deps,
      protect: true,
      retainOnDelete: true,
      replaceOnChanges: BUFFER_REPLACE_ON_CHANGES,
      deleteBeforeReplace: true,
    });
    expect(BUFFER_REPLACE_ON_CHANGES).toEqual(['spec.jetstream.persistence', 'spec.jetstream.encryption']);
  });

  test('the namespace holding the volumes is protected and retained on delete', () => {
    expect(objectOptions(obj('Namespace'), settings, deps)).toMatchObject({ protect: true, retainOnDelete: true });
  });

  test('a pipeline is replaced, not updated, when its buffer service changes', () => {
    expect(objectOptions(obj('Pipeline'), settings, deps)).toEqual({
      dependsOn: deps,
      replaceOnChanges: ['spec.interStepBufferServiceName'],
      deleteBeforeReplace: true,
    });
  });

  test('other objects only wait for their layer\'s dependencies', () => {
    expect(objectOptions(obj('PodDisruptionBudget'), settings, deps)).toEqual({ dependsOn: deps });
  });

  test('retention stays on when protection is off', () => {
    expect(objectOptions(obj('InterStepBufferService'), { ...settings, protectBuffer: false }, deps)).toMatchObject({ protect: false, retainOnDelete: true });
  });
});
