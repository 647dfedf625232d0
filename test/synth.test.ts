import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildApp } from '../src/app';
import { PlanError } from '../src/plan/load';
import { SynthOutputError, writeChart, writeCharts } from '../src/synth';
import { ROOT } from './support/synth';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'numaflow-soak-'));
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const variant of fs.readdirSync(dir).sort()) {
    for (const file of fs.readdirSync(path.join(dir, variant)).sort()) {
      out[`${variant}/${file}`] = fs.readFileSync(path.join(dir, variant, file), 'utf8');
    }
  }
  return out;
}

function synthInto(outdir: string, root = ROOT): Record<string, string> {
  const { charts } = buildApp({ outdir, root, warn: () => undefined });
  for (const chart of charts) writeChart(chart, outdir);
  return readTree(outdir);
}

test('synthesis writes one folder per variant, files numbered in apply order', () => {
  const files = Object.keys(synthInto(tempDir()));
  expect(files.filter((f) => f.startsWith('soak/'))).toEqual([
    'soak/01-namespace-numaflow-soak.k8s.yaml',
    'soak/02-resourcequota-soak.k8s.yaml',
    'soak/03-limitrange-soak.k8s.yaml',
    'soak/04-priorityclass-numaflow-soak-buffer.k8s.yaml',
    'soak/05-networkpolicy-isbsvc-soak-isb-js-ingress.k8s.yaml',
    'soak/06-interstepbufferservice-soak-isb.k8s.yaml',
    'soak/07-poddisruptionbudget-isbsvc-soak-isb-js.k8s.yaml',
    'soak/08-pipeline-batch-map-soak.k8s.yaml',
    'soak/09-podmonitor-batch-map-soak-vertices.k8s.yaml',
    'soak/10-servicemonitor-soak-isb-jetstream.k8s.yaml',
    'soak/11-servicemonitor-batch-map-soak-daemon.k8s.yaml',
    'soak/12-prometheusrule-batch-map-soak-soak.k8s.yaml',
    'soak/13-prometheusrule-batch-map-soak-soak-recording.k8s.yaml',
    'soak/14-configmap-batch-map-soak-dashboard.k8s.yaml',
  ]);
  expect(files.filter((f) => f.startsWith('rightsized/'))).toHaveLength(14);
});

test('the same plans synthesize byte-identical output', () => {
  const first = synthInto(tempDir());
  const second = synthInto(tempDir());
  expect(Object.keys(first).length).toBe(28);
  expect(second).toEqual(first);
});

test('re-synthesis replaces a variant folder, leaving no stale files', () => {
  const out = tempDir();
  synthInto(out);
  fs.writeFileSync(path.join(out, 'soak', '99-stale.k8s.yaml'), 'stale');
  synthInto(out);
  expect(fs.existsSync(path.join(out, 'soak', '99-stale.k8s.yaml'))).toBe(false);
});

test('an invalid plan in any variant stops the build before anything is written', () => {
  const root = tempDir();
  fs.mkdirSync(path.join(root, 'stacks'));
  fs.copyFileSync(path.join(ROOT, 'stacks', 'Pulumi.soak.yaml'), path.join(root, 'stacks', 'Pulumi.soak.yaml'));
  const broken = fs.readFileSync(path.join(ROOT, 'stacks', 'Pulumi.rightsized.yaml'), 'utf8').replace('requests: { cpu: 1720m, memory: 100Mi }', 'requests: { cpu: 1720m, memory: 100MB }');
  fs.writeFileSync(path.join(root, 'stacks', 'Pulumi.rightsized.yaml'), broken);
  const out = tempDir();
  expect(() => synthInto(out, root)).toThrow(PlanError);
  expect(() => synthInto(out, root)).toThrow(/Pulumi\.rightsized\.yaml[\s\S]*pipeline\.batchMap\.udf\.requests\.memory: expected a byte quantity/);
  expect(fs.readdirSync(out)).toEqual([]);
});

describe('the output is swapped in whole', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const realFs: typeof fs = require('node:fs');
  afterEach(() => jest.restoreAllMocks());

  function synthOnce(outdir: string): void {
    const { charts } = buildApp({ outdir, root: ROOT, warn: () => undefined });
    writeCharts(charts, outdir);
  }
  function snapshot(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
      const full = path.join(dir, e);
      if (fs.statSync(full).isFile()) out[e] = fs.readFileSync(full, 'utf8');
    }
    return out;
  }

  test('re-synthesis keeps the other files of the output folder (reports) and leaves nothing beside it', () => {
    const outdir = path.join(tempDir(), 'dist');
    synthOnce(outdir);
    fs.writeFileSync(path.join(outdir, 'report.json'), '{"kept":true}\n');
    synthOnce(outdir);
    expect(fs.readFileSync(path.join(outdir, 'report.json'), 'utf8')).toBe('{"kept":true}\n');
    expect(fs.readdirSync(outdir).sort()).toEqual(['report.json', 'rightsized', 'soak']);
    expect(fs.readdirSync(path.dirname(outdir))).toEqual(['dist']);
  });

  test('a failure while writing leaves the output folder byte-identical and no staging folder', () => {
    const outdir = path.join(tempDir(), 'dist');
    synthOnce(outdir);
    fs.writeFileSync(path.join(outdir, 'report.html'), '<!doctype html>\n');
    const before = snapshot(outdir);
    const write = realFs.writeFileSync;
    let calls = 0;
    jest.spyOn(realFs, 'writeFileSync').mockImplementation((...args: Parameters<typeof fs.writeFileSync>) => {
      if (++calls === 20) throw new Error('disk full');
      return write(...args);
    });
    expect(() => synthOnce(outdir)).toThrow(SynthOutputError);
    jest.restoreAllMocks();
    expect(snapshot(outdir)).toEqual(before);
    expect(fs.readdirSync(path.dirname(outdir))).toEqual(['dist']);
  });

  test('a run killed between its two renames: the next one puts the old tree back first', () => {
    const outdir = path.join(tempDir(), 'dist');
    synthOnce(outdir);
    fs.writeFileSync(path.join(outdir, 'report.json'), '{}\n');
    // As a kill after `dist` -> `.dist.old-<pid>` and before the new tree was renamed in.
    fs.renameSync(outdir, path.join(path.dirname(outdir), '.dist.old-999999999'));
    fs.mkdirSync(path.join(path.dirname(outdir), '.dist.tmp-999999999'));
    synthOnce(outdir);
    expect(fs.readFileSync(path.join(outdir, 'report.json'), 'utf8')).toBe('{}\n');
    expect(fs.readdirSync(path.dirname(outdir))).toEqual(['dist']);
  });

  test('an output path that is a file is refused in one line, the file untouched', () => {
    const file = path.join(tempDir(), 'dist');
    fs.writeFileSync(file, 'keep');
    const { charts } = buildApp({ outdir: file, root: ROOT, warn: () => undefined });
    expect(() => writeCharts(charts, file)).toThrow(new SynthOutputError(`cannot write to ${file}: it exists and is not a directory`));
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
  });
});
