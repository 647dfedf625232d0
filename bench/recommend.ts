/**
 * Benchmark of `numaflow-soak recommend` end to end against a real Prometheus
 * (`npm run bench:recommend`; not a jest test). Needs prometheus and promtool (Debian
 * package `prometheus`, installed by .ci/run).
 *
 * 1. Generates the steady soak at the resolution a real cluster scrapes: 5 days of
 *    15-second scrapes of every pod of the soak (BENCH_DAYS, BENCH_SCRAPE change that).
 * 2. Backfills it into a TSDB with promtool, one OpenMetrics file per 2-hour block (see
 *    test/support/prometheus.ts: promtool 2.42 re-parses its whole input for every block).
 *    The TSDB is cached under bench/.cache/, keyed by the dataset parameters and a hash of
 *    the generator's source; a cached run skips generation's backfill but still generates
 *    the dataset (the embedded comparison needs it).
 * 3. Starts Prometheus on a copy of the cached TSDB (so every run starts from the same
 *    2-hour blocks) and waits for /-/ready.
 * 4. Times the reference query, ONE query computing the p95 CPU of every container in the
 *    namespace over the window (median of 3), then runs over the whole soak at a 60-second
 *    step (BENCH_STEP), each on a fresh PrometheusSource: `recommendPlan` alone and
 *    `soakVerdict` alone, one request at a time (so a query's time is its own cost), and
 *    the verdict then the recommendation on one source with the default concurrency (what
 *    `numaflow-soak recommend --write` sends). Prints per command the queries sent, those
 *    answered from an earlier answer, the summed query time and the wall time, both as
 *    multiples of the reference, the three slowest queries, and the goals of issue 12:
 *    recommend ≤ 12 queries and ≤ 8×, verdict ≤ 10 queries and ≤ 6× (summed time); a goal
 *    missed makes the process exit 1.
 * 5. The same with EmbeddedSource on the 120-second default dataset (what the main job
 *    uses), and on the same 15-second dataset, whose recommendation must equal
 *    Prometheus's.
 * Generation, backfill and startup are timed separately.
 * 6. Request efficiency (docs/recommend.md, "How much CPU it reserves"): on the embedded
 *    steady dataset (the default, what the committed plan is made from), R = Σ (CPU request
 *    × replicas) / Σ (container p99 × replicas) over the sized containers, a table per
 *    container and the containers whose request is under their p95 or whose limit is under
 *    their observed peak. The process exits 1 unless R ≤ 1.25 with no such container.
 *
 * `--embedded-only` skips 1-5 (no Prometheus, no backfill): only the efficiency check, in a
 * few seconds (`npm run bench:recommend -- --embedded-only`).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadStackFile, stackFile } from '../src/plan/load';
import { DEFAULT_DATASET, generateSoakDataset, SOAK_NAMES, type SoakDataset } from '../src/recommend/dataset';
import { EmbeddedSource } from '../src/recommend/embedded';
import type { MetricsSource, TimeWindow } from '../src/recommend/metrics';
import { datasetSampleCount } from '../src/recommend/openmetrics';
import { REQUEST_EFFICIENCY_GOAL, requestEfficiency, statisticName, type EfficiencyReport } from '../src/recommend/policy';
import { PrometheusSource, type QueryStats } from '../src/recommend/prometheus';
import { recommendationJson, recommendPlan, type Recommendation } from '../src/recommend/recommend';
import { sizedSelectors } from '../src/recommend/selectors';
import { soakVerdict, verdictJson } from '../src/recommend/verdict';
import { backfillDataset, startPrometheus } from '../test/support/prometheus';

const DAYS = Number(process.env.BENCH_DAYS ?? 5);
const SCRAPE = Number(process.env.BENCH_SCRAPE ?? 15);
const STEP = Number(process.env.BENCH_STEP ?? 60);
const ROOT = path.resolve(__dirname, '..');
const EMBEDDED_ONLY = process.argv.includes('--embedded-only');
const CACHE = path.join(ROOT, 'bench', '.cache');

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const count = (n: number) => n.toLocaleString('en-US');

function dirSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirSize(p) : fs.statSync(p).size;
  }
  return total;
}

/** Counts the MetricsSource calls and the time spent in them (summed over overlapping calls). */
function counted(source: MetricsSource): { source: MetricsSource; calls: () => number; ms: () => number } {
  let calls = 0;
  let ms = 0;
  const proxy = new Proxy(source, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls++;
        const began = performance.now();
        try {
          return await value.apply(target, args);
        } finally {
          ms += performance.now() - began;
        }
      };
    },
  });
  return { source: proxy, calls: () => calls, ms: () => ms };
}

/** Relative tolerance between the two sources' numbers (floating-point summation order differs). */
const REL_TOLERANCE = 1e-6;

/** Paths where two JSON values differ (the first few): numbers beyond REL_TOLERANCE, anything else not equal. */
function jsonDiff(a: unknown, b: unknown, where = '', out: string[] = []): string[] {
  if (out.length > 20) return out;
  if (typeof a === 'number' && typeof b === 'number') {
    if (!(Math.abs(a - b) <= REL_TOLERANCE * Math.max(Math.abs(a), Math.abs(b)) + 1e-12)) out.push(`${where}: ${a} vs ${b}`);
  } else if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a as object), ...Object.keys(b as object)])) jsonDiff((a as any)[k], (b as any)[k], `${where}.${k}`, out);
  } else if (a !== b) {
    out.push(`${where}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
  return out;
}

/** The recommendation and verdict as JSON, without the fields naming the source and the series it read. */
async function run(source: MetricsSource, window: TimeWindow): Promise<{ recommendMs: number; verdictMs: number; result: unknown; recommendation: Recommendation; plan: ReturnType<typeof loadStackFile>['plan'] }> {
  const plan = loadStackFile(stackFile('soak', ROOT)).plan;
  // The order `numaflow-soak recommend` runs them in: the verdict first, then the recommendation.
  const v0 = performance.now();
  const verdict = await soakVerdict({ plan, source, window });
  const verdictMs = performance.now() - v0;
  const r0 = performance.now();
  const rec = await recommendPlan({ plan, source, window });
  const recommendMs = performance.now() - r0;
  const json = JSON.parse(JSON.stringify({ recommendation: recommendationJson(rec), provenance: rec.provenance, verdict: verdictJson(verdict) }));
  delete json.recommendation.source;
  delete json.provenance.source;
  delete json.verdict.source;
  // Which series a Prometheus read (recording rule or raw): the embedded source has no such choice.
  delete json.recommendation.series;
  delete json.provenance.readFrom;
  delete json.verdict.series;
  return { recommendMs, verdictMs, result: json, recommendation: rec, plan };
}

async function main(): Promise<void> {
  console.log(`# bench: recommend end to end (Node ${process.version}, ${os.cpus().length} cores, ${mb(os.totalmem())} RAM)\n`);
  if (EMBEDDED_ONLY) console.log('--embedded-only: no Prometheus; the request-efficiency check alone\n');
  else await endToEnd();
  const met = await efficiencyCheck();
  if (!met) process.exitCode = 1;
}

/** Steps 1-5: the recommendation through a real Prometheus and through the embedded source. */
async function endToEnd(): Promise<void> {

  // 1. Generate.
  const options = { scenario: 'steady', days: DAYS, scrapeSeconds: SCRAPE, seed: DEFAULT_DATASET.seed, start: DEFAULT_DATASET.start } as const;
  const g0 = performance.now();
  const dataset: SoakDataset = generateSoakDataset(options);
  const generateMs = performance.now() - g0;
  const samples = datasetSampleCount(dataset);
  const pods = new Set(dataset.series.map((x) => x.labels.pod).filter(Boolean)).size;
  console.log(`dataset     ${dataset.name}: ${count(dataset.series.length)} series, ${count(samples)} samples, ${pods} pods`);
  console.log(`generation  ${s(generateMs)}`);

  // 2. Backfill (or reuse the cache).
  const sourceHash = crypto
    .createHash('sha256')
    .update(fs.readFileSync(path.join(ROOT, 'src/recommend/dataset.ts')))
    .update(fs.readFileSync(path.join(ROOT, 'src/recommend/openmetrics.ts')))
    .digest('hex')
    .slice(0, 12);
  const key = `${options.scenario}-${DAYS}d-${SCRAPE}s-seed${options.seed}-start${options.start}-${sourceHash}`;
  const cached = path.join(CACHE, `tsdb-${key}`);
  const marker = path.join(cached, '.complete');
  if (fs.existsSync(marker)) {
    console.log(`backfill    cached: ${path.relative(ROOT, cached)} (${mb(dirSize(cached))}); delete it to measure the backfill again`);
  } else {
    fs.rmSync(cached, { recursive: true, force: true });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'numaflow-soak-bench-'));
    try {
      const b = await backfillDataset(dataset, cached, {
        workDir: work,
        onChunk: (done, total) => {
          if (done % 10 === 0 || done === total) process.stderr.write(`  backfill: ${done}/${total} blocks\n`);
        },
      });
      fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
      console.log(
        `backfill    ${s(b.wallMs)} wall for ${b.chunks} two-hour chunks (OpenMetrics ${mb(b.bytes)}, writing ${s(b.writeMs)}; ` +
          `promtool, not overlapped by writing, ${s(b.backfillMs)}; promtool peak RSS ${mb(b.promtoolPeakRssBytes)} per process, 2 in parallel); TSDB ${mb(dirSize(cached))}`,
      );
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  // 3. Start.
  const server = await startPrometheus({ tsdb: cached });
  try {
    console.log(`startup     ${s(server.timings.startMs)} to /-/ready (plus copying the TSDB)`);
    const window: TimeWindow = { start: dataset.start, end: dataset.end, stepSeconds: STEP };
    console.log(`\nwindow      the whole soak, ${DAYS} days at a ${STEP} s step (${count((window.end - window.start) / STEP + 1)} evaluation points)\n`);

    // 4. Prometheus: the reference query, then each command on a fresh source (a source keeps
    // its answers, so each row counts what that command sends on its own).
    const plan = loadStackFile(stackFile('soak', ROOT)).plan;
    const reference = await referenceQuery(server.url, window);
    console.log(`reference   ${s(reference.ms)} (median of ${reference.runs.length}: ${reference.runs.map(s).join(', ')}), ${reference.series} series: ${reference.query}\n`);
    // The goals are about work: these two send one request at a time, so each query's time is its own cost.
    const recommendAlone = await command('recommend (recommendPlan alone), 1 request at a time', server.url, (src) => recommendPlan({ plan, source: src, window }), 1);
    const verdictAlone = await command('verdict, 1 request at a time', server.url, (src) => soakVerdict({ plan, source: src, window }), 1);
    let viaPrometheus!: Awaited<ReturnType<typeof run>>;
    const cli = await command('recommend --write (the verdict, then the recommendation; default concurrency)', server.url, async (src) => (viaPrometheus = await run(src, window)));
    const promWall = cli.wallMs;
    const promStats = cli.stats;
    const goals: { readonly run: CommandRun; readonly queries: number; readonly ratio: number }[] = [
      { run: recommendAlone, queries: 12, ratio: 8 },
      { run: verdictAlone, queries: 10, ratio: 6 },
    ];
    const goalOf = (r: CommandRun) => goals.find((g) => g.run === r);
    table(
      [
        ['command', 'queries', 'reused', 'query time (summed)', 'wall', '× reference (summed)', '× reference (wall)', 'goal'],
        ...[recommendAlone, verdictAlone, cli].map((r) => {
          const g = goalOf(r);
          return [r.name, String(r.stats.queries), String(r.stats.reused), s(r.stats.totalMs), s(r.wallMs), `${(r.stats.totalMs / reference.ms).toFixed(1)}×`, `${(r.wallMs / reference.ms).toFixed(1)}×`, g ? `≤ ${g.queries} queries, ≤ ${g.ratio}×` : ''];
        }),
      ],
      new Set([1, 2, 3, 4, 5, 6]),
    );
    for (const r of [recommendAlone, verdictAlone, cli]) {
      console.log(`\nslowest queries of ${r.name} (time to the whole answer, while its other queries ran too):`);
      for (const q of [...r.queries].sort((a, b) => b.ms - a.ms).slice(0, 3)) console.log(`  ${s(q.ms).padStart(8)}  ${q.what}`);
    }
    console.log('');
    for (const g of goals) {
      const ratio = g.run.stats.totalMs / reference.ms;
      const met = g.run.stats.queries <= g.queries && ratio <= g.ratio;
      console.log(`${met ? 'PASS' : 'FAIL'}: ${g.run.name}: ${g.run.stats.queries} queries (goal ≤ ${g.queries}), ${ratio.toFixed(1)}× the reference query's time (goal ≤ ${g.ratio}×)`);
      if (!met) process.exitCode = 1;
    }
    console.log('');

    // 5. Embedded, on the default dataset and on the same 15-second one.
    const e0 = performance.now();
    const defaultData = generateSoakDataset(DEFAULT_DATASET);
    const defaultGenMs = performance.now() - e0;
    const onDefault = counted(new EmbeddedSource(defaultData));
    const d0 = performance.now();
    const viaDefault = await run(onDefault.source, { start: defaultData.start, end: defaultData.end, stepSeconds: STEP });
    const defaultWall = performance.now() - d0;
    const onSame = counted(new EmbeddedSource(dataset));
    const same0 = performance.now();
    const viaSame = await run(onSame.source, window);
    const sameWall = performance.now() - same0;

    const rows: string[][] = [
      ['source', 'data', 'recommend', 'verdict', 'wall', 'queries / calls', 'query time (summed)'],
      ['PrometheusSource', `${SCRAPE} s scrapes`, s(viaPrometheus.recommendMs), s(viaPrometheus.verdictMs), s(promWall), `${promStats.queries} HTTP queries`, s(promStats.totalMs)],
      ['EmbeddedSource', `${DEFAULT_DATASET.scrapeSeconds} s (default)`, s(viaDefault.recommendMs), s(viaDefault.verdictMs), s(defaultWall), `${onDefault.calls()} method calls`, s(onDefault.ms())],
      ['EmbeddedSource', `${SCRAPE} s scrapes`, s(viaSame.recommendMs), s(viaSame.verdictMs), s(sameWall), `${onSame.calls()} method calls`, s(onSame.ms())],
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const [i, r] of rows.entries()) {
      console.log(r.map((c, j) => c.padEnd(widths[j])).join('  '));
      if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    console.log(`\n(the default dataset took ${s(defaultGenMs)} to generate; summed times exceed the wall time where calls overlap)`);

    const diff = jsonDiff(viaPrometheus.result, viaSame.result);
    console.log(
      diff.length === 0
        ? `\nsame data, same answer: the recommendation, provenance and verdict from Prometheus equal the embedded source's`
        : `\nDIFFERENT: the recommendation/verdict from Prometheus and from the embedded source differ on the same data:\n  ${diff.join('\n  ')}`,
    );
    const peak = process.resourceUsage().maxRSS * 1024;
    console.log(`bench process peak RSS ${mb(peak)}`);
    if (diff.length > 0) process.exitCode = 1;
    const viaProm = requestEfficiency(viaPrometheus.recommendation, viaPrometheus.plan);
    console.log(`request efficiency through Prometheus (${SCRAPE} s scrapes, for information): R = ${viaProm.ratio.toFixed(3)}, ${viaProm.violations} container(s) under their p95 or peak`);
  } finally {
    await server.stop();
  }
}

interface CommandRun {
  readonly name: string;
  readonly wallMs: number;
  readonly stats: QueryStats;
  /** Every request: what it asked (PrometheusSource's description) and how long its whole answer took. */
  readonly queries: readonly { readonly what: string; readonly ms: number }[];
}

/** Runs one command against a fresh PrometheusSource and records its requests. */
async function command(name: string, url: string, body: (source: PrometheusSource) => Promise<unknown>, maxInFlight?: number): Promise<CommandRun> {
  const queries: { what: string; ms: number }[] = [];
  const source = new PrometheusSource({ url, timeoutMs: 300_000, maxInFlight, onQueryDone: (d) => queries.push({ what: d.what, ms: d.elapsedMs }) });
  const began = performance.now();
  await body(source);
  return { name, wallMs: performance.now() - began, stats: { ...source.stats }, queries };
}

/**
 * The reference: ONE query computing the p95 CPU of every container in the namespace over
 * the window (the 5-minute rate at the window's step), as a subquery at the window's end.
 * Timed to its whole answer, three times; the median is the unit the commands are measured in.
 */
async function referenceQuery(url: string, window: TimeWindow): Promise<{ ms: number; runs: number[]; series: number; query: string }> {
  const range = `${Math.round((window.end - window.start) * 1000) + 1}ms`;
  const query = `quantile_over_time(0.95, (max by (pod, container) (rate(container_cpu_usage_seconds_total{namespace="${SOAK_NAMES.namespace}",container!="",container!="POD"}[5m])))[${range}:${window.stepSeconds}s])`;
  const runs: number[] = [];
  let series = 0;
  for (let i = 0; i < 3; i++) {
    const began = performance.now();
    const response = await fetch(`${url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query, time: String(window.end) }).toString() });
    const body = (await response.json()) as { status: string; data?: { result?: unknown[] } };
    runs.push(performance.now() - began);
    if (body.status !== 'success') throw new Error(`the reference query failed: ${JSON.stringify(body).slice(0, 300)}`);
    series = body.data?.result?.length ?? 0;
  }
  if (series === 0) throw new Error('the reference query found no series: the dataset is not what the bench expects');
  const sorted = [...runs].sort((a, b) => a - b);
  return { ms: sorted[1], runs, series, query };
}

const cores = (x: number) => (x >= 1 ? x.toFixed(3) : `${(x * 1000).toFixed(1)}m`);

/** Prints an aligned table; the first row is the header. */
function table(rows: string[][], rightAligned: ReadonlySet<number>): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((c, j) => (rightAligned.has(j) ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd());
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/**
 * Step 6: the request efficiency R on the embedded steady dataset, per container and in
 * total, with the invariants; true when the goal is met. For information it also prints R
 * against each pod's own p99 (what sizing from the busiest pod costs) and the R that
 * KRR's simple strategy (request = the p95, max over pods, 1m steps, 10m floor) would give.
 */
async function efficiencyCheck(): Promise<boolean> {
  const plan = loadStackFile(stackFile('soak', ROOT)).plan;
  const dataset = generateSoakDataset(DEFAULT_DATASET);
  const source = new EmbeddedSource(dataset);
  const window: TimeWindow = { start: dataset.start, end: dataset.end, stepSeconds: STEP };
  const rec = await recommendPlan({ plan, source, window });
  const e: EfficiencyReport = requestEfficiency(rec, plan);
  console.log(`\n## request efficiency: ${rec.source}, ${rec.window.start} to ${rec.window.end}, step ${STEP} s\n`);
  console.log(`R = Σ (CPU request × replicas) / Σ (container p99 × replicas); a container's p99 is the max over its pods of the per-pod p99`);
  console.log(`of the 5-minute rate (the provenance's cpu.p99); replicas are what the recommended plan runs (scale.min, buffer nodes, 1 daemon).\n`);

  // Each pod's own p99, to show what sizing from the busiest pod costs.
  const ownP99 = new Map<string, number>();
  for (const c of sizedSelectors(plan)) {
    if (c.role === 'init' || ownP99.has(c.path)) continue;
    const pods = await source.cpuUsage(c.selector, window);
    if (pods.length > 0) ownP99.set(c.path, pods.reduce((a, p) => a + p.p99, 0) / pods.length);
  }
  const excessTotal = e.rows.reduce((a, x) => a + (x.cpuRequest.cores - x.cpu.p99) * x.replicas, 0);
  const byPath = new Map(rec.containers.map((c) => [c.path, c]));
  const rows: string[][] = [['container', 'pods', 'p95', 'p99', 'peak', 'request', 'limit', 'request/p99', 'excess cores', 'share', 'request from', 'threads', 'violations']];
  for (const x of e.rows) {
    const c = byPath.get(x.path)!;
    const excess = (x.cpuRequest.cores - x.cpu.p99) * x.replicas;
    const t = c.basis.cpu?.threads;
    rows.push([
      x.label,
      String(x.replicas),
      cores(x.cpu.p95),
      cores(x.cpu.p99),
      cores(x.cpu.peak),
      String(x.cpuRequest),
      String(x.cpuLimit),
      x.ratio.toFixed(3),
      excess.toFixed(2),
      `${((excess / excessTotal) * 100).toFixed(0)}%`,
      c.basis.cpu?.request.text ?? '-',
      t ? (t.soak === t.recommended ? String(t.recommended) : `${t.soak} → ${t.recommended}`) : '',
      x.violations.length === 0 ? 'none' : x.violations.join('; '),
    ]);
  }
  table(rows, new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]));
  const sum = (f: (x: EfficiencyReport['rows'][number]) => number) => e.rows.reduce((a, x) => a + f(x) * x.replicas, 0);
  const perPod = e.requestedCores / sum((x) => ownP99.get(x.path) ?? x.cpu.p99);
  const krr = sum((x) => Math.max(0.01, Math.ceil(x.cpu.p95 * 1000 - 1e-9) / 1000)) / e.p99Cores;
  console.log(`\nrequested ${e.requestedCores.toFixed(2)} cores for a p99 of ${e.p99Cores.toFixed(2)} cores: R = ${e.ratio.toFixed(3)} (goal ≤ ${REQUEST_EFFICIENCY_GOAL})`);
  console.log(`containers with a request under their p95 or a limit under their observed peak (CPU or memory): ${e.violations}`);
  console.log(`for information: R against each pod's own p99 (mean over pods, not the max) ${perPod.toFixed(3)}; KRR simple (p95, no headroom) ${krr.toFixed(3)};`);
  console.log(`  policy: CPU request = ${statisticName(rec.policy.cpuPercentile)} +${rec.policy.cpuHeadroomPercent}%, numa not rounded to whole cores, Guaranteed buffer containers from the peak +${rec.policy.cpuHeadroomPercent}%`);
  const fewer = rec.containers.filter((c) => c.flags.includes('fewer-threads'));
  for (const c of fewer) console.log(`  note: ${c.label}: ${c.notes.find((n) => n.startsWith('numa: worker threads')) ?? 'fewer worker threads'}`);
  console.log(e.met ? 'PASS: the request efficiency goal is met' : `FAIL: ${e.ratio > REQUEST_EFFICIENCY_GOAL ? `R ${e.ratio.toFixed(3)} > ${REQUEST_EFFICIENCY_GOAL}` : ''}${e.violations > 0 ? ` ${e.violations} container(s) under their p95 or peak` : ''}`);
  return e.met;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
