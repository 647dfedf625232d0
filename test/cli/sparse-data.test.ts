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
import { generateSoakDataset } from '../../src/recommend/dataset';
import { DEFAULT_POLICY } from '../../src/recommend/policy';
import { isoTime } from '../../src/recommend/recommend';
import { capture, tempProject } from '../support/diff';
import { sliceDataset, startPrometheus, type RunningPrometheus } from '../support/prometheus';

const full = generateSoakDataset({ days: 5, scrapeSeconds: 150, duplicateScrapes: false, podLevelRows: false });
/** Scrapes from the soak's first 2 hours only. */
const sparse = sliceDataset(full, full.start - 3600, full.start + 2 * 3600);
const WINDOW = ['--start', isoTime(full.start + 600), '--end', isoTime(full.end), '--timeout', '60s'];
/** 2 h of data at most, in a window of 5 days less the 10-minute warm-up. */
const MAX_COVERAGE = (100 * 2 * 3600) / (full.end - full.start - 600);

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

test('verdict: exit 6, TOO LITTLE DATA, no check on data-plane series passes; each names its coverage', async () => {
  const { code, stdout, stderr } = await capture(() => main(['verdict', '--quiet', '--prometheus-url', server.url, ...WINDOW]));
  expect({ code, stderr }).toEqual({ code: 6, stderr: '' });
  expect(stdout.split('\n')[0]).toBe('### numaflow-soak verdict: TOO LITTLE DATA');
  for (const check of ['throughput', 'errors', 'back-pressure', 'data-loss']) {
    expect(stdout).toMatch(new RegExp(`\\| ${check} \\| [^|]*no data[^|]* \\|`));
  }
  // Each data-plane line names its coverage against the 90% it needs.
  for (const check of ['errors', 'data-loss', 'latency', 'back-pressure']) {
    const row = stdout.split('\n').find((l) => l.startsWith(`| ${check} |`))!;
    expect(row).toMatch(/data-plane series cover \d+(\.\d+)?% of the window, less than 90%/);
    const [covered] = coverages(row);
    expect(covered).toBeGreaterThan(0);
    expect(covered).toBeLessThanOrEqual(MAX_COVERAGE + 0.1);
  }
  expect(stdout).not.toMatch(/\| (throughput|errors|back-pressure|data-loss|latency) \| ✅ pass/);
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
