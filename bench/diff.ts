/**
 * Benchmark of synth + diff (`npm run bench:diff`; not a jest test).
 *
 * (a) The two real variants, soak → rightsized, as `numaflow-soak diff` does it: load both
 *     stack files, build both SoakCharts and toJson them, buildReport, render Markdown.
 * (b) Generated plans: N = 100 and N = 1000 copies of the soak pipeline, each in its own
 *     namespace (soak-0001, ...). The before side is N copies of the soak plan, the after side
 *     N copies of the rightsized plan; all manifests of a side are concatenated and compared
 *     at once. Phases are timed separately: load (parse and check N plans per side), synth
 *     (chart construction + toJson, each chart in its own App as src/diff/sides.ts builds a
 *     side), diff (diffManifests over every object), report (buildReport: diff + totals +
 *     container rows + risk flags), render (Markdown), total (all of these in one go).
 *     For information, not checked: synth with every chart in one App, the layout of
 *     `cdk8s synth` (src/app.ts). cdk8s's Chart.toJson() resolves dependencies and validates
 *     the whole App on every call, so that layout costs O(charts²).
 *
 * Each measurement runs WARMUP times untimed, then RUNS times; min and median wall times
 * (performance.now) are printed with µs per object, objects being those of both sides
 * (BENCH_WARMUP and BENCH_RUNS change the counts).
 * Then the linearity check: µs per object at N = 1000 over that at N = 100, per phase, must
 * stay within MAX_RATIO; any phase beyond it prints FAIL and the process exits 1. The check
 * uses each measurement's minimum, the run least disturbed by other work on a shared
 * machine (a 0.5 ms phase's median can double from one noisy run); medians are printed too.
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { App } from 'cdk8s';
import { SoakChart } from '../src/constructs/soak-chart';
import { VARIANT_LABEL } from '../src/constructs/pod-settings';
import { renderMarkdown } from '../src/diff/markdown';
import { buildReport, type ReportSide } from '../src/diff/report';
import { diffManifests, type Manifest } from '../src/diff/semantic';
import { sideBySide, sideFromLoaded, synthesizeManifests } from '../src/diff/sides';
import { loadStackFile, parsePlan, PLAN_KEY, PROJECT, readStackConfig, stackFile } from '../src/plan/load';
import type { SoakPlan } from '../src/plan/schema';

const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/**
 * Sizes where every gated phase takes tens of milliseconds or more, so noise of a fraction of
 * a millisecond cannot decide the check (at 10 vs 100 copies the render phase took 0.5 ms and
 * failed once from noise).
 */
const SIZES = [100, 1000] as const;
/** Largest allowed growth of µs per object from N = 100 to N = 1000. */
const MAX_RATIO = 2;
/** buildReport leaves out the label naming the variant; the diff phase does the same. */
const ignoreVariantLabel = (p: string) => p.endsWith(`labels.${VARIANT_LABEL}`);

type Phase = 'load' | 'synth' | 'diff' | 'report' | 'render' | 'total' | 'synth, one App';
interface Stats {
  readonly min: number;
  readonly median: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return { min: s[0], median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2 };
}

/** Times `fn` WARMUP + RUNS times; returns the timed samples (ms) and the last result. */
function measure<T>(fn: () => T): { samples: number[]; result: T } {
  let result!: T;
  for (let i = 0; i < WARMUP; i++) result = fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = fn();
    samples.push(performance.now() - t0);
  }
  return { samples, result };
}

// ---------------------------------------------------------------------------------------
// The work being measured

/** The raw plan of a variant (what sits under `numaflow-soak:plan` in its stack file). */
function rawPlan(variant: string): Record<string, unknown> {
  return readStackConfig(stackFile(variant))[`${PROJECT}:${PLAN_KEY}`] as Record<string, unknown>;
}

const namespaceOf = (i: number) => `soak-${String(i + 1).padStart(4, '0')}`;

/** N checked plans from one raw plan, copy i in namespace soak-<i+1>. */
function copies(raw: Record<string, unknown>, n: number, variant: string): SoakPlan[] {
  return Array.from({ length: n }, (_, i) => {
    const copy = structuredClone(raw);
    copy.namespace = namespaceOf(i);
    return parsePlan(copy, `${variant} copy ${i + 1}`).plan;
  });
}

/** Every object of every plan, concatenated; each chart in its own App, as the diff command builds a side. */
function synth(plans: readonly SoakPlan[], variant: string): Manifest[] {
  return plans.flatMap((plan) => synthesizeManifests(plan, variant));
}

/** The same with every chart in one App, as `cdk8s synth` holds the variants (information only). */
function synthOneApp(plans: readonly SoakPlan[], variant: string): Manifest[] {
  const app = new App();
  const charts = plans.map((plan) => new SoakChart(app, `${variant}-${plan.namespace}`, { plan, variant }));
  return charts.flatMap((chart) => chart.toJson() as Manifest[]);
}

function side(label: string, plans: readonly SoakPlan[], manifests: Manifest[]): ReportSide {
  return { label, plan: plans[0], manifests };
}

// ---------------------------------------------------------------------------------------
// Cases

interface CaseResult {
  readonly name: string;
  readonly n: number;
  readonly objects: number;
  readonly phases: Partial<Record<Phase, Stats>>;
}

function realVariants(): CaseResult {
  const load = measure(() => [loadStackFile(stackFile('soak')), loadStackFile(stackFile('rightsized'))] as const);
  const [soak, rightsized] = load.result;
  // As the diff command builds them: each variant's chart, the before side rebuilt in the
  // after side's namespace (two variants differ in namespace by design, src/diff/sides.ts).
  const sides = () => {
    const after = sideFromLoaded(rightsized, 'rightsized');
    return { ...sideBySide(sideFromLoaded(soak, 'soak'), after), after };
  };
  const synthesis = measure(sides);
  const { before, after, identity } = synthesis.result;
  const report = measure(() => buildReport(before, after, { identity }));
  const render = measure(() => renderMarkdown(report.result));
  const total = measure(() => {
    const b = loadStackFile(stackFile('soak'));
    const a = loadStackFile(stackFile('rightsized'));
    const afterSide = sideFromLoaded(a, 'rightsized');
    const paired = sideBySide(sideFromLoaded(b, 'soak'), afterSide);
    return renderMarkdown(buildReport(paired.before, afterSide, { identity: paired.identity }));
  });
  check(report.result.objects.length === before.manifests.length, 'every object is matched by key');
  return {
    name: 'soak → rightsized',
    n: 1,
    objects: before.manifests.length + after.manifests.length,
    phases: { load: stats(load.samples), synth: stats(synthesis.samples), report: stats(report.samples), render: stats(render.samples), total: stats(total.samples) },
  };
}

function generated(n: number): CaseResult {
  const rawSoak = rawPlan('soak');
  const rawRightsized = rawPlan('rightsized');
  const load = measure(() => [copies(rawSoak, n, 'soak'), copies(rawRightsized, n, 'rightsized')] as const);
  const [soakPlans, rightsizedPlans] = load.result;
  const synthesis = measure(() => [synth(soakPlans, 'soak'), synth(rightsizedPlans, 'rightsized')] as const);
  const [before, after] = synthesis.result;
  const diff = measure(() => diffManifests(before, after, ignoreVariantLabel));
  const report = measure(() => buildReport(side('soak', soakPlans, before), side('rightsized', rightsizedPlans, after)));
  const render = measure(() => renderMarkdown(report.result));
  // Quadratic (see the header): measured up to ONE_APP_MAX copies only, minutes beyond.
  const oneApp = n <= ONE_APP_MAX ? measure(() => [synthOneApp(soakPlans, 'soak'), synthOneApp(rightsizedPlans, 'rightsized')] as const) : undefined;
  const total = measure(() => {
    const b = copies(rawSoak, n, 'soak');
    const a = copies(rawRightsized, n, 'rightsized');
    return renderMarkdown(buildReport(side('soak', b, synth(b, 'soak')), side('rightsized', a, synth(a, 'rightsized'))));
  });

  // The generated sides are what they claim: N namespaces, N times the objects of one copy,
  // every object matched across the sides and the same set of changes in every copy.
  const namespaces = new Set(before.map((m) => m.metadata.namespace).filter(Boolean));
  check(namespaces.size === n, `${n} namespaces on the before side, got ${namespaces.size}`);
  check(before.length === after.length && before.length % n === 0, 'both sides hold N copies of the same objects');
  check(diff.result.length === before.length, 'every object is matched by key');
  check(diff.result.filter((o) => o.status === 'changed').length % n === 0, 'each copy changes the same objects');
  if (oneApp) check(JSON.stringify(oneApp.result) === JSON.stringify(synthesis.result), 'both App layouts give the same manifests');
  return {
    name: `${n} copies`,
    n,
    objects: before.length + after.length,
    phases: {
      load: stats(load.samples),
      synth: stats(synthesis.samples),
      diff: stats(diff.samples),
      report: stats(report.samples),
      render: stats(render.samples),
      total: stats(total.samples),
      ...(oneApp ? { 'synth, one App': stats(oneApp.samples) } : {}),
    },
  };
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`benchmark input is not what it should be: ${what}`);
}

// ---------------------------------------------------------------------------------------
// Output

const PHASES: readonly Phase[] = ['load', 'synth', 'diff', 'report', 'render', 'total', 'synth, one App'];
/** Phases the linearity check does not gate on (printed for information). */
const INFO_ONLY: ReadonlySet<Phase> = new Set(['synth, one App']);
/** The one-App layout is O(charts²): not measured beyond this many copies. */
const ONE_APP_MAX = 100;
const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);
const us = (x: number) => x.toFixed(1);

function table(results: readonly CaseResult[]): string {
  const rows = [['case', 'objects', 'phase', 'min ms', 'median ms', 'µs/object (min)', 'µs/object (median)']];
  for (const r of results) {
    for (const p of PHASES) {
      const s = r.phases[p];
      if (s) rows.push([r.name, String(r.objects), p, ms(s.min), ms(s.median), us((s.min * 1000) / r.objects), us((s.median * 1000) / r.objects)]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c < 1 || c === 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function linearity(small: CaseResult, large: CaseResult): { text: string; pass: boolean } {
  const lines = [`linearity: µs per object at N = ${large.n} over N = ${small.n} (minimum of the timed runs), allowed up to ${MAX_RATIO}×`];
  let pass = true;
  for (const p of PHASES) {
    const a = small.phases[p];
    const b = large.phases[p];
    if (!a || !b) continue;
    const ratio = b.min / large.objects / (a.min / small.objects);
    const ok = ratio <= MAX_RATIO;
    const info = INFO_ONLY.has(p);
    if (!info) pass &&= ok;
    const verdict = info ? `(information: ${ok ? 'within' : 'beyond'} ${MAX_RATIO}×; not the diff command's path)` : ok ? 'PASS' : 'FAIL';
    lines.push(`  ${p.padEnd(14)} ${us((a.min * 1000) / small.objects).padStart(8)} → ${us((b.min * 1000) / large.objects).padStart(8)} µs/object  ${ratio.toFixed(2).padStart(5)}×  ${verdict}`);
  }
  lines.push(pass ? 'PASS: cost grows linearly with the number of objects' : 'FAIL: cost per object grows with the number of objects');
  return { text: lines.join('\n'), pass };
}

function main(): number {
  const cpus = os.cpus();
  process.stdout.write(
    `numaflow-soak bench:diff: node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? 'unknown'}); ` +
      `${RUNS} timed runs after ${WARMUP} warm-up per measurement; wall time\n\n`,
  );
  const results = [realVariants(), ...SIZES.map(generated)];
  process.stdout.write(`${table(results)}\n\n`);
  const { text, pass } = linearity(results[1], results[2]);
  process.stdout.write(`${text}\n`);
  return pass ? 0 : 1;
}

process.exitCode = main();
