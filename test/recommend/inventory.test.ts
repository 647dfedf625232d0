/**
 * MetricsSource.inventory on a real Prometheus (Debian's 2.42, test/support/prometheus.ts)
 * against EmbeddedSource on the same samples: every query `numaflow-soak doctor` sends (the
 * needed series and the namespace probes) gives the same series counts, label values,
 * first and last step with data and scrape interval, over windows aligned and not aligned
 * to the step and the hour, and the doctor's whole report is the same from both.
 *
 * One server holds, at disjoint times (the generated datasets share their names):
 * - a steady day at 120-second scrapes;
 * - a steady day without the PodMonitor's series (no `up`, no Numaflow series), 3 days later;
 * - the gap scenario (42 hours, a 6-hour outage on day 2), 6 days after the first.
 */
import { loadStackFile, stackFile } from '../../src/plan/load';
import { DEFAULT_DATASET, generateSoakDataset, SOAK_NAMES, type SoakDataset } from '../../src/recommend/dataset';
import { namespaceProbes, soakDoctor } from '../../src/recommend/doctor';
import { EmbeddedSource } from '../../src/recommend/embedded';
import type { InventoryEntry, MetricsSource, TimeWindow } from '../../src/recommend/metrics';
import { neededSeries } from '../../src/recommend/needed-series';
import { PrometheusSource } from '../../src/recommend/prometheus';
import { defaultNames } from '../../src/recommend/selectors';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';

jest.setTimeout(180_000);

const DAY = 86400;
const S = DEFAULT_DATASET.start;
const plan = loadStackFile(stackFile('soak')).plan;
const QUERIES = [...neededSeries(plan).map((r) => r.query), ...namespaceProbes(defaultNames(plan))];

let server: RunningPrometheus;
let embedded: EmbeddedSource;

beforeAll(async () => {
  const steady = generateSoakDataset({ days: 1, scrapeSeconds: 120 });
  const unmonitored = generateSoakDataset({ days: 1, scrapeSeconds: 120, start: S + 3 * DAY });
  const noPodMonitor: SoakDataset = { ...unmonitored, series: unmonitored.series.filter((s) => s.labels.job !== `${SOAK_NAMES.namespace}/${SOAK_NAMES.pipeline}-vertices`) };
  const gap = generateSoakDataset({ scenario: 'gap', days: 1.75, scrapeSeconds: 120, start: S + 6 * DAY });
  server = await startPrometheus({ dataset: [steady, noPodMonitor, gap] });
  embedded = new EmbeddedSource({ ...steady, name: 'all', end: gap.end, series: [...steady.series, ...noPodMonitor.series, ...gap.series] });
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

/** Differences between two values: numbers beyond a relative 1e-9, anything else not equal. */
function differences(a: unknown, b: unknown, where = '', out: string[] = []): string[] {
  if (typeof a === 'number' && typeof b === 'number') {
    if (!(Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)))) out.push(`${where}: ${a} ≠ ${b}`);
  } else if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a as object), ...Object.keys(b as object)])) differences((a as any)[k], (b as any)[k], `${where}.${k}`, out);
  } else if (a !== b) {
    out.push(`${where}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  }
  return out;
}

function prometheus(): PrometheusSource {
  return new PrometheusSource({ url: server.url });
}

async function both(window: TimeWindow): Promise<{ fromPrometheus: InventoryEntry[]; fromEmbedded: InventoryEntry[] }> {
  const [fromPrometheus, fromEmbedded] = await Promise.all([prometheus().inventory(QUERIES, window), embedded.inventory(QUERIES, window)]);
  return { fromPrometheus, fromEmbedded };
}

const WINDOWS: readonly [string, TimeWindow][] = [
  ['the whole steady day', { start: S, end: S + DAY, stepSeconds: 60 }],
  ['after the warm-up (not on an hour)', { start: S + 600, end: S + DAY, stepSeconds: 60 }],
  ['edges off the step', { start: S + 617, end: S + DAY - 43, stepSeconds: 60 }],
  ['a 5-minute step', { start: S + 600, end: S + DAY - 130, stepSeconds: 300 }],
  ['starting 2 days before the data', { start: S - 2 * DAY, end: S + DAY, stepSeconds: 60 }],
  ['ending a day after the data', { start: S + 600, end: S + 2 * DAY, stepSeconds: 60 }],
  ['the day without the PodMonitor', { start: S + 3 * DAY + 600, end: S + 4 * DAY, stepSeconds: 60 }],
  ['the gap scenario', { start: S + 6 * DAY + 600, end: S + 7.75 * DAY, stepSeconds: 60 }],
];

describe('inventory: Prometheus and the embedded source agree', () => {
  test.each(WINDOWS)('%s: every query of the doctor', async (_name, window) => {
    const { fromPrometheus, fromEmbedded } = await both(window);
    expect(fromPrometheus).toHaveLength(QUERIES.length);
    expect(differences(fromPrometheus, fromEmbedded)).toEqual([]);
    // Not vacuous: most queries found series, with a time range and a scrape interval.
    const found = fromPrometheus.filter((e) => e.series > 0);
    expect(found.length).toBeGreaterThan(30);
    expect(found.every((e) => e.firstSeen !== undefined && e.lastSeen !== undefined)).toBe(true);
  });

  test('the figures themselves: series, pods, the covered range to the step, a 120 s scrape interval', async () => {
    const window = { start: S + 600, end: S + DAY, stepSeconds: 60 };
    const { fromPrometheus } = await both(window);
    const at = (metric: string, value: string) => fromPrometheus[QUERIES.findIndex((q) => q.metric === metric && q.matchers.some((m) => m.value.includes(value)))];
    const buffers = fromPrometheus[QUERIES.findIndex((q) => q.metric === 'isb_jetstream_buffer_pending')];
    const udf = at('container_cpu_usage_seconds_total', 'batch-cat');
    expect(udf).toMatchObject({ series: 60, scrapeIntervalSeconds: 120, lastSeen: S + DAY });
    expect(udf.values).toHaveLength(18);
    expect(udf.firstSeen! - window.start).toBeGreaterThan(0);
    expect(udf.firstSeen! - window.start).toBeLessThanOrEqual(180);
    expect(at('build_info', 'daemon').values).toEqual(['v1.8.3']);
    expect(buffers).toMatchObject({ series: 13, scrapeIntervalSeconds: 120 });
    expect(buffers.values).toHaveLength(13);
  });

  test('the gap: six hours without samples leave the median scrape interval at 120 s', async () => {
    const { fromPrometheus } = await both({ start: S + 6 * DAY + 600, end: S + 7.75 * DAY, stepSeconds: 60 });
    const intervals = new Set(fromPrometheus.filter((e) => e.series > 0).map((e) => e.scrapeIntervalSeconds));
    expect([...intervals]).toEqual([120]);
  });

  test('an extra --selector reaches every inventory query: a cluster the data does not hold has nothing', async () => {
    const window = { start: S + 600, end: S + DAY, stepSeconds: 60 };
    const selectors = [{ label: 'cluster', op: '=' as const, value: 'prod-eu' }];
    const entries = await new PrometheusSource({ url: server.url, selectors }).inventory(QUERIES, window);
    expect(entries.every((e) => e.series === 0)).toBe(true);
  });
});

describe('the doctor gives the same report from Prometheus and from the embedded source', () => {
  async function reports(window: TimeWindow, names = {}) {
    const run = (source: MetricsSource) => soakDoctor({ plan, source, window, names });
    const [p, e] = await Promise.all([run(prometheus()), run(embedded)]);
    return { p: { ...p, source: '' }, e: { ...e, source: '' } };
  }

  test('steady: everything there', async () => {
    const { p, e } = await reports({ start: S + 600, end: S + DAY, stepSeconds: 60 });
    expect(differences(p, e)).toEqual([]);
    expect(p.ok).toBe(true);
    expect(p.version.status).toBe('contract');
  });

  test('without the PodMonitor: its cause, from both', async () => {
    const { p, e } = await reports({ start: S + 3 * DAY + 600, end: S + 4 * DAY, stepSeconds: 60 });
    expect(differences(p, e)).toEqual([]);
    expect(p.ok).toBe(false);
    expect(p.problems.every((x) => x.cause.startsWith('PodMonitor not selected'))).toBe(true);
  });

  test('a window starting before the data: retention, from both', async () => {
    const { p, e } = await reports({ start: S - 2 * DAY, end: S + DAY, stepSeconds: 60 });
    expect(differences(p, e)).toEqual([]);
    expect(p.problems.map((x) => x.cause)).toEqual([expect.stringMatching(/^retention shorter than the window/)]);
  });

  test('a wrong namespace, from both', async () => {
    const { p, e } = await reports({ start: S + 600, end: S + DAY, stepSeconds: 60 }, { namespace: 'wrong-ns' });
    expect(differences(p, e)).toEqual([]);
    expect(p.problems.map((x) => x.cause)).toEqual([expect.stringMatching(/^wrong namespace/)]);
  });
});
