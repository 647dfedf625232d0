/**
 * The HTML report, opened in a real browser: headless Chromium (Debian's package here, the
 * runner image's on GitHub; found as scripts/system-tools.ts says), driven by
 * playwright-core. The report is built from the real plans (synthesized in memory) plus an
 * observed-usage fixture, and the test checks what the browser renders, not only the markup.
 * A full-page screenshot lands in test-output/report.png for a human look.
 *
 * Chromium is required: when it is missing the suite fails (`npm test` and .ci/run install it
 * first, or stop naming the command).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { escapeHtml, renderHtml } from '../../src/diff/html';
import type { ContainerObservation, Provenance, UsageStats } from '../../src/diff/provenance';
import { buildReport, type DiffReport, type ReportSide } from '../../src/diff/report';
import type { Manifest } from '../../src/diff/semantic';
import { Bytes } from '../../src/plan/quantity';
import type { SoakPlan } from '../../src/plan/schema';
import { loadVariant, ROOT, synthPlan } from '../support/synth';
import { mulberry32 } from '../../src/recommend/dataset';
import { describeStatus, findTool, SYSTEM_TOOLS } from '../../scripts/system-tools';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const OUTPUT_DIR = path.join(ROOT, 'test-output');
const BROWSER_TIMEOUT = 60_000;

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------


/** p95, p99, peak and count of a sample, nearest-rank percentiles. */
function stats(values: readonly number[]): UsageStats {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p95: rank(95), p99: rank(99), peak: sorted[sorted.length - 1], samples: values.length };
}

const SERIES_POINTS = 288;
const STEP_SECONDS = 1500; // 288 × 25 min = 5 days
const START = Date.UTC(2024, 4, 6) / 1000; // 2024-05-06T00:00:00Z
const MiB = 1024 ** 2;

/**
 * Five days of one batch-map udf container, as the soak saw it: about 1.1 cores with a
 * daily swing and noise, capped well under the right-sized 2080m limit; memory around
 * 70 MiB, creeping up slowly with a garbage-collection sawtooth, under the 100Mi limit.
 */
function udfObservation(): ContainerObservation {
  const random = mulberry32(1817);
  const t: number[] = [];
  const cpu: number[] = [];
  const memory: number[] = [];
  for (let i = 0; i < SERIES_POINTS; i++) {
    const time = START + i * STEP_SECONDS;
    const day = ((time - START) / 86400) * 2 * Math.PI;
    const spike = random() < 0.03 ? 0.25 : 0;
    t.push(time);
    cpu.push(Math.round(Math.min(1.75, 1.1 + 0.18 * Math.sin(day) + (random() - 0.5) * 0.12 + spike) * 1000) / 1000);
    memory.push(Math.round((68 + (i / SERIES_POINTS) * 12 + (i % 24) * 0.5 + random() * 3) * MiB));
  }
  return {
    cpu: stats(cpu),
    memory: stats(memory),
    headroomPercent: { cpu: 25, memory: 30 },
    requiredCores: 2,
    series: { t, cpu, memory },
  };
}

const PROVENANCE: Provenance = {
  source: 'embedded:html-test-seed',
  window: { start: '2024-05-06T00:00:00Z', end: '2024-05-11T00:00:00Z', stepSeconds: STEP_SECONDS },
  containers: {
    'pipeline.batchMap.udf': udfObservation(),
    // Statistics without a series: markers on the bars, no usage chart.
    'pipeline.batchMap.numa': {
      cpu: { p95: 0.42, p99: 0.48, peak: 0.61, samples: SERIES_POINTS },
      memory: { p95: 180 * MiB, p99: 196 * MiB, peak: 231 * MiB, samples: SERIES_POINTS },
    },
  },
};

function side(label: string, plan: SoakPlan): ReportSide {
  return { label, plan, manifests: synthPlan(plan, label) as unknown as Manifest[] };
}

/**
 * The right-sized plan with smaller buffer volumes. A fresh load rebuilt with spreads, not a
 * structuredClone: a clone drops the Cpu/Bytes prototypes the capacity model calls into.
 */
function shrunkVolumes(): SoakPlan {
  const plan = loadVariant('rightsized');
  return { ...plan, buffer: { ...plan.buffer, persistence: { ...plan.buffer.persistence, volumeSize: Bytes.parse('20Gi') } } };
}

// ---------------------------------------------------------------------------------------
// Suite
// ---------------------------------------------------------------------------------------

let soak: ReportSide;
let rightsized: ReportSide;
let report: DiffReport;
let html: string;
let browser: Browser | undefined;

beforeAll(() => {
  rightsized = side('rightsized', loadVariant('rightsized'));
  // Side by side, as the commands compare two variants (sideBySide, src/diff/sides.ts): soak in rightsized's namespace.
  soak = side('soak', { ...loadVariant('soak'), namespace: rightsized.plan.namespace });
  report = buildReport(soak, rightsized, { provenance: PROVENANCE });
  html = renderHtml(report);
});

afterAll(async () => {
  await browser?.close();
});

/** Launches Chromium once; a missing binary fails the test that needs it, saying what to install. */
async function launch(): Promise<Browser> {
  if (browser) return browser;
  // The browser scripts/ensure-test-tools.ts checked (npm test runs it first): CHROMIUM_PATH,
  // else chromium, chromium-browser, google-chrome-stable or google-chrome on PATH, else the
  // Chromium playwright-core downloaded.
  const found = findTool(SYSTEM_TOOLS.find((t) => t.name === 'chromium')!);
  if (found.state !== 'ok') {
    throw new Error(`the HTML report test needs Chromium: ${describeStatus(found)}. Run npx tsx scripts/ensure-test-tools.ts (npm test does), which installs it or prints the command.`);
  }
  browser = await chromium.launch({ executablePath: found.path, args: CHROMIUM_ARGS });
  return browser;
}

/** Opens `document` from a file in test-output/ and records every request that is not the file itself. */
async function open(document: string, name: string): Promise<{ page: Page; external: string[] }> {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = path.join(OUTPUT_DIR, name);
  fs.writeFileSync(file, document);
  const page = await (await launch()).newPage({ viewport: { width: 1280, height: 900 } });
  const external: string[] = [];
  const url = pathToFileURL(file).href;
  page.on('request', (r) => {
    if (r.url() !== url) external.push(r.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, external };
}

/** getBoundingClientRect().width of the single element `selector` matches. */
async function renderedWidth(page: Page, selector: string): Promise<number> {
  const locator = page.locator(selector);
  expect(await locator.count()).toBe(1);
  return locator.evaluate((el) => el.getBoundingClientRect().width);
}

/** Parses a signed percentage as printed (`−25%`, `+3.5%`). */
const parsePercent = (text: string): number => Number(text.trim().replace('\u2212', '-').replace('%', ''));

describe('renderHtml: the document', () => {
  test('is self-contained: no external src or href, no script or stylesheet links', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain('<style>');
  });

  test('is deterministic: the same report renders to the same bytes', () => {
    expect(renderHtml(buildReport(soak, rightsized, { provenance: PROVENANCE }))).toBe(html);
  });

  test('escapes every text it prints', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const nasty = renderHtml(buildReport({ ...soak, label: '<img src=x onerror=alert(1)>' }, rightsized));
    expect(nasty).not.toContain('<img');
    expect(nasty).toContain('numaflow-soak: &lt;img src=x onerror=alert(1)&gt; → rightsized');
  });
});

describe('renderHtml in headless Chromium', () => {
  let page: Page;
  let external: string[];

  beforeAll(async () => {
    ({ page, external } = await open(html, 'report.html'));
  }, BROWSER_TIMEOUT);

  test('fetches nothing and shows the title', async () => {
    expect(external).toEqual([]);
    expect(await page.title()).toBe('numaflow-soak: soak → rightsized');
    expect((await page.locator('h1').textContent())?.trim()).toBe('numaflow-soak: soak → rightsized');
  }, BROWSER_TIMEOUT);

  test('says there are no risk flags for soak → rightsized', async () => {
    expect(report.risks).toEqual([]);
    await expect(page.locator('#risks').textContent()).resolves.toContain('No risk flags');
    expect(await page.locator('#risks .no-risks').isVisible()).toBe(true);
    expect(await page.locator('#risks li.risk').count()).toBe(0);
  }, BROWSER_TIMEOUT);

  test('totals table: a row per measure, and the CPU-requested Δ% the model computes', async () => {
    const keys = await page.locator('#totals tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
    expect(keys).toEqual(['pods', 'cpu-requests', 'cpu-limits', 'memory-requests', 'memory-limits', 'nodes', 'monthly-cost']);
    const { before, after } = report.totals;
    const row = page.locator('#totals tr[data-key="cpu-requests"]');
    expect(Number((await row.locator('td.before').getAttribute('data-value'))!)).toBe(before.requests.cpu);
    expect(Number((await row.locator('td.after').getAttribute('data-value'))!)).toBe(after.requests.cpu);
    const expected = ((after.requests.cpu - before.requests.cpu) / before.requests.cpu) * 100;
    expect(expected).toBeLessThan(0);
    const shown = (await row.locator('td.delta-percent').textContent())!;
    expect(shown).toMatch(/^\u2212\d+(\.\d)?%$/);
    expect(parsePercent(shown)).toBeCloseTo(expected, 1);
    expect(Number((await row.locator('td.delta-percent').getAttribute('data-value'))!)).toBeCloseTo(expected, 9);
    const cost = page.locator('#totals tr[data-key="monthly-cost"]');
    expect(parsePercent((await cost.locator('td.delta-percent').textContent())!)).toBeCloseTo(
      ((after.monthlyCost! - before.monthlyCost!) / before.monthlyCost!) * 100,
      1,
    );
  }, BROWSER_TIMEOUT);

  test('one bars figure per container row; the batch-cat udf CPU request bars are 2 : 1720m wide', async () => {
    expect(await page.locator('figure.bars').count()).toBe(report.containers.length);
    for (const row of report.containers) {
      expect(await page.locator(`figure.bars[data-owner="${row.owner}"][data-container="${row.container}"]`).count()).toBe(1);
    }
    const udf = report.containers.find((r) => r.owner === 'batch-cat' && r.container === 'udf')!;
    expect(udf.requests.before!.cpu.toString()).toBe('2');
    expect(udf.requests.after!.cpu.toString()).toBe('1720m');

    const figure = 'figure.bars[data-owner="batch-cat"][data-container="udf"]';
    const before = await renderedWidth(page, `${figure} rect.bar.cpu.request.before`);
    const after = await renderedWidth(page, `${figure} rect.bar.cpu.request.after`);
    expect(before).toBeGreaterThan(0);
    expect(Math.abs(before / after / (2000 / 1720) - 1)).toBeLessThan(0.02);
    // Labelled with the canonical quantities.
    expect(await page.locator(`${figure} rect.bar.cpu.request.after`).getAttribute('data-value')).toBe('1720m');
    expect(await page.locator(`${figure} text.value.cpu.request.before`).textContent()).toBe('2');
    expect(await page.locator(`${figure} text.value.cpu.request.after`).textContent()).toBe('1720m');
    expect(await page.locator(`${figure} text.value.memory.request.after`).textContent()).toBe('100Mi');
    // Provenance: p95 and peak markers on both panels.
    for (const marker of ['p95.cpu', 'peak.cpu', 'p95.memory', 'peak.memory']) {
      expect(await page.locator(`${figure} line.marker.${marker}`).count()).toBe(1);
    }
    // A row without provenance has no markers.
    expect(await page.locator('figure.bars[data-owner="out"][data-container="numa"] line.marker').count()).toBe(0);
  }, BROWSER_TIMEOUT);

  test('usage figure: a polyline point per sample, and the request and limit lines', async () => {
    const usage = page.locator('figure.usage[data-path="pipeline.batchMap.udf"]');
    expect(await usage.count()).toBe(1);
    expect(await page.locator('figure.usage').count()).toBe(1); // numa has statistics but no series
    const series = PROVENANCE.containers['pipeline.batchMap.udf'].series!;
    for (const resource of ['cpu', 'memory']) {
      const chart = usage.locator(`svg.usage-chart.${resource}`);
      expect(await chart.isVisible()).toBe(true);
      const points = (await chart.locator('polyline.series').getAttribute('points'))!.trim().split(/\s+/);
      expect(points).toHaveLength(series.t.length);
      for (const ref of ['request.after', 'limit.after', 'limit.before']) {
        expect(await chart.locator(`line.ref.${ref}`).count()).toBe(1);
      }
      await expect(chart.locator('text.axis-label.x').textContent()).resolves.toBe('time (UTC)');
      expect(await chart.locator('title').first().textContent()).toMatch(/usage over time/);
    }
    // The after-limit line sits above the usage (smaller y) in the CPU chart: no throttling expected.
    const cpu = usage.locator('svg.usage-chart.cpu');
    const limitBox = (await cpu.locator('line.ref.limit.after').boundingBox())!;
    const seriesBox = (await cpu.locator('polyline.series').boundingBox())!;
    expect(limitBox.y).toBeLessThan(seriesBox.y);
  }, BROWSER_TIMEOUT);

  test('saves a full-page screenshot to test-output/report.png', async () => {
    const file = path.join(OUTPUT_DIR, 'report.png');
    fs.rmSync(file, { force: true });
    await page.screenshot({ path: file, fullPage: true });
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.statSync(file).size).toBeGreaterThan(10 * 1024);
  }, BROWSER_TIMEOUT);

  test('shows a critical risk when the after-plan shrinks the buffer volumes', async () => {
    const shrunk = buildReport(soak, side('shrunk', shrunkVolumes()), { provenance: PROVENANCE });
    expect(shrunk.risks.map((r) => r.code)).toContain('buffer-volume-shrink');
    const { page: risky, external: fetched } = await open(renderHtml(shrunk), 'report-shrunk.html');
    try {
      expect(fetched).toEqual([]);
      const item = risky.locator('#risks li.risk.critical[data-code="buffer-volume-shrink"]');
      expect(await item.count()).toBe(1);
      expect(await item.isVisible()).toBe(true);
      await expect(item.textContent()).resolves.toContain('20Gi');
      expect(await risky.locator('#risks .no-risks').count()).toBe(0);
      // Loud: the first thing in the list, on a red background.
      expect(await risky.locator('#risks li.risk').first().getAttribute('data-code')).toBe(shrunk.risks[0].code);
      expect(shrunk.risks[0].severity).toBe('critical');
      const background = await item.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).backgroundColor);
      expect(background).toBe('rgb(254, 226, 226)');
      await risky.screenshot({ path: path.join(OUTPUT_DIR, 'report-shrunk.png'), fullPage: true });
    } finally {
      await risky.close();
    }
  }, BROWSER_TIMEOUT);
});
