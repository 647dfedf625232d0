/** `numaflow-soak synth [--outdir DIR]`: what `cdk8s synth` does, as a command. */
import * as path from 'node:path';
import { buildApp } from '../app';
import { projectRoot } from '../plan/load';
import { SynthOutputError, writeCharts } from '../synth';
import { CliError, helpText, parseCommandArgs, type CommandSpec } from './args';
import { EXIT } from './exit-codes';
import { assertOutdirAllowed } from './output';

export const SYNTH_SPEC = {
  name: 'synth',
  summary:
    'Validates every plan in stacks/ (each stack file Pulumi.<variant>.yaml with a plan is a variant; the platform stack and files without a plan are left out, the latter with a note) and writes each variant to <outdir>/<variant>/, one file per object.',
  options: {
    outdir: { type: 'string', value: '<dir>', default: 'dist', description: 'where the variant folders go' },
    root: { type: 'string', value: '<dir>', description: 'project root holding stacks/ (default: this project)' },
  },
} as const satisfies CommandSpec;

/** An invalid plan throws PlanError; `main` prints it and exits 1. */
export function synthCommand(argv: readonly string[]): number {
  const parsed = parseCommandArgs(SYNTH_SPEC, argv);
  if (parsed.help) {
    process.stdout.write(helpText(SYNTH_SPEC));
    return EXIT.ok;
  }
  const { outdir } = parsed.values;
  const root = parsed.values.root !== undefined ? path.resolve(parsed.values.root) : undefined;
  assertOutdirAllowed(outdir, root ?? projectRoot());
  const { charts } = buildApp({ outdir, ...(root !== undefined ? { root } : {}) });
  const written = writeChartsOrFail(charts, outdir);
  charts.forEach((chart, i) => {
    process.stderr.write(`${chart.node.id}: ${written[i].length} objects in ${path.relative(process.cwd(), path.join(outdir, chart.node.id)) || '.'}/\n`);
  });
  return EXIT.ok;
}

/** `writeCharts` with its failure as a one-line CLI error naming `--outdir`. */
export function writeChartsOrFail(charts: Parameters<typeof writeCharts>[0], outdir: string): string[][] {
  try {
    return writeCharts(charts, outdir);
  } catch (error) {
    if (error instanceof SynthOutputError) throw new CliError(`--outdir: ${error.message}`);
    throw error;
  }
}
