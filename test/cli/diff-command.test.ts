/**
 * `numaflow-soak diff`, run in-process through `main` (output captured) and, for the exit
 * status and error output a shell sees, through bin/numaflow-soak.js. Edited plans live in
 * temporary copies of stacks/; the git-revision mode runs against a temporary repository.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { capture, editStack, tempDir, tempProject } from '../support/diff';
import { ROOT } from '../support/synth';

const run = (...argv: string[]) => capture(() => main(['diff', ...argv]));

/** A rightsized plan whose buffer volumes shrink 40Gi → 30Gi (with the file store to match). */
function shrunkProject(): string {
  const root = tempProject();
  editStack(root, 'rightsized', 'volumeSize: 40Gi', 'volumeSize: 30Gi');
  editStack(root, 'rightsized', 'maxFileStore: 36Gi', 'maxFileStore: 27Gi');
  return root;
}

describe('comparing variants', () => {
  it('exits 2 for soak → rightsized and prints the Markdown report on stdout, warnings on stderr', async () => {
    const { code, stdout, stderr } = await run();
    expect(code).toBe(2);
    expect(stdout.split('\n')[0]).toBe('### numaflow-soak: soak → rightsized');
    expect(stdout).toContain('| CPU requested (cores) | 164.89 | 99.09 | -65.8 | -39.9% |');
    expect(stdout).toContain('Reproduce: `npx numaflow-soak diff --before soak --after rightsized`');
    // Both stack files use a moving image tag, which the loader warns about.
    expect(stderr).toContain('plan stacks/Pulumi.soak.yaml:');
    expect(stderr).toContain('tag "stable" moves between releases');
    expect(stderr).not.toContain('###');
  });

  it('exits 0 for soak against itself', async () => {
    const { code, stdout } = await run('--before', 'soak', '--after', 'soak');
    expect(code).toBe(0);
    expect(stdout).toContain('0 objects changed, 0 added, 0 removed, 14 unchanged');
  });

  it('exits 2, not 3, with --fail-on-risk when there are changes but no risk flags', async () => {
    expect((await run('--fail-on-risk')).code).toBe(2);
  });

  it('prints JSON with schemaVersion 1 for --format json', async () => {
    const { code, stdout } = await run('--format', 'json');
    expect(code).toBe(2);
    const doc = JSON.parse(stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.before.label).toBe('soak');
    expect(doc.changed).toBe(true);
  });

  it('writes --output to the file (no temp file left) and nothing to stdout', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'nested', 'diff.md');
    const { code, stdout, stderr } = await run('--output', file);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`wrote ${file}`);
    expect(fs.readFileSync(file, 'utf8').startsWith('### numaflow-soak: soak → rightsized\n')).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['diff.md']);
  });

  it('also writes the HTML report with --html, and leaves it out of the reproduce line', async () => {
    const file = path.join(tempDir(), 'report.html');
    const { code, stdout } = await run('--html', file);
    expect(code).toBe(2);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^<!doctype html>/i);
    expect(stdout).toContain('Reproduce: `npx numaflow-soak diff --before soak --after rightsized`\n');
  });

  it('prices nodes at --price-per-hour', async () => {
    const { stdout } = await run('--price-per-hour', '2');
    // 6 nodes × 2 × 730 h = 8760; 4 nodes = 5840.
    expect(stdout).toContain('| cost per month at 2/node-hour (730 h) | 8760.00 | 5840.00 | -2920.00 | -33.3% |');
    expect(stdout).toContain('Reproduce: `npx numaflow-soak diff --before soak --after rightsized --price-per-hour 2`');
  });
});

describe('risk flags', () => {
  it('exits 3 with --fail-on-risk when the rightsized plan shrinks the buffer volumes, 2 without', async () => {
    const root = shrunkProject();
    const failing = await run('--root', root, '--fail-on-risk');
    expect(failing.code).toBe(3);
    expect(failing.stdout).toContain('- 🛑 **critical** `buffer-volume-shrink`: buffer volumes shrink from 40Gi to 30Gi');
    expect((await run('--root', root)).code).toBe(2);
  });

  it('between two variants, another target cluster is no risk and protection off only a warning about that variant; exits 3 with --fail-on-risk', async () => {
    const root = tempProject();
    editStack(root, 'rightsized', 'numaflow-soak:protectBuffer: true', 'numaflow-soak:protectBuffer: false\n  numaflow-soak:context: other-cluster');
    const failing = await run('--root', root, '--fail-on-risk');
    expect(failing.code).toBe(3);
    expect(failing.stdout).toContain('- ⚠️ **warning** `buffer-protection-off`: rightsized runs with numaflow-soak:protectBuffer off (soak has it on)');
    expect(failing.stdout).not.toContain('target-cluster-changed');
    const json = JSON.parse((await run('--root', root, '--format', 'json')).stdout) as { risks: { code: string; severity: string }[] };
    expect(json.risks.map((r) => r.code)).not.toContain('target-cluster-changed');
    expect(json.risks.filter((r) => r.code === 'buffer-protection-off').map((r) => r.severity)).toEqual(['warning']);
    // Two variants that both deploy to the current context: nothing about the cluster either.
    const same = tempProject();
    editStack(same, 'soak', 'numaflow-soak:protectBuffer: true', 'numaflow-soak:protectBuffer: true\n  numaflow-soak:context: kind-soak');
    editStack(same, 'rightsized', 'numaflow-soak:protectBuffer: true', 'numaflow-soak:protectBuffer: true\n  numaflow-soak:context: kind-soak');
    const risks = (JSON.parse((await run('--root', same, '--format', 'json')).stdout) as { risks: { code: string }[] }).risks.map((r) => r.code);
    expect(risks).not.toContain('target-cluster-changed');
    expect(risks).not.toContain('buffer-protection-off');
  });

  it('flags a resize beyond --resize-factor (default 250: the real resize is not flagged), and refuses a factor of 1 or less', async () => {
    expect((await run('--fail-on-risk')).code).toBe(2);
    const tight = await run('--fail-on-risk', '--resize-factor', '10');
    expect(tight.code).toBe(3);
    expect(tight.stdout).toContain('batch-cat/udf: memory limit 16Gi → 100Mi (÷163.8) changes by more than ×10');
    expect(tight.stdout).toContain('--resize-factor 10');
    const bad = await run('--resize-factor', '1');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("numaflow-soak diff: option '--resize-factor' must be above 1 (got '1')\n");
  });

  it('reads stacks/Pulumi.<after>.provenance.json by default and flags a limit below the observed peak', async () => {
    const root = tempProject();
    const provenance = {
      source: 'fixture',
      window: { start: '2024-05-06T00:00:00Z', end: '2024-05-11T00:00:00Z', stepSeconds: 60 },
      containers: { 'pipeline.batchMap.udf': { memory: { p95: 900 * 1024 ** 2, p99: 1000 * 1024 ** 2, peak: 1200 * 1024 ** 2, samples: 100 } } },
    };
    fs.writeFileSync(path.join(root, 'stacks', 'Pulumi.rightsized.provenance.json'), JSON.stringify(provenance));
    const { code, stdout } = await run('--root', root, '--fail-on-risk');
    expect(code).toBe(3);
    expect(stdout).toContain('observed memory p95 / p99 / peak');
    expect(stdout).toContain('| 🛑 batch-cat/udf |');
    expect(stdout).toContain('batch-cat/udf: memory limit 100Mi is below the observed peak of 1200Mi');
  });

  it('refuses a provenance file that is not JSON, or not in the expected shape, naming the file and key', async () => {
    const dir = tempDir();
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{ not json');
    const notJson = await run('--provenance', bad);
    expect(notJson.code).toBe(1);
    // Plan warnings come first; the error is its own line.
    expect(notJson.stderr).toMatch(/^provenance file .*bad\.json is not valid JSON: /m);

    const wrong = path.join(dir, 'wrong.json');
    fs.writeFileSync(wrong, JSON.stringify({ source: 's', window: { start: 'a', end: 'b', stepSeconds: 60 }, containers: { 'pipeline.sink.numa': { cpu: { p95: '1' } } } }));
    const shape = await run('--provenance', wrong);
    expect(shape.code).toBe(1);
    expect(shape.stderr).toContain('invalid provenance file');
    expect(shape.stderr).toContain('containers.pipeline.sink.numa.cpu.p95:');
    expect(shape.stdout).toBe('');
  });
});

describe('errors', () => {
  it('turns an unknown option into one line listing the options, exit 1', async () => {
    const { code, stdout, stderr } = await run('--bogus');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      "numaflow-soak diff: unknown option '--bogus' (options: --after, --base-ref, --before, --fail-on-risk, --format, --head-ref, --help, --html, --output, --price-per-hour, --provenance, --resize-factor, --root, --stack)\n",
    );
  });

  it.each([
    [['--format', 'xml'], "numaflow-soak diff: option '--format' expects one of markdown, json (got 'xml')"],
    [['--format'], "numaflow-soak diff: option '--format' expects one of markdown, json"],
    [['--fail-on-risk=yes'], "numaflow-soak diff: option '--fail-on-risk' takes no value"],
    [['--price-per-hour=-1'], "numaflow-soak diff: option '--price-per-hour' expects a non-negative number (got '-1')"],
    [['--price-per-hour', 'abc'], "numaflow-soak diff: option '--price-per-hour' expects a non-negative number (got 'abc')"],
    [['--price-per-hour'], "numaflow-soak diff: option '--price-per-hour' expects a value <n>"],
    [['extra'], "numaflow-soak diff: unexpected argument 'extra'"],
    [['--stack', 'soak'], 'numaflow-soak diff: --stack needs --base-ref <rev> (the revision to compare against)'],
    [['--stack', 'soak', '--base-ref', 'HEAD', '--after', 'rightsized'], 'numaflow-soak diff: --stack compares one variant at two revisions; it cannot be combined with --before or --after'],
    [['--base-ref', 'HEAD'], 'numaflow-soak diff: --base-ref and --head-ref need --stack <variant>'],
    [['--after', 'nope'], `no stack file for variant "nope": ${path.join(ROOT, 'stacks', 'Pulumi.nope.yaml')} does not exist (variants: rightsized, soak)`],
    [['--after', '../soak'], 'is not a stack name'],
  ])('refuses %j with a one-line message', async (argv, message) => {
    const { code, stdout, stderr } = await run(...argv);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('prints an invalid plan\'s findings as the loader words them, exit 1', async () => {
    const root = tempProject();
    editStack(root, 'rightsized', 'limits: { cpu: 5140m, memory: 2850Mi }', 'limits: { cpu: 5140m, memory: 2850MB }');
    const { code, stderr } = await run('--root', root);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^invalid plan in .*Pulumi\.rightsized\.yaml \(1 error\):\n {2}- numaflow-soak:plan\.buffer\.containers\.main\.limits\.memory: expected a byte quantity/);
  });

  it('prints its options for --help and exits 0', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: numaflow-soak diff \[options\]/);
    expect(stdout).toContain('--fail-on-risk');
    expect(stdout).toContain('--format markdown|json');
  });
});

describe('one variant at two git revisions', () => {
  /** Runs git in `cwd` with an identity set on the command line, so no global config is needed. */
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=numaflow-soak test', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });

  /** A repository holding the project (optionally in a sub-folder), committed, then edited in the working tree. */
  function repo(subdir = ''): { repoDir: string; root: string } {
    const repoDir = tempDir();
    git(repoDir, 'init', '-q');
    const root = path.join(repoDir, subdir);
    const project = tempProject();
    fs.mkdirSync(root, { recursive: true });
    fs.cpSync(path.join(project, 'stacks'), path.join(root, 'stacks'), { recursive: true });
    git(repoDir, 'add', '.');
    git(repoDir, 'commit', '-q', '-m', 'base');
    // The sink's numa container requests 4 cores in the committed plan; the branch asks for 3.
    editStack(root, 'soak', 'requests: { cpu: "4", memory: 8Gi }', 'requests: { cpu: "3", memory: 8Gi }');
    return { repoDir, root };
  }

  it('compares the committed plan with the working tree and shows the edited field', async () => {
    const { root } = repo();
    const { code, stdout } = await run('--root', root, '--stack', 'soak', '--base-ref', 'HEAD');
    expect(code).toBe(2);
    expect(stdout.split('\n')[0]).toBe('### numaflow-soak: `soak@HEAD` → soak (working tree)');
    expect(stdout).toContain('| `spec.vertices[out].containerTemplate.resources.requests.cpu` | `4` | `3` |');
    expect(stdout).toContain('| out/numa | 6 | 4 / 8Gi → 3 / 8Gi | 4 / 8Gi |');
    expect(stdout).toContain(`Reproduce: \`npx numaflow-soak diff --stack soak --base-ref HEAD --root ${root}\``);
  });

  it('exits 0 comparing a revision with itself, and finds the change against a second commit', async () => {
    const { repoDir, root } = repo();
    expect((await run('--root', root, '--stack', 'soak', '--base-ref', 'HEAD', '--head-ref', 'HEAD')).code).toBe(0);
    git(repoDir, 'commit', '-q', '-am', 'sink to 3 cores');
    const { code, stdout } = await run('--root', root, '--stack', 'soak', '--base-ref', 'HEAD~1', '--head-ref', 'HEAD');
    expect(code).toBe(2);
    expect(stdout.split('\n')[0]).toBe('### numaflow-soak: `soak@HEAD~1` → `soak@HEAD`');
  });

  it('reads the stack file relative to the project root when the project is a folder of a larger repository', async () => {
    const { root } = repo('deploy/soak');
    const { code, stdout } = await run('--root', root, '--stack', 'soak', '--base-ref', 'HEAD');
    expect(code).toBe(2);
    expect(stdout).toContain('`4` | `3`');
  });

  it('names the revision and the file when git cannot read it', async () => {
    const { root } = repo();
    const { code, stderr } = await run('--root', root, '--stack', 'soak', '--base-ref', 'no-such-rev');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^cannot read stacks\/Pulumi\.soak\.yaml at revision no-such-rev \(in .*\): fatal: /);
    const missing = await run('--root', root, '--stack', 'staging', '--base-ref', 'HEAD');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read stacks/Pulumi.staging.yaml at revision HEAD');
  });

  it('flags protection turned off and a target-cluster change of the stack critical; exits 3 with --fail-on-risk', async () => {
    const { root } = repo();
    editStack(root, 'soak', 'numaflow-soak:protectBuffer: true', 'numaflow-soak:protectBuffer: false\n  numaflow-soak:context: other-cluster');
    const failing = await run('--root', root, '--stack', 'soak', '--base-ref', 'HEAD', '--fail-on-risk');
    expect(failing.code).toBe(3);
    expect(failing.stdout).toContain('- 🛑 **critical** `buffer-protection-off`: numaflow-soak:protectBuffer is turned off');
    expect(failing.stdout).toContain('- 🛑 **critical** `target-cluster-changed`: the target cluster changes (context (current) → other-cluster)');
    const json = JSON.parse((await run('--root', root, '--stack', 'soak', '--base-ref', 'HEAD', '--format', 'json')).stdout) as { risks: { code: string; severity: string }[] };
    expect(json.risks.filter((r) => r.severity === 'critical').map((r) => r.code)).toEqual(expect.arrayContaining(['buffer-protection-off', 'target-cluster-changed']));
  });

  it('refuses a revision that git would read as an option', async () => {
    const { root } = repo();
    const { code, stderr } = await run('--root', root, '--stack', 'soak', '--base-ref=--output=x');
    expect(code).toBe(1);
    expect(stderr).toContain('not a revision');
  });
});

describe('through bin/numaflow-soak.js', () => {
  const bin = path.join(ROOT, 'bin', 'numaflow-soak.js');
  const cli = (...argv: string[]) => spawnSync(process.execPath, [bin, ...argv], { cwd: ROOT, encoding: 'utf8' });

  it('exits 2 for the default comparison', () => {
    const result = cli('diff', '--format', 'json');
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout).after.label).toBe('rightsized');
  });

  it('exits 1 with one clean line, no stack trace, for an unknown flag', () => {
    const result = cli('diff', '--bogus');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^numaflow-soak diff: unknown option '--bogus' \(options: --after, /)]);
  });
});
