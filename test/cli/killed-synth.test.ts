/**
 * A killed synth never removes what the last good synth wrote (issue 10 item 2), with real
 * signals: `numaflow-soak synth` runs as its own process and dies by SIGKILL, which no
 * catch, finally or exit handler survives.
 * - At each step of writing the output (src/synth.ts writeCharts): the process kills itself
 *   just before that step (test/support/kill-at.cjs), so every step is hit, the instant
 *   between the two renames included.
 * - From outside, at moments spread over a whole run, as a user's Ctrl-\ or the OOM killer.
 * After every kill the last good output, reports included, is on disk: in the output folder,
 * or (killed between the renames) moved aside whole, where the next run puts it back. The
 * next run then ends with that output and nothing beside it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, tempProject } from '../support/diff';
import { ROOT } from '../support/synth';

const KILL_AT = path.join(ROOT, 'test', 'support', 'kill-at.cjs');
/** The synth command's own code as the command line runs it: the compiled build of src/cli/synth-command.ts, checked against the sources (bin/compiled.js; jest's globalSetup built it). */
const CHILD = `process.exitCode = require(${JSON.stringify(path.join(ROOT, 'bin', 'compiled.js'))}).load('src/cli/synth-command').synthCommand(process.argv.slice(1));`;

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Runs synth into `outdir`; `killAfterMs` sends SIGKILL from outside after that long. */
function synth(root: string, outdir: string, env: Record<string, string> = {}, killAfterMs?: number): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(env.KILL_AT_FUNCTION ? ['-r', KILL_AT] : []), '-e', CHILD, '--', '--root', root, '--outdir', outdir], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? root, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), killAfterMs) : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** Every file under `dir` with its content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = path.join(dir, e);
    if (fs.statSync(full).isFile()) out[e] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

let root: string;
let parent: string;
let outdir: string;
/** The last good output: both variants and the reports a `report` run left beside them. */
let good: Record<string, string>;
let cleanRunMs: number;

beforeAll(async () => {
  root = tempProject();
  parent = tempDir();
  outdir = path.join(parent, 'dist');
  const started = Date.now();
  const first = await synth(root, outdir);
  cleanRunMs = Date.now() - started;
  expect(first).toMatchObject({ code: 0, signal: null });
  fs.writeFileSync(path.join(outdir, 'report.json'), '{"kept":true}\n');
  fs.mkdirSync(path.join(outdir, 'html'));
  fs.writeFileSync(path.join(outdir, 'html', 'report.html'), '<!doctype html>\n');
  good = tree(outdir);
  expect(Object.keys(good).filter((f) => f.startsWith('soak/')).length).toBeGreaterThan(10);
}, 120_000);

afterAll(() => {
  for (const dir of [root, parent]) fs.rmSync(dir, { recursive: true, force: true });
});

/** What a kill left: `intact` (the output as it was) or `aside` (moved whole to .dist.old-<pid>). */
function expectLastGoodOnDisk(): 'intact' | 'aside' {
  if (fs.existsSync(outdir)) {
    expect(tree(outdir)).toEqual(good);
    return 'intact';
  }
  const aside = fs.readdirSync(parent).filter((e) => /^\.dist\.old-\d+$/.test(e));
  expect(aside).toHaveLength(1);
  expect(tree(path.join(parent, aside[0]))).toEqual(good);
  return 'aside';
}

/** The next run puts everything back: the same output, reports included, nothing beside it. */
async function expectNextRunWhole(): Promise<void> {
  const next = await synth(root, outdir);
  expect({ code: next.code, stderr: next.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/error/i) });
  expect(tree(outdir)).toEqual(good);
  expect(fs.readdirSync(parent)).toEqual(['dist']);
}

describe('killed by SIGKILL just before each step of writing the output', () => {
  // The steps of writeCharts, in order, for two variants of 14 objects and the reports beside them.
  const steps: readonly [string, string, number, 'intact' | 'aside'][] = [
    ['creating the staging folder', 'mkdirSync', 1, 'intact'],
    ['copying the reports into it', 'cpSync', 1, 'intact'],
    ['writing the first manifest', 'writeFileSync', 1, 'intact'],
    ['writing a manifest halfway', 'writeFileSync', 14, 'intact'],
    ['writing the last manifest', 'writeFileSync', 28, 'intact'],
    ['moving the old output aside', 'renameSync', 1, 'intact'],
    ['renaming the new output in (between the two renames)', 'renameSync', 2, 'aside'],
    ['removing the old output', 'rmSync', 2, 'intact'],
  ];

  it.each(steps)('%s (fs.%s call %d): the last good output is %s, and the next run restores it', async (_name, fn, call, expected) => {
    const killed = await synth(root, outdir, { KILL_AT_FUNCTION: fn, KILL_AT_CALL: String(call), KILL_AT_UNDER: parent });
    expect({ signal: killed.signal, stderr: killed.stderr }).toEqual({ signal: 'SIGKILL', stderr: expect.any(String) });
    expect(expectLastGoodOnDisk()).toBe(expected);
    await expectNextRunWhole();
  }, 60_000);
});

describe('killed by SIGKILL from outside at moments spread over a run', () => {
  const KILLS = 10;
  it(`${KILLS} kills: after each, the last good output is on disk; the next run restores it`, async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      // From start-up (loading the code) to the end of a clean run, the last third densest, where the writing is.
      const at = Math.round(cleanRunMs * (i < KILLS / 2 ? i / (KILLS / 2) : 0.66 + (0.34 * (i - KILLS / 2)) / (KILLS / 2)));
      const r = await synth(root, outdir, {}, at);
      const state = expectLastGoodOnDisk();
      outcomes.push(`${at} ms: ${r.signal ?? `exit ${r.code}`}, ${state}`);
      await expectNextRunWhole();
    }
    // The kills landed: most runs died by the signal rather than finishing first.
    expect(outcomes.filter((o) => o.includes('SIGKILL')).length).toBeGreaterThanOrEqual(KILLS / 2);
  }, 300_000);
});
