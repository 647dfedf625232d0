/**
 * The platform stack (stacks/platform-program.ts) under `pulumi.runtime.setMocks`: it alone
 * installs what is cluster-wide, keeps the CRDs on delete, and holds no plan; and the
 * variants, each in its own namespace, claim no object another variant claims.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { CRD_TYPE, retainCrds, variantPlans } from '../../stacks/platform-program';
import { prometheusSizing, prometheusStackValues } from '../../src/monitoring/prometheus-stack-values';
import { discoverStacks } from '../../src/plan/load';
import { ROOT } from '../support/synth';
import { runStack, stackFileConfig, type Registered } from './harness';

interface PlatformRun {
  readonly registered: Registered[];
  /** Per `type::name`, how many transforms the engine was asked to apply to the resource and its children. */
  readonly transforms: ReadonlyMap<string, number>;
  /** The transform functions registered with the engine, in order. */
  readonly transformFns: readonly pulumi.ResourceTransform[];
  readonly outputs: Record<string, any>;
  readonly error?: Error;
}

/** The platform program with `config`, as the CLI would hand it over (strings, JSON for structured values). */
async function runPlatform(config: Record<string, unknown>): Promise<PlatformRun> {
  jest.resetModules();
  const sdk = await import('@pulumi/pulumi');
  sdk.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])), []);
  const registered: Registered[] = [];
  await sdk.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    'numaflow-soak',
    'platform',
    false,
    'organization',
  );
  // The mocks' engine does not run transforms (setMocks turns them off); the Pulumi CLI does,
  // and applies them to the children of packaged components such as yaml/v2's ConfigFile. So
  // this stands in for the engine's callback registry: it records each transform registered.
  const state = (await import('@pulumi/pulumi/runtime/state')) as unknown as { getStore(): Record<string, unknown> };
  const { Callback } = await import('@pulumi/pulumi/proto/callback_pb');
  const store = state.getStore();
  const transformFns: pulumi.ResourceTransform[] = [];
  store.supportsTransforms = true;
  store.callbacks = {
    awaitStackRegistrations: async () => undefined,
    registerTransform: async (transform: pulumi.ResourceTransform) => {
      transformFns.push(transform);
      const callback = new Callback();
      callback.setTarget('mock-callbacks');
      callback.setToken(String(transformFns.length));
      return callback;
    },
  };
  const transforms = new Map<string, number>();
  const monitor = sdk.runtime.getMonitor() as any;
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    transforms.set(`${req.getType()}::${req.getName()}`, req.getTransformsList().length);
    return registerResource(req, callback);
  };
  const { deployPlatform } = await import('../../stacks/platform-program');
  let outputs: Record<string, any> = {};
  let error: Error | undefined;
  try {
    outputs = (await deployPlatform('platform')).outputs;
  } catch (e) {
    error = e as Error;
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { registered, transforms, transformFns, outputs, ...(error ? { error } : {}) };
}

const platformConfig = () => stackFileConfig('platform');

describe('the platform stack', () => {
  let run: PlatformRun;
  beforeAll(async () => {
    run = await runPlatform(platformConfig());
  });

  test('runs without error', () => {
    expect(run.error).toBeUndefined();
  });

  test('installs the pinned Numaflow release manifest into numaflow-system, with a transform on it', () => {
    const file = run.registered.find((r) => r.type === 'kubernetes:yaml/v2:ConfigFile');
    expect(file?.inputs.file).toBe('https://github.com/numaproj/numaflow/releases/download/v1.8.3/install.yaml');
    expect(run.transforms.get('kubernetes:yaml/v2:ConfigFile::numaflow-controller')).toBe(1);
    // The one transform registered keeps the CRDs the manifest holds, and nothing else.
    expect(run.transformFns).toHaveLength(1);
    const crd = { type: CRD_TYPE, name: 'pipelines.numaflow.numaproj.io', custom: true, props: {}, opts: {} };
    expect(run.transformFns[0](crd)).toEqual({ props: {}, opts: { retainOnDelete: true } });
    expect(run.transformFns[0]({ ...crd, type: 'kubernetes:apps/v1:Deployment' })).toBeUndefined();
    const installProvider = run.registered.find((r) => r.type === 'pulumi:providers:kubernetes' && r.name === 'numaflow-install');
    expect(installProvider?.inputs.namespace).toBe('numaflow-system');
    expect(run.registered.find((r) => r.type === 'kubernetes:core/v1:Namespace')?.inputs.metadata.name).toBe('numaflow-system');
  });

  test('installs the pinned kube-prometheus-stack chart into monitoring, selecting monitors and rules everywhere', () => {
    const release = run.registered.find((r) => r.type === 'kubernetes:helm.sh/v3:Release');
    expect(release?.inputs).toMatchObject({ chart: 'kube-prometheus-stack', version: '70.4.1', namespace: 'monitoring', createNamespace: true });
    expect(release?.inputs.values.prometheus.prometheusSpec).toMatchObject({ podMonitorSelectorNilUsesHelmValues: false, ruleSelectorNilUsesHelmValues: false, serviceMonitorSelectorNilUsesHelmValues: false });
  });

  test('registers no soak object: no namespace of a variant, no buffer service, no pipeline', () => {
    expect(run.registered.filter((r) => /InterStepBufferService|Pipeline|ConfigGroup|PriorityClass/.test(r.type))).toEqual([]);
    expect(run.registered.filter((r) => r.type === 'kubernetes:core/v1:Namespace').map((r) => r.inputs.metadata.name)).toEqual(['numaflow-system']);
  });

  test('exports what it installed', () => {
    expect(run.outputs).toMatchObject({
      numaflow: { namespace: 'numaflow-system', manifest: 'https://github.com/numaproj/numaflow/releases/download/v1.8.3/install.yaml' },
      prometheusStack: {
        namespace: 'monitoring',
        chart: 'kube-prometheus-stack',
        version: '70.4.1',
        prometheusUrl: 'http://kube-prometheus-stack-prometheus.monitoring.svc:9090',
        portForward: 'kubectl -n monitoring port-forward svc/kube-prometheus-stack-prometheus 9090:9090',
        retention: '7d',
        volume: prometheusSizing(variantPlans()).volume.toString(),
      },
    });
  });

  test('sizes its Prometheus for every variant in stacks/: retention, volume and size limit from their plans', () => {
    const release = run.registered.find((r) => r.type === 'kubernetes:helm.sh/v3:Release');
    const plans = variantPlans();
    expect(plans.length).toBe(discoverStacks().variants.length);
    expect(release?.inputs.values).toEqual(prometheusStackValues(plans));
    expect(release?.inputs.values.prometheus.prometheusSpec).toMatchObject({ retention: '7d', retentionSize: expect.stringMatching(/^\d+GiB$/) });
  });

  test('installs nothing with both installs off ("false" as pulumi config set writes it)', async () => {
    const off = await runPlatform({ ...platformConfig(), 'numaflow-soak:installNumaflow': 'false', 'numaflow-soak:installPrometheusOperator': false });
    expect(off.error).toBeUndefined();
    expect(off.registered.map((r) => r.type)).toEqual(['pulumi:providers:kubernetes']);
    expect(off.outputs).toEqual({ numaflow: null, prometheusStack: null });
  });

  test('refuses a plan, naming the key, before registering anything', async () => {
    const withPlan = await runPlatform({ ...platformConfig(), 'numaflow-soak:plan': stackFileConfig('soak')['numaflow-soak:plan'] });
    expect(withPlan.error?.message).toBe(
      'invalid deployment settings in stack platform (stacks/Pulumi.platform.yaml) (1 error):\n  - numaflow-soak:plan: the platform stack holds no plan: a plan makes a variant, in its own stack file',
    );
    expect(withPlan.registered).toEqual([]);
  });

  test('refuses protectBuffer (a variant\'s key) and a mistyped install', async () => {
    const wrong = await runPlatform({ ...platformConfig(), 'numaflow-soak:protectBuffer': true, 'numaflow-soak:installNumaflow': 'yes' });
    expect(wrong.error?.message.split('\n').slice(1)).toEqual([
      "  - numaflow-soak:protectBuffer: the platform stack has no buffer service; protectBuffer belongs in a variant's stack file",
      '  - numaflow-soak:installNumaflow: expected boolean (true or false), got string "yes"',
    ]);
    expect(wrong.registered).toEqual([]);
  });
});

describe('retainCrds, the transform on the Numaflow install', () => {
  const args = (type: string): pulumi.ResourceTransformArgs => ({ type, name: 'x', custom: true, props: { a: 1 }, opts: { protect: false } });

  test('keeps every CustomResourceDefinition in the cluster when Pulumi deletes it', () => {
    expect(CRD_TYPE).toBe('kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition');
    expect(retainCrds(args(CRD_TYPE))).toEqual({ props: { a: 1 }, opts: { protect: false, retainOnDelete: true } });
  });

  test('leaves the controller, its RBAC and everything else as they are', () => {
    for (const type of ['kubernetes:apps/v1:Deployment', 'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole', 'kubernetes:core/v1:ConfigMap']) {
      expect(retainCrds(args(type))).toBeUndefined();
    }
  });
});

describe('the variants side by side', () => {
  const variants = discoverStacks().variants;

  test('every stack file but the platform stack is a variant', () => {
    const files = fs.readdirSync(path.join(ROOT, 'stacks')).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
    const platforms = files.filter((f) => parse(fs.readFileSync(path.join(ROOT, 'stacks', f), 'utf8'))?.config?.['numaflow-soak:role'] === 'platform');
    expect(platforms).toEqual(['Pulumi.platform.yaml']);
    expect(variants.map((v) => `Pulumi.${v}.yaml`).sort()).toEqual(files.filter((f) => !platforms.includes(f)).sort());
    expect(variants.length).toBeGreaterThanOrEqual(2);
  });

  test('claim no object another variant claims, cluster-scoped ones included', async () => {
    const claimed = new Map<string, string>();
    const collisions: string[] = [];
    for (const variant of variants) {
      const run = await runStack(variant, stackFileConfig(variant));
      expect(run.error).toBeUndefined();
      const objects = run.registered.filter((r) => r.custom && r.type.startsWith('kubernetes:'));
      expect(objects.length).toBeGreaterThan(10);
      // Namespace and PriorityClass are cluster-scoped: their names alone must differ.
      expect(objects.filter((r) => /:(Namespace|PriorityClass)$/.test(r.type)).map((r) => r.type.split(':').pop())).toEqual(expect.arrayContaining(['Namespace', 'PriorityClass']));
      for (const r of objects) {
        const key = `${r.inputs.apiVersion}/${r.inputs.kind}/${r.inputs.metadata.namespace ?? ''}/${r.inputs.metadata.name}`;
        const owner = claimed.get(key);
        if (owner !== undefined) collisions.push(`${key} (${owner} and ${variant})`);
        claimed.set(key, variant);
      }
    }
    expect(collisions).toEqual([]);
  });
});
