/**
 * The HTML report: one self-contained file. Styles are inline, every chart is an SVG drawn
 * here, in TypeScript, so the page needs no script to render and fetches nothing (no fonts,
 * scripts, images or URLs). The output depends on the report only: no timestamps, no locale,
 * so the same report always renders to the same bytes.
 *
 * Page outline, with the hooks tests and readers can query:
 *
 * - `<h1>`: `numaflow-soak: <before> → <after>`;
 * - `<section id="verdict">` when there is provenance: with a recorded verdict, class
 *   `verdict failed|insufficient|passed` and `data-outcome`, a `p.verdict-summary` and, per
 *   failed or no-data line, `li.finding.<fail|no-data>[data-check]` with its measured
 *   figure; without one, `p.no-verdict` saying "No soak verdict recorded";
 * - `<section id="risks">`: `li.risk.critical` / `li.risk.warning` (with `data-code`), or
 *   `p.no-risks` saying "No risk flags";
 * - `<table id="totals">`: a `tr[data-key]` per measure (`pods`, `cpu-requests`, ...,
 *   `monthly-cost` when priced), cells `td.before`, `td.after`, `td.delta`, `td.delta-percent`
 *   (`data-value` holds the unrounded number);
 * - `<section id="containers">`: per owner a `section.owner[data-owner]`, per container row a
 *   `figure.bars[data-owner][data-container][data-path]` whose SVG has one
 *   `rect.bar.<cpu|memory>.<request|limit>.<before|after>` per amount (`data-value` holds the
 *   canonical quantity) and, with provenance, `line.marker.<p95|peak>.<cpu|memory>`; with a
 *   usage series, a `figure.usage[data-path]` with `svg.usage-chart.<cpu|memory>` holding
 *   `polyline.series` and `line.ref.<request|limit>.<before|after>`;
 * - `<section id="objects">`: a `details.object[data-key]` per changed object with a
 *   `table.changes` of path, before and after.
 */
import type { Amounts } from '../capacity/pods';
import { Bytes, Cpu } from '../plan/quantity';
import { verdictOutcome, type Provenance, type UsageStats } from './provenance';
import type { ContainerRow, DiffReport, Risk, TotalsView } from './report';
import type { ObjectDiff } from './semantic';
import { escapeHtml } from '../markdown/writer';

// ---------------------------------------------------------------------------------------
// Text and number formatting
// ---------------------------------------------------------------------------------------

// Text for HTML (and SVG) element content and quoted attribute values: the one escaping rule
// for raw HTML, invisible and direction-changing characters shown as \uXXXX.
export { escapeHtml } from '../markdown/writer';
const esc = escapeHtml;
/** The minus sign used in signed numbers (U+2212), wider and clearer than a hyphen. */
const MINUS = '\u2212';

/**
 * A number with at most `decimals` decimals, trailing zeros dropped and thousands grouped
 * with commas: `1234.5`, 2 → `1,234.5`. Locale-independent, so output is deterministic.
 */
export function formatNumber(n: number, decimals = 2): string {
  if (!Number.isFinite(n)) return String(n);
  const fixed = Math.abs(n).toFixed(decimals);
  const [whole, fraction = ''] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = fraction.replace(/0+$/, '');
  const text = frac ? `${grouped}.${frac}` : grouped;
  return n < 0 && Number(fixed) !== 0 ? `${MINUS}${text}` : text;
}

/** A signed number: `+1.5`, `−33.3`, `0`. */
function formatSigned(n: number, decimals: number): string {
  const text = formatNumber(n, decimals);
  return n > 0 && text !== '0' ? `+${text}` : text;
}

/**
 * The percent change from `before` to `after`, or undefined when `before` is zero (a change
 * from nothing has no percentage).
 */
export function percentChange(before: number, after: number): number | undefined {
  return before === 0 ? undefined : ((after - before) / before) * 100;
}

/** The percent change as the report prints it: one decimal, signed, `%`: `−33.3%`; `n/a` from zero. */
export function formatPercentChange(before: number, after: number): string {
  const p = percentChange(before, after);
  return p === undefined ? 'n/a' : `${formatSigned(p, 1)}%`;
}

/** Observed cores as a canonical CPU quantity (rounded to a millicore): `1.123` → `1123m`. */
const cpuText = (cores: number): string => Cpu.cores(Math.max(0, cores)).toString();
/** Observed bytes as a canonical quantity rounded to a whole MiB: `734003200` → `700Mi`. */
const memoryText = (bytes: number): string => Bytes.mebibytes(Math.round(Math.max(0, bytes) / 1024 ** 2)).toString();

/** A unix time (seconds) as ISO-8601 UTC without milliseconds. */
const isoTime = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/** Approximate width in px of `text` in the charts' 11px sans-serif (for layout only). */
const textWidth = (text: string, px = 11): number => text.length * px * 0.6;

/** Rounds a coordinate to one decimal, so the SVG stays compact and stable. */
const r1 = (n: number): number => Math.round(n * 10) / 10;

// ---------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------

/** One cell of a table: HTML content (already escaped) and optional attributes. */
interface Cell {
  readonly html: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

/** Renders attributes as ` name="value"`, escaped, in the given order. */
function attrs(map: Readonly<Record<string, string | undefined>> = {}): string {
  return Object.entries(map)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join('');
}

/**
 * A table: `head` is the header row (plain text), each body row has a row-header cell
 * (`th scope=row`) followed by data cells; `rowAttrs` adds attributes to each `tr`.
 */
function table(
  tableAttrs: Readonly<Record<string, string>>,
  caption: string,
  head: readonly string[],
  rows: ReadonlyArray<{ readonly attrs?: Readonly<Record<string, string>>; readonly header: Cell; readonly cells: readonly Cell[] }>,
): string {
  const th = head.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows
    .map((row) => {
      const cells = row.cells.map((c) => `<td${attrs(c.attrs)}>${c.html}</td>`).join('');
      return `<tr${attrs(row.attrs)}><th scope="row"${attrs(row.header.attrs)}>${row.header.html}</th>${cells}</tr>`;
    })
    .join('\n');
  return `<table${attrs(tableAttrs)}>\n<caption>${esc(caption)}</caption>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

// ---------------------------------------------------------------------------------------
// Bar chart: before/after request and limit of one container
// ---------------------------------------------------------------------------------------

type Resource = 'cpu' | 'memory';
type Kind = 'request' | 'limit';
type Side = 'before' | 'after';

/** One bar: an amount of one side, or none where that side lacks the container. */
interface Bar {
  readonly kind: Kind;
  readonly side: Side;
  /** In the panel's unit (cores or bytes); undefined draws "absent". */
  readonly value?: number;
  /** Canonical quantity text, e.g. `1500m`, `512Mi`. */
  readonly text: string;
}

/** An observed statistic drawn across a panel's bars. */
interface Marker {
  readonly kind: 'p95' | 'peak';
  readonly value: number;
  readonly text: string;
}

/** One resource of a bar chart: its bars on a common scale from zero, and the markers. */
interface BarPanel {
  readonly resource: Resource;
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly markers: readonly Marker[];
}

const BAR = { width: 580, labelWidth: 104, valueWidth: 76, barHeight: 14, barGap: 4, groupGap: 8, titleHeight: 18, markerRow: 16, panelGap: 12 };

/**
 * An SVG of horizontal bars, one panel per resource. Within a panel every bar (and marker)
 * shares a linear scale from zero, so bar widths compare directly: a request going from 2 to
 * 1500m draws bars whose widths are in the ratio 4:3. Each bar is labelled with its canonical
 * quantity; markers (p95 dashed, peak solid) cross all bars of their panel.
 */
function barChart(id: string, label: string, panels: readonly BarPanel[]): string {
  const plotWidth = BAR.width - BAR.labelWidth - BAR.valueWidth;
  const x0 = BAR.labelWidth;
  // Drawn in layers: bars, then markers across them, then every label on top (with a halo).
  const shapes: string[] = [];
  const labels: string[] = [];
  let y = 4;
  for (const panel of panels) {
    const values = [...panel.bars.map((b) => b.value ?? 0), ...panel.markers.map((m) => m.value)];
    const max = Math.max(...values, 0) || 1;
    const scale = (v: number) => (v / max) * plotWidth;
    labels.push(`<text class="panel-title" x="0" y="${y + 12}">${esc(panel.title)}</text>`);
    y += BAR.titleHeight;
    const barsTop = y;
    panel.bars.forEach((bar, i) => {
      if (i > 0) y += panel.bars[i - 1].kind === bar.kind ? BAR.barGap : BAR.groupGap;
      const classes = `${panel.resource} ${bar.kind} ${bar.side}`;
      const textY = y + BAR.barHeight - 3;
      labels.push(`<text class="bar-label" x="${x0 - 6}" y="${textY}" text-anchor="end">${esc(`${bar.kind} ${bar.side}`)}</text>`);
      if (bar.value === undefined) {
        labels.push(`<text class="absent ${classes}" x="${x0 + 4}" y="${textY}">absent</text>`);
      } else {
        const w = r1(scale(bar.value));
        const title = `${panel.title} ${bar.kind} ${bar.side}: ${bar.text}`;
        shapes.push(`<rect class="bar ${classes}" x="${x0}" y="${y}" width="${w}" height="${BAR.barHeight}" data-value="${esc(bar.text)}"><title>${esc(title)}</title></rect>`);
        labels.push(`<text class="value ${classes}" x="${r1(x0 + w + 4)}" y="${textY}">${esc(bar.text)}</text>`);
      }
      y += BAR.barHeight;
    });
    const barsBottom = y;
    if (panel.markers.length > 0) {
      shapes.push(markerSvg(panel, scale, x0, barsTop, barsBottom));
      y += BAR.markerRow;
    }
    y += BAR.panelGap;
  }
  const height = y - BAR.panelGap + 4;
  return svg(id, 'bar-chart', BAR.width, height, label, [...shapes, ...labels].join('\n'));
}

/**
 * The observed markers of a panel: a vertical line per statistic across the bars and its
 * label in a row beneath them. When the labels would collide, p95 (always left of peak) is
 * right-aligned to its line and peak left-aligned to its own.
 */
function markerSvg(panel: BarPanel, scale: (v: number) => number, x0: number, top: number, bottom: number): string {
  const placed = panel.markers.map((m) => ({ m, x: r1(x0 + scale(m.value)), text: `${m.kind} ${m.text}` }));
  const [first, second] = placed;
  const collide = second !== undefined && Math.abs(second.x - first.x) < (textWidth(first.text, 10) + textWidth(second.text, 10)) / 2 + 6;
  const out: string[] = [];
  placed.forEach((p, i) => {
    let anchor = 'middle';
    if (collide) anchor = i === 0 ? 'end' : 'start';
    if (anchor === 'start' && p.x + textWidth(p.text, 10) > BAR.width - 2) anchor = 'end';
    if (anchor === 'middle' && p.x + textWidth(p.text, 10) / 2 > BAR.width - 2) anchor = 'end';
    const dx = anchor === 'end' ? -2 : anchor === 'start' ? 2 : 0;
    out.push(
      `<line class="marker ${p.m.kind} ${panel.resource}" x1="${p.x}" x2="${p.x}" y1="${top - 3}" y2="${bottom + 3}"><title>${esc(`observed ${p.m.kind}: ${p.m.text}`)}</title></line>`,
      `<text class="marker-label ${p.m.kind}" x="${r1(p.x + dx)}" y="${bottom + 14}" text-anchor="${anchor}">${esc(p.text)}</text>`,
    );
  });
  return out.join('\n');
}

/** Wraps chart content in an accessible `<svg>`: a `<title>` and an `aria-labelledby` to it. */
function svg(id: string, className: string, width: number, height: number, label: string, content: string): string {
  return (
    `<svg class="${esc(className)}" id="${esc(id)}" viewBox="0 0 ${width} ${r1(height)}" width="${width}" height="${r1(height)}" role="img" aria-labelledby="${esc(id)}-title">` +
    `<title id="${esc(id)}-title">${esc(label)}</title>\n${content}\n</svg>`
  );
}

/** The bar panels of a container row: CPU and memory, request and limit, before and after. */
function rowPanels(row: ContainerRow): BarPanel[] {
  const amount = (a: Amounts | undefined, resource: Resource) => (resource === 'cpu' ? a?.cpu : a?.memory);
  const bars = (resource: Resource): Bar[] => {
    const out: Bar[] = [];
    for (const kind of ['request', 'limit'] as const) {
      const side = kind === 'request' ? row.requests : row.limits;
      for (const s of ['before', 'after'] as const) {
        const q = amount(side[s], resource);
        const value = q === undefined ? undefined : q instanceof Cpu ? q.cores : (q as Bytes).bytes;
        out.push({ kind, side: s, ...(value !== undefined ? { value } : {}), text: q === undefined ? 'absent' : q.toString() });
      }
    }
    return out;
  };
  const markers = (stats: UsageStats | undefined, text: (n: number) => string): Marker[] =>
    stats ? [{ kind: 'p95', value: stats.p95, text: text(stats.p95) }, { kind: 'peak', value: stats.peak, text: text(stats.peak) }] : [];
  return [
    { resource: 'cpu', title: 'CPU', bars: bars('cpu'), markers: markers(row.observed?.cpu, cpuText) },
    { resource: 'memory', title: 'memory', bars: bars('memory'), markers: markers(row.observed?.memory, memoryText) },
  ];
}

// ---------------------------------------------------------------------------------------
// Line chart: usage over time against request and limit lines
// ---------------------------------------------------------------------------------------

/** A horizontal reference line: a request or limit of one side. */
interface RefLine {
  readonly kind: Kind;
  readonly side: Side;
  /** In the series' unit (cores or bytes). */
  readonly value: number;
  readonly text: string;
}

interface LineChartSpec {
  readonly id: string;
  readonly resource: Resource;
  readonly title: string;
  /** Unix seconds, paired by index with `values`. */
  readonly t: readonly number[];
  /** Cores or bytes. */
  readonly values: readonly number[];
  readonly refs: readonly RefLine[];
}

const LINE = { width: 600, height: 250, left: 56, right: 176, top: 30, bottom: 44 };
/** A before-limit more than this many times the rest of the chart is drawn off scale. */
const OFF_SCALE_FACTOR = 3;

/** A "nice" step (1, 2, 2.5 or 5 × 10^n) splitting `range` into about `count` intervals. */
export function niceStep(range: number, count = 5): number {
  if (!(range > 0)) return 1;
  const rough = range / count;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= rough)!;
  return step;
}

/** Time tick spacing for a range in seconds: the smallest step giving at most 5 intervals (labels never touch). */
function timeStep(range: number): number {
  const steps = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 30 * 86400];
  return steps.find((s) => range / s <= 5) ?? Math.ceil(range / 5 / 86400) * 86400;
}

/** Line height of the line chart's labels, in px. */
const LABEL_LINE = 13;

/**
 * Moves labels apart so none overlaps the next. `ys` are the first-line baselines, in
 * ascending order; label i has `lines[i]` lines. Labels stay between `top` and `bottom`
 * (baselines) as far as they fit; the first one wins when they do not.
 */
function spreadLabels(ys: readonly number[], lines: readonly number[], top: number, bottom: number): number[] {
  const out = [...ys];
  const last = out.length - 1;
  if (last < 0) return out;
  const pushDown = () => {
    for (let i = 1; i <= last; i++) out[i] = Math.max(out[i], out[i - 1] + lines[i - 1] * LABEL_LINE);
  };
  pushDown();
  out[last] = Math.min(out[last], bottom - (lines[last] - 1) * LABEL_LINE);
  for (let i = last - 1; i >= 0; i--) out[i] = Math.min(out[i], out[i + 1] - lines[i] * LABEL_LINE);
  out[0] = Math.max(out[0], top);
  pushDown();
  return out;
}

/**
 * An SVG line chart of one resource's usage over time: the series as a polyline (one point
 * per finite sample), dashed horizontal lines for the reference amounts labelled in the
 * right margin, y ticks in cores or MiB/GiB, x ticks in UTC. The y scale starts at zero and
 * covers the series and every line, except a before-limit so far above everything else that
 * the usage would flatten: that one is drawn along the top edge and labelled "off scale".
 */
function lineChart(spec: LineChartSpec): string {
  const { width, height, left, right, top, bottom } = LINE;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const points = spec.t
    .map((t, i) => [t, spec.values[i]] as const)
    .filter(([t, v]) => Number.isFinite(t) && v !== undefined && Number.isFinite(v));
  const dataMax = Math.max(0, ...points.map(([, v]) => v));
  const inScale = (ref: RefLine) => !(ref.kind === 'limit' && ref.side === 'before');
  const baseMax = Math.max(dataMax, ...spec.refs.filter(inScale).map((r) => r.value));
  const offScale = (ref: RefLine) => !inScale(ref) && ref.value > OFF_SCALE_FACTOR * baseMax && baseMax > 0;
  const yDataMax = Math.max(baseMax, ...spec.refs.filter((r) => !offScale(r)).map((r) => r.value)) || 1;

  // y unit: cores for CPU; MiB, or GiB from 2 GiB, for memory.
  const unit = spec.resource === 'cpu' ? { name: 'cores', div: 1 } : yDataMax >= 2 * 1024 ** 3 ? { name: 'GiB', div: 1024 ** 3 } : { name: 'MiB', div: 1024 ** 2 };
  const step = niceStep((yDataMax * 1.05) / unit.div);
  const yTop = Math.ceil((yDataMax * 1.05) / unit.div / step - 1e-9) * step;
  const yOf = (v: number) => r1(top + plotH - (v / unit.div / yTop) * plotH);

  const times = points.map(([t]) => t);
  const t0 = times.length ? Math.min(...times) : 0;
  const t1 = times.length ? Math.max(...times) : 1;
  const span = t1 > t0 ? t1 - t0 : 1;
  const xOf = (t: number) => r1(left + ((t - t0) / span) * plotW);

  const parts: string[] = [];
  parts.push(`<text class="chart-title" x="${left}" y="16">${esc(spec.title)}</text>`);
  // Grid and y ticks.
  for (let i = 0; i * step <= yTop + 1e-9; i++) {
    const v = i * step;
    const y = r1(top + plotH - (v / yTop) * plotH);
    parts.push(
      `<line class="grid" x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}"/>`,
      `<text class="tick y" x="${left - 6}" y="${r1(y + 4)}" text-anchor="end">${esc(formatNumber(v, 3))}</text>`,
    );
  }
  // x ticks at whole multiples of the step (UTC), days only from a one-day step.
  const tStep = timeStep(span);
  for (let t = Math.ceil(t0 / tStep) * tStep; t <= t1; t += tStep) {
    const x = xOf(t);
    const iso = isoTime(t);
    const text = tStep >= 86400 ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
    parts.push(
      `<line class="tick-mark" x1="${x}" x2="${x}" y1="${top + plotH}" y2="${top + plotH + 4}"/>`,
      `<text class="tick x" x="${x}" y="${top + plotH + 16}" text-anchor="middle">${esc(text)}</text>`,
    );
  }
  // Axes and their labels.
  parts.push(
    `<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}"/>`,
    `<line class="axis" x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}"/>`,
    `<text class="axis-label x" x="${r1(left + plotW / 2)}" y="${height - 6}" text-anchor="middle">time (UTC)</text>`,
    `<text class="axis-label y" x="0" y="0" text-anchor="middle" transform="translate(14 ${r1(top + plotH / 2)}) rotate(-90)">${esc(`${spec.resource === 'cpu' ? 'CPU' : 'memory'} (${unit.name})`)}</text>`,
  );
  // Reference lines, then their labels spread apart in the right margin.
  const refs = [...spec.refs]
    .map((ref) => ({ ref, y: offScale(ref) ? top : yOf(ref.value), off: offScale(ref) }))
    .sort((a, b) => a.y - b.y);
  // An off-scale line's label takes two lines: what it is, then "off scale".
  const labelYs = spreadLabels(
    refs.map((r) => r.y + 4),
    refs.map((r) => (r.off ? 2 : 1)),
    top + 4,
    top + plotH + 4,
  );
  const labelX = left + plotW + 6;
  refs.forEach(({ ref, y, off }, i) => {
    const classes = `ref ${ref.kind} ${ref.side}${off ? ' off-scale' : ''}`;
    const text = `${off ? '\u2191 ' : ''}${ref.kind} ${ref.text} (${ref.side})`;
    const label = off ? `<tspan x="${labelX}">${esc(text)}</tspan><tspan x="${labelX}" dy="${LABEL_LINE}">off scale</tspan>` : esc(text);
    parts.push(
      `<line class="${classes}" x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}" data-value="${esc(ref.text)}"><title>${esc(off ? `${text}, off scale` : text)}</title></line>`,
      `<text class="ref-label ${ref.kind} ${ref.side}" x="${labelX}" y="${r1(labelYs[i])}">${label}</text>`,
    );
  });
  // The series itself, on top.
  const pointsAttr = points.map(([t, v]) => `${xOf(t)},${yOf(v)}`).join(' ');
  parts.push(`<polyline class="series ${spec.resource}" points="${pointsAttr}" data-points="${points.length}"/>`);
  return svg(spec.id, `usage-chart ${spec.resource}`, width, height, spec.title, parts.join('\n'));
}

/** The usage figure of a row with a series: a line chart per resource the series has. */
function usageFigure(row: ContainerRow, index: number): string {
  const series = row.observed?.series;
  if (!series) return '';
  const charts: string[] = [];
  for (const resource of ['cpu', 'memory'] as const) {
    const values = series[resource];
    if (!values || values.length === 0) continue;
    const pick = (a: Amounts | undefined) => (a === undefined ? undefined : resource === 'cpu' ? { value: a.cpu.cores, text: a.cpu.toString() } : { value: a.memory.bytes, text: a.memory.toString() });
    const refs: RefLine[] = [];
    const add = (kind: Kind, side: Side, a: Amounts | undefined) => {
      const p = pick(a);
      if (p) refs.push({ kind, side, ...p });
    };
    add('request', 'after', row.requests.after);
    add('limit', 'after', row.limits.after);
    add('limit', 'before', row.limits.before);
    const title = `${row.owner}/${row.container} ${resource === 'cpu' ? 'CPU' : 'memory'} usage over time`;
    charts.push(lineChart({ id: `usage-${index}-${resource}`, resource, title, t: series.t, values, refs }));
  }
  if (charts.length === 0) return '';
  const n = series.t.length;
  const span = n > 0 ? ` from ${isoTime(series.t[0])} to ${isoTime(series.t[n - 1])}` : '';
  const caption = `Observed usage of ${row.owner}/${row.container} (solid line; ${n} samples${span}) against the request and limit lines (dashed; labelled with their side).`;
  return (
    `<figure class="usage"${attrs({ 'data-owner': row.owner, 'data-container': row.container, 'data-path': row.path, 'aria-label': `${row.owner}/${row.container} usage over time` })}>\n` +
    `<div class="charts">${charts.join('\n')}</div>\n<figcaption>${esc(caption)}</figcaption>\n</figure>`
  );
}

// ---------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------

/**
 * The verdict of the soak the sizes were measured on, as the provenance records it: the
 * outcome in the heading and, for each line that failed or had no data, the check and its
 * measured figure; a note when the provenance has no verdict (without provenance, the
 * document leaves the section out).
 */
function verdictSection(provenance: Pick<Provenance, 'verdict'>): string {
  const v = provenance.verdict;
  if (!v) return `<section id="verdict" aria-label="Soak verdict">\n<h2>Soak verdict</h2>\n<p class="no-verdict">No soak verdict recorded with the observed usage</p>\n</section>`;
  const outcome = verdictOutcome(v);
  const window = `${v.window.start} to ${v.window.end}`;
  const heading = { failed: 'FAILED', insufficient: 'TOO LITTLE DATA', passed: 'passed' }[outcome];
  const summary = {
    failed: `The sizes were measured on a soak that FAILED its verdict, judged over ${window}: a run that did not hold up is no basis for sizes.`,
    insufficient: `The sizes were measured on a soak whose verdict had too little data, judged over ${window}: nothing shows that the run held up.`,
    passed: `The sizes were measured on a soak that passed its verdict: ${v.checks} checks, judged over ${window}.`,
  }[outcome];
  const items = v.lines
    .map((l) => `<li class="finding ${l.status}" data-check="${esc(l.check)}"><code>${esc(l.check)}</code> <span class="status">${l.status === 'fail' ? 'fail' : 'no data'}</span> ${esc(l.measured)}</li>`)
    .join('\n');
  return (
    `<section id="verdict" class="verdict ${outcome}" data-outcome="${outcome}" aria-label="Soak verdict">\n<h2>Soak verdict: ${esc(heading)}</h2>\n` +
    `<p class="verdict-summary">${esc(summary)}</p>\n${items ? `<ul>\n${items}\n</ul>\n` : ''}</section>`
  );
}

/** The risk flags, critical first (the report's order), or a plain "No risk flags". */
function risksSection(risks: readonly Risk[]): string {
  if (risks.length === 0) {
    return `<section id="risks" aria-label="Risk flags">\n<h2>Risk flags</h2>\n<p class="no-risks">No risk flags</p>\n</section>`;
  }
  const critical = risks.filter((r) => r.severity === 'critical').length;
  const warnings = risks.length - critical;
  const summary = [critical ? `${critical} critical` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
  const items = risks
    .map((r) => `<li class="risk ${r.severity}" data-code="${esc(r.code)}"><span class="badge">${esc(r.severity)}</span> <code>${esc(r.code)}</code> ${esc(r.message)}</li>`)
    .join('\n');
  return `<section id="risks" aria-label="Risk flags" class="${critical ? 'has-critical' : 'has-warnings'}">\n<h2>Risk flags: ${esc(summary)}</h2>\n<ul>\n${items}\n</ul>\n</section>`;
}

/** One line of the totals table: how to read it from each side. */
interface TotalsLine {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly decimals: number;
  readonly pick: (t: TotalsView) => number | undefined;
}

/** The totals table: before, after, Δ and Δ% per measure, cost per month when priced. */
function totalsSection(report: DiffReport): string {
  const { before, after } = report.totals;
  const price = report.nodeShape.pricePerHour;
  const lines: TotalsLine[] = [
    { key: 'pods', label: 'Pods at maximum scale', unit: '', decimals: 0, pick: (t) => t.pods },
    { key: 'cpu-requests', label: 'CPU requested', unit: 'cores', decimals: 3, pick: (t) => t.requests.cpu },
    { key: 'cpu-limits', label: 'CPU limits', unit: 'cores', decimals: 3, pick: (t) => t.limits.cpu },
    { key: 'memory-requests', label: 'Memory requested', unit: 'GiB', decimals: 2, pick: (t) => t.requests.memoryGiB },
    { key: 'memory-limits', label: 'Memory limits', unit: 'GiB', decimals: 2, pick: (t) => t.limits.memoryGiB },
    { key: 'nodes', label: `Nodes (${report.nodeShape.name})`, unit: '', decimals: 0, pick: (t) => t.nodes },
    { key: 'monthly-cost', label: 'Cost per month', unit: price !== undefined ? `at ${formatNumber(price, 4)} per node-hour` : '', decimals: 2, pick: (t) => t.monthlyCost },
  ];
  const rows = lines
    .filter((l) => l.pick(before) !== undefined && l.pick(after) !== undefined)
    .map((l) => {
      const b = l.pick(before)!;
      const a = l.pick(after)!;
      const delta = Math.round((a - b) * 10 ** l.decimals) / 10 ** l.decimals;
      const pct = percentChange(b, a);
      const direction = delta < 0 ? 'down' : delta > 0 ? 'up' : 'same';
      return {
        attrs: { 'data-key': l.key },
        header: { html: `${esc(l.label)}${l.unit ? ` <span class="unit">${esc(l.unit)}</span>` : ''}` },
        cells: [
          { html: esc(formatNumber(b, l.decimals)), attrs: { class: 'before num', 'data-value': String(b) } },
          { html: esc(formatNumber(a, l.decimals)), attrs: { class: 'after num', 'data-value': String(a) } },
          { html: esc(formatSigned(delta, l.decimals)), attrs: { class: `delta num ${direction}`, 'data-value': String(delta) } },
          { html: esc(formatPercentChange(b, a)), attrs: { class: `delta-percent num ${direction}`, ...(pct !== undefined ? { 'data-value': String(pct) } : {}) } },
        ],
      };
    });
  const t = table({ id: 'totals' }, `Totals at maximum scale, counted in ${report.nodeShape.name} nodes`, ['Measure', report.before.label, report.after.label, 'Δ', 'Δ%'], rows);
  // Fewer nodes must not read as a saving when pods fit on none (request-exceeds-node).
  const onNoNode = ([[report.before.label, before], [report.after.label, after]] as const)
    .filter(([, side]) => side.podsOnNoNode)
    .map(([label, side]) => `\n<p class="pods-on-no-node"><strong>${esc(formatNumber(side.podsOnNoNode!, 0))} pod(s) of ${esc(label)} fit on no node of ${esc(report.nodeShape.name)}</strong>: the node count and cost leave them out, and they would stay Pending.</p>`)
    .join('');
  return `<section id="totals-section" aria-label="Totals">\n<h2>Totals</h2>\n${t}${onNoNode}\n</section>`;
}

/** A one-line summary of what was observed for a row, for its figure caption. */
function observedSummary(row: ContainerRow): string {
  const o = row.observed;
  if (!o) return '';
  const parts: string[] = [];
  if (o.cpu) parts.push(`CPU p95 ${cpuText(o.cpu.p95)}, peak ${cpuText(o.cpu.peak)}`);
  if (o.memory) parts.push(`memory p95 ${memoryText(o.memory.p95)}, peak ${memoryText(o.memory.peak)}`);
  const samples = o.cpu?.samples ?? o.memory?.samples;
  if (samples !== undefined) parts.push(`${samples} samples`);
  if (o.headroomPercent?.cpu !== undefined || o.headroomPercent?.memory !== undefined) {
    const h = [o.headroomPercent.cpu !== undefined ? `CPU +${o.headroomPercent.cpu}%` : '', o.headroomPercent.memory !== undefined ? `memory +${o.headroomPercent.memory}%` : ''].filter(Boolean);
    parts.push(`headroom ${h.join(', ')}`);
  }
  if (o.requiredCores !== undefined) parts.push(`throughput needs ${o.requiredCores} whole core${o.requiredCores === 1 ? '' : 's'}`);
  return parts.length ? `Observed: ${parts.join('; ')}.` : '';
}

/** The bars figure of one container row. */
function barsFigure(row: ContainerRow, index: number): string {
  const label = `${row.owner}/${row.container}: CPU and memory requests and limits, before and after${row.observed ? ', with observed p95 and peak' : ''}`;
  const chart = barChart(`bars-${index}`, label, rowPanels(row));
  const observed = observedSummary(row);
  return (
    `<figure class="bars${row.observed ? ' observed' : ''}"${attrs({ 'data-owner': row.owner, 'data-container': row.container, 'data-path': row.path, 'aria-label': label })}>\n` +
    `<figcaption><strong>${esc(row.container)}</strong> <code>${esc(row.path)}</code>` +
    `${observed ? `<br><span class="observed">${esc(observed)}</span>` : ''}</figcaption>\n${chart}\n</figure>`
  );
}

/** Per owner (vertex, daemon, buffer), in the report's order: a bars figure per container, then usage figures. */
function containersSection(rows: readonly ContainerRow[]): string {
  const owners: Array<{ owner: string; rows: Array<{ row: ContainerRow; index: number }> }> = [];
  rows.forEach((row, index) => {
    let group = owners.find((g) => g.owner === row.owner);
    if (!group) owners.push((group = { owner: row.owner, rows: [] }));
    group.rows.push({ row, index });
  });
  const legend =
    '<p class="legend" aria-hidden="true">' +
    '<span class="swatch request-before"></span>request before <span class="swatch request-after"></span>request after ' +
    '<span class="swatch limit-before"></span>limit before <span class="swatch limit-after"></span>limit after ' +
    '<span class="swatch-line p95"></span>observed p95 <span class="swatch-line peak"></span>observed peak</p>';
  const sections = owners.map(({ owner, rows: members }) => {
    const first = members[0].row;
    const replicas = first.replicas.before === first.replicas.after ? first.replicas.after : `${first.replicas.before} → ${first.replicas.after}`;
    const bars = members.map(({ row, index }) => barsFigure(row, index)).join('\n');
    const usage = members.map(({ row, index }) => usageFigure(row, index)).filter(Boolean).join('\n');
    return (
      `<section class="owner"${attrs({ 'data-owner': owner, 'data-workload': first.workload, 'aria-label': owner })}>\n` +
      `<h3>${esc(owner)} <span class="workload">${esc(first.workload)}</span> <span class="replicas">replicas ${esc(replicas)}</span></h3>\n` +
      `<div class="grid">\n${bars}\n</div>\n${usage}\n</section>`
    );
  });
  return `<section id="containers" aria-label="Containers">\n<h2>Requests and limits per container</h2>\n${legend}\n${sections.join('\n')}\n</section>`;
}

/** A dotted field path as HTML that may wrap after each dot or `]`, never inside a key. */
function breakablePath(path: string): string {
  return esc(path).replace(/([.\]])/g, '$1<wbr>');
}

/** A field value as table cell HTML: absent as a dash, strings as text, anything else as JSON. */
function valueCell(value: unknown, side: Side): Cell {
  if (value === undefined) return { html: '<span class="absent">—</span>', attrs: { class: side } };
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { html: `<code>${esc(text)}</code>`, attrs: { class: side } };
}

/** Per added, removed or changed object a closed `<details>`; changed ones with their field table. */
function objectsSection(objects: readonly ObjectDiff[]): string {
  const changed = objects.filter((o) => o.status !== 'unchanged');
  const heading = `<h2>Object changes: ${changed.length} of ${objects.length} objects</h2>`;
  if (changed.length === 0) return `<section id="objects" aria-label="Object changes">\n${heading}\n<p class="no-changes">No object changes</p>\n</section>`;
  const items = changed.map((o) => {
    const name = `${o.ref.kind} ${o.ref.namespace ? `${o.ref.namespace}/` : ''}${o.ref.name}`;
    const count = o.status === 'changed' ? ` <span class="count">${o.changes.length} field${o.changes.length === 1 ? '' : 's'}</span>` : '';
    const summary = `<summary><span class="status ${o.status}">${esc(o.status)}</span> ${esc(name)}${count}</summary>`;
    const body =
      o.status === 'changed'
        ? table({ class: 'changes' }, `Field changes of ${name}`, ['path', 'before', 'after'], o.changes.map((c) => ({ header: { html: `<code>${breakablePath(c.path)}</code>` }, cells: [valueCell(c.before, 'before'), valueCell(c.after, 'after')] })))
        : `<p>${esc(o.status === 'added' ? `${name} is created` : `${name} is deleted`)} (<code>${esc(o.ref.apiVersion)}</code>).</p>`;
    return `<details${attrs({ class: `object ${o.status}`, 'data-key': o.key, 'data-kind': o.ref.kind, 'data-name': o.ref.name })}>\n${summary}\n${body}\n</details>`;
  });
  return `<section id="objects" aria-label="Object changes">\n${heading}\n${items.join('\n')}\n</section>`;
}

// ---------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------

const STYLE = `
:root { color-scheme: light; --fg: #1e293b; --muted: #64748b; --line: #e2e8f0;
  --req-before: #94a3b8; --req-after: #2563eb; --lim-before: #cbd5e1; --lim-after: #93c5fd;
  --p95: #d97706; --peak: #dc2626; --crit: #b91c1c; --warn: #b45309; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); margin: 0; background: #f8fafc; }
main { max-width: 1240px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 8px; }
h3 .workload, h3 .replicas { font-weight: normal; color: var(--muted); font-size: 13px; margin-left: 8px; }
.meta { color: var(--muted); margin: 0; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
#risks ul, #verdict ul { list-style: none; padding: 0; margin: 0; }
#verdict .verdict-summary { padding: 8px 12px; border-left: 6px solid; border-radius: 4px; margin: 0 0 6px; }
#verdict.failed .verdict-summary { background: #fee2e2; border-color: var(--crit); color: #7f1d1d; font-weight: 600; }
#verdict.insufficient .verdict-summary { background: #fef3c7; border-color: var(--warn); color: #78350f; }
#verdict.passed .verdict-summary { background: #dcfce7; border-color: #16a34a; }
#verdict.failed h2 { color: var(--crit); }
.finding { padding: 4px 12px; } .finding .status { color: var(--muted); margin: 0 4px; }
.no-verdict { color: var(--muted); margin: 0; }
.risk { padding: 10px 12px; margin: 6px 0; border-radius: 4px; border-left: 6px solid; }
.risk.critical { background: #fee2e2; border-color: var(--crit); color: #7f1d1d; font-weight: 600; font-size: 15px; }
.risk.warning { background: #fef3c7; border-color: var(--warn); color: #78350f; }
.risk .badge { display: inline-block; text-transform: uppercase; font-size: 11px; letter-spacing: .05em; padding: 1px 6px; border-radius: 3px; color: #fff; margin-right: 4px; }
.risk.critical .badge { background: var(--crit); }
.risk.warning .badge { background: var(--warn); }
#risks.has-critical h2 { color: var(--crit); }
.no-risks { padding: 8px 12px; background: #dcfce7; border-left: 6px solid #16a34a; border-radius: 4px; margin: 0; }
table { border-collapse: collapse; background: #fff; }
caption { text-align: left; color: var(--muted); font-size: 12px; padding-bottom: 4px; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
thead th { background: #f1f5f9; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.down { color: #15803d; } td.up { color: var(--crit); }
.unit { color: var(--muted); font-weight: normal; font-size: 12px; }
.legend { color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 14px; height: 10px; margin: 0 4px 0 12px; vertical-align: middle; }
.swatch.request-before { background: var(--req-before); } .swatch.request-after { background: var(--req-after); }
.swatch.limit-before { background: var(--lim-before); border: 1px solid var(--req-before); } .swatch.limit-after { background: var(--lim-after); }
.swatch-line { display: inline-block; width: 0; height: 12px; margin: 0 4px 0 12px; vertical-align: middle; border-left: 2px solid; }
.swatch-line.p95 { border-color: var(--p95); border-left-style: dashed; } .swatch-line.peak { border-color: var(--peak); }
.grid, figure.usage .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
figure.usage { margin-top: 12px; }
figcaption { font-size: 13px; margin-bottom: 6px; }
figure.usage figcaption { margin: 6px 0 0; color: var(--muted); }
.observed { color: var(--muted); font-size: 12px; }
svg { max-width: 100%; height: auto; display: block; }
svg text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: var(--fg); }
svg .panel-title, svg .chart-title { font-weight: 600; font-size: 12px; }
svg .bar-label, svg .absent, svg .tick, svg .axis-label { fill: var(--muted); }
svg .absent { font-style: italic; }
svg text.value, svg text.marker-label { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
rect.bar.request.before { fill: var(--req-before); } rect.bar.request.after { fill: var(--req-after); }
rect.bar.limit.before { fill: var(--lim-before); stroke: var(--req-before); } rect.bar.limit.after { fill: var(--lim-after); }
line.marker { stroke-width: 2; } line.marker.p95 { stroke: var(--p95); stroke-dasharray: 3 2; } line.marker.peak { stroke: var(--peak); }
text.marker-label { font-size: 10px; } text.marker-label.p95 { fill: var(--p95); } text.marker-label.peak { fill: var(--peak); }
line.grid { stroke: #e2e8f0; } line.axis, line.tick-mark { stroke: #94a3b8; }
polyline.series { fill: none; stroke: #0f172a; stroke-width: 1.25; stroke-linejoin: round; }
line.ref { stroke-width: 1.5; stroke-dasharray: 6 4; }
line.ref.request.after { stroke: #16a34a; } line.ref.limit.after { stroke: var(--peak); } line.ref.limit.before { stroke: #94a3b8; }
line.ref.off-scale { stroke-dasharray: 2 4; }
text.ref-label.request.after { fill: #15803d; } text.ref-label.limit.after { fill: var(--crit); } text.ref-label.limit.before { fill: var(--muted); }
details.object { background: #fff; border: 1px solid var(--line); border-radius: 4px; margin: 4px 0; padding: 4px 10px; }
details.object summary { cursor: pointer; }
details.object table { margin: 8px 0; width: 100%; table-layout: fixed; }
details.object thead th:first-child { width: 50%; }
details.object tbody th { font-weight: normal; }
details.object td code { white-space: pre-wrap; overflow-wrap: anywhere; }
.status { display: inline-block; min-width: 64px; font-size: 11px; text-transform: uppercase; color: var(--muted); }
.status.added { color: #15803d; } .status.removed { color: var(--crit); }
.count { color: var(--muted); font-size: 12px; }
`;

/**
 * Renders the report as one self-contained HTML document (see the module comment for its
 * outline). Deterministic: the same report always gives the same string.
 */
export function renderHtml(report: DiffReport): string {
  const title = `numaflow-soak: ${report.before.label} → ${report.after.label}`;
  const shape = report.nodeShape;
  const meta = [
    `Node shape ${shape.name} (${shape.cpu} CPU, ${shape.memory})${shape.pricePerHour !== undefined ? ` at ${formatNumber(shape.pricePerHour, 4)} per node-hour` : ''}.`,
    report.changed ? `${report.objects.filter((o) => o.status !== 'unchanged').length} objects differ.` : 'No object differs.',
    report.provenance
      ? `Observed usage from ${report.provenance.source}, ${report.provenance.window.start} to ${report.provenance.window.end}, every ${report.provenance.window.stepSeconds}s.`
      : 'No observed usage (no provenance).',
  ].join(' ');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<header>\n<h1>${esc(title)}</h1>\n<p class="meta">${esc(meta)}</p>\n</header>`,
    ...(report.provenance ? [verdictSection(report.provenance)] : []),
    risksSection(report.risks),
    totalsSection(report),
    containersSection(report.containers),
    objectsSection(report.objects),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
