/**
 * Runs the Pulumi program the official way for unit tests: `pulumi.runtime.setMocks`, no
 * CLI, no plugin, no cluster. The stack's config is fed in as the CLI would (string values,
 * JSON for structured ones), from a stack file or from a config mapping.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../support/synth';

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly custom: boolean;
}

/** The options a resource was registered with, as the engine receives them. */
export interface RegisteredOptions {
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
}

/** The creationTimestamp the mocked API server gives every Pipeline. */
export const PIPELINE_CREATED = '2026-01-05T10:00:00Z';

export interface StackRun {
  readonly registered: Registered[];
  /** Per `type::name`, the protect and retainOnDelete the engine was asked for. */
  readonly options: ReadonlyMap<string, RegisteredOptions>;
  readonly outputs: Record<string, any>;
  /** The program's layers, to inspect resource options; absent when the program failed. */
  readonly deployment?: import('../../stacks/soak-program').SoakDeployment;
  readonly error?: Error;
}

/** The `config` mapping of a stack file. */
export function stackFileConfig(stack: string): Record<string, unknown> {
  return parse(fs.readFileSync(path.join(ROOT, 'stacks', `Pulumi.${stack}.yaml`), 'utf8')).config;
}

/** Config as the CLI hands it to a program: every value a string, structured ones as JSON. */
function configStrings(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

async function settle(registered: unknown[]): Promise<void> {
  let last = -1;
  let stable = 0;
  while (stable < 5) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (registered.length === last) stable += 1;
    else {
      stable = 0;
      last = registered.length;
    }
  }
}

/**
 * Runs the program for `stack` with `config`. `previousOutputs` are what the stack's last
 * update exported (read back through the program's self stack reference). `secretKeys` are
 * the config keys set with `--secret`: the CLI decrypts them and lists them in
 * PULUMI_CONFIG_SECRET_KEYS beside PULUMI_CONFIG, as setAllConfig's second argument does.
 */
// Each run loads a fresh copy of the SDK, and each copy adds an exit listener.
process.setMaxListeners(100);

export async function runStack(
  stack: string,
  config: Record<string, unknown>,
  previousOutputs: Record<string, unknown> = {},
  secretKeys: readonly string[] = [],
): Promise<StackRun> {
  jest.resetModules();
  const pulumi = await import('@pulumi/pulumi');
  // The SDK keeps config in a process-wide store (what PULUMI_CONFIG fills at start-up);
  // setAllConfig replaces all of it, so each run sees exactly its stack's config.
  pulumi.runtime.setAllConfig(configStrings(config), [...secretKeys]);
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true });
        if (args.type === 'pulumi:pulumi:StackReference') {
          return { id: args.name, state: { name: args.name, outputs: previousOutputs, secretOutputNames: [] } };
        }
        // The API server sets metadata.creationTimestamp; the program exports the Pipeline's.
        if (args.type.endsWith(':Pipeline')) {
          return { id: `${args.name}-id`, state: { ...args.inputs, metadata: { ...args.inputs.metadata, creationTimestamp: PIPELINE_CREATED } } };
        }
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    'numaflow-soak',
    stack,
    false,
    'organization',
  );
  // What the engine is asked for, options included (the mocks hand newResource no options).
  const options = new Map<string, RegisteredOptions>();
  const monitor = pulumi.runtime.getMonitor() as any;
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    options.set(`${req.getType()}::${req.getName()}`, { protect: req.getProtect() === true, retainOnDelete: req.getRetainondelete() === true });
    return registerResource(req, callback);
  };
  const { deploySoak } = await import('../../stacks/soak-program');
  try {
    const deployment = await deploySoak(stack);
    await settle(registered);
    return { registered, options, outputs: deployment.outputs, deployment };
  } catch (error) {
    await settle(registered);
    return { registered, options, outputs: {}, error: error as Error };
  }
}
