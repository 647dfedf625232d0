/** `numaflow-soak synth [--outdir DIR]`: what `cdk8s synth` does, as a command. */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../app';
import { PlanError } from '../plan/load';
import { writeChart } from '../synth';
import { EXIT } from './exit-codes';

export function synthCommand(argv: readonly string[]): number {
  const { values } = parseArgs({ args: [...argv], options: { outdir: { type: 'string', default: 'dist' } }, strict: true });
  try {
    const { charts } = buildApp({ outdir: values.outdir });
    for (const chart of charts) {
      const files = writeChart(chart, values.outdir!);
      process.stderr.write(`${chart.node.id}: ${files.length} objects in ${path.relative(process.cwd(), path.dirname(files[0]))}/\n`);
    }
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT.error;
  }
}
