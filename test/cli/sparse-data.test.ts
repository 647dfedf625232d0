/**
 * Sparse data through the command line against a real Prometheus (issue 10 item 6): a soak
 * whose series cover the first 2 hours of a 5-day window, the case the issue found passing
 * ("no data for 98.3% of the window") and sized from. `verdict` and `recommend` must exit 6
 * naming each check and its coverage against the stated minimum (minCoveragePercent, 90%),
 * and `recommend --write` must leave the stack and provenance files byte-identical.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { generateSoakDataset } from '../../src/recommend/dataset';
import { EmbeddedSource } from '../../src/recommend/embedded';
import { DEFAULT_POLICY } from '../../src/recommend/policy';
import { PrometheusSource } from '../../src/recommend/prometheus';
import { isoTime } from '../../src/recommend/recommend';
import { soakVerdict, VERDICT_CHECKS } from '../../src/recommend/verdict';
import { capture, tempProject } from '../support/diff';
import { sliceDataset, startPrometheus, type RunningPrometheus } from '../support/prometheus';

const full = generateSoakDataset({ days: 5, scrapeSeconds: 150, duplicateScrapes: false, podLevelRows: false });
/** Scrapes from the soak's first 2 hours only. */
const sparse = sliceDataset(full, full.start - 3600, full.start + 2 * 3600);
const WINDOW = ['--start', isoTime(full.start + 600), '--end', isoTime(full.end), '--timeout', '60s'];
/** 2 h of data at most, in a window of 5 days less the 10-minute warm-up. */
const MAX_COVERAGE = (100 * 2 * 3600) / (full.end - full.start - 600);
/**
 * What a verdict line may state at most: the hourly lines count whole hours (2 of 118,
 * 1.7%), and a sample counts at a point up to 5 minutes after it (the lookback): under 2%.
 */
const MAX_LINE_COVERAGE = 2;

let server: RunningPrometheus;

beforeAll(async () => {
  server = await startPrometheus({ dataset: sparse });
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

/** Every coverage figure in `text`: `covers 1.7% of the window` and `(1.7% of the window)`. */
function coverages(text: string): number[] {
  return [...text.matchAll(/(\d+(?:\.\d+)?)% of the window/g)].map((m) => Number(m[1]));
}

test('the stated minimum is 90%', () => {
  expect(DEFAULT_POLICY.minCoveragePercent).toBe(90);
});

test('verdict: exit 6, TOO LITTLE DATA, no line passes; each names its coverage, and its hint a sparse window', async () => {
  const { code, stdout, stderr } = await capture(() => main(['verdict', '--quiet', '--prometheus-url', server.url, ...WINDOW]));
  expect({ code, stderr }).toEqual({ code: 6, stderr: '' });
  expect(stdout.split('\n')[0]).toBe('### numaflow-soak verdict: TOO LITTLE DATA');
  // Every line of the verdict, the whole-window counters (restarts, OOM kills, replaced pods, throttling) included.
  const rows = VERDICT_CHECKS.map((check) => ({ check, row: stdout.split('\n').find((l) => l.startsWith(`| ${check} |`)) }));
  for (const { check, row } of rows) {
    expect({ check, row }).toEqual({ check, row: expect.stringMatching(new RegExp(`^\\| ${check} \\| [^|]*no data[^|]* \\|`)) });
    const [covered] = coverages(row!);
    expect({ check, covered }).toEqual({ check, covered: expect.any(Number) });
    expect(covered).toBeGreaterThan(0);
    expect(covered).toBeLessThanOrEqual(MAX_LINE_COVERAGE);
  }
  expect(stdout).not.toMatch(/✅ pass/);
  // Each data-plane line names its coverage against the 90% it needs.
  for (const check of ['throughput', 'errors', 'data-loss', 'latency', 'back-pressure']) {
    const row = stdout.split('\n').find((l) => l.startsWith(`| ${check} |`))!;
    expect(row).toMatch(/data-plane series cover \d+(\.\d+)?% of the window, less than 90%/);
    expect(coverages(row)[0]).toBeLessThanOrEqual(MAX_COVERAGE + 0.1);
  }
  // The whole-window counters by the series they count.
  const row = (check: string) => rows.find((r) => r.check === check)!.row!;
  expect(row('restarts')).toMatch(/0 over \d+ pod containers, but restart counters cover \d\.\d% of the window, less than 90%/);
  expect(row('oom-kills')).toMatch(/0, but restart counters cover \d\.\d% of the window, less than 90%/);
  expect(row('replaced-pods')).toMatch(/kube_pod_info series cover \d\.\d% of the window, less than 90%/);
  expect(row('cpu-throttling')).toMatch(/CPU usage counters cover \d\.\d% of the window, less than 90%/);
  // The "too little data" list words the cause from coverage: a sparse window, not a wrong namespace.
  expect(stdout).toMatch(/cover only \d\.\d% of the window: scrapes were missing/);
  expect(stdout).not.toMatch(/no vertex pod was scraped/);
}, 120_000);

test('the embedded source gives the same verdict lines as Prometheus on the same sparse data', async () => {
  const plan = loadStackFile(stackFile('soak')).plan;
  const window = { start: full.start + 600, end: full.end, stepSeconds: 60 };
  const [fromPrometheus, fromEmbedded] = await Promise.all([
    soakVerdict({ plan, source: new PrometheusSource({ url: server.url, timeoutMs: 60_000 }), window }),
    soakVerdict({ plan, source: new EmbeddedSource(sparse), window }),
  ]);
  expect(fromPrometheus.lines.map((l) => [l.check, l.status])).toEqual(VERDICT_CHECKS.map((c) => [c, 'no-data']));
  expect(fromPrometheus.lines).toEqual(fromEmbedded.lines);
  expect(fromPrometheus.reasons).toEqual(fromEmbedded.reasons);
}, 120_000);

test('recommend --write: exit 6 naming each check and its coverage, the stack and provenance files untouched', async () => {
  const root = tempProject();
  const stacks = path.join(root, 'stacks');
  fs.writeFileSync(path.join(stacks, 'Pulumi.rightsized.provenance.json'), '{"old":true}\n');
  const before = Object.fromEntries(fs.readdirSync(stacks).map((f) => [f, fs.readFileSync(path.join(stacks, f))]));
  const { code, stderr } = await capture(() => main(['recommend', '--quiet', '--write', '--root', root, '--prometheus-url', server.url, ...WINDOW]));
  expect(code).toBe(6);
  const lines = stderr.trimEnd().split('\n');
  // The soak's own verdict gate, or the recommendation: either way, named and with its figure.
  expect(lines[0]).toMatch(/^numaflow-soak recommend: (too little data|not writing)/);
  // Every container and both scaled vertices are named, each with the share of the window its data covers.
  const reasons = lines.slice(1);
  expect(reasons.map((l) => l.replace(/:.*/, ''))).toEqual(expect.arrayContaining(['  - pipeline.batchMap.udf (batch-cat/udf)', '  - buffer.containers.main (isbsvc/main)', '  - pipeline.batchMap.scale', '  - pipeline.sink.scale']));
  for (const reason of reasons) {
    const [covered] = coverages(reason);
    expect({ reason, covered }).toEqual({ reason, covered: expect.any(Number) });
    expect(covered).toBeLessThanOrEqual(MAX_COVERAGE + 0.1);
  }
  expect(stderr).toMatch(/pipeline\.batchMap\.scale: throughput data covers \d+\.\d% of the window, less than 90%/);
  expect(stderr).not.toMatch(/\n\s+at .*:\d+/);
  const after = Object.fromEntries(fs.readdirSync(stacks).map((f) => [f, fs.readFileSync(path.join(stacks, f))]));
  expect(after).toEqual(before);
}, 180_000);
