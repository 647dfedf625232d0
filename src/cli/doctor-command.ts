/**
 * `numaflow-soak doctor`: is everything the verdict and `recommend` need in the data source,
 * for the soak's namespace, pipeline and buffer over the window? One row per series family
 * and pod group (src/recommend/needed-series.ts): series found, the time they cover, the
 * scrape interval seen, and for each one missing its likely cause
 * (src/recommend/doctor.ts); and the Numaflow version the metrics reveal.
 *
 * Exit codes (src/cli/exit-codes.ts): 0 everything needed is there, 6 something is missing
 * or does not cover the window, 4 the data source is unreachable or erroring, 1 error.
 */
import { doctorJson, soakDoctor, type DoctorReport, type DoctorRow, type DoctorStatus } from '../recommend/doctor';
import { helpText, parseCommandArgs, type CommandSpec } from './args';
import { code, codeCell, heading, list, table, text } from '../markdown/writer';
import { EXIT } from './exit-codes';
import { emit, reproduceLine, runSoakCommand, soakInputs, SOURCE_OPTIONS } from './soak-inputs';

// --target has no meaning here: the doctor counts series, it judges no rate.
const { target: _target, ...DATA_OPTIONS } = SOURCE_OPTIONS;

export const DOCTOR_SPEC = {
  name: 'doctor',
  summary:
    'Checks that the data source holds every series the verdict and recommend need for the soak (namespace, pipeline, buffer) over the window: per series family and pod group, the series found, the time they cover and the scrape interval; for each one missing, its likely cause; and the Numaflow version the metrics reveal.',
  options: DATA_OPTIONS,
  notes: [
    'causes named: wrong namespace; a wrong --pipeline or --buffer; PodMonitor not selected (or its scrapes failing); the daemon\'s',
    'ServiceMonitor not selected; kube-state-metrics without init-container metrics; kube-state-metrics or cAdvisor not scraped;',
    'retention shorter than the window; data that ends before the window does. Error, isFull and drop counters exist only after',
    'their first increment: without series they are "none counted", fine when the pods were scraped.',
    'exit codes: 0 everything needed is there, 6 something is missing or does not cover the window, 4 data source unreachable',
    'or erroring, 1 error',
    'the rows, the causes and the JSON shape: docs/recommend.md',
  ].join('\n'),
} as const satisfies CommandSpec;

const MARK: Record<DoctorStatus, string> = { ok: '✅ ok', 'none-counted': '✅ none counted', missing: '❌ missing', partial: '❌ partial' };

function statusText(r: DoctorRow): string {
  if (!r.required && r.status === 'missing') return '➖ not exposed';
  return MARK[r.status];
}

function seriesText(r: DoctorRow): string {
  if (r.series === 0) return '0';
  if (r.by === 'version') return `${r.series} (${r.values.join(', ')})`;
  const noun = r.by === 'buffer' ? 'buffer' : 'pod';
  return `${r.series} on ${r.values.length} ${noun}${r.values.length === 1 ? '' : 's'}`;
}

function intervalText(seconds: number | undefined): string {
  if (seconds === undefined) return '—';
  return Number.isInteger(seconds) ? `${seconds}s` : `${seconds.toFixed(1)}s`;
}

/** `family (group, group); family (group)`: the rows a cause explains, by family. */
function affected(rows: readonly { readonly family: string; readonly group: string }[]): string {
  const byFamily = new Map<string, string[]>();
  for (const r of rows) byFamily.set(r.family, [...(byFamily.get(r.family) ?? []), r.group]);
  return [...byFamily].map(([family, groups]) => `${code(family)} (${text(groups.join(', '))})`).join(', ');
}

export function renderDoctorMarkdown(report: DoctorReport, reproduce?: string): string {
  const problems = report.rows.filter((r) => r.problem).length;
  const needed = report.rows.filter((r) => r.required).length;
  const headline = report.ok ? `all ${needed} series groups the verdict and recommend need are there` : `MISSING DATA: ${problems} of ${needed} series groups`;
  const versionMark = report.version.status === 'other' ? '⚠️ ' : '';
  const out = [
    heading(3, `numaflow-soak doctor: ${headline}`),
    '',
    `Data: ${text(report.source)}, ${text(report.window.start)} to ${text(report.window.end)}, step ${report.window.stepSeconds}s. Namespace ${code(report.names.namespace)}, pipeline ${code(report.names.pipeline)}, buffer ${code(report.names.buffer)}.`,
    '',
    `Numaflow version: ${versionMark}${text(report.version.text)}.`,
  ];
  if (report.problems.length > 0) {
    out.push('', 'Likely causes:', '', ...list(report.problems.map((p) => `${text(p.cause)}. Affects ${affected(p.rows)}.`)));
  }
  let previous: string | undefined;
  const rows = report.rows.map((r) => {
    const first = r.family !== previous;
    previous = r.family;
    return [
      first ? codeCell(r.family) : '',
      text(r.group),
      statusText(r),
      text(seriesText(r)),
      text(r.firstSeen ?? '—'),
      text(r.lastSeen ?? '—'),
      intervalText(r.scrapeIntervalSeconds),
      first ? text(r.usedBy.join('; ')) : '',
    ];
  });
  out.push('', ...table(['family', 'pods', 'status', 'series', 'first', 'last', 'scrape', 'needed by'], rows));
  const noted = new Map<string, DoctorRow[]>();
  for (const r of report.rows) if (r.status === 'none-counted') noted.set(r.cause!, [...(noted.get(r.cause!) ?? []), r]);
  if (noted.size > 0) {
    out.push('', 'Lazy counters without series (fine):', '', ...list([...noted].map(([cause, causeRows]) => `${affected(causeRows)}: ${text(cause)}.`)));
  }
  if (reproduce) out.push('', `Reproduce: ${code(reproduce)}`);
  out.push('');
  return out.join('\n');
}

export function doctorCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(DOCTOR_SPEC, argv);
  if (parsed.help) {
    process.stdout.write(helpText(DOCTOR_SPEC));
    return Promise.resolve(EXIT.ok);
  }
  const v = parsed.values;
  return runSoakCommand('doctor', async () => {
    const inputs = soakInputs('doctor', v);
    const report = await soakDoctor({
      plan: inputs.plan,
      source: inputs.source,
      window: inputs.window,
      names: inputs.names,
      selectors: v.selector,
      onProgress: inputs.progress,
    });
    const reproduce = reproduceLine('doctor', inputs, argv);
    emit(v.format === 'json' ? `${JSON.stringify(doctorJson(report), null, 2)}\n` : renderDoctorMarkdown(report, reproduce), v.output);
    return report.ok ? EXIT.ok : EXIT.insufficientData;
  });
}
