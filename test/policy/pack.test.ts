/**
 * The glue between the pure rules and @pulumi/policy: the resource policies handed to the
 * PolicyPack, and the pack's own files. Constructing a real PolicyPack starts the analyzer's
 * gRPC server (and reads ./package.json from the working directory), so index.ts is loaded
 * with PolicyPack mocked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReportViolation, ResourceValidation, ResourceValidationArgs } from '@pulumi/policy';
import { parse } from 'yaml';
import { policies, toResourcePolicies } from '../../policy/policies';
import { POLICIES, resourceType } from '../../policy/rules';
import { find, synthVariant } from '../support/synth';

jest.mock('@pulumi/policy', () => ({ PolicyPack: jest.fn() }));

const POLICY_DIR = path.resolve(__dirname, '../../policy');

function run(validate: ResourceValidation | ResourceValidation[] | undefined, args: Partial<ResourceValidationArgs>): string[] {
  const reported: string[] = [];
  const report: ReportViolation = (message) => reported.push(message);
  for (const v of Array.isArray(validate) ? validate : [validate]) void v?.(args as ResourceValidationArgs, report);
  return reported;
}

describe('resource policies', () => {
  it('has one policy per rule, with the same name, description and enforcement level', () => {
    expect(policies.map((p) => [p.name, p.description, p.enforcementLevel])).toEqual(
      POLICIES.map((p) => [p.name, p.description, p.enforcementLevel]),
    );
    expect(new Set(policies.map((p) => p.name)).size).toBe(8);
  });

  it('reports each violation of its rule, reading args.type, args.props and args.opts.protect', () => {
    const isb = JSON.parse(JSON.stringify(find(synthVariant('soak'), 'InterStepBufferService')));
    isb.spec.jetstream.replicas = 4;
    const byName = Object.fromEntries(policies.map((p) => [p.name, p]));
    const args = { type: resourceType(isb.apiVersion, isb.kind), props: isb, opts: { protect: false } as ResourceValidationArgs['opts'] };
    expect(run(byName['jetstream-nodes-in-soak'].validateResource, args)).toEqual([
      expect.stringContaining('InterStepBufferService soak-isb: spec.jetstream.replicas is 4'),
    ]);
    expect(run(byName['buffer-protected-in-soak'].validateResource, args)).toEqual([
      expect.stringContaining('InterStepBufferService soak-isb: resource option protect is false'),
    ]);
    expect(run(byName['buffer-protected-in-soak'].validateResource, { ...args, opts: { protect: true } as ResourceValidationArgs['opts'] })).toEqual([]);
  });

  it('wraps any rule table it is given', () => {
    const wrapped = toResourcePolicies([{ name: 'always', description: 'd', enforcementLevel: 'advisory', check: (t) => [`saw ${t}`, 'again'] }]);
    expect(run(wrapped[0].validateResource, { type: 'kubernetes:core/v1:Pod', props: {}, opts: { protect: false } as ResourceValidationArgs['opts'] })).toEqual([
      'saw kubernetes:core/v1:Pod',
      'again',
    ]);
  });
});

describe('policy/index.ts', () => {
  it('constructs one PolicyPack named numaflow-soak with every policy', () => {
    const { PolicyPack } = jest.requireMock('@pulumi/policy') as { PolicyPack: jest.Mock };
    jest.isolateModules(() => {
      require('../../policy/index');
    });
    expect(PolicyPack).toHaveBeenCalledTimes(1);
    const [name, args] = PolicyPack.mock.calls[0];
    expect(name).toBe('numaflow-soak');
    expect(args.policies.map((p: { name: string }) => p.name)).toEqual(POLICIES.map((p) => p.name));
  });
});

describe('pack files', () => {
  it('PulumiPolicy.yaml declares the nodejs runtime', () => {
    const project = parse(fs.readFileSync(path.join(POLICY_DIR, 'PulumiPolicy.yaml'), 'utf8'));
    expect(project.runtime).toBe('nodejs');
    expect(typeof project.description).toBe('string');
  });

  it('package.json has the version PolicyPack requires, index.ts as main, and exact pins', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'numaflow-soak-policy', private: true, main: 'index.ts' });
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.dependencies).toEqual({ '@pulumi/policy': '1.21.0', '@pulumi/pulumi': '3.248.0' });
    const root = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, '..', 'package.json'), 'utf8'));
    expect(pkg.dependencies['@pulumi/policy']).toBe(root.dependencies['@pulumi/policy']);
    expect(pkg.dependencies['@pulumi/pulumi']).toBe(root.dependencies['@pulumi/pulumi']);
    expect(fs.existsSync(path.join(POLICY_DIR, pkg.main))).toBe(true);
  });

  it('rules.ts imports nothing, so the pack runs from its own folder', () => {
    const source = fs.readFileSync(path.join(POLICY_DIR, 'rules.ts'), 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/require\(/);
  });
});
