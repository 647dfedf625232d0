/**
 * recommend and verdict read CPU usage, the working set and the throttling peaks from the
 * soak's recording rules (src/monitoring/recording-rules.ts) where the recorded series cover
 * the window, and from the raw cAdvisor families otherwise, saying which (PrometheusSource,
 * docs/recommend.md "Recording rules").
 *
 * The recorded series are made the real way: a Prometheus (Debian's 2.42) serves the raw
 * dataset, `promtool tsdb create-blocks-from rules` evaluates the plan's rule group against
 * it (at the group's interval, offset within it as a running server's evaluation is), and a
 * second Prometheus serves the raw blocks and the recorded ones together. Servers:
 * - raw: the dataset only (no recorded series: the tools fall back and say so);
 * - recorded: the dataset and the rules over the whole window;
 * - partial: the dataset and the rules from half-way through the window only;
 * - wrong: the dataset and rules with deliberately wrong expressions (a 30-minute CPU rate,
 *   a 30-minute average working set, a 30-minute throttled ratio), so the tolerance check
 *   below is shown to fail when the recorded series are not what the rules should record.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { renderRecommendationMarkdown } from '../../src/cli/recommend-command';
import { renderVerdictMarkdown } from '../../src/cli/verdict-command';
import { RECORDED, soakRecordingRules } from '../../src/monitoring/recording-rules';
import type { RecordingRule, RuleGroup } from '../../src/monitoring/prometheus-operator';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { DEFAULT_DATASET, generateSoakDataset, type SoakDataset } from '../../src/recommend/dataset';
import type { TimeWindow } from '../../src/recommend/metrics';
import { PrometheusSource, RECORDED_MIN_COVERAGE_PERCENT, RECORDED_TOLERANCE, withinRecordedTolerance } from '../../src/recommend/prometheus';
import { DEFAULT_POLICY } from '../../src/recommend/policy';
import { recommendPlan, recommendationJson, type Recommendation } from '../../src/recommend/recommend';
import { sizedSelectors, soakScope } from '../../src/recommend/selectors';
import { soakVerdict, verdictJson, type Verdict } from '../../src/recommend/verdict';
import { cachedTsdb, requireBinary, startPrometheus, type RunningPrometheus } from '../support/prometheus';

jest.setTimeout(300_000);

const DAY = 86400;
const plan = loadStackFile(stackFile('soak')).plan;
/** The throttle scenario of prometheus.test.ts (the same dataset, so the same cached TSDB): CPU, memory and throttling peaks. */
const dataset: SoakDataset = generateSoakDataset({ scenario: 'throttle', days: 1, scrapeSeconds: 60, start: DEFAULT_DATASET.start + 18 * DAY });
const WINDOW: TimeWindow = { start: dataset.start, end: dataset.end, stepSeconds: 60 };
const window = WINDOW;

let workDir: string;
const servers: Partial<Record<'raw' | 'recorded' | 'partial' | 'wrong', RunningPrometheus>> = {};

/** `promtool tsdb create-blocks-from rules` against the raw server; the blocks it wrote. */
function rulesBlocks(name: string, group: RuleGroup<RecordingRule>, from: number, to: number): string {
  const rules = path.join(workDir, `${name}.rules.yaml`);
  fs.writeFileSync(rules, stringify({ groups: [group] }));
  const out = path.join(workDir, `${name}-blocks`);
  const run = spawnSync(
    requireBinary('promtool'),
    ['tsdb', 'create-blocks-from', 'rules', `--url=${servers.raw!.url}`, `--start=${from}`, `--end=${to}`, `--output-dir=${out}`, '--quiet', rules],
    { cwd: workDir, encoding: 'utf8', timeout: 240_000 },
  );
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`promtool create-blocks-from rules failed (${run.status}):\n${run.stdout}${run.stderr}`);
  const blocks = fs.readdirSync(out).filter((e) => fs.existsSync(path.join(out, e, 'meta.json')));
  if (blocks.length === 0) throw new Error(`promtool wrote no blocks to ${out}:\n${run.stdout}${run.stderr}`);
  return out;
}

/** A TSDB directory with the dataset's cached blocks and the recorded blocks, served by a new Prometheus. */
async function withRecorded(name: string, raw: string, recorded: string): Promise<RunningPrometheus> {
  const tsdb = path.join(workDir, `${name}-tsdb`);
  fs.mkdirSync(tsdb, { recursive: true });
  for (const dir of [raw, recorded]) {
    for (const entry of fs.readdirSync(dir)) {
      if (fs.existsSync(path.join(dir, entry, 'meta.json'))) fs.cpSync(path.join(dir, entry), path.join(tsdb, entry), { recursive: true });
    }
  }
  return startPrometheus({ tsdb });
}

/** The plan's rule group with each rule's range widened to 30 minutes: plausible, and wrong. */
function wrongRules(): RuleGroup<RecordingRule> {
  const group = soakRecordingRules(plan);
  return {
    ...group,
    rules: group.rules.map((r) => ({
      ...r,
      expr: r.expr.replace(/\[5m\]/g, '[30m]').replace(/last_over_time\(/, 'avg_over_time('),
    })),
  };
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-recorded-'));
  const cached = await cachedTsdb(dataset);
  servers.raw = await startPrometheus({ dataset });
  const half = window.start + (window.end - window.start) / 2;
  const [full, partial, wrong] = [
    rulesBlocks('recorded', soakRecordingRules(plan), window.start, window.end),
    rulesBlocks('partial', soakRecordingRules(plan), half, window.end),
    rulesBlocks('wrong', wrongRules(), window.start, window.end),
  ];
  [servers.recorded, servers.partial, servers.wrong] = await Promise.all([
    withRecorded('recorded', cached.dir, full),
    withRecorded('partial', cached.dir, partial),
    withRecorded('wrong', cached.dir, wrong),
  ]);
}, 600_000);

afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

function source(server: keyof typeof servers, recordingRules = true): PrometheusSource {
  return new PrometheusSource({ url: servers[server]!.url, recordingRules });
}

async function both(server: keyof typeof servers, recordingRules = true): Promise<{ recommendation: Recommendation; verdict: Verdict; queries: number }> {
  const src = source(server, recordingRules);
  const verdict = await soakVerdict({ plan, source: src, window });
  const recommendation = await recommendPlan({ plan, source: src, window });
  return { recommendation, verdict, queries: src.stats.queries };
}

/** A figure's relative difference, against the larger of the two. */
function relative(a: number, b: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale === 0 ? 0 : Math.abs(a - b) / scale;
}

/**
 * Every figure read from the recorded series (at `recordedUrl`) that is beyond
 * RECORDED_TOLERANCE of the raw one (at `rawUrl`): per sized container and pod, CPU and
 * working-set p95, p99 and peak, and the 5-minute throttling peak (the whole-window throttled
 * ratio reads the raw counters either way: equal). Sample counts may differ by one point
 * (the rule's first evaluation).
 */
async function beyondTolerance(recordedUrl: string, rawUrl: string, window: TimeWindow = WINDOW): Promise<{ problems: string[]; compared: number; largest: { where: string; difference: number } }> {
  const problems: string[] = [];
  let compared = 0;
  let largest = { where: '', difference: 0 };
  const check = (where: string, a: number, b: number, allowance: number) => {
    compared++;
    const d = relative(a, b);
    if (d > largest.difference) largest = { where, difference: d };
    if (!withinRecordedTolerance(a, b, allowance)) problems.push(`${where}: recorded ${a} vs raw ${b} (${(d * 100).toFixed(2)}%, ${Math.abs(a - b)})`);
  };
  const rec = new PrometheusSource({ url: recordedUrl });
  const raw = new PrometheusSource({ url: rawUrl, recordingRules: false });
  const scope = soakScope(plan);
  rec.prepare(scope);
  raw.prepare(scope);
  for (const c of sizedSelectors(plan).filter((x) => x.role !== 'init')) {
    const [rc, wc, rm, wm, rt, wt, rth, wth] = await Promise.all([
      rec.cpuUsage(c.selector, window),
      raw.cpuUsage(c.selector, window),
      rec.memoryUsage(c.selector, window),
      raw.memoryUsage(c.selector, window),
      rec.memoryTrend(c.selector, window),
      raw.memoryTrend(c.selector, window),
      rec.throttling(c.selector, window),
      raw.throttling(c.selector, window),
    ]);
    for (const [what, a, b, allowance] of [
      ['cpu', rc, wc, RECORDED_TOLERANCE.cpuCores],
      ['memory', rm, wm, RECORDED_TOLERANCE.memoryBytes],
    ] as const) {
      if (a.map((p) => p.pod).join() !== b.map((p) => p.pod).join()) problems.push(`${c.label} ${what}: pods ${a.map((p) => p.pod).join()} vs ${b.map((p) => p.pod).join()}`);
      for (const p of a) {
        const q = b.find((x) => x.pod === p.pod);
        if (!q) continue;
        for (const stat of ['p95', 'p99', 'peak'] as const) check(`${c.label} ${p.pod} ${what} ${stat}`, p[stat], q[stat], allowance);
        if (Math.abs(p.samples - q.samples) > 1) problems.push(`${c.label} ${p.pod} ${what} samples: ${p.samples} vs ${q.samples}`);
      }
    }
    // The memory trend reads the raw samples either way (PrometheusSource.memoryTrend): the same figures.
    expect(rt).toEqual(wt);
    for (const p of rth) {
      const q = wth.find((x) => x.pod === p.pod);
      if (!q) problems.push(`${c.label} ${p.pod}: recorded throttling without raw`);
      else {
        // The whole-window ratio reads the raw counters either way.
        expect(p.ratio).toBe(q.ratio);
        check(`${c.label} ${p.pod} throttling 5m peak`, p.peak5m, q.peak5m, RECORDED_TOLERANCE.throttledRatio);
      }
    }
  }
  // Every read above came from the recording rules (else this compares raw with raw).
  expect(rec.seriesChoices(scope, window).map((c) => `${c.family}: ${c.used}`)).toEqual(['cpu: recorded', 'memory: recorded', 'throttling: recorded']);
  return { problems, compared, largest };
}

describe('recording rules: the tools read them when they cover the window', () => {
  test('the recorded series cover the window: recommend and verdict read CPU, working set and throttling peaks from them, and say so', async () => {
    const { recommendation, verdict, queries } = await both('recorded');
    expect(recommendation.series.map((c) => [c.family, c.used, c.series])).toEqual([
      ['cpu', 'recorded', RECORDED.cpuRate5m],
      ['memory', 'recorded', RECORDED.workingSet],
      ['throttling', 'recorded', RECORDED.throttledRatio5m],
    ]);
    for (const c of recommendation.series) {
      expect(c.coveragePercent).toBeGreaterThanOrEqual(RECORDED_MIN_COVERAGE_PERCENT);
      expect(c.text).toMatch(new RegExp(`recording rule ${c.series} \\(covers \\d+\\.\\d% of the window\\)$`));
    }
    expect(verdict.series.map((c) => [c.family, c.used])).toEqual([['throttling', 'recorded']]);
    console.log(recommendation.series.map((c) => c.text).join('\n'));
    // Human output: one line per family; JSON and provenance name the series read.
    const md = renderRecommendationMarkdown(recommendation);
    expect(md).toContain(`- CPU usage: recording rule ${RECORDED.cpuRate5m} (covers`);
    expect(renderVerdictMarkdown(verdict)).toContain(`- CPU throttling, 5-minute peaks: recording rule ${RECORDED.throttledRatio5m} (covers`);
    expect(verdict.lines.find((l) => l.check === 'cpu-throttling')!.selector).toContain(RECORDED.throttledRatio5m);
    const json = recommendationJson(recommendation) as { series: { family: string; used: string; series: string; coveragePercent: number }[] };
    expect(json.series.map((s) => s.used)).toEqual(['recorded', 'recorded', 'recorded']);
    expect((verdictJson(verdict) as { series: unknown[] }).series).toHaveLength(1);
    expect(recommendation.provenance.readFrom).toEqual(recommendation.series.map((c) => ({ family: c.family, used: 'recorded', series: c.series, coveragePercent: expect.any(Number) })));
    // Within the budget: recommend (verdict included) at most 12 queries.
    expect(queries).toBeLessThanOrEqual(12);
    // The verdict and the recommendation judge and size as the raw path does.
    const raw = await both('recorded', false);
    expect(raw.recommendation.series.map((c) => c.used)).toEqual(['raw', 'raw', 'raw']);
    expect(raw.recommendation.series[0].text).toBe('CPU usage: raw container_cpu_usage_seconds_total (recording rules turned off)');
    expect(verdict.lines.map((l) => [l.check, l.status, l.measured])).toEqual(raw.verdict.lines.map((l) => [l.check, l.status, l.measured]));
    expect(recommendation.containers.map((c) => [c.path, c.status])).toEqual(raw.recommendation.containers.map((c) => [c.path, c.status]));
    expect(verdict.lines.find((l) => l.check === 'cpu-throttling')!.status).toBe('warn');
  });

  test(`every CPU and memory figure read from the recorded series is within ${RECORDED_TOLERANCE.relative * 100}% (+ a small absolute allowance) of the raw one`, async () => {
    const { problems, compared, largest } = await beyondTolerance(servers.recorded!.url, servers.recorded!.url);
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(100);
    // Not raw against raw: the rule evaluates off the tools' points, so some figures differ.
    expect(largest.difference).toBeGreaterThan(0);
    console.log(`largest recorded-vs-raw difference of ${compared} figures: ${(largest.difference * 100).toFixed(3)}% (${largest.where})`);
    // And through recommend: every statistic of the provenance.
    const [rec, raw] = await Promise.all([recommendPlan({ plan, source: source('recorded'), window }), recommendPlan({ plan, source: source('recorded', false), window })]);
    const off: string[] = [];
    for (const [p, o] of Object.entries(rec.provenance.containers)) {
      const r = raw.provenance.containers[p];
      for (const res of ['cpu', 'memory'] as const) {
        for (const stat of ['p95', 'p99', 'peak'] as const) {
          const a = o[res]?.[stat];
          const b = r?.[res]?.[stat];
          const allowance = res === 'cpu' ? RECORDED_TOLERANCE.cpuCores : RECORDED_TOLERANCE.memoryBytes;
          if (a === undefined || b === undefined || !withinRecordedTolerance(a, b, allowance)) off.push(`${p} ${res} ${stat}: ${a} vs ${b}`);
        }
      }
    }
    expect(off).toEqual([]);
    expect(Object.keys(rec.provenance.containers).length).toBeGreaterThan(5);
  });

  test('and on a window off the step grid (start not a multiple of the step: range reads instead of subqueries)', async () => {
    const unaligned = { start: WINDOW.start + 1817, end: WINDOW.end - 1234, stepSeconds: 120 };
    const { problems, compared } = await beyondTolerance(servers.recorded!.url, servers.recorded!.url, unaligned);
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(100);
  });

  test('recorded series from wrong rules (30-minute ranges, an average working set) trip the tolerance check', async () => {
    const { problems } = await beyondTolerance(servers.wrong!.url, servers.recorded!.url);
    console.log(`wrong rules: ${problems.length} figures beyond the tolerance, e.g.\n${problems.filter((p, i, all) => all.findIndex((q) => q.split(':')[0].split(' ').slice(-2).join(' ') === p.split(':')[0].split(' ').slice(-2).join(' ')) === i).join('\n')}`);
    expect(problems.some((p) => / cpu (p99|peak):/.test(p))).toBe(true);
    expect(problems.some((p) => / memory (p99|peak):/.test(p))).toBe(true);
    expect(problems.some((p) => /throttling 5m peak/.test(p))).toBe(true);
  });
});

describe('recording rules: the tools fall back to the raw series, and say why', () => {
  test('no recorded series: raw, "has no series in the window", and the same figures as the raw path', async () => {
    const { recommendation, verdict, queries } = await both('raw');
    expect(recommendation.series.map((c) => [c.family, c.used, c.coveragePercent])).toEqual([
      ['cpu', 'raw', 0],
      ['memory', 'raw', 0],
      ['throttling', 'raw', 0],
    ]);
    expect(recommendation.series[0].text).toMatch(/^CPU usage: raw container_cpu_usage_seconds_total \(recording rule namespace_pod_container:container_cpu_usage_seconds:max_rate5m has no series in the window for .+\)$/);
    expect(renderRecommendationMarkdown(recommendation)).toContain('- CPU usage: raw container_cpu_usage_seconds_total (recording rule');
    expect(renderVerdictMarkdown(verdict)).toContain('- CPU throttling, 5-minute peaks: raw container_cpu_cfs_throttled_periods_total / container_cpu_cfs_periods_total (recording rule');
    expect(queries).toBeLessThanOrEqual(12);
    // The raw path's figures (Prometheus sums floats in no fixed order: replica rates may differ in the last digit).
    const off = await both('raw', false);
    expect(recommendation.containers).toEqual(off.recommendation.containers);
    expect(recommendation.provenance.containers).toEqual(off.recommendation.provenance.containers);
    expect(verdict.lines).toEqual(off.verdict.lines);
  });

  test('recorded series for only the second half of the window: raw, naming the coverage', async () => {
    const { recommendation, verdict } = await both('partial');
    expect(recommendation.series.map((c) => c.used)).toEqual(['raw', 'raw', 'raw']);
    for (const c of recommendation.series) {
      expect(c.coveragePercent).toBeGreaterThan(45);
      expect(c.coveragePercent).toBeLessThan(55);
      expect(c.text).toMatch(new RegExp(`\\(recording rule ${c.recorded} covers \\d+\\.\\d% of the window for .+, less than ${RECORDED_MIN_COVERAGE_PERCENT}%\\)$`));
    }
    const raw = await both('raw', false);
    expect(recommendation.containers).toEqual(raw.recommendation.containers);
    expect(recommendation.provenance.containers).toEqual(raw.recommendation.provenance.containers);
    expect(verdict.lines).toEqual(raw.verdict.lines);
  });

  test('the threshold is the coverage the tools ask of any data', () => {
    expect(RECORDED_MIN_COVERAGE_PERCENT).toBe(DEFAULT_POLICY.minCoveragePercent);
  });
});
