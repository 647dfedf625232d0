/**
 * Hostile text from data through every Markdown writer (issue 10 item 3): the diff report,
 * the doctor table, the verdict and the recommendation, rendered by a GFM renderer. Each is
 * rendered twice, with the hostile string and with a plain one in the same places: the
 * elements must be the same (nothing made from data: no link, image, emphasis, heading,
 * strikethrough, quote, list item, extra cell or <details>), and the hostile text must
 * read exactly as written. (The PR comment and the plan errors in it: test/workflow/comment.test.ts.)
 */
import { renderDoctorMarkdown } from '../../src/cli/doctor-command';
import { renderRecommendationMarkdown } from '../../src/cli/recommend-command';
import { renderVerdictMarkdown } from '../../src/cli/verdict-command';
import { renderMarkdown } from '../../src/diff/markdown';
import type { SoakVerdictRecord } from '../../src/diff/provenance';
import { buildReport, type DiffReport } from '../../src/diff/report';
import { visible } from '../../src/markdown/writer';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { defaultDataset } from '../../src/recommend/dataset';
import type { DoctorReport } from '../../src/recommend/doctor';
import { EmbeddedSource } from '../../src/recommend/embedded';
import { recommendPlan, type Recommendation } from '../../src/recommend/recommend';
import type { Verdict } from '../../src/recommend/verdict';
import { variantSide } from '../support/diff';
import { renderGfm, visibleText } from '../support/gfm';

/** A plan key, name, image or provenance source as an attacker would write it. */
const HOSTILE = 'x```\n## All clear\n![x](https://evil.example/t.png) [click](https://evil.example) **bold** _em_ ~~del~~ <img src=x> <details> @octocat #12 www.evil.example | a `tick` gnp.\u202Eexe';
/** The same places, harmless. */
const PLAIN = 'plain-name';
/** What a reader must see. */
const LITERAL = visible(HOSTILE.replace(/\n/g, ' '));

const TAGS = ['a', 'img', 'strong', 'em', 'del', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'details', 'summary', 'blockquote', 'li', 'ul', 'ol', 'table', 'tr', 'td', 'th', 'pre', 'hr', 'p'];

/** How many of each element the HTML holds. */
function elements(html: string): Record<string, number> {
  return Object.fromEntries(TAGS.map((t) => [t, (html.match(new RegExp(`<${t}\\b`, 'g')) ?? []).length]));
}

/** Renders a writer's output for the hostile and the plain string; checks elements and text. */
function check(write: (s: string) => string, occurrences: number): void {
  const [hostile, plain] = renderGfm([write(HOSTILE), write(PLAIN)]);
  expect(elements(hostile)).toEqual(elements(plain));
  const text = visibleText(hostile);
  expect(text.split(LITERAL).length - 1).toBeGreaterThanOrEqual(occurrences);
  expect(text).not.toContain('\u202E');
}

const WINDOW = { start: '2025-07-01T00:10:00Z', end: '2025-07-06T00:00:00Z', stepSeconds: 60 };

describe('the diff report', () => {
  const side = variantSide('rightsized');
  const base = buildReport(side, side);
  const report = (s: string): DiffReport => {
    const verdict: SoakVerdictRecord = { passed: false, insufficientData: false, window: WINDOW, checks: 11, lines: [{ check: s, status: 'fail', measured: s }] };
    return {
      ...base,
      before: { ...base.before, label: s },
      after: { ...base.after, label: s },
      nodeShape: { ...base.nodeShape, name: s },
      risks: [{ severity: 'critical', code: 'buffer-replaced', message: s }],
      provenance: { source: s, window: WINDOW, verdict },
      containers: base.containers.map((c) => ({ ...c, owner: s })),
      objects: [
        { ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: s }, key: s, status: 'changed', changes: [{ path: s, before: s, after: s }] },
        { ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: s }, key: s, status: 'added', changes: [] },
        { ref: { apiVersion: 'v1', kind: 'Secret', namespace: 'ns', name: s }, key: s, status: 'unchanged', changes: [] },
      ],
    };
  };

  it('makes no element from data and shows it as written', () => {
    check((s) => renderMarkdown(report(s), { reproduce: `numaflow-soak diff --before ${s}` }), 8);
  });
});

describe('the doctor table', () => {
  const report = (s: string): DoctorReport => ({
    source: s,
    window: WINDOW,
    names: { namespace: s, pipeline: s, buffer: s },
    ok: false,
    version: { status: 'other', seen: [s], contract: 'v1.8.3', text: s },
    rows: [
      {
        family: s,
        group: s,
        groupTitle: s,
        selector: s,
        lazy: false,
        required: true,
        usedBy: [s],
        status: 'missing',
        problem: true,
        series: 0,
        by: 'pod',
        values: [],
        firstSeen: s,
        lastSeen: s,
        cause: s,
      },
    ],
    problems: [{ cause: s, rows: [{ family: s, group: s }] }],
  });

  it('makes no element from data and shows it as written', () => {
    check((s) => renderDoctorMarkdown(report(s), `numaflow-soak doctor --namespace ${s}`), 8);
  });
});

describe('the verdict', () => {
  const verdict = (s: string): Verdict =>
    ({
      source: s,
      window: WINDOW,
      names: { namespace: s, pipeline: s, buffer: s },
      target: 50000,
      criteria: { throughputPercent: 95, latencyBoundMs: 500, lossTolerancePercent: 0.1, skip: [] },
      lines: [{ check: 'restarts', status: 'fail', measured: s, expected: s, selector: s }],
      passed: false,
      insufficientData: true,
      reasons: [s],
      // Which series the verdict read (a recording rule's name is data too).
      series: [{ family: 'throttling', used: 'recorded', series: s, recorded: s, coveragePercent: 100, text: s }],
    }) as unknown as Verdict;

  it('makes no element from data and shows it as written', () => {
    check((s) => renderVerdictMarkdown(verdict(s), `numaflow-soak verdict --selector ${s}`), 5);
  });
});

describe('the recommendation', () => {
  let real: Recommendation;
  beforeAll(async () => {
    const dataset = defaultDataset();
    real = await recommendPlan({ plan: loadStackFile(stackFile('soak')).plan, source: new EmbeddedSource(dataset), window: { start: dataset.start + 600, end: dataset.end, stepSeconds: 60 } });
  });
  const recommendation = (s: string): Recommendation => ({
    ...real,
    source: s,
    containers: real.containers.map((c) => ({ ...c, label: s, notes: [s] })),
    replicas: real.replicas.map((x) => ({ ...x, vertex: s, notes: [s] })),
    partitions: { ...real.partitions, message: s },
    volume: { ...real.volume, message: s },
    insufficientData: true,
    reasons: [s],
  });

  it('makes no element from data and shows it as written', () => {
    const verdict: SoakVerdictRecord = { passed: false, insufficientData: false, window: WINDOW, checks: 11, lines: [{ check: 'restarts', status: 'fail', measured: HOSTILE }] };
    check((s) => renderRecommendationMarkdown(recommendation(s), `numaflow-soak recommend --selector ${s}`, { ...verdict, lines: [{ ...verdict.lines[0], measured: s }] }), 8);
  });
});
