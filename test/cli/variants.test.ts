/**
 * Variants are the stack files (issue 11 items 1 and 2), through the commands: synth builds
 * every stack file with a plan and skips the rest with a note; two variants compare side by
 * side (their namespaces are their identity), one stack across revisions still flags a
 * renamed namespace; `recommend --write-to` writes the variant it names, never the soaked one.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { main } from '../../src/cli/main';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { capture, editStack, tempDir, tempProject } from '../support/diff';

const soakText = (root: string) => fs.readFileSync(stackFile('soak', root), 'utf8');

/** A project with a third variant `mytest` (a copy of soak) and a stack file `pulumi stack init` made without a plan. */
function projectWithThirdVariant(): string {
  const root = tempProject();
  fs.writeFileSync(stackFile('mytest', root), soakText(root));
  fs.writeFileSync(stackFile('scratch', root), 'encryptionsalt: v1:c2FsdA==:v1:bm9uY2U=:Y2lwaGVy\n');
  return root;
}

describe('numaflow-soak synth: every stack file with a plan is a variant', () => {
  const root = projectWithThirdVariant();
  const outdir = path.join(tempDir(), 'dist');
  let result: Awaited<ReturnType<typeof capture>>;
  beforeAll(async () => {
    result = await capture(() => main(['synth', '--root', root, '--outdir', outdir]));
  });

  it('writes a folder per variant, the third stack file included, and none for the platform stack or a plan-less file', () => {
    expect(result.code).toBe(0);
    expect(fs.readdirSync(outdir).sort()).toEqual(['mytest', 'rightsized', 'soak']);
    const count = fs.readdirSync(path.join(outdir, 'soak')).length;
    expect(fs.readdirSync(path.join(outdir, 'mytest'))).toHaveLength(count);
    expect(result.stderr).toContain(`mytest: ${count} objects in ${path.relative(process.cwd(), path.join(outdir, 'mytest'))}/`);
  });

  it('gives the copy its own namespace and PriorityClass, from its stack name', () => {
    const files = fs.readdirSync(path.join(outdir, 'mytest'));
    expect(files[0]).toBe('01-namespace-numaflow-mytest.k8s.yaml');
    const priority = files.find((f) => f.includes('priorityclass'));
    expect(priority).toBeDefined();
    expect(parse(fs.readFileSync(path.join(outdir, 'mytest', priority!), 'utf8')).metadata.name).toBe('numaflow-mytest-buffer');
    expect(fs.readdirSync(path.join(outdir, 'soak'))[0]).toBe('01-namespace-numaflow-soak.k8s.yaml');
  });

  it('skips a stack file without a plan with a note, naming it', () => {
    // Outside the working folder, the file is named by its absolute path.
    expect(result.stderr).toContain(`note: ${stackFile('scratch', root)} has no numaflow-soak:plan: not a variant (a stack file pulumi stack init made?), skipped`);
  });

  it('checks the platform stack\'s settings too: a wrong one stops synth, naming the key', async () => {
    const broken = projectWithThirdVariant();
    editStack(broken, 'platform', 'numaflow-soak:installNumaflow: true', 'numaflow-soak:installNumaflow: maybe\n  numaflow-soak:protectBuffer: true');
    const out = path.join(tempDir(), 'dist');
    const { code, stderr } = await capture(() => main(['synth', '--root', broken, '--outdir', out]));
    expect(code).toBe(1);
    expect(stderr).toContain(`invalid deployment settings in ${stackFile('platform', broken)} (2 errors):`);
    expect(stderr).toContain("  - numaflow-soak:protectBuffer: the platform stack has no buffer service; protectBuffer belongs in a variant's stack file");
    expect(stderr).toContain('  - numaflow-soak:installNumaflow: expected boolean (true or false), got string "maybe"');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('warns when two variants name the same namespace, as they could not run side by side', async () => {
    const shared = projectWithThirdVariant();
    editStack(shared, 'mytest', '  numaflow-soak:plan:\n', '  numaflow-soak:plan:\n    namespace: numaflow-soak\n');
    const { code, stderr } = await capture(() => main(['synth', '--root', shared, '--outdir', path.join(tempDir(), 'dist')]));
    expect(code).toBe(0);
    expect(stderr).toContain('warning: variants mytest, soak share namespace numaflow-soak: they cannot run side by side in one cluster');
  });
});

describe('numaflow-soak report: every variant synthesized, soak → rightsized reported', () => {
  it('writes the third variant beside soak and rightsized, and reports soak → rightsized side by side', async () => {
    const root = projectWithThirdVariant();
    const outdir = path.join(tempDir(), 'dist');
    const { code, stderr } = await capture(() => main(['report', '--root', root, '--outdir', outdir]));
    expect(code).toBe(0);
    expect(fs.readdirSync(outdir).sort()).toEqual(['mytest', 'report.html', 'report.json', 'rightsized', 'soak']);
    expect(stderr).toContain('has no numaflow-soak:plan: not a variant');
    const doc = JSON.parse(fs.readFileSync(path.join(outdir, 'report.json'), 'utf8'));
    expect([doc.before.label, doc.after.label]).toEqual(['soak', 'rightsized']);
    expect(doc.identity).toEqual({ before: { namespace: 'numaflow-soak' }, after: { namespace: 'numaflow-rightsized' } });
  });

  it('refuses, writing nothing, when rightsized is not among the variants', async () => {
    const root = tempProject();
    fs.rmSync(stackFile('rightsized', root));
    const outdir = path.join(tempDir(), 'dist');
    const { code, stderr } = await capture(() => main(['report', '--root', root, '--outdir', outdir]));
    expect(code).toBe(1);
    expect(stderr).toContain(`numaflow-soak report compares soak → rightsized, but there is no variant "rightsized" in ${path.join(root, 'stacks')} (variants: soak)`);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});

describe('numaflow-soak diff between two variants: their namespaces are their identity', () => {
  const run = (...argv: string[]) => capture(() => main(['diff', ...argv]));

  it('finds nothing to change between soak and an identical copy in its own namespace', async () => {
    const root = projectWithThirdVariant();
    const { code, stdout } = await run('--root', root, '--before', 'soak', '--after', 'mytest');
    expect(code).toBe(0);
    expect(stdout).toContain('Side by side: each variant runs in its own namespace (`numaflow-soak`, `numaflow-mytest`)');
    expect(stdout).toMatch(/\n0 objects changed, 0 added, 0 removed, \d+ unchanged; 0 of 12 containers resized/);
    expect(stdout).toContain('No risk flags.');
  });

  it('pairs soak and rightsized objects by name: no renamed namespace, no buffer replaced or deleted', async () => {
    const { code, stdout } = await run('--format', 'json');
    expect(code).toBe(2);
    const doc = JSON.parse(stdout) as { identity: unknown; risks: { code: string }[]; objects: { status: string; ref: { kind: string; namespace?: string } }[] };
    expect(doc.identity).toEqual({ before: { namespace: 'numaflow-soak' }, after: { namespace: 'numaflow-rightsized' } });
    expect(doc.risks.map((r) => r.code)).not.toEqual(expect.arrayContaining(['buffer-replaced']));
    expect(doc.risks.map((r) => r.code)).not.toContain('buffer-deleted');
    expect(doc.objects.filter((o) => o.status === 'added' || o.status === 'removed')).toEqual([]);
    expect(doc.objects.find((o) => o.ref.kind === 'InterStepBufferService')?.ref.namespace).toBe('numaflow-rightsized');
  });

  it('still flags a renamed namespace when one stack is compared across revisions', async () => {
    const repoDir = tempDir();
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=numaflow-soak test', '-c', 'commit.gpgsign=false', ...args], { cwd: repoDir, stdio: ['ignore', 'pipe', 'pipe'] });
    git('init', '-q');
    fs.cpSync(path.join(tempProject(), 'stacks'), path.join(repoDir, 'stacks'), { recursive: true });
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    editStack(repoDir, 'soak', '  numaflow-soak:plan:\n', '  numaflow-soak:plan:\n    namespace: soak-b\n');
    const { code, stdout } = await run('--root', repoDir, '--stack', 'soak', '--base-ref', 'HEAD', '--format', 'json');
    expect(code).toBe(2);
    const doc = JSON.parse(stdout) as { identity?: unknown; risks: { code: string; severity: string; message: string }[] };
    expect(doc.identity).toBeUndefined();
    expect(doc.risks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'buffer-replaced', severity: 'critical', message: expect.stringContaining('moves from numaflow-soak/soak-isb to soak-b/soak-isb') }),
        expect.objectContaining({ code: 'buffer-deleted', message: 'Namespace numaflow-soak is deleted' }),
      ]),
    );
  });
});

describe('numaflow-soak recommend --write-to', () => {
  const recommend = (...argv: string[]) => capture(() => main(['recommend', '--embedded', '--quiet', ...argv]));

  it.each([
    [['--write-to', 'soak'], "numaflow-soak recommend: option '--write-to': soak is the stack that was soaked (--stack soak): its sizes are what was measured; write the resize to another variant (default: rightsized)"],
    [['--write-to', 'platform'], "numaflow-soak recommend: option '--write-to': stacks/Pulumi.platform.yaml is the platform stack (numaflow-soak:role: platform), which holds no plan; write to a variant"],
    [['--write-to', '../soak'], `numaflow-soak recommend: option '--write-to': "../soak" is not a stack name (letters, digits, '-', '_' and '.')`],
  ])('refuses %j in one line, exit 1, before measuring, writing nothing', async (argv, message) => {
    const root = tempProject();
    const before = fs.readdirSync(path.join(root, 'stacks')).map((f) => [f, fs.readFileSync(path.join(root, 'stacks', f), 'utf8')]);
    const { code, stdout, stderr } = await recommend('--root', root, ...argv);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${message}\n`);
    expect(fs.readdirSync(path.join(root, 'stacks')).map((f) => [f, fs.readFileSync(path.join(root, 'stacks', f), 'utf8')])).toEqual(before);
  });

  it('creates a new variant from the soaked plan, in its own namespace, and leaves rightsized alone', async () => {
    const root = tempProject();
    const rightsized = fs.readFileSync(stackFile('rightsized', root), 'utf8');
    const { code, stderr } = await recommend('--root', root, '--write-to', 'trial');
    expect(code).toBe(0);
    expect(stderr).toMatch(/^wrote .*Pulumi\.trial\.yaml \(\d+ values changed\) and .*Pulumi\.trial\.provenance\.json$/m);
    expect(fs.readFileSync(stackFile('rightsized', root), 'utf8')).toBe(rightsized);
    const text = fs.readFileSync(stackFile('trial', root), 'utf8');
    expect(text).toContain('# The `trial` variant, generated by `numaflow-soak recommend` from the measured usage');
    expect(text).not.toContain('The `soak` variant');
    const trial = loadStackFile(stackFile('trial', root));
    expect(trial.plan.namespace).toBe('numaflow-trial');
    // The same sizes as the committed rightsized plan: one policy, one dataset.
    const committed = loadStackFile(stackFile('rightsized', root)).plan;
    expect(JSON.stringify(trial.plan.pipeline)).toBe(JSON.stringify(committed.pipeline));
    expect(JSON.stringify(trial.plan.buffer)).toBe(JSON.stringify(committed.buffer));
    expect(fs.existsSync(path.join(root, 'stacks', 'Pulumi.trial.provenance.json'))).toBe(true);
  });

  it('writes rightsized by default, and keeps --write-to out of the reproduce line', async () => {
    const root = tempProject();
    fs.rmSync(stackFile('rightsized', root));
    fs.writeFileSync(stackFile('rightsized', root), fs.readFileSync(stackFile('rightsized'), 'utf8'));
    const { code, stdout } = await recommend('--root', root, '--write-to', 'rightsized');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Reproduce: `npx numaflow-soak recommend --embedded --start [^`]*`/);
    expect(stdout).not.toContain('--write-to');
    const again = await recommend('--root', root, '--write');
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/wrote .*Pulumi\.rightsized\.yaml \(0 values changed\)/);
  });
});

describe('the namespace verdict reads: --stack picks the plan, and with it numaflow-<stack>', () => {
  const verdict = (...argv: string[]) => capture(() => main(['verdict', '--embedded', '--quiet', '--format', 'json', ...argv]));
  const namespaces = (stdout: string) => [...new Set([...stdout.matchAll(/namespace=\\?"([^"\\]+)\\?"/g)].map((m) => m[1]))];

  it('reads numaflow-rightsized for --stack rightsized, where the embedded soak (numaflow-soak) has nothing: too little data, exit 6', async () => {
    const { code, stdout } = await verdict('--stack', 'rightsized');
    expect(code).toBe(6);
    expect(namespaces(stdout)).toEqual(['numaflow-rightsized']);
  });

  it('reads the namespace given with --namespace instead, and judges the embedded soak', async () => {
    const { code, stdout } = await verdict('--stack', 'rightsized', '--namespace', 'numaflow-soak');
    expect(code).toBe(0);
    expect(namespaces(stdout)).toEqual(['numaflow-soak']);
  });

  it('says so in --help', async () => {
    const { stdout } = await capture(() => main(['verdict', '--help']));
    expect(stdout).toContain('numaflow-<stack>, e.g. numaflow-rightsized for --stack rightsized');
    expect(stdout).toContain('with --embedded and another --stack give --namespace numaflow-soak');
  });
});
