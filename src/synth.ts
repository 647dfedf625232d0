/**
 * Writes each variant's manifests to `<outdir>/<variant>/`, one file per object, named
 * `NN-<kind>-<name>.k8s.yaml` with NN the apply order (namespace first, buffer service
 * before pipeline), so `kubectl apply -f dist/soak/` creates things in a working order.
 * A variant's folder is written to a temporary folder and renamed into place: it is
 * complete or absent, never half-written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Yaml } from 'cdk8s';
import type { SoakChart } from './constructs/soak-chart';

export interface SynthesizedFile {
  readonly file: string;
  readonly content: string;
}

/** The files of one chart, in apply order. */
export function chartFiles(chart: SoakChart): SynthesizedFile[] {
  const objects = chart.toJson() as Array<{ kind: string; metadata: { name: string } }>;
  const width = String(objects.length).length;
  return objects.map((o, i) => ({
    file: `${String(i + 1).padStart(Math.max(2, width), '0')}-${o.kind.toLowerCase()}-${o.metadata.name}.k8s.yaml`,
    content: Yaml.stringify(o),
  }));
}

/** Replaces `<outdir>/<chart id>/` with the chart's files. */
export function writeChart(chart: SoakChart, outdir: string): string[] {
  const target = path.join(outdir, chart.node.id);
  const staging = `${target}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const files = chartFiles(chart);
  for (const f of files) fs.writeFileSync(path.join(staging, f.file), f.content);
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  return files.map((f) => path.join(target, f.file));
}
