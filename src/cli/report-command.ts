/**
 * `numaflow-soak report`: the main job in one command, offline. Synthesizes every variant in
 * stacks/ into `<outdir>/<variant>/` (as `synth` does), prints the verdict on
 * the embedded soak dataset and the soak → rightsized report as Markdown on stdout, and
 * writes the report as `<outdir>/report.json` and HTML (`<outdir>/report.html` unless
 * `--html` says otherwise). Exit 0, or 1 on an invalid plan or a file that cannot be
 * written; changes, and the verdict's outcome, are shown, not failures here
 * (`numaflow-soak verdict` exits by the verdict).
 */
import * as path from 'node:path';
import { buildApp } from '../app';
import { renderHtml } from '../diff/html';
import { renderJson } from '../diff/json';
import { renderMarkdown } from '../diff/markdown';
import { buildReport } from '../diff/report';
import { defaultDataset } from '../recommend/dataset';
import { EmbeddedSource } from '../recommend/embedded';
import { soakVerdict } from '../recommend/verdict';
import { SideError, sideBySide, sideFromChart } from '../diff/sides';
import { projectRoot } from '../plan/load';
import { helpText, parseCommandArgs, type CommandSpec } from './args';
import { DEFAULT_AFTER, DEFAULT_BEFORE, loadProvenance } from './diff-command';
import { EXIT } from './exit-codes';
import { cachedText } from './build-cache';
import { assertOutputAllowed, reproduceCommand, writeFileAtomic } from './output';
import { writeChartsOrFail } from './synth-command';
import { renderVerdictMarkdown } from './verdict-command';
import { DEFAULT_WARM_UP, parseDurationSeconds } from './soak-inputs';

export const REPORT_SPEC = {
  name: 'report',
  summary: `Synthesizes every variant in stacks/ into <outdir>/<variant>/ (as synth does), prints the ${DEFAULT_BEFORE} → ${DEFAULT_AFTER} report as Markdown and writes it as JSON and HTML.`,
  options: {
    outdir: { type: 'string', value: '<dir>', default: 'dist', description: 'where the manifests and report files go' },
    html: { type: 'string', value: '<file>', description: 'HTML report file (default: <outdir>/report.html)' },
    root: { type: 'string', value: '<dir>', description: 'project root holding stacks/ (default: this project)' },
  },
} as const satisfies CommandSpec;

export async function reportCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(REPORT_SPEC, argv);
  if (parsed.help) {
    process.stdout.write(helpText(REPORT_SPEC));
    return EXIT.ok;
  }
  const { outdir, html = path.join(outdir, 'report.html') } = parsed.values;
  const root = path.resolve(parsed.values.root ?? projectRoot());

  assertOutputAllowed(path.join(outdir, 'report.json'), 'outdir');
  assertOutputAllowed(html, 'html');
  // Every plan is loaded and checked before anything is written.
  const { charts, plans } = buildApp({ outdir, root });
  const sideOf = (variant: string) => {
    const i = charts.findIndex((chart) => chart.node.id === variant);
    if (i < 0) throw new SideError(`numaflow-soak report compares ${DEFAULT_BEFORE} → ${DEFAULT_AFTER}, but there is no variant ${JSON.stringify(variant)} in ${path.join(root, 'stacks')} (variants: ${charts.map((c) => c.node.id).join(', ') || 'none'})`);
    return { side: sideFromChart(charts[i], plans[i]), loaded: plans[i] };
  };
  // Both sides exist before anything is written.
  const soaked = sideOf(DEFAULT_BEFORE);
  const resized = sideOf(DEFAULT_AFTER);
  const written = writeChartsOrFail(charts, outdir);
  charts.forEach((chart, i) => {
    process.stderr.write(`${chart.node.id}: ${written[i].length} objects in ${path.relative(process.cwd(), path.join(outdir, chart.node.id)) || '.'}/\n`);
  });
  const [own, after] = [soaked.side, resized.side];
  // Two variants, each in its own namespace: compared side by side (src/diff/sides.ts).
  const { before, identity } = sideBySide(own, after);
  const provenance = loadProvenance(undefined, DEFAULT_AFTER, root, after);
  const report = buildReport(before, after, { identity, ...(provenance ? { provenance } : {}) });

  const json = path.join(outdir, 'report.json');
  writeFileAtomic(json, renderJson(report), 'outdir');
  writeFileAtomic(html, renderHtml(report), 'html');
  process.stderr.write(`wrote ${json} and ${html}\n`);

  // The verdict on the embedded soak dataset: what the soak measured, no Prometheus needed.
  // It depends on the code and the soaked plan only, so the compiled CLI computes it once per
  // build and plan (src/cli/build-cache.ts).
  const warmUp = parseDurationSeconds('report', 'warm-up', DEFAULT_WARM_UP);
  const verdictMarkdown = await cachedText('embedded-verdict', { plan: soaked.loaded.plan, warmUp, stepSeconds: 60 }, async () => {
    const dataset = defaultDataset();
    const verdict = await soakVerdict({
      plan: soaked.loaded.plan,
      source: new EmbeddedSource(dataset),
      // The same warm-up `verdict` leaves out by default.
      window: { start: dataset.start + warmUp, end: dataset.end, stepSeconds: 60 },
    });
    return renderVerdictMarkdown(verdict, 'numaflow-soak verdict --embedded');
  });
  // report's data source is the embedded dataset by design, and it says so.
  process.stdout.write(
    `_This verdict judges the embedded dataset, a model of the soak, not a measurement. For a real soak: \`numaflow-soak verdict --prometheus-url <url>\`._\n\n`,
  );
  process.stdout.write(`${verdictMarkdown}\n`);
  process.stdout.write(renderMarkdown(report, { reproduce: reproduceCommand('report', [], argv, ['outdir', 'html']) }));
  return EXIT.ok;
}
