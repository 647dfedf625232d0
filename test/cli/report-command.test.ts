/** `numaflow-soak report`: the main job, offline: manifests, JSON, HTML and the Markdown on stdout. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { capture, editStack, tempDir, tempProject } from '../support/diff';

describe('numaflow-soak report', () => {
  const outdir = path.join(tempDir(), 'dist');
  let result: Awaited<ReturnType<typeof capture>>;

  beforeAll(async () => {
    result = await capture(() => main(['report', '--outdir', outdir]));
  });

  it('exits 0 even though the variants differ', () => {
    expect(result.code).toBe(0);
  });

  it('synthesizes both variants into <outdir>/soak and <outdir>/rightsized', () => {
    for (const variant of ['soak', 'rightsized']) {
      const files = fs.readdirSync(path.join(outdir, variant));
      expect(files).toHaveLength(14);
      // Each variant in its own namespace, numaflow-<stack>.
      expect(files[0]).toBe(`01-namespace-numaflow-${variant}.k8s.yaml`);
    }
  });

  it('writes report.json (schemaVersion 1, soak → rightsized) and report.html', () => {
    const doc = JSON.parse(fs.readFileSync(path.join(outdir, 'report.json'), 'utf8'));
    expect(doc.schemaVersion).toBe(1);
    expect([doc.before.label, doc.after.label]).toEqual(['soak', 'rightsized']);
    expect(doc.totals.after.requests.cpu).toBe(99.09);
    expect(fs.readFileSync(path.join(outdir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(fs.readdirSync(outdir).sort()).toEqual(['report.html', 'report.json', 'rightsized', 'soak']);
  });

  it('prints the Markdown report, summary first, with the totals table', () => {
    const lines = result.stdout.split('\n');
    expect(lines).toContain('### numaflow-soak: soak → rightsized');
    expect(lines).toContain('| CPU requested (cores) | 164.89 | 99.09 | -65.8 | -39.9% |');
    expect(result.stdout.indexOf('#### Totals')).toBeLessThan(result.stdout.indexOf('<details>'));
    expect(result.stdout).toContain('Reproduce: `npx numaflow-soak report`');
  });

  it('prints the verdict on the embedded soak dataset before the report, each check with its measured figure', () => {
    const verdictAt = result.stdout.indexOf('### numaflow-soak verdict: PASSED');
    // The embedded default is explicit in the output.
    expect(result.stdout).toContain('_This verdict judges the embedded dataset, a model of the soak, not a measurement.');
    expect(verdictAt).toBeGreaterThanOrEqual(0);
    expect(verdictAt).toBeLessThan(result.stdout.indexOf('### numaflow-soak: soak → rightsized'));
    for (const check of ['restarts', 'oom-kills', 'errors', 'throughput', 'latency', 'back-pressure', 'memory-trend']) {
      expect(result.stdout).toMatch(new RegExp(`\\| ${check} \\| ✅ pass \\| [^|]*\\d`));
    }
  });

  it('reports progress and plan warnings on stderr only', () => {
    expect(result.stderr).toContain('soak: 14 objects in ');
    expect(result.stderr).toContain(`wrote ${path.join(outdir, 'report.json')} and ${path.join(outdir, 'report.html')}`);
    expect(result.stdout).not.toContain('objects in');
  });
});

it('writes the HTML where --html says', async () => {
  const dir = tempDir();
  const html = path.join(dir, 'elsewhere', 'soak.html');
  const { code } = await capture(() => main(['report', '--outdir', path.join(dir, 'out'), '--html', html]));
  expect(code).toBe(0);
  expect(fs.existsSync(html)).toBe(true);
  expect(fs.existsSync(path.join(dir, 'out', 'report.html'))).toBe(false);
});

it('exits 1 and writes nothing when a plan is invalid', async () => {
  const root = tempProject();
  editStack(root, 'soak', 'version: 2.12.7', 'version: latest');
  const outdir = path.join(tempDir(), 'dist');
  const { code, stdout, stderr } = await capture(() => main(['report', '--root', root, '--outdir', outdir]));
  expect(code).toBe(1);
  expect(stdout).toBe('');
  expect(stderr).toMatch(/^invalid plan in .*Pulumi\.soak\.yaml/m);
  expect(fs.existsSync(outdir)).toBe(false);
});
