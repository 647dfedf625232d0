/**
 * What a user sees when a stack file is hostile or wrong (issue 10): every reader of stack
 * files exits 1 (src/cli/exit-codes.ts) and prints the loader's message, a heading and one
 * line per problem naming the key, or the file with a line and column, and no stack trace.
 *
 * The commands with --root (diff, report, recommend, verdict) run in-process through `main`.
 * `numaflow-soak synth`, the cdk8s app (bin/cdk8s-app.js, what `cdk8s synth` runs) and
 * `npm run synth` itself read the project's own stacks/, so they run as processes in a
 * temporary copy of the project. What the loader refuses, case by case, is in
 * test/plan/hostile-stack-files.test.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { MAX_STACK_FILE_BYTES } from '../../src/plan/load';
import { capture, editStack, tempDir, tempProject } from '../support/diff';
import { ROOT } from '../support/synth';

const EXIT_ERROR = 1;
const STACK_TRACE = /^\s+at /m;

/** `numaflow-soak:protectBuffer: nope` in the soak stack, and the two lines every reader prints for it. */
const PROTECT_NOPE = ['numaflow-soak:protectBuffer: true', 'numaflow-soak:protectBuffer: nope'] as const;
const protectNopeLines = (file: string) => [
  `invalid deployment settings in ${file} (1 error):`,
  '  - numaflow-soak:protectBuffer: expected boolean (true or false), got string "nope"',
];

const soakFile = (root: string) => path.join(root, 'stacks', 'Pulumi.soak.yaml');
const stderrLines = (stderr: string) => stderr.trimEnd().split('\n');

describe('protectBuffer: "nope" is a deployment-setting error in every command', () => {
  let root: string;
  beforeAll(() => {
    root = tempProject();
    editStack(root, 'soak', ...PROTECT_NOPE);
  });

  it.each([
    ['diff', () => ['diff', '--root', root]],
    ['report', () => ['report', '--root', root, '--outdir', path.join(tempDir(), 'dist')]],
    ['recommend', () => ['recommend', '--root', root, '--embedded']],
    ['verdict', () => ['verdict', '--root', root, '--embedded']],
    ['doctor', () => ['doctor', '--root', root, '--embedded']],
  ])('numaflow-soak %s', async (_name, argv) => {
    const { code, stdout, stderr } = await capture(() => main(argv()));
    expect(code).toBe(EXIT_ERROR);
    expect(stdout).toBe('');
    expect(stderrLines(stderr)).toEqual(protectNopeLines(soakFile(root)));
  });
});

describe('hostile stack files through numaflow-soak diff', () => {
  const cases: ReadonlyArray<readonly [string, (text: string) => string, RegExp]> = [
    [
      'an alias bomb',
      (text) => `${text}  other-project:lol:\n${billionLaughs('    ')}\n`,
      /^ {2}- \(file\): refused: the aliases \(\*name\) from line \d+, column \d+ on expand beyond 100 nodes, as an alias bomb \("billion laughs"\) does; write the values out instead$/,
    ],
    ['a file beyond the size cap', (text) => `# ${'x'.repeat(MAX_STACK_FILE_BYTES)}\n${text}`, /^ {2}- \(file\): the stack file is 8\.0 MiB; the loader reads at most 8\.0 MiB/],
    ['a YAML syntax error', (text) => text.replace('  numaflow-soak:plan:\n', '  numaflow-soak:plan:\n    namespace: [numaflow-soak\n'), /^ {2}- \(file\): not valid YAML at line 14, column 5: Flow sequence/],
    ['a duplicate key', (text) => text.replace('  numaflow-soak:plan:\n', '  numaflow-soak:plan:\n    namespace: numaflow-soak\n    namespace: other\n'), /^ {2}- numaflow-soak:plan\.namespace: duplicate key at line 13, column 5, first at line 12, column 5;/],
    ['replicas: .nan', (text) => text.replace('      replicas: 3\n', '      replicas: .nan\n'), /^ {2}- numaflow-soak:plan\.buffer\.replicas: expected a whole number, got \.nan \(not a number\)$/],
    ['a number too large to be exact', (text) => text.replace('      replicas: 3\n', '      replicas: 99999999999999999999999\n'), /^ {2}- numaflow-soak:plan\.buffer\.replicas: expected a whole number, got 99999999999999999999999 \(too large/],
    ['an infinite CPU quantity', (text) => text.replace('requests: { cpu: "16", memory: 16Gi }', 'requests: { cpu: .inf, memory: 16Gi }'), /^ {2}- numaflow-soak:plan\.buffer\.containers\.main\.requests\.cpu: expected a CPU quantity such as 2, 0\.5 or 500m, got \.inf \(infinite\)$/],
  ];

  it.each(cases)('%s: exit 1, the heading and one line naming the file position or key', async (_name, attack, line) => {
    const root = tempProject();
    const file = soakFile(root);
    fs.writeFileSync(file, attack(fs.readFileSync(file, 'utf8')));
    const started = performance.now();
    const { code, stdout, stderr } = await capture(() => main(['diff', '--root', root]));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(code).toBe(EXIT_ERROR);
    expect(stdout).toBe('');
    const [heading, ...findings] = stderrLines(stderr);
    expect(heading).toMatch(new RegExp(`^invalid plan in ${escape(file)} \\(\\d errors?\\):$`));
    expect(findings[0]).toMatch(line);
    expect(stderr).not.toMatch(STACK_TRACE);
  });
});

/** Nine levels of nine aliases: 387,420,489 strings once expanded. */
function billionLaughs(indent: string): string {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 9; level++) {
    const name = String.fromCharCode(97 + level);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(96 + level)}`).join(', ')}]`);
  }
  return levels.map((l) => `${indent}${l}`).join('\n');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('as processes, in a copy of the project', () => {
  /** A copy of the project's code and stacks (node_modules linked), with protectBuffer: nope. */
  let copy: string;
  beforeAll(() => {
    copy = tempDir('numaflow-soak-copy-');
    for (const entry of ['src', 'bin', 'build', 'stacks', 'package.json', 'cdk8s.yaml', 'tsconfig.json', 'tsconfig.build.json']) {
      fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    editStack(copy, 'soak', ...PROTECT_NOPE);
  });
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

  const run = (command: string, args: string[]) =>
    spawnSync(command, args, { cwd: copy, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' }, timeout: 120_000 });

  it('numaflow-soak synth: exit 1, two lines, no stack trace, nothing written', () => {
    const out = path.join(copy, 'out');
    const result = run(process.execPath, ['bin/numaflow-soak.js', 'synth', '--outdir', out]);
    expect(result.status).toBe(EXIT_ERROR);
    expect(stderrLines(result.stderr)).toEqual(protectNopeLines('stacks/Pulumi.soak.yaml'));
    expect(fs.existsSync(out)).toBe(false);
  });

  it('the cdk8s app (bin/cdk8s-app.js, what cdk8s synth runs): exit 1, two lines, no stack trace', () => {
    const result = run(process.execPath, ['bin/cdk8s-app.js']);
    expect(result.status).toBe(EXIT_ERROR);
    expect(stderrLines(result.stderr)).toEqual(protectNopeLines('stacks/Pulumi.soak.yaml'));
  });

  // `npm run synth` is `numaflow-soak synth` (no trace: test/cli/bad-input-corpus.test.ts);
  // the cdk8s CLI, run by hand, adds its own.
  it('cdk8s synth run directly: exit 1, the same two lines first; the cdk8s CLI then adds its own trace', () => {
    const result = run(path.join(copy, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade']);
    expect(result.status).toBe(EXIT_ERROR);
    const lines = stderrLines(result.stderr);
    expect(lines.slice(0, 2)).toEqual(protectNopeLines('stacks/Pulumi.soak.yaml'));
    // cdk8s-cli prints `Error: command "node bin/cdk8s-app.js " ... returned a non-zero exit
    // code 1` with its own stack (node_modules/cdk8s-cli/lib/cli/index.js); nothing of ours.
    expect(lines[2]).toMatch(/^Error: command "node bin\/cdk8s-app\.js ?" at .* returned a non-zero exit code 1$/);
  });
});
