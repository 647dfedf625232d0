/**
 * Data loss (issue 10 item 2): output paths that must not be overwritten, devices and FIFOs
 * written in place, a failed report leaving <outdir> as it was, `--outdir` on a file, and
 * `recommend --write`'s two files kept consistent across a crash between its renames.
 */
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { writeFileAtomic } from '../../src/cli/output';
import { readProvenanceFile, StaleProvenanceError } from '../../src/diff/provenance-file';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { defaultDataset } from '../../src/recommend/dataset';
import { EmbeddedSource } from '../../src/recommend/embedded';
import { PlanWriteError, writeRecommendation } from '../../src/recommend/plan-writer';
import { recommendPlan, type Recommendation } from '../../src/recommend/recommend';
import { capture, editStack, tempDir, tempProject } from '../support/diff';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const realFs: typeof fs = require('node:fs');

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d).sort()) {
      const full = path.join(d, e);
      if (fs.statSync(full).isDirectory()) walk(full, `${rel}${e}/`);
      else out[`${rel}${e}`] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

/** A FIFO in a new folder, with `cat` reading it: `read` resolves to all it was sent once the writer closes it. */
function fifoWithReader(): { dir: string; fifo: string; read: Promise<string> } {
  const dir = tempDir();
  const fifo = path.join(dir, 'report.fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('cat', [fifo]);
  let got = '';
  reader.stdout.on('data', (d: Buffer) => (got += d.toString()));
  const read = new Promise<string>((resolve) => reader.on('close', () => resolve(got)));
  return { dir, fifo, read };
}

describe('output paths', () => {
  it.each([
    ['diff', '--output', 'stacks/Pulumi.rightsized.yaml'],
    ['diff', '--html', 'stacks/Pulumi.soak.yaml'],
    ['diff', '--output', 'stacks/Pulumi.rightsized.provenance.json'],
    ['report', '--html', 'stacks/Pulumi.rightsized.provenance.json'],
  ])('%s %s %s is refused with exit 1 naming the flag, and the file is unchanged', async (command, flag, rel) => {
    const root = tempProject();
    const file = path.join(root, rel);
    if (!fs.existsSync(file)) fs.writeFileSync(file, '{}\n');
    const before = fs.readFileSync(file, 'utf8');
    const outdir = path.join(tempDir(), 'dist');
    const args = command === 'report' ? ['report', '--root', root, '--outdir', outdir, flag, file] : ['diff', '--root', root, flag, file];
    const result = await capture(() => main(args));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`refusing to write ${flag} ${file}`);
    expect(result.stderr.trim().split('\n').pop()).toMatch(/stack file|provenance file/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    if (command === 'report') expect(fs.existsSync(outdir)).toBe(false);
  });

  it('refuses a stack file reached through a symlink', () => {
    const root = tempProject();
    const link = path.join(tempDir(), 'report.md');
    fs.symlinkSync(path.join(root, 'stacks', 'Pulumi.soak.yaml'), link);
    expect(() => writeFileAtomic(link, 'x', 'output')).toThrow(/refusing to write --output .*stack file/);
  });

  it('writes /dev/null in place: it stays a character device', async () => {
    const result = await capture(() => main(['diff', '--output', '/dev/null', '--html', '/dev/null']));
    expect(result.code).toBe(2);
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('writes a FIFO in place: the reader gets the report and the FIFO stays a FIFO', async () => {
    const { dir, fifo, read } = fifoWithReader();
    writeFileAtomic(fifo, 'hello through a pipe\n', 'output');
    expect(await read).toBe('hello through a pipe\n');
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['report.fifo']);
  });
});

describe('the soak commands\' --output (recommend, verdict, doctor)', () => {
  it.each([
    ['recommend', '--write', 'stacks/Pulumi.soak.yaml'],
    ['recommend', '--write', 'stacks/Pulumi.rightsized.yaml'],
    ['recommend', '--write', 'stacks/Pulumi.rightsized.provenance.json'],
    ['verdict', '--quiet', 'stacks/Pulumi.platform.yaml'],
    ['doctor', '--quiet', 'stacks/Pulumi.soak.yaml'],
  ])('%s %s --output %s: exit 1 naming --output and the file before anything is measured; every stack file byte-identical', async (command, flag, rel) => {
    const root = tempProject();
    fs.writeFileSync(path.join(root, 'stacks', 'Pulumi.rightsized.provenance.json'), '{}\n');
    const before = tree(path.join(root, 'stacks'));
    const file = path.join(root, rel);
    const result = await capture(() => main([command, '--embedded', flag, '--root', root, '--output', file]));
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([`refusing to write --output ${file}: it is the project's ${rel.endsWith('.json') ? 'provenance' : 'stack'} file; choose another file`]);
    expect(result.stdout).toBe('');
    expect(tree(path.join(root, 'stacks'))).toEqual(before);
  });

  it('recommend --output /dev/full (as root: a device that refuses every write): exit 1 in one line, and it stays a character device', async () => {
    const result = await capture(() => main(['recommend', '--embedded', '--quiet', '--output', '/dev/full']));
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cannot write --output \/dev\/full: ENOSPC/)]);
    expect(fs.statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('diff --html into a FIFO through the command line: the reader gets the whole report, the FIFO stays a FIFO', async () => {
    const { dir, fifo, read } = fifoWithReader();
    const result = await capture(() => main(['diff', '--output', '/dev/null', '--html', fifo]));
    const got = await read;
    expect(result.code).toBe(2);
    expect(got).toMatch(/^<!doctype html>[\s\S]*<\/html>\n?$/i);
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['report.fifo']);
  });
});

describe('--outdir', () => {
  it.each(['synth', 'report'])('%s --outdir on an existing file: one line, exit 1, the file unchanged', async (command) => {
    const file = path.join(tempDir(), 'not-a-dir');
    fs.writeFileSync(file, 'keep\n');
    const result = await capture(() => main([command, '--outdir', file]));
    expect(result.code).toBe(1);
    const errors = result.stderr.split('\n').filter((l) => /outdir/.test(l));
    expect(errors).toEqual([`--outdir: cannot write to ${file}: it exists and is not a directory`]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep\n');
  });

  it.each([
    ['the stacks folder', (root: string) => path.join(root, 'stacks')],
    ['the project root', (root: string) => root],
    ['a folder above the project root', (root: string) => path.dirname(root)],
  ])('synth --outdir on %s (swapped in whole, it would take in the stack files): one line naming the flag, exit 1, nothing touched', async (_name, dirOf) => {
    // The project one level down in a folder of its own, so "above the root" is a small folder too.
    const root = path.join(tempDir(), 'project');
    fs.cpSync(tempProject(), root, { recursive: true });
    const before = tree(root);
    const dir = dirOf(root);
    const result = await capture(() => main(['synth', '--root', root, '--outdir', dir]));
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').filter((l) => !/^plan |^ {2}- warning: /.test(l))).toEqual([
      expect.stringMatching(new RegExp(`^refusing to write --outdir ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it holds the project's stack files \\(.*stacks\\), which synth would replace with the whole folder; choose another folder$`)),
    ]);
    expect(tree(root)).toEqual(before);
    expect(fs.readdirSync(path.dirname(root)).filter((e) => e.startsWith(`.${path.basename(dir)}.`))).toEqual([]);
  });

  it('an invalid plan leaves <outdir> byte-identical, reports included', async () => {
    const root = tempProject();
    const outdir = path.join(tempDir(), 'dist');
    expect((await capture(() => main(['report', '--root', root, '--outdir', outdir]))).code).toBe(0);
    const before = tree(outdir);
    expect(Object.keys(before)).toContain('report.json');
    editStack(root, 'rightsized', 'numaflow-soak:plan:', 'numaflow-soak:plan:\n    bogusKey: 1');
    const result = await capture(() => main(['report', '--root', root, '--outdir', outdir]));
    expect(result.code).toBe(1);
    expect(tree(outdir)).toEqual(before);
    expect(fs.readdirSync(path.dirname(outdir))).toEqual(['dist']);
  });
});

describe('recommend --write: stack and provenance stay a pair', () => {
  let recommendation: Recommendation;
  beforeAll(async () => {
    const dataset = defaultDataset();
    const window = { start: dataset.start + 600, end: dataset.end, stepSeconds: 60 };
    recommendation = await recommendPlan({ plan: loadStackFile(stackFile('soak')).plan, source: new EmbeddedSource(dataset), window });
  });
  afterEach(() => jest.restoreAllMocks());

  function project(): { stacks: string; stack: string; provenance: string } {
    const root = tempProject();
    const stacks = path.join(root, 'stacks');
    const stack = path.join(stacks, 'Pulumi.rightsized.yaml');
    fs.copyFileSync(path.join(__dirname, '..', 'fixtures', 'provisional-rightsized.yaml'), stack);
    return { stacks, stack, provenance: path.join(stacks, 'Pulumi.rightsized.provenance.json') };
  }

  it('a complete write: the provenance carries the stack hash and reads back', () => {
    const p = project();
    writeRecommendation(p.stack, recommendation);
    expect(JSON.parse(fs.readFileSync(p.provenance, 'utf8')).stackSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(() => readProvenanceFile(p.provenance)).not.toThrow();
  });

  it('a crash between the two renames: new provenance with old stack is detected as stale, no temp file survives', async () => {
    const p = project();
    writeRecommendation(p.stack, recommendation);
    const goodStack = fs.readFileSync(p.stack, 'utf8');
    // A new write on a changed stack, killed after the provenance rename.
    editStack(path.dirname(p.stacks), 'rightsized', 'The `rightsized` variant', 'The `rightsized`  variant');
    const oldStack = fs.readFileSync(p.stack, 'utf8');
    const rename = realFs.renameSync;
    let calls = 0;
    jest.spyOn(realFs, 'renameSync').mockImplementation((from, to) => {
      if (++calls === 2) throw new Error('killed');
      return rename(from, to);
    });
    expect(() => writeRecommendation(p.stack, recommendation)).toThrow(PlanWriteError);
    jest.restoreAllMocks();
    expect(fs.readFileSync(p.stack, 'utf8')).toBe(oldStack);
    expect(oldStack).not.toBe(goodStack);
    expect(() => readProvenanceFile(p.provenance)).toThrow(StaleProvenanceError);
    expect(fs.readdirSync(p.stacks).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // diff and report leave the stale evidence out with a warning.
    const result = await capture(() => main(['diff', '--root', path.dirname(p.stacks), '--output', '/dev/null']));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/warning: provenance file .* is stale/);
    // The next write makes the pair whole again.
    writeRecommendation(p.stack, recommendation);
    expect(() => readProvenanceFile(p.provenance)).not.toThrow();
  });

  it('a SIGKILL that left temporary files: the next write removes them', () => {
    const p = project();
    const dead = path.join(p.stacks, '.Pulumi.rightsized.yaml.tmp-999999999-1');
    fs.writeFileSync(dead, 'half');
    writeRecommendation(p.stack, recommendation);
    expect(fs.readdirSync(p.stacks).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
