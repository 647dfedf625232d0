/**
 * The pull-request comment (.github/scripts/comment.ts): what it says, that no tool output or
 * title reaches it as Markdown (checked with a GFM renderer), and that it stays under
 * GitHub's size limit with everything it opens closed. The last test runs the script the
 * way the workflow does.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assembleComment, closeOpen, cut, LIMIT, MARKER } from '../../.github/scripts/comment';
import { renderGfm, tags, visibleText } from '../support/gfm';

const ROOT = path.resolve(__dirname, '../..');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comment-'));
  fs.mkdirSync(path.join(tmp, 'reports'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeReports(files: Record<string, string>): string {
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(tmp, 'reports', name), content);
  return path.join(tmp, 'reports');
}

const STATUS = ['soak\t2\tsoak: base → head', 'rightsized\t3\trightsized: base → head', 'soak-vs-rightsized\t2\tsoak → rightsized (head)', ''].join('\n');
const ENV = {
  BASE_SHA: 'a'.repeat(40),
  HEAD_SHA: 'c'.repeat(40),
  CODE_CHANGED: 'false',
  BASE_SYNTH: 'success',
  ARTIFACT_URL: 'https://github.com/acme/numaflow-soak/actions/runs/1/artifacts/2',
  RUN_URL: 'https://github.com/acme/numaflow-soak/actions/runs/1',
};

/** Fenced blocks left open and `<details>` without their end, as a renderer would see them. */
function unclosed(markdown: string): { fences: number; details: number } {
  const html = renderGfm([markdown])[0];
  // An unclosed fence runs to the end of the document: the text after it is inside <pre>.
  const trailing = /<pre><code[^>]*>(?:(?!<\/code><\/pre>)[\s\S])*$/.test(html) ? 1 : 0;
  return { fences: trailing, details: (markdown.match(/<details\b/g) ?? []).length - (markdown.match(/<\/details>/g) ?? []).length };
}

describe('the comment', () => {
  it('starts with the marker, summarizes each comparison, then gives each report', () => {
    const dir = writeReports({
      'status.tsv': STATUS,
      'report-soak.md': '#### soak report',
      'report-soak.json': '{"risks":[]}',
      'report-rightsized.md': '#### rightsized report',
      'report-rightsized.json': '{"risks":[{"severity":"critical"},{"severity":"warning"},{"severity":"warning"}]}',
      'report-soak-vs-rightsized.md': '#### variants report',
      'report-soak-vs-rightsized.json': '{"risks":[]}',
      'manifests.name-status': 'M\tdist/base/soak/07-pipeline-batch-map-soak.k8s.yaml\nA\tdist/head/rightsized/12-x.k8s.yaml\n',
    });
    const { body, truncated } = assembleComment(dir, ENV);
    expect(body.startsWith(`${MARKER}\n## Numaflow soak: what this pull request changes\n`)).toBe(true);
    expect(body).toContain('Base `aaaaaaa` → head `ccccccc`');
    expect(body).toContain('| soak: base → head | changes | none |');
    expect(body).toContain('| rightsized: base → head | **changes with risk flags** | 1 critical, 2 warnings |');
    expect(body).toContain('2 files differ');
    expect(body).toContain('| M | `soak/07-pipeline-batch-map-soak.k8s.yaml` |');
    expect(body).toContain('### soak: base → head\n\n#### soak report');
    expect(body).toContain('<details><summary>soak → rightsized (head)</summary>\n\n#### variants report\n\n</details>');
    expect(body).toContain(`[the artifact](${ENV.ARTIFACT_URL})`);
    expect(body).toContain(`Reproduce: \`npx numaflow-soak diff --stack soak --base-ref ${ENV.BASE_SHA}\``);
    expect(body).not.toContain('changes code');
    expect(truncated).toBe(false);
  });

  it('shows the error of a failed comparison in a fenced block, and says when code changed or the base did not build', () => {
    const dir = writeReports({
      'status.tsv': 'soak\t1\tsoak: base → head\n',
      'report-soak.stderr': 'invalid plan in stacks/Pulumi.soak.yaml (1 error):\n  - numaflow-soak:plan.namespace: required\n',
    });
    const { body } = assembleComment(dir, { ...ENV, CODE_CHANGED: 'true', BASE_SYNTH: 'failure' });
    expect(body).toContain('| soak: base → head | **error** (exit 1) | - |');
    expect(body).toContain('`numaflow-soak diff` failed (exit 1):\n\n```\ninvalid plan in stacks/Pulumi.soak.yaml (1 error):\n  - numaflow-soak:plan.namespace: required\n```');
    expect(body).toContain('This pull request changes code');
    expect(body).toContain('The base could not be synthesized with its own code');
  });

  it('falls back to the run link when the artifact has none, and never links a URL it cannot trust', () => {
    const dir = writeReports({ 'status.tsv': 'soak\t0\tsoak: base → head\n', 'report-soak.md': 'ok' });
    expect(assembleComment(dir, { ...ENV, ARTIFACT_URL: '' }).body).toContain(`the artifact of [this run](${ENV.RUN_URL})`);
    const hostile = assembleComment(dir, { ...ENV, ARTIFACT_URL: 'https://x.example/a) ![t](https://evil.example/t.png' }).body;
    expect(tags(renderGfm([hostile])[0], 'img')).toEqual([]);
  });
});

describe('tool output and titles stay text', () => {
  /** What a plan error can carry into stderr: a YAML key with a fence, a heading and an image. */
  const HOSTILE_STDERR = [
    'invalid plan in stacks/Pulumi.soak.yaml (1 error):',
    '  - numaflow-soak:plan.pipeline.batchMap.env: unknown key "X',
    '`````',
    '## All clear',
    '',
    '![x](https://evil.example/t.png) [click](https://evil.example) @octocat **bold** <img src=x>',
    '~~~',
    'gnp.\u202Eexe"',
  ].join('\n');

  it('a failed comparison\'s error output renders as one literal block: no heading, image, link or mention', () => {
    const dir = writeReports({ 'status.tsv': 'soak\t1\tsoak: base → head\nrightsized\t0\trightsized: base → head\n', 'report-soak.stderr': HOSTILE_STDERR, 'report-rightsized.md': 'fine' });
    const { body } = assembleComment(dir, ENV);
    const html = renderGfm([body])[0];
    // Only the comment's own headings and its own artifact link.
    expect(tags(html, 'h2')).toHaveLength(1);
    expect(tags(html, 'h3')).toHaveLength(2);
    expect(visibleText(html)).not.toMatch(/^All clear$/m);
    expect(tags(html, 'img')).toEqual([]);
    expect(tags(html, 'a').map((a) => a)).toEqual([`<a href="${ENV.ARTIFACT_URL}">`]);
    // The only emphasis is the comment's own "**error**" in its summary table.
    expect(html.match(/<strong>[^<]*<\/strong>/g)).toEqual(['<strong>error</strong>']);
    // The error survives literally inside one block, the override shown as \u202E.
    const pre = /<pre><code>([\s\S]*?)<\/code><\/pre>/.exec(html)![1];
    expect(visibleText(pre)).toBe(`${HOSTILE_STDERR.replace('\u202E', '\\u202E')}\n`);
    expect(html).toContain('<h3>rightsized: base → head</h3>\n<p>fine</p>');
  });

  it('titles from status.tsv and file names from git are escaped', () => {
    const dir = writeReports({
      'status.tsv': 'soak\t2\t[click](https://evil.example) @octocat\n',
      'report-soak.md': 'report',
      'manifests.name-status': 'M\tdist/head/soak/`x`|![i](https://evil.example/i.png).yaml\n',
    });
    const html = renderGfm([assembleComment(dir, ENV).body])[0];
    expect(tags(html, 'a')).toEqual([`<a href="${ENV.ARTIFACT_URL}">`]);
    expect(tags(html, 'img')).toEqual([]);
    expect(visibleText(html)).toContain('[click](https://evil.example) @octocat');
    expect(visibleText(html)).toContain('soak/`x`|![i](https://evil.example/i.png).yaml');
  });
});

describe('the size limit', () => {
  it(`keeps the comment under ${LIMIT.toLocaleString('en-US')} characters, closing what it cuts and pointing to the artifact`, () => {
    const huge = ['#### soak report', '<details><summary>objects</summary>', '', '```diff', ...Array.from({ length: 4000 }, (_, i) => `- line ${i} ${'x'.repeat(40)}`)].join('\n');
    const dir = writeReports({ 'status.tsv': STATUS, 'report-soak.md': huge, 'report-rightsized.md': 'small', 'report-soak-vs-rightsized.md': 'small' });
    const { body, truncated } = assembleComment(dir, ENV);
    expect(huge.length).toBeGreaterThan(150_000);
    expect(body.length).toBeLessThanOrEqual(LIMIT);
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body).toContain("**Truncated** to stay under GitHub's comment size limit; left out: rightsized: base → head, soak → rightsized (head)");
    expect(body).toContain(`[the artifact](${ENV.ARTIFACT_URL})`);
    expect(unclosed(body)).toEqual({ fences: 0, details: 0 });
    expect(truncated).toBe(true);
    // The footer, after the cut, renders as a paragraph with its link, not as code.
    const html = renderGfm([body])[0];
    expect(tags(html, 'a')).toContain(`<a href="${ENV.ARTIFACT_URL}">`);
  });

  it('closes a long fence from an error block with a fence as long as its own, even at a tight limit', () => {
    const stderr = ['error', '`````', ...Array.from({ length: 80 }, (_, i) => `line ${i} ${'y'.repeat(30)}`)].join('\n');
    const dir = writeReports({ 'status.tsv': 'soak\t1\tsoak: base → head\n', 'report-soak.stderr': stderr });
    const full = assembleComment(dir, ENV).body;
    expect(full).toContain('``````\nerror');
    for (const limit of [2_500, 3_000, 3_500]) {
      const { body, truncated } = assembleComment(dir, ENV, limit);
      expect({ limit, length: body.length <= limit }).toEqual({ limit, length: true });
      expect(truncated).toBe(true);
      expect({ limit, open: unclosed(body) }).toEqual({ limit, open: { fences: 0, details: 0 } });
      expect(tags(renderGfm([body])[0], 'a')).toContain(`<a href="${ENV.ARTIFACT_URL}">`);
    }
  });

  it('closeOpen closes a fence with its own character and length, and details opened outside fences only', () => {
    expect(closeOpen('````\ncode ```\n')).toBe('````\ncode ```\n\n````');
    expect(closeOpen('~~~\n<details>\n')).toBe('~~~\n<details>\n\n~~~');
    expect(closeOpen('<details><summary>x</summary>\n\n```\na\n```\ntext')).toBe('<details><summary>x</summary>\n\n```\na\n```\ntext\n\n</details>');
    expect(closeOpen('``` not a fence ` here\n')).toBe('``` not a fence ` here\n');
    expect(cut('a\nbb\nccc\n```\ndddd\neeee', 16).length).toBeLessThanOrEqual(16);
  });
});

describe('the step, run as the workflow runs it', () => {
  it('writes reports/comment.md, appends it to the job summary and sets length and truncated', () => {
    writeReports({ 'status.tsv': 'soak\t2\tsoak: base → head\n', 'report-soak.md': '#### soak report', 'report-soak.json': '{"risks":[]}' });
    const summary = path.join(tmp, 'summary.md');
    const output = path.join(tmp, 'output');
    fs.writeFileSync(output, '');
    const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
    const r = spawnSync(tsx, [path.join(ROOT, '.github/scripts/comment.ts')], {
      cwd: tmp,
      encoding: 'utf8',
      env: { PATH: process.env.PATH!, HOME: tmp, ...ENV, GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const body = fs.readFileSync(path.join(tmp, 'reports/comment.md'), 'utf8');
    expect(body.startsWith(`${MARKER}\n`)).toBe(true);
    expect(body).toContain('### soak: base → head\n\n#### soak report');
    expect(fs.readFileSync(summary, 'utf8')).toBe(body);
    expect(fs.readFileSync(output, 'utf8')).toBe(`length=${body.length}\ntruncated=false\n`);
  });
});
