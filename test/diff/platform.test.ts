/**
 * A change to the platform stack is a risk flag in every diff across revisions (issue 10
 * item 4: "changing installNumaflow shows No risk flags and 0 changes"). The platform stack
 * holds no plan, so no manifest of a variant shows it; src/diff/platform.ts compares its
 * settings at the base revision and the head and adds the flags to each variant's report.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { platformRisks, type PlatformSide } from '../../src/diff/platform';
import { capture, tempProject } from '../support/diff';

const side = (settings: Partial<NonNullable<PlatformSide>['settings']> = {}, encryptedSettings: string[] = []): PlatformSide => ({
  settings: { role: 'platform', installNumaflow: true, installPrometheusOperator: true, ...settings },
  encryptedSettings,
});
const codes = (risks: { severity: string; code: string }[]) => risks.map((r) => `${r.severity} ${r.code}`);

describe('platformRisks', () => {
  it('raises nothing for equal settings', () => {
    expect(platformRisks('platform', side(), side())).toEqual([]);
    expect(platformRisks('platform', side({ context: 'a' }, ['kubeconfig']), side({ context: 'a' }, ['kubeconfig']))).toEqual([]);
  });

  it('flags an install turned off critical, naming what Pulumi deletes; turned on as a warning', () => {
    const off = platformRisks('platform', side(), side({ installNumaflow: false }));
    expect(codes(off)).toEqual(['critical install-changed']);
    expect(off[0].message).toMatch(/^numaflow-soak:installNumaflow is turned off in stacks\/Pulumi\.platform\.yaml: Pulumi deletes the controller/);
    expect(codes(platformRisks('platform', side(), side({ installPrometheusOperator: false })))).toEqual(['critical install-changed']);
    expect(codes(platformRisks('platform', side({ installNumaflow: false }), side()))).toEqual(['warning install-changed']);
  });

  it('flags another context or kubeconfig critical, never showing the kubeconfig', () => {
    const risks = platformRisks('platform', side({ context: 'a' }), side({ context: 'b', kubeconfig: 'apiVersion: v1\nusers: [{ token: s3cret }]' }));
    expect(codes(risks)).toEqual(['critical target-cluster-changed']);
    expect(risks[0].message).toContain('context a → b, the kubeconfig');
    expect(risks[0].message).not.toContain('s3cret');
    expect(codes(platformRisks('platform', side(), side({}, ['kubeconfig'])))).toEqual(['critical target-cluster-changed']);
  });

  it('flags a removed platform stack critical and a new one as a warning', () => {
    expect(codes(platformRisks('platform', side(), undefined))).toEqual(['critical platform-stack-removed']);
    expect(codes(platformRisks('platform', undefined, side()))).toEqual(['warning platform-stack-added']);
    expect(platformRisks('platform', undefined, undefined)).toEqual([]);
  });
});

describe('numaflow-soak diff --stack <variant> --base-ref <rev>', () => {
  let root: string;
  const platformFile = () => path.join(root, 'stacks', 'Pulumi.platform.yaml');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, stdio: 'ignore' });

  beforeEach(() => {
    root = tempProject();
    git('init', '-q');
    git('add', 'stacks');
    git('commit', '-q', '-m', 'stacks');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('with the platform stack unchanged: no platform flag, no change (exit 0)', async () => {
    const r = await capture(() => main(['diff', '--root', root, '--stack', 'soak', '--base-ref', 'HEAD', '--fail-on-risk']));
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/install-changed|target-cluster-changed|platform-stack/);
  });

  it('installNumaflow turned off: every variant\'s report flags it critical; exit 3 with --fail-on-risk', async () => {
    const text = fs.readFileSync(platformFile(), 'utf8');
    fs.writeFileSync(platformFile(), text.replace('numaflow-soak:installNumaflow: true', 'numaflow-soak:installNumaflow: false'));
    for (const stack of ['soak', 'rightsized']) {
      const r = await capture(() => main(['diff', '--root', root, '--stack', stack, '--base-ref', 'HEAD', '--fail-on-risk']));
      expect(r.code).toBe(3);
      expect(r.stdout).toContain('- 🛑 **critical** `install-changed`: numaflow-soak:installNumaflow is turned off in stacks/Pulumi.platform.yaml');
      expect(r.stdout).not.toContain('No risk flags');
    }
    const json = JSON.parse((await capture(() => main(['diff', '--root', root, '--stack', 'soak', '--base-ref', 'HEAD', '--format', 'json']))).stdout) as { risks: { code: string; severity: string }[] };
    expect(json.risks).toEqual([expect.objectContaining({ code: 'install-changed', severity: 'critical' })]);
  });

  it('the platform stack\'s context changed: target-cluster-changed, critical', async () => {
    fs.appendFileSync(platformFile(), '  numaflow-soak:context: another-cluster\n');
    const r = await capture(() => main(['diff', '--root', root, '--stack', 'soak', '--base-ref', 'HEAD']));
    expect(r.stdout).toContain("`target-cluster-changed`: the platform stack's target cluster changes (context (current) → another-cluster)");
  });

  it('the platform stack removed: platform-stack-removed, critical', async () => {
    fs.rmSync(platformFile());
    const r = await capture(() => main(['diff', '--root', root, '--stack', 'soak', '--base-ref', 'HEAD', '--fail-on-risk']));
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('`platform-stack-removed`');
  });

  it('an invalid platform stack at the head is refused naming its key, exit 1', async () => {
    const text = fs.readFileSync(platformFile(), 'utf8');
    fs.writeFileSync(platformFile(), text.replace('numaflow-soak:installNumaflow: true', 'numaflow-soak:installNumaflow: "nope"'));
    const r = await capture(() => main(['diff', '--root', root, '--stack', 'soak', '--base-ref', 'HEAD']));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/numaflow-soak:installNumaflow/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
