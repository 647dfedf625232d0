/**
 * The diff report as Markdown for a pull-request comment: what a reviewer must see comes
 * first and always survives the size cap (headline, the verdict of the soak the sizes
 * came from when the provenance records one, whether the buffer service is replaced or
 * deleted, risk flags, totals); then the container table; then one
 * collapsible block of field changes per object. GitHub refuses comments over 65,536
 * characters, so the text is kept under `maxChars` by dropping object blocks from the end
 * first, then container rows; the JSON and HTML artifacts always hold everything.
 */
import type { Amounts } from '../capacity/pods';
import { Bytes, Cpu } from '../plan/quantity';
import { findingText, verdictOutcome, type UsageStats } from './provenance';
import { HOURS_PER_MONTH, type ContainerRow, type DiffReport, type Risk, type TotalsView } from './report';
import { code, codeCell, details, heading, list, table, text, type Align } from '../markdown/writer';
import type { ObjectDiff } from './semantic';

export const DEFAULT_MAX_CHARS = 60_000;

export interface MarkdownOptions {
  /** Never return more characters than this. @default 60000 */
  readonly maxChars?: number;
  /** The exact command line that reproduces the report, shown last. */
  readonly reproduce?: string;
}

/** Risk codes meaning the buffer service is deleted and created again, with the reason shown for each. */
const REPLACEMENT_REASONS: Readonly<Record<string, string>> = {
  'buffer-replaced': 'its name or namespace changes',
  'buffer-volume-shrink': 'its volumes shrink',
  'buffer-volume-replace': 'its persistence changes',
  'buffer-encryption-toggled': 'encryption at rest is toggled',
};

const MARKER: Record<Risk['severity'], string> = { critical: '🛑', warning: '⚠️' };
/** How many characters of a value a field-diff cell shows. */
const VALUE_WIDTH = 80;

// ---------------------------------------------------------------------------------------
// Text helpers

/** A number with at most `decimals` decimals, trailing zeros dropped, never `-0`. */
export function formatNumber(n: number, decimals = 2): string {
  const fixed = n.toFixed(decimals);
  const text = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  return text === '-0' ? '0' : text;
}

/** A difference with its sign: `+3`, `-79`, `0`. */
export function formatDelta(delta: number, decimals = 2): string {
  const text = formatNumber(delta, decimals);
  return text === '0' || text.startsWith('-') ? text : `+${text}`;
}

/** The change in percent of `before`, one decimal, signed: `-47.9%`; `n/a` when before is 0. */
export function formatPercent(before: number, after: number): string {
  if (before === 0) return after === 0 ? '0.0%' : 'n/a';
  const p = ((after - before) / before) * 100;
  const text = p.toFixed(1);
  if (Number(text) === 0) return '0.0%';
  return p > 0 ? `+${text}%` : `${text}%`;
}

/** A money amount: always two decimals. */
function formatMoney(n: number): string {
  const text = n.toFixed(2);
  return text === '-0.00' ? '0.00' : text;
}

function formatMoneyDelta(n: number): string {
  const text = formatMoney(n);
  return text === '0.00' || text.startsWith('-') ? text : `+${text}`;
}

/** A field value as shown in a field-diff cell: strings bare, anything else as JSON, cut at 80 characters. */
export function valueText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text;
}

// ---------------------------------------------------------------------------------------
// Sections

function headline(report: DiffReport): string {
  return heading(3, `numaflow-soak: ${text(report.before.label)} → ${text(report.after.label)}`);
}

/** Two variants side by side: where each runs, and that objects pair up by name within them. */
function identityLine(identity: NonNullable<DiffReport['identity']>): string {
  const [b, a] = [identity.before.namespace, identity.after.namespace];
  if (b === a) return `Both variants run in namespace ${code(a)}: they cannot run side by side in one cluster.`;
  return `Side by side: each variant runs in its own namespace (${code(b)}, ${code(a)}); objects are compared by name as if both ran in ${code(a)}, so the namespace and the PriorityClass named after it are not changes.`;
}

/** Buffer services whose object diff has one of `statuses`, as `namespace/name`. */
function bufferNames(report: DiffReport, statuses: readonly ObjectDiff['status'][]): string[] {
  return report.objects
    .filter((o) => o.ref.kind === 'InterStepBufferService' && statuses.includes(o.status))
    .map((o) => `${o.ref.namespace ? `${o.ref.namespace}/` : ''}${o.ref.name}`);
}

/**
 * The line saying what the soak the sizes came from was worth, when the provenance records
 * its verdict: failed (with each failed line and its measured figure), too little data, or
 * passed. Every figure and check name is data, so it goes through `text()`.
 */
function verdictLine(report: DiffReport): string | undefined {
  const v = report.provenance?.verdict;
  if (!v) return undefined;
  const window = text(`${v.window.start} to ${v.window.end}`);
  const lines = v.lines.map((l) => text(findingText(l))).join('; ');
  switch (verdictOutcome(v)) {
    case 'failed':
      return `⚠️ **sized from a soak that FAILED its verdict**: ${lines} (judged over ${window}).`;
    case 'insufficient':
      return `⚠️ **sized from a soak whose verdict had too little data**: ${lines || 'the window was too short to judge'} (judged over ${window}).`;
    case 'passed':
      return `✅ sized from a soak that passed its verdict (${v.checks} checks, ${window}).`;
  }
}

/**
 * The one line saying whether the buffer service (which holds in-flight data) is replaced
 * or deleted, naming each one, or that it is not.
 */
function bufferLine(report: DiffReport): string {
  const reasons = [...new Set(report.risks.map((r) => REPLACEMENT_REASONS[r.code]).filter((r): r is string => r !== undefined))];
  const kept = bufferNames(report, ['changed', 'unchanged']);
  const deleted = bufferNames(report, ['removed']);
  const created = bufferNames(report, ['added']);
  const deletedNamespaces = report.objects.filter((o) => o.ref.kind === 'Namespace' && o.status === 'removed').map((o) => o.ref.name);
  const parts: string[] = [];
  const inPlace = report.risks.some((r) => r.code !== 'buffer-replaced' && REPLACEMENT_REASONS[r.code] !== undefined);
  if (inPlace && kept.length > 0) parts.push(`${kept.map((n) => code(n)).join(', ')} is replaced (deleted, then created)`);
  if (deleted.length > 0) parts.push(`${deleted.map((n) => code(n)).join(', ')} is deleted${created.length > 0 ? ` and ${created.map((n) => code(n)).join(', ')} created` : ''}`);
  if (deletedNamespaces.length > 0) parts.push(`namespace ${deletedNamespaces.map((n) => code(n)).join(', ')}, which holds the buffer's volumes, is deleted`);
  if (parts.length === 0 && reasons.length > 0) parts.push('the buffer service is replaced');
  if (parts.length === 0) {
    const names = kept.length > 0 ? ` (${kept.map((n) => code(n)).join(', ')})` : '';
    return `✅ no replacement or deletion of the buffer service${names}`;
  }
  const why = reasons.length > 0 ? `: ${reasons.join('; ')}` : '';
  return `🛑 **Buffer service replaced or deleted**: ${parts.join('; ')}${why}. Its in-flight data is lost.`;
}

/** Objects and containers changed, and the requested CPU and memory at a glance. */
function overviewLine(report: DiffReport): string {
  const count = (status: ObjectDiff['status']) => report.objects.filter((o) => o.status === status).length;
  const resized = report.containers.filter(rowChanged).length;
  const { before, after } = report.totals;
  return [
    `${count('changed')} objects changed, ${count('added')} added, ${count('removed')} removed, ${count('unchanged')} unchanged;`,
    `${resized} of ${report.containers.length} containers resized or rescaled.`,
    `Requested CPU ${formatNumber(before.requests.cpu, 3)} → ${formatNumber(after.requests.cpu, 3)} cores (${formatPercent(before.requests.cpu, after.requests.cpu)}),`,
    `memory ${formatNumber(before.requests.memoryGiB)} → ${formatNumber(after.requests.memoryGiB)} GiB (${formatPercent(before.requests.memoryGiB, after.requests.memoryGiB)}).`,
  ].join(' ');
}

function riskLines(risks: readonly Risk[]): string[] {
  if (risks.length === 0) return ['No risk flags.'];
  const critical = risks.filter((r) => r.severity === 'critical').length;
  const warnings = risks.length - critical;
  const head = heading(4, `${critical > 0 ? MARKER.critical : MARKER.warning} Risk flags: ${critical} critical, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  return [head, '', ...list(risks.map((r) => `${MARKER[r.severity]} **${r.severity}** ${code(r.code)}: ${text(r.message)}`))];
}

function totalsTable(report: DiffReport): string[] {
  const { before, after } = report.totals;
  const shape = report.nodeShape;
  const row = (name: string, pick: (t: TotalsView) => number, decimals: number): string[] => {
    const [a, b] = [pick(before), pick(after)];
    return [name, formatNumber(a, decimals), formatNumber(b, decimals), formatDelta(b - a, decimals), formatPercent(a, b)];
  };
  const rows = [
    row('CPU requested (cores)', (t) => t.requests.cpu, 3),
    row('CPU limits (cores)', (t) => t.limits.cpu, 3),
    row('memory requested (GiB)', (t) => t.requests.memoryGiB, 2),
    row('memory limits (GiB)', (t) => t.limits.memoryGiB, 2),
    row('pods', (t) => t.pods, 0),
    row(`nodes of ${text(shape.name)} (${text(shape.cpu)} CPU, ${text(shape.memory)})`, (t) => t.nodes, 0),
  ];
  if (shape.pricePerHour !== undefined && before.monthlyCost !== undefined && after.monthlyCost !== undefined) {
    const [a, b] = [before.monthlyCost, after.monthlyCost];
    rows.push([`cost per month at ${formatNumber(shape.pricePerHour, 4)}/node-hour (${HOURS_PER_MONTH} h)`, formatMoney(a), formatMoney(b), formatMoneyDelta(b - a), formatPercent(a, b)]);
  }
  const lines = table(['', `before: ${text(report.before.label)}`, `after: ${text(report.after.label)}`, 'Δ', 'Δ%'], rows, ['left', 'right', 'right', 'right', 'right']);
  // Fewer nodes must not read as a saving when pods fit on none (request-exceeds-node).
  for (const [side, t] of [[report.before.label, before], [report.after.label, after]] as const) {
    if (t.podsOnNoNode) lines.push('', `**${formatNumber(t.podsOnNoNode, 0)} pod${t.podsOnNoNode === 1 ? '' : 's'} of ${text(side)} fit on no node of ${text(shape.name)}**: the node count and cost leave them out, and they would stay Pending.`);
  }
  if (shape.pricePerHour === undefined) lines.push('', '_No node price configured: pass `--price-per-hour` or set `cluster.nodeShape.pricePerHour`._');
  return lines;
}

function amountsText(a: Amounts | undefined): string {
  return a ? `${a.cpu} / ${a.memory}` : '—';
}

/** `before → after`, or the value alone when both sides agree. */
function change(before: string, after: string): string {
  return before === after ? before : `${before} → ${after}`;
}

function rowChanged(r: ContainerRow): boolean {
  return (
    r.replicas.before !== r.replicas.after ||
    amountsText(r.requests.before) !== amountsText(r.requests.after) ||
    amountsText(r.limits.before) !== amountsText(r.limits.after)
  );
}

function cpuText(cores: number): string {
  return Cpu.cores(cores).toString();
}

function memoryText(bytes: number): string {
  const mib = 1024 ** 2;
  return bytes >= mib ? Bytes.mebibytes(Math.round(bytes / mib)).toString() : Bytes.kibibytes(Math.round(bytes / 1024)).toString();
}

function statsText(stats: UsageStats | undefined, unit: (n: number) => string): string {
  return stats ? `${unit(stats.p95)} / ${unit(stats.p99)} / ${unit(stats.peak)}` : '—';
}

function headroomText(r: ContainerRow): string {
  const h = r.observed?.headroomPercent;
  if (!h || (h.cpu === undefined && h.memory === undefined)) return '—';
  return [h.cpu !== undefined ? `CPU ${formatDelta(h.cpu, 1)}%` : undefined, h.memory !== undefined ? `memory ${formatDelta(h.memory, 1)}%` : undefined]
    .filter(Boolean)
    .join(', ');
}

/** The worst risk flag naming this container (risk messages start with `owner/container:`). */
function rowMarker(r: ContainerRow, risks: readonly Risk[]): string {
  const mine = risks.filter((risk) => risk.message.startsWith(`${r.owner}/${r.container}:`));
  if (mine.some((risk) => risk.severity === 'critical')) return `${MARKER.critical} `;
  return mine.length > 0 ? `${MARKER.warning} ` : '';
}

interface ContainerTable {
  readonly intro: string[];
  readonly header: string[];
  readonly rows: string[];
}

function containerTable(report: DiffReport): ContainerTable {
  const observed = report.containers.some((r) => r.observed !== undefined);
  const header = ['vertex / container', 'replicas', 'requests (CPU / memory)', 'limits (CPU / memory)'];
  const align: Align[] = ['left', 'left', 'left', 'left'];
  if (observed) {
    header.push('observed CPU p95 / p99 / peak', 'observed memory p95 / p99 / peak', 'headroom (policy)');
    align.push('left', 'left', 'left');
  }
  const rows = report.containers.map((r) => {
    const cells = [
      `${rowMarker(r, report.risks)}${text(`${r.owner}/${r.container}`)}`,
      text(change(r.replicas.before, r.replicas.after)),
      text(change(amountsText(r.requests.before), amountsText(r.requests.after))),
      text(change(amountsText(r.limits.before), amountsText(r.limits.after))),
    ];
    if (observed) cells.push(statsText(r.observed?.cpu, cpuText), statsText(r.observed?.memory, memoryText), headroomText(r));
    return cells;
  });
  const [head, rule, ...body] = table(header, rows, align);
  const intro = [heading(4, 'Containers'), ''];
  const p = report.provenance;
  if (p) {
    const noVerdict = p.verdict ? '' : ' No soak verdict recorded with it.';
    intro.push(`Observed in ${text(p.source)} from ${text(p.window.start)} to ${text(p.window.end)}${windowLength(p.window.start, p.window.end)}, every ${p.window.stepSeconds}s.${noVerdict}`, '');
  }
  return { intro, header: [head, rule], rows: body };
}

/** ` (5 days)`-style length of a window, or nothing when its ends are not dates. */
function windowLength(start: string, end: string): string {
  const ms = Date.parse(end) - Date.parse(start);
  if (!Number.isFinite(ms) || ms <= 0) return '';
  const hours = ms / 3_600_000;
  return hours >= 48 ? ` (${formatNumber(hours / 24, 1)} days)` : ` (${formatNumber(hours, 1)} hours)`;
}

/** How an object is named in the report: `Kind name`. */
function objectTitle(o: ObjectDiff): string {
  return `${o.ref.kind} ${o.ref.name}`;
}

/** One collapsible block per object that differs, in the model's (sorted) order. */
function detailBlocks(report: DiffReport): string[] {
  return report.objects
    .filter((o) => o.status !== 'unchanged')
    .map((o) => {
      const n = o.changes.length;
      const what = o.status === 'changed' ? `${n} change${n === 1 ? '' : 's'}` : o.status;
      const lines: string[] = [];
      if (o.status === 'added') lines.push(`New in ${text(report.after.label)}: ${code(o.key)}.`);
      else if (o.status === 'removed') lines.push(`Not in ${text(report.after.label)}: ${code(o.key)} is deleted.`);
      else {
        const rows = o.changes.map((c) => [
          codeCell(c.path),
          'before' in c && c.before !== undefined ? codeCell(valueText(c.before)) : '—',
          'after' in c && c.after !== undefined ? codeCell(valueText(c.after)) : '—',
        ]);
        lines.push(...table(['path', 'before', 'after'], rows));
      }
      return details(`${objectTitle(o)} (${what})`, lines.join('\n'));
    });
}

function unchangedLine(report: DiffReport, full: boolean): string | undefined {
  const same = report.objects.filter((o) => o.status === 'unchanged');
  if (same.length === 0) return undefined;
  if (!full) return `Unchanged: ${same.length} objects (listed in the JSON report).`;
  return `Unchanged (${same.length}): ${same.map((o) => text(objectTitle(o))).join(', ')}.`;
}

function reproduceLine(report: DiffReport, reproduce: string | undefined): string {
  const command = reproduce ?? `numaflow-soak diff --before ${report.before.label} --after ${report.after.label}`;
  return `Reproduce: ${code(command)}`;
}

// ---------------------------------------------------------------------------------------
// Assembly under the size cap

/**
 * Renders the report as Markdown, never longer than `maxChars`. When the whole text would
 * be longer, object blocks are dropped from the end (with a line saying how many), then
 * the unchanged-object list is shortened, then container rows are dropped from the end;
 * the headline, buffer line, risk flags and totals always stay.
 */
export function renderMarkdown(report: DiffReport, options: MarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const verdict = verdictLine(report);
  const summary = [
    headline(report),
    '',
    ...(verdict ? [verdict, ''] : []),
    bufferLine(report),
    '',
    ...riskLines(report.risks),
    '',
    // Informational: after what must not be missed.
    ...(report.identity ? [identityLine(report.identity), ''] : []),
    overviewLine(report),
    '',
    '#### Totals',
    '',
    ...totalsTable(report),
  ].join('\n');
  const containers = containerTable(report);
  const blocks = detailBlocks(report);
  const reproduce = reproduceLine(report, options.reproduce);

  const assemble = (rowsKept: number, blocksKept: number, fullUnchanged: boolean): string => {
    const parts = [summary];
    const omittedRows = containers.rows.length - rowsKept;
    parts.push(
      [
        ...containers.intro,
        ...containers.header,
        ...containers.rows.slice(0, rowsKept),
        ...(omittedRows > 0 ? ['', `_${omittedRows} more container rows omitted to keep this comment short; the JSON and HTML reports list them all._`] : []),
      ].join('\n'),
    );
    if (blocks.length > 0) {
      const omitted = blocks.length - blocksKept;
      parts.push([heading(4, 'Object changes'), ...blocks.slice(0, blocksKept)].join('\n\n'));
      if (omitted > 0) {
        parts.push(`_${omitted} of ${blocks.length} object diffs omitted to keep this comment under ${maxChars} characters; the JSON and HTML reports hold every field change._`);
      }
    }
    const same = unchangedLine(report, fullUnchanged);
    if (same) parts.push(same);
    parts.push(reproduce);
    return `${parts.join('\n\n')}\n`;
  };

  const full = assemble(containers.rows.length, blocks.length, true);
  if (full.length <= maxChars) return full;

  // Object blocks first: keep the longest prefix that fits (lengths add up, so one pass).
  let text = assemble(containers.rows.length, 0, true);
  let unchangedFull = true;
  if (text.length > maxChars) {
    unchangedFull = false;
    text = assemble(containers.rows.length, 0, false);
  }
  if (text.length <= maxChars) {
    let kept = 0;
    let size = text.length;
    // Adding a block adds its length plus the blank line before it.
    while (kept < blocks.length && size + blocks[kept].length + 2 <= maxChars) size += blocks[kept++].length + 2;
    // The omission note's digit count can change with `kept`; step back until it fits.
    while (kept > 0 && assemble(containers.rows.length, kept, unchangedFull).length > maxChars) kept--;
    return assemble(containers.rows.length, kept, unchangedFull);
  }

  // Then container rows, from the end: the longest prefix that fits, in one pass (each row
  // adds its length plus a line break; dropping one row at a time and reassembling was
  // quadratic in the number of rows, bench/diff.ts at 1000 copies).
  text = assemble(0, 0, false);
  if (text.length <= maxChars) {
    let rows = 0;
    let size = text.length;
    while (rows < containers.rows.length && size + containers.rows[rows].length + 1 <= maxChars) size += containers.rows[rows++].length + 1;
    // The omission note's digit count can change with `rows`; step back until it fits.
    while (rows > 0 && assemble(rows, 0, false).length > maxChars) rows--;
    return assemble(rows, 0, false);
  }

  // Only a summary larger than the cap itself gets here: cut it, saying so.
  const note = '\n\n_(truncated: the JSON report holds the full diff)_\n';
  return `${text.slice(0, Math.max(0, maxChars - note.length))}${note}`;
}
