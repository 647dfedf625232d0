/**
 * `numaflow-soak report`: the main job in one command, offline. Synthesizes both variants
 * into `<outdir>/soak/` and `<outdir>/rightsized/` (as `synth` does), prints the
 * soak → rightsized report as Markdown on stdout, and writes the same report as
 * `<outdir>/report.json` and HTML (`<outdir>/report.html` unless `--html` says otherwise).
 * Exit 0, or 1 on an invalid plan or a file that cannot be written; changes are the
 * expected outcome here, not a failure.
 */
import * as path from 'node:path';
import { buildApp } from '../app';
import { renderHtml } from '../diff/html';
import { renderJson } from '../diff/json';
import { renderMarkdown } from '../diff/markdown';
import { buildReport } from '../diff/report';
import { sideFromChart } from '../diff/sides';
import { projectRoot } from '../plan/load';
import { writeChart } from '../synth';
import { helpText, parseCommandArgs, type CommandSpec } from './args';
import { DEFAULT_AFTER, DEFAULT_BEFORE, loadProvenance } from './diff-command';
import { EXIT } from './exit-codes';
import { reproduceCommand, writeFileAtomic } from './output';

export const REPORT_SPEC = {
  name: 'report',
  summary: `Synthesizes both variants into <outdir>/, prints the ${DEFAULT_BEFORE} → ${DEFAULT_AFTER} report as Markdown and writes it as JSON and HTML.`,
  options: {
    outdir: { type: 'string', value: '<dir>', default: 'dist', description: 'where the manifests and report files go' },
    html: { type: 'string', value: '<file>', description: 'HTML report file (default: <outdir>/report.html)' },
    root: { type: 'string', value: '<dir>', description: 'project root holding stacks/ (default: this project)' },
  },
} as const satisfies CommandSpec;

export function reportCommand(argv: readonly string[]): number {
  const parsed = parseCommandArgs(REPORT_SPEC, argv);
  if (parsed.help) {
    process.stdout.write(helpText(REPORT_SPEC));
    return EXIT.ok;
  }
  const { outdir, html = path.join(outdir, 'report.html') } = parsed.values;
  const root = path.resolve(parsed.values.root ?? projectRoot());

  // Every plan is loaded and checked before anything is written.
  const { charts, plans } = buildApp({ outdir, root, variants: [DEFAULT_BEFORE, DEFAULT_AFTER] });
  for (const chart of charts) {
    const files = writeChart(chart, outdir);
    process.stderr.write(`${chart.node.id}: ${files.length} objects in ${path.relative(process.cwd(), path.dirname(files[0])) || '.'}/\n`);
  }
  const [before, after] = charts.map((chart, i) => sideFromChart(chart, plans[i]));
  const provenance = loadProvenance(undefined, DEFAULT_AFTER, root, after);
  const report = buildReport(before, after, provenance ? { provenance } : {});

  const json = path.join(outdir, 'report.json');
  writeFileAtomic(json, renderJson(report));
  writeFileAtomic(html, renderHtml(report));
  process.stderr.write(`wrote ${json} and ${html}\n`);
  process.stdout.write(renderMarkdown(report, { reproduce: reproduceCommand('report', [], argv, ['outdir', 'html']) }));
  return EXIT.ok;
}
