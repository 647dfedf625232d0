/**
 * Writes a dataset as OpenMetrics text in the form `promtool tsdb create-blocks-from
 * openmetrics` accepts (checked against promtool 2.42), so a real Prometheus can be
 * backfilled with exactly the samples the embedded source computes from:
 * - one `# TYPE` line per family, the family named without `_total` for counters
 *   (`# TYPE container_cpu_usage_seconds counter`), histograms as one `histogram` family
 *   with its `_bucket`/`_sum`/`_count` samples;
 * - all samples of a family together, each series' samples in time order (promtool appends
 *   per series and refuses out-of-order samples);
 * - timestamps in Unix seconds with millisecond decimals (milliseconds would be misread);
 * - `# EOF` as the last line.
 * The file is written in chunks, never held whole in memory.
 */
import * as fs from 'node:fs';
import type { RawSeries, SoakDataset } from './dataset';

interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'unknown';
  readonly series: RawSeries[];
}

export interface WrittenOpenMetrics {
  readonly samples: number;
  readonly series: number;
  readonly bytes: number;
}

/** The number of samples in a dataset. */
export function datasetSampleCount(dataset: SoakDataset): number {
  let n = 0;
  for (const s of dataset.series) n += s.v.length;
  return n;
}

/** Writes the dataset to `file` as OpenMetrics text (synchronously, in ~1 MB chunks). */
export function writeOpenMetrics(dataset: SoakDataset, file: string): WrittenOpenMetrics {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let samples = 0;
  let chunk = '';
  const flush = () => {
    if (chunk.length === 0) return;
    bytes += fs.writeSync(fd, chunk);
    chunk = '';
  };
  try {
    for (const family of familiesOf(dataset.series)) {
      chunk += `# TYPE ${family.name} ${family.type}\n`;
      for (const s of family.series) {
        const prefix = `${s.metric}${formatLabels(s.labels)} `;
        const { t, v } = s;
        for (let i = 0; i < v.length; i++) {
          chunk += `${prefix}${formatValue(v[i])} ${t[i].toFixed(3)}\n`;
          if (chunk.length > 1 << 20) flush();
        }
        samples += v.length;
      }
    }
    chunk += '# EOF\n';
    flush();
  } finally {
    fs.closeSync(fd);
  }
  return { samples, series: dataset.series.length, bytes };
}

/**
 * Groups series into OpenMetrics families, in order of first appearance: histogram parts
 * (`<name>_bucket` with an `le` label, `<name>_sum`, `<name>_count`) into one histogram
 * family, counters under their name without `_total`, gauges under their name.
 */
function familiesOf(series: readonly RawSeries[]): Family[] {
  const histograms = new Set<string>();
  for (const s of series) {
    if (s.type === 'counter' && s.metric.endsWith('_bucket') && 'le' in s.labels) histograms.add(s.metric.slice(0, -'_bucket'.length));
  }
  const families = new Map<string, Family>();
  for (const s of series) {
    const [name, type] = familyOf(s, histograms);
    let family = families.get(name);
    if (!family) {
      family = { name, type, series: [] };
      families.set(name, family);
    } else if (family.type !== type) {
      throw new Error(`series ${s.metric} is a ${type} but its family ${name} is a ${family.type}`);
    }
    family.series.push(s);
  }
  return [...families.values()];
}

function familyOf(s: RawSeries, histograms: ReadonlySet<string>): [string, Family['type']] {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (s.metric.endsWith(suffix)) {
      const base = s.metric.slice(0, -suffix.length);
      if (histograms.has(base)) return [base, 'histogram'];
    }
  }
  if (s.type === 'gauge') return [s.metric, 'gauge'];
  if (s.metric.endsWith('_total')) return [s.metric.slice(0, -'_total'.length), 'counter'];
  // A counter without `_total` cannot be declared a counter in OpenMetrics.
  return [s.metric, 'unknown'];
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  return String(x);
}
