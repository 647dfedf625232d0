/**
 * The soak verdict a provenance records (`recommend --write` runs it first) in the diff
 * reports: the Markdown summary's first line, the HTML report, report.json and the risk
 * flags; data from the file escaped everywhere; and the provenance schema's `verdict` field.
 */
import { renderHtml } from '../../src/diff/html';
import { reportJson } from '../../src/diff/json';
import { renderMarkdown } from '../../src/diff/markdown';
import type { Provenance, SoakVerdictRecord } from '../../src/diff/provenance';
import { parseProvenance, ProvenanceError } from '../../src/diff/provenance-file';
import { buildReport } from '../../src/diff/report';
import { variantPair, variantSide } from '../support/diff';
import { gfmHtml, tags, visibleText } from '../support/gfm';

/** soak as the commands compare it with rightsized: side by side, in rightsized's namespace. */
const soak = variantPair('soak', 'rightsized').before;
const rightsized = variantSide('rightsized');

const WINDOW = { start: '2025-07-01T00:10:00Z', end: '2025-07-06T00:00:00Z', stepSeconds: 60 };
const PASSED: SoakVerdictRecord = { passed: true, insufficientData: false, window: WINDOW, checks: 11, lines: [] };
const FAILED: SoakVerdictRecord = {
  passed: false,
  insufficientData: true,
  window: WINDOW,
  checks: 11,
  lines: [
    { check: 'back-pressure', status: 'fail', measured: '2,153,694 buffer-full write attempt(s)' },
    { check: 'latency', status: 'no-data', measured: 'no forwarder_processing_time data' },
  ],
};
const UNDECIDED: SoakVerdictRecord = { ...PASSED, insufficientData: true, lines: [FAILED.lines[1]] };

const provenance = (verdict?: SoakVerdictRecord): Provenance => ({ source: 'embedded:soak-backpressure-5d-120s-seed1817', window: WINDOW, ...(verdict ? { verdict } : {}), containers: {} });
const report = (verdict?: SoakVerdictRecord) => buildReport(soak, rightsized, { provenance: provenance(verdict) });
const lines = (verdict?: SoakVerdictRecord) => renderMarkdown(report(verdict)).split('\n');

describe('the Markdown summary', () => {
  it('says first, under the headline and before any number, that the soak FAILED, naming each line with its measured figure', () => {
    const md = lines(FAILED);
    expect(md[0]).toBe('### numaflow-soak: soak → rightsized');
    expect(md[2]).toBe(
      '⚠️ **sized from a soak that FAILED its verdict**: back-pressure: 2,153,694 buffer-full write attempt(s); latency (no data): no forwarder_processing_time data (judged over 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z).',
    );
    expect(md[4]).toMatch(/^✅ no replacement or deletion of the buffer service/);
    expect(md.findIndex((l) => l.includes('Requested CPU'))).toBeGreaterThan(2);
  });

  it('says when the soak passed, or when its verdict had too little data', () => {
    expect(lines(PASSED)[2]).toBe('✅ sized from a soak that passed its verdict (11 checks, 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z).');
    expect(lines(UNDECIDED)[2]).toBe(
      '⚠️ **sized from a soak whose verdict had too little data**: latency (no data): no forwarder_processing_time data (judged over 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z).',
    );
    expect(lines({ ...UNDECIDED, lines: [] })[2]).toContain('the window was too short to judge');
  });

  it('says nothing above the buffer line without a recorded verdict, and "no soak verdict recorded" beside the observed usage', () => {
    const md = lines();
    expect(md[2]).toMatch(/^✅ no replacement or deletion of the buffer service/);
    expect(md.join('\n')).toContain('every 60s. No soak verdict recorded with it.');
    expect(renderMarkdown(buildReport(soak, rightsized)).split('\n')[2]).toMatch(/^✅ no replacement/);
  });
});

describe('the risk flags', () => {
  it('flag a failed soak critical and first, one without enough data as a warning, a passed one not at all', () => {
    const failed = report(FAILED).risks;
    expect(failed[0]).toEqual({
      code: 'soak-verdict-failed',
      severity: 'critical',
      message:
        'the sizes were measured on a soak that FAILED its verdict (back-pressure: 2,153,694 buffer-full write attempt(s); latency (no data): no forwarder_processing_time data; judged over 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z): a run that did not hold up is no basis for sizes; fix the soak and right-size from a passing one',
    });
    expect(renderMarkdown(report(FAILED))).toContain('#### 🛑 Risk flags: 1 critical, 0 warnings');
    expect(report(UNDECIDED).risks.map((r) => [r.code, r.severity])).toEqual([['soak-verdict-insufficient', 'warning']]);
    expect(report(PASSED).risks).toEqual([]);
    expect(report().risks).toEqual([]);
  });
});

describe('report.json', () => {
  it('carries the verdict under provenance, as documented', () => {
    expect(reportJson(report(FAILED)).provenance).toEqual({ source: 'embedded:soak-backpressure-5d-120s-seed1817', window: WINDOW, verdict: FAILED });
    expect(JSON.stringify(reportJson(report(FAILED)).provenance)).toMatch(/^\{"source":.*,"window":\{.*\},"verdict":\{"passed":false,"insufficientData":true,"window":\{.*\},"checks":11,"lines":\[/);
    expect(reportJson(report()).provenance).toEqual({ source: 'embedded:soak-backpressure-5d-120s-seed1817', window: WINDOW });
  });
});

describe('the HTML report', () => {
  it('shows the verdict before the risk flags: the outcome and each line with its measured figure', () => {
    const html = renderHtml(report(FAILED));
    expect(html).toContain(
      '<section id="verdict" class="verdict failed" data-outcome="failed" aria-label="Soak verdict">\n<h2>Soak verdict: FAILED</h2>\n' +
        '<p class="verdict-summary">The sizes were measured on a soak that FAILED its verdict, judged over 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z: a run that did not hold up is no basis for sizes.</p>\n<ul>\n' +
        '<li class="finding fail" data-check="back-pressure"><code>back-pressure</code> <span class="status">fail</span> 2,153,694 buffer-full write attempt(s)</li>\n' +
        '<li class="finding no-data" data-check="latency"><code>latency</code> <span class="status">no data</span> no forwarder_processing_time data</li>\n</ul>\n</section>',
    );
    expect(html.indexOf('id="verdict"')).toBeLessThan(html.indexOf('id="risks"'));
    expect(renderHtml(report(PASSED))).toContain('<p class="verdict-summary">The sizes were measured on a soak that passed its verdict: 11 checks, judged over 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z.</p>\n</section>');
    expect(renderHtml(report())).toContain('<p class="no-verdict">No soak verdict recorded with the observed usage</p>');
    expect(renderHtml(buildReport(soak, rightsized))).not.toContain('id="verdict"');
  });
});

describe('data from the provenance file is escaped', () => {
  const nasty: SoakVerdictRecord = {
    ...PASSED,
    passed: false,
    lines: [{ check: '<img src=x onerror=alert(1)>', status: 'fail', measured: 'a | b `code` <script>alert(1)</script> \\ c\nd' }],
  };

  it('in the Markdown: no raw HTML, pipes, backticks or line breaks', () => {
    const md = renderMarkdown(report(nasty));
    const line = md.split('\n')[2];
    expect(line).toBe(
      '⚠️ **sized from a soak that FAILED its verdict**: \\<img src=x onerror=alert(1)\\>: a \\| b \\`code\\` \\<script\\>alert(1)\\</script\\> \\\\ c d (judged over 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z).',
    );
    const risk = md.split('\n').find((l) => l.includes('`soak-verdict-failed`'))!;
    expect(risk).toContain('\\<img src=x onerror=alert(1)\\>: a \\| b \\`code\\`');
    // Rendered as GitHub does: the text survives, no element is made from it.
    const html = gfmHtml(md);
    expect(tags(html, 'img')).toEqual([]);
    expect(tags(html, 'script')).toEqual([]);
    expect(visibleText(html)).toContain('<img src=x onerror=alert(1)>: a | b `code` <script>alert(1)</script> \\ c d');
  });

  it('in the HTML', () => {
    const html = renderHtml(report(nasty));
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).toContain('data-check="&lt;img src=x onerror=alert(1)&gt;"><code>&lt;img src=x onerror=alert(1)&gt;</code>');
  });
});

describe('the provenance schema', () => {
  const file = (verdict: unknown) => ({ ...provenance(), verdict });

  it('loads files without a verdict (written before the gate) and with one', () => {
    expect(parseProvenance(provenance(), 'old.json').verdict).toBeUndefined();
    expect(parseProvenance(file(FAILED), 'new.json').verdict).toEqual(FAILED);
  });

  it.each([
    [{ ...PASSED, note: 'x' }, 'verdict: Unrecognized key: "note"'],
    [{ ...PASSED, checks: undefined }, 'verdict.checks:'],
    [{ ...PASSED, lines: [{ check: 'latency', status: 'warn', measured: '' }] }, 'verdict.lines.0.status:'],
    [{ ...PASSED, lines: [{ check: 'oom-kills', status: 'fail', measured: '1' }] }, 'verdict: passed must be false exactly when a line has status "fail"'],
    [{ ...PASSED, passed: false }, 'verdict: passed must be false exactly when a line has status "fail"'],
    [{ ...PASSED, lines: [FAILED.lines[1]] }, 'verdict: a line with status "no-data" needs insufficientData: true'],
  ])('refuses a verdict that is not in the documented shape: %j', (verdict, problem) => {
    expect(() => parseProvenance(file(verdict), 'bad.json')).toThrow(ProvenanceError);
    expect(() => parseProvenance(file(verdict), 'bad.json')).toThrow(problem);
  });
});
