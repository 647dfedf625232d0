/**
 * The cdk8s app (`cdk8s synth`): synthesizes every variant into dist/<variant>/.
 * Every plan is loaded and checked before anything is written; an invalid plan prints
 * every problem and exits 1.
 *
 * `cdk8s synth` deletes its output folder before running the app, so cdk8s.yaml points it
 * at a scratch folder (CDK8S_OUTDIR, which gets a copy cdk8s lists), never at dist/: dist/ is
 * written only here, swapped in whole when complete (src/synth.ts), so a failed synth
 * leaves the last good one, reports included.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildApp } from './app';
import { PlanError } from './plan/load';
import { SynthOutputError, writeCharts } from './synth';

try {
  const outdir = 'dist';
  const { charts } = buildApp({ outdir });
  const written = writeCharts(charts, outdir);
  charts.forEach((chart, i) => process.stderr.write(`${chart.node.id}: ${written[i].length} objects in ${path.join(outdir, chart.node.id)}/\n`));
  // cdk8s lists what it finds in its scratch folder: a copy of the files just written (no
  // second serialization).
  const scratch = process.env.CDK8S_OUTDIR;
  if (scratch !== undefined && path.resolve(scratch) !== path.resolve(outdir)) {
    for (const chart of charts) {
      try {
        fs.cpSync(path.join(outdir, chart.node.id), path.join(scratch, chart.node.id), { recursive: true });
      } catch (error) {
        throw new SynthOutputError(`cannot write to ${scratch} (CDK8S_OUTDIR): ${(error as Error).message}`);
      }
    }
  }
} catch (error) {
  if (!(error instanceof PlanError || error instanceof SynthOutputError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
