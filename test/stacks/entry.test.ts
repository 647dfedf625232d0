/**
 * The entry point (stacks/index.ts, Pulumi.yaml `main`) under `pulumi.runtime.setMocks`: the
 * stack file's `numaflow-soak:role` chooses the program, not the stack's name.
 */
import { stackFileConfig } from './harness';

/** Runs stacks/index.ts as `pulumi up --stack <stack>` would, returning its outputs and the resource types registered. */
async function runEntry(stack: string, config: Record<string, unknown>): Promise<{ outputs: Record<string, unknown>; types: string[] }> {
  jest.resetModules();
  const sdk = await import('@pulumi/pulumi');
  sdk.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])), []);
  const types: string[] = [];
  await sdk.runtime.setMocks(
    {
      newResource: (args) => {
        types.push(args.type);
        if (args.type === 'pulumi:pulumi:StackReference') return { id: args.name, state: { name: args.name, outputs: {}, secretOutputNames: [] } };
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    'numaflow-soak',
    stack,
    false,
    'organization',
  );
  // The mocks turn transforms off; the platform program registers one (see platform.test.ts).
  const state = (await import('@pulumi/pulumi/runtime/state')) as unknown as { getStore(): Record<string, unknown> };
  const { Callback } = await import('@pulumi/pulumi/proto/callback_pb');
  Object.assign(state.getStore(), {
    supportsTransforms: true,
    callbacks: { awaitStackRegistrations: async () => undefined, registerTransform: async () => new Callback() },
  });
  const program = require('../../stacks/index') as () => Promise<Record<string, unknown>>;
  const outputs = await program();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { outputs, types };
}

test('a stack file with numaflow-soak:role: platform runs the platform program, whatever the stack is called', async () => {
  const { outputs, types } = await runEntry('cluster-a', stackFileConfig('platform'));
  expect(Object.keys(outputs).sort()).toEqual(['numaflow', 'prometheusStack']);
  expect(types).toEqual(expect.arrayContaining(['kubernetes:yaml/v2:ConfigFile', 'kubernetes:helm.sh/v3:Release']));
  expect(types.some((t) => t.endsWith(':Pipeline'))).toBe(false);
});

test('any other stack file runs the variant program, in the namespace named after the stack', async () => {
  const { outputs, types } = await runEntry('mytest', stackFileConfig('soak'));
  expect(outputs).toMatchObject({ namespace: 'numaflow-mytest', pipelineName: 'batch-map-soak', bufferServiceName: 'soak-isb' });
  expect(types.some((t) => t.endsWith(':Pipeline'))).toBe(true);
  expect(types.filter((t) => /ConfigFile|helm/.test(t))).toEqual([]);
});
