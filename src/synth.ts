/**
 * Writes each variant's manifests to `<outdir>/<variant>/`, one file per object, named
 * `NN-<kind>-<name>.k8s.yaml` with NN the apply order (namespace first, buffer service
 * before pipeline), so `kubectl apply -f dist/soak/` creates things in a working order.
 * The whole output is written to a temporary folder beside it and swapped in when complete
 * (`writeCharts`): a failure or a kill leaves the last good output as it was.
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

/** Replaces `<outdir>/<chart id>/` with the chart's files (see `writeCharts`). */
export function writeChart(chart: SoakChart, outdir: string): string[] {
  return writeCharts([chart], outdir)[0];
}

/** An output folder that cannot be used: one line, naming it. */
export class SynthOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SynthOutputError';
  }
}

/**
 * Writes every chart, then swaps the result in at once: the new tree is built in a
 * temporary folder beside `outdir` (`.<name>.tmp-<pid>`), holding a copy of everything else
 * `outdir` had (reports), and renamed over `outdir` only when complete. Until then, and when
 * anything fails, `outdir` is untouched. A kill between the two renames leaves the old tree
 * as `.<name>.old-<pid>`; the next call puts it back first.
 * @throws SynthOutputError when `outdir` exists and is not a folder, or cannot be written.
 */
export function writeCharts(charts: readonly SoakChart[], outdir: string): string[][] {
  let target = path.resolve(outdir);
  try {
    if (fs.lstatSync(target).isSymbolicLink()) target = fs.realpathSync(target);
  } catch {
    /* absent: created below */
  }
  const parent = path.dirname(target);
  const base = path.basename(target);
  recoverInterrupted(parent, base, target);
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) {
    throw new SynthOutputError(`cannot write to ${outdir}: it exists and is not a directory`);
  }
  const staging = path.join(parent, `.${base}.tmp-${process.pid}`);
  const old = path.join(parent, `.${base}.old-${process.pid}`);
  const ids = new Set(charts.map((c) => c.node.id));
  const written: string[][] = [];
  try {
    fs.mkdirSync(parent, { recursive: true });
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging);
    if (fs.existsSync(target)) {
      for (const entry of fs.readdirSync(target)) {
        if (ids.has(entry) || /\.tmp-\d+$/.test(entry)) continue;
        fs.cpSync(path.join(target, entry), path.join(staging, entry), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      }
    }
    for (const chart of charts) {
      fs.mkdirSync(path.join(staging, chart.node.id));
      const files = chartFiles(chart);
      for (const f of files) fs.writeFileSync(path.join(staging, chart.node.id, f.file), f.content);
      written.push(files.map((f) => path.join(outdir, chart.node.id, f.file)));
    }
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(staging, target);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(target) && fs.existsSync(old)) fs.renameSync(old, target);
    throw new SynthOutputError(`cannot write to ${outdir}: ${(error as Error).message}`);
  }
  fs.rmSync(old, { recursive: true, force: true });
  return written;
}

/** Puts back a tree a killed run had moved aside, and drops staging folders it left. */
function recoverInterrupted(parent: string, base: string, target: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    const m = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)$`).exec(entry);
    if (!m || isRunning(Number(m[2]))) continue;
    const full = path.join(parent, entry);
    if (m[1] === 'old' && !fs.existsSync(target)) fs.renameSync(full, target);
    else fs.rmSync(full, { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
