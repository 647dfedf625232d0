/**
 * The whole bad-input corpus through the real command line (issue 10): every bad flag, file,
 * plan, stack file and data-source answer the other tests use, run as `node
 * bin/numaflow-soak.js ...` (and `npm run synth`) in a copy of the project. Each must exit
 * with its documented code (src/cli/exit-codes.ts: 1 bad input, 4 data source), print no
 * stack frame (`    at ...`, `file.ts:12:5`) on either stream, and say what is wrong on
 * its first error line, naming the key, flag or path.
 *
 * Every bad-plan fixture (test/fixtures/bad-plans/) goes through `numaflow-soak synth` as
 * a stack file, in-process (one process each would take minutes): same checks.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { main } from '../../src/cli/main';
import { capture, editStack, tempDir, tempProject } from '../support/diff';
import { ROOT } from '../support/synth';
import { applyPatch, loadFixtures, PLAN_PREFIX, soakRaw } from '../plan/helpers';

const EXIT = { error: 1, sourceUnavailable: 4 } as const;

/** A stack frame: V8's `    at fn (file:1:2)`, or any `file.ts:12:5` position. */
const FRAME = /^\s+at\s|\b[\w./-]+\.(?:[cm]?[jt]s|tsx?):\d+(?::\d+)?\b/m;

/** The lines that say what is wrong: plan warnings (which come first) left out. */
function errorLines(stderr: string): string[] {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  return lines.filter((l, i) => !/^plan .*:$/.test(l) && !/^ {2}- warning: /.test(l) && !(/^plan /.test(l) && lines[i + 1]?.startsWith('  - warning: ')));
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in `cwd`, asynchronously (a test's fake Prometheus answers meanwhile). */
function run(command: string, args: readonly string[], cwd: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH!, HOME: cwd, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A copy of the project's code and stacks (node_modules linked), as a user's checkout. */
function projectCopy(): string {
  const copy = tempDir('numaflow-soak-corpus-');
  for (const entry of ['src', 'bin', 'build', 'stacks', 'package.json', 'cdk8s.yaml', 'tsconfig.json', 'tsconfig.build.json']) {
    fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  return copy;
}

/** Nine levels of nine aliases: 387,420,489 strings once expanded. */
function billionLaughs(indent: string): string {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 9; level++) {
    const name = String.fromCharCode(97 + level);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(96 + level)}`).join(', ')}]`);
  }
  return levels.map((l) => `${indent}${l}`).join('\n');
}

let good: string; // the project as it is
let bad: string; // the soak stack with buffer.replicas: 2
let noRightsized: string; // stacks/ without the rightsized stack file
let bomb: string; // the soak stack with an alias bomb
let prometheus: http.Server;
let malformedUrl: string;

beforeAll(async () => {
  good = projectCopy();
  fs.writeFileSync(path.join(good, 'afile'), 'not a folder\n');
  // A repository, so --base-ref reaches git and asks it for a revision it does not have.
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: good, stdio: 'ignore' });
  git('init', '-q');
  git('add', 'stacks');
  git('commit', '-q', '-m', 'stacks');
  bad = projectCopy();
  editStack(bad, 'soak', '      replicas: 3\n      containers:\n', '      replicas: 2\n      containers:\n');
  noRightsized = tempProject();
  fs.rmSync(path.join(noRightsized, 'stacks', 'Pulumi.rightsized.yaml'));
  bomb = tempProject();
  fs.appendFileSync(path.join(bomb, 'stacks', 'Pulumi.soak.yaml'), `  other-project:lol:\n${billionLaughs('    ')}\n`);
  // A Prometheus whose every answer is cut off in the middle of its JSON.
  prometheus = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"success","data":{"resultType":"matrix","result":[{"metric":');
  });
  await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
  malformedUrl = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => prometheus.close(() => resolve()));
  for (const dir of [good, bad, noRightsized, bomb]) fs.rmSync(dir, { recursive: true, force: true });
});

type Case = readonly [name: string, args: () => string[], exit: number, first: RegExp, cwd?: () => string];

const CLI: readonly Case[] = [
  // Flags
  ['an unknown command', () => ['nosuch'], EXIT.error, /^numaflow-soak: unknown command "nosuch"$/],
  ['an unknown option', () => ['diff', '--frobnicate'], EXIT.error, /unknown option '--frobnicate'/],
  ['a number that is not one', () => ['verdict', '--embedded', '--latency-bound', 'abc'], EXIT.error, /option '--latency-bound' expects a non-negative number \(got 'abc'\)/],
  ['a choice not offered', () => ['recommend', '--embedded', '--cpu-percentile', '42'], EXIT.error, /option '--cpu-percentile' expects one of 95, 99, 100 \(got '42'\)/],
  ['an unknown format', () => ['diff', '--format', 'xml'], EXIT.error, /option '--format' expects one of markdown, json \(got 'xml'\)/],
  ['a malformed duration', () => ['verdict', '--embedded', '--history-duration', '5x'], EXIT.error, /option '--history-duration' expects a duration/],
  ['an unknown verdict check', () => ['verdict', '--embedded', '--skip-check', 'nope'], EXIT.error, /option '--skip-check' got unknown check 'nope'/],
  ['a Prometheus URL that is not one', () => ['verdict', '--prometheus-url', 'notaurl'], EXIT.error, /--prometheus-url expects an http\(s\) URL \(got 'notaurl'\)/],
  ['a Prometheus flag with the embedded dataset', () => ['verdict', '--embedded', '--bearer-token-file', '/nonexistent'], EXIT.error, /option '--bearer-token-file' applies to --prometheus-url only/],
  ['a bearer token file that does not exist', () => ['verdict', '--prometheus-url', 'http://127.0.0.1:9', '--bearer-token-file', '/nonexistent/token'], EXIT.error, /--bearer-token-file.*\/nonexistent\/token/],
  // Files and folders
  ['a variant without a stack file', () => ['diff', '--before', 'soak', '--after', 'nope'], EXIT.error, /variant "nope": .*Pulumi\.nope\.yaml does not exist/],
  ['a provenance file that does not exist', () => ['diff', '--provenance', '/nonexistent/p.json'], EXIT.error, /\/nonexistent\/p\.json/],
  ['--outdir on a file (synth)', () => ['synth', '--outdir', 'afile'], EXIT.error, /^--outdir: cannot write to afile: it exists and is not a directory$/],
  ['--outdir on a file (report)', () => ['report', '--outdir', 'afile'], EXIT.error, /^--outdir: cannot write to afile: it exists and is not a directory$/],
  ['--output over a stack file', () => ['diff', '--output', 'stacks/Pulumi.rightsized.yaml'], EXIT.error, /--output.*stacks\/Pulumi\.rightsized\.yaml/],
  ['a --root without stacks', () => ['verdict', '--embedded', '--root', '/nonexistent'], EXIT.error, /\/nonexistent\/stacks\/Pulumi\.soak\.yaml/],
  ['a missing rightsized stack file (diff)', () => ['diff', '--root', noRightsized], EXIT.error, /Pulumi\.rightsized\.yaml/],
  ['a missing rightsized stack file (report)', () => ['report', '--root', noRightsized, '--outdir', path.join(noRightsized, 'dist')], EXIT.error, /no variant "rightsized" in .*\/stacks/],
  ['a git revision that does not exist', () => ['diff', '--stack', 'soak', '--base-ref', 'no-such-ref'], EXIT.error, /no-such-ref/],
  // Stack files
  ['an alias bomb', () => ['diff', '--root', bomb], EXIT.error, /^invalid plan in .*Pulumi\.soak\.yaml \(1 error\):$/],
  ...(['synth', 'diff', 'report', 'recommend --embedded', 'verdict --embedded', 'doctor --embedded'] as const).map(
    (command): Case => [`an invalid plan (${command})`, () => [...command.split(' '), ...(command === 'report' ? ['--outdir', 'out'] : [])], EXIT.error, /^invalid plan in stacks\/Pulumi\.soak\.yaml \(1 error\):$/, () => bad],
  ),
  // Data sources
  ['an unreachable Prometheus', () => ['verdict', '--quiet', '--prometheus-url', 'http://127.0.0.1:9'], EXIT.sourceUnavailable, /Prometheus at http:\/\/127\.0\.0\.1:9 is unreachable/],
  ['a Prometheus answer cut off mid-JSON (verdict)', () => ['verdict', '--quiet', '--prometheus-url', malformedUrl], EXIT.sourceUnavailable, /Prometheus at http:\/\/127\.0\.0\.1:\d+/],
  ['a Prometheus answer cut off mid-JSON (recommend)', () => ['recommend', '--quiet', '--prometheus-url', malformedUrl], EXIT.sourceUnavailable, /Prometheus at http:\/\/127\.0\.0\.1:\d+/],
  ['a Prometheus answer cut off mid-JSON (doctor)', () => ['doctor', '--quiet', '--prometheus-url', malformedUrl], EXIT.sourceUnavailable, /Prometheus at http:\/\/127\.0\.0\.1:\d+/],
];

describe('numaflow-soak, run as a process', () => {
  it.each(CLI.map((c) => [c[0], c] as const))('%s: the documented exit code, no stack frame, the first error line names it', async (_name, [, args, exit, first, cwd]) => {
    const r = await run(process.execPath, [path.join('bin', 'numaflow-soak.js'), ...args()], cwd ? cwd() : good);
    expect({ stderr: r.stderr, frame: FRAME.test(r.stderr) || FRAME.test(r.stdout) }).toEqual({ stderr: r.stderr, frame: false });
    expect({ stderr: r.stderr, code: r.code }).toEqual({ stderr: r.stderr, code: exit });
    expect(errorLines(r.stderr)[0]).toMatch(first);
  });

  it('an invalid plan names its key on the line after the heading', async () => {
    const r = await run(process.execPath, [path.join('bin', 'numaflow-soak.js'), 'synth', '--outdir', 'out'], bad);
    expect(errorLines(r.stderr).slice(0, 2)).toEqual([
      'invalid plan in stacks/Pulumi.soak.yaml (1 error):',
      '  - numaflow-soak:plan.buffer.replicas: JetStream cannot run 2 nodes (no quorum); use 1 for a throwaway test or 3 or more',
    ]);
    expect(fs.existsSync(path.join(bad, 'out'))).toBe(false);
  });

  it('npm run synth with an invalid plan: exit 1, the message alone, no stack trace from any tool', async () => {
    const r = await run('npm', ['run', '-s', 'synth'], bad);
    expect(r.code).toBe(EXIT.error);
    expect(r.stderr).not.toMatch(FRAME);
    expect(errorLines(r.stderr)).toEqual([
      'invalid plan in stacks/Pulumi.soak.yaml (1 error):',
      '  - numaflow-soak:plan.buffer.replicas: JetStream cannot run 2 nodes (no quorum); use 1 for a throwaway test or 3 or more',
    ]);
    expect(fs.existsSync(path.join(bad, 'dist'))).toBe(false);
  });

  it('the frame check bites: a real stack trace is caught', () => {
    expect(FRAME.test(new Error('x').stack!)).toBe(true);
    expect(FRAME.test('Error: boom\n    at Object.<anonymous> (/w/src/cli/main.ts:12:5)')).toBe(true);
    expect(FRAME.test('invalid plan in stacks/Pulumi.soak.yaml (1 error):')).toBe(false);
  });
});

describe('every bad-plan fixture, as a stack file, through numaflow-soak synth', () => {
  const fixtures = loadFixtures();
  let root: string;
  let original: string;
  beforeAll(() => {
    root = tempProject();
    original = fs.readFileSync(path.join(root, 'stacks', 'Pulumi.soak.yaml'), 'utf8');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('covers the whole corpus', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: exit 1, no stack frame, the heading then a line naming the key', async (_name, fixture) => {
    const doc = parseYaml(original) as { config: Record<string, unknown> };
    doc.config[PLAN_PREFIX] = applyPatch(soakRaw(), fixture.patch);
    fs.writeFileSync(path.join(root, 'stacks', 'Pulumi.soak.yaml'), stringify(doc));
    const outdir = path.join(root, 'out');
    const { code, stdout, stderr } = await capture(() => main(['synth', '--root', root, '--outdir', outdir]));
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(FRAME);
    expect(code).toBe(EXIT.error);
    const [heading, firstFinding] = errorLines(stderr);
    expect(heading).toMatch(/^invalid plan in .*Pulumi\.soak\.yaml \(\d+ errors?\):$/);
    expect(firstFinding).toMatch(/^ {2}- numaflow-soak:plan\.\S.*: \S/);
    for (const keyPath of fixture.expectPaths) expect(stderr).toContain(`  - ${PLAN_PREFIX}.${keyPath}: `);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
