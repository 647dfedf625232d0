/**
 * The cdk8s app (`cdk8s synth`): synthesizes every variant into dist/<variant>/.
 * Every plan is loaded and checked before anything is written; an invalid plan prints
 * every problem and exits 1.
 */
import * as path from 'node:path';
import { buildApp } from './app';
import { PlanError } from './plan/load';
import { writeChart } from './synth';

try {
  const { app, charts } = buildApp();
  for (const chart of charts) {
    const files = writeChart(chart, app.outdir);
    process.stderr.write(`${chart.node.id}: ${files.length} objects in ${path.relative(process.cwd(), path.dirname(files[0]))}/\n`);
  }
} catch (error) {
  if (!(error instanceof PlanError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
