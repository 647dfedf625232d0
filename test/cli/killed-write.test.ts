/**
 * `recommend --write` killed for real (issue 10 item 2): the command runs as its own process
 * and dies by SIGKILL just before each step of writing its two files (src/recommend/
 * plan-writer.ts writeRecommendation: the provenance's and the stack's temporary files, then
 * their two renames; test/support/kill-at.cjs). After each kill the pair is both old, or the
 * new provenance stands beside the old stack and every reader refuses it as stale (its
 * stackSha256 names another stack text); never a new stack with an old provenance, never a
 * half-written file. The next write leaves both new and no temporary file.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { readProvenanceFile, StaleProvenanceError } from '../../src/diff/provenance-file';
import { capture, tempDir, tempProject } from '../support/diff';
import { ROOT } from '../support/synth';

const KILL_AT = path.join(ROOT, 'test', 'support', 'kill-at.cjs');
/** The recommend command as the command line runs it: the compiled build, checked against the sources (bin/compiled.js). */
const CHILD = `require(${JSON.stringify(path.join(ROOT, 'bin', 'compiled.js'))}).load('src/cli/recommend-command').recommendCommand(process.argv.slice(1)).then((code) => { process.exitCode = code; });`;

interface Pair {
  readonly stack: string;
  readonly provenance: string;
}

function recommendWrite(root: string, extra: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const args = [...(env.KILL_AT_FUNCTION ? ['-r', KILL_AT] : []), '-e', CHILD, '--', '--embedded', '--write', '--quiet', '--root', root, ...extra];
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? root, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const stackOf = (root: string) => path.join(root, 'stacks', 'Pulumi.rightsized.yaml');
const provenanceOf = (root: string) => path.join(root, 'stacks', 'Pulumi.rightsized.provenance.json');
const read = (root: string): Pair => ({ stack: fs.readFileSync(stackOf(root), 'utf8'), provenance: fs.readFileSync(provenanceOf(root), 'utf8') });
const temporaries = (root: string) => fs.readdirSync(path.join(root, 'stacks')).filter((f) => f.includes('.tmp-'));

let root: string;
/** The pair a write at the p99 of CPU left: what a new write replaces. */
let old: Pair;
/** The pair a write at the default p95 leaves. */
let fresh: Pair;

function setOld(): void {
  fs.writeFileSync(stackOf(root), old.stack);
  fs.writeFileSync(provenanceOf(root), old.provenance);
}

beforeAll(async () => {
  root = tempProject();
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'provisional-rightsized.yaml'), stackOf(root));
  expect(await recommendWrite(root, ['--cpu-percentile', '99'])).toMatchObject({ code: 0, signal: null });
  old = read(root);
  const other = tempDir();
  fs.cpSync(path.join(root, 'stacks'), path.join(other, 'stacks'), { recursive: true });
  expect(await recommendWrite(other, [])).toMatchObject({ code: 0, signal: null });
  fresh = read(other);
  fs.rmSync(other, { recursive: true, force: true });
  // Both files differ between the two writes, so every mix of them can be told apart.
  expect(fresh.stack).not.toBe(old.stack);
  expect(fresh.provenance).not.toBe(old.provenance);
}, 120_000);

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The state of the pair after a kill. */
function state(): 'both old' | 'both new' | 'new provenance, old stack' | 'other' {
  const now = read(root);
  if (now.stack === old.stack && now.provenance === old.provenance) return 'both old';
  if (now.stack === fresh.stack && now.provenance === fresh.provenance) return 'both new';
  if (now.stack === old.stack && now.provenance === fresh.provenance) return 'new provenance, old stack';
  return 'other';
}

describe('recommend --write killed by SIGKILL just before each step', () => {
  const steps: readonly [string, string, number, ReturnType<typeof state>][] = [
    ['writing the provenance\'s temporary file', 'writeFileSync', 1, 'both old'],
    ['writing the stack\'s temporary file', 'writeFileSync', 2, 'both old'],
    ['renaming the provenance in', 'renameSync', 1, 'both old'],
    ['renaming the stack in (between the two renames)', 'renameSync', 2, 'new provenance, old stack'],
  ];

  it.each(steps)('%s (fs.%s call %d): %s; the next write makes both new and leaves no temporary file', async (_name, fn, call, expected) => {
    setOld();
    const killed = await recommendWrite(root, [], { KILL_AT_FUNCTION: fn, KILL_AT_CALL: String(call), KILL_AT_UNDER: path.join(root, 'stacks') });
    expect({ signal: killed.signal, stderr: killed.stderr }).toEqual({ signal: 'SIGKILL', stderr: expect.any(String) });
    expect(state()).toBe(expected);
    if (expected === 'both old') {
      expect(() => readProvenanceFile(provenanceOf(root))).not.toThrow();
    } else {
      // Every reader sees the mismatch: the file reader refuses, diff warns and leaves the evidence out.
      expect(() => readProvenanceFile(provenanceOf(root))).toThrow(StaleProvenanceError);
      const diff = await capture(() => main(['diff', '--root', root, '--output', '/dev/null']));
      expect(diff.code).toBe(2);
      expect(diff.stderr).toMatch(/warning: provenance file .* is stale/);
    }
    const next = await recommendWrite(root, []);
    expect({ code: next.code, stderr: next.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(state()).toBe('both new');
    expect(temporaries(root)).toEqual([]);
    expect(() => readProvenanceFile(provenanceOf(root))).not.toThrow();
  }, 90_000);
});
