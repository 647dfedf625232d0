/**
 * soakDoctor on the embedded source: the steady dataset has everything; datasets with a
 * scrape job or an exporter's series taken out, a wrong namespace and windows reaching
 * beyond the data each get their own likely cause; the version line reads build_info.
 * (test/recommend/inventory.test.ts checks the same answers on a real Prometheus.)
 */
import { loadStackFile, stackFile } from '../../src/plan/load';
import { generateSoakDataset, SOAK_NAMES, type RawSeries, type SoakDataset } from '../../src/recommend/dataset';
import { soakDoctor, type DoctorReport, type DoctorRow } from '../../src/recommend/doctor';
import { EmbeddedSource } from '../../src/recommend/embedded';
import type { TimeWindow } from '../../src/recommend/metrics';

const plan = loadStackFile(stackFile('soak')).plan;
const DAY = 86400;
const steady = generateSoakDataset({ days: 2, scrapeSeconds: 120 });
/** The dataset's window after the default 10-minute warm-up. */
const WINDOW: TimeWindow = { start: steady.start + 600, end: steady.end, stepSeconds: 60 };
const VERTEX_JOB = `${SOAK_NAMES.namespace}/${SOAK_NAMES.pipeline}-vertices`;
const DAEMON_JOB = `${SOAK_NAMES.pipeline}-daemon-svc`;

function without(d: SoakDataset, drop: (s: RawSeries) => boolean): SoakDataset {
  return { ...d, series: d.series.filter((s) => !drop(s)) };
}

function doctor(d: SoakDataset, window = WINDOW, names = {}): Promise<DoctorReport> {
  return soakDoctor({ plan, source: new EmbeddedSource(d), window, names });
}

const rowsOf = (r: DoctorReport, family: string) => r.rows.filter((x) => x.family === family);
const problemFamilies = (r: DoctorReport) => [...new Set(r.rows.filter((x) => x.problem).map((x) => x.family))].sort();

describe('soakDoctor on the embedded dataset', () => {
  test('steady: every needed series is there, covers the window at a 120 s scrape; lazy counters are none counted; v1.8.3', async () => {
    const report = await doctor(steady);
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.rows).toHaveLength(74);
    expect(report.rows.filter((r) => r.status === 'none-counted').map((r) => `${r.family} ${r.group}`)).toHaveLength(28);
    for (const r of report.rows.filter((x) => x.status === 'ok')) {
      expect(r.scrapeIntervalSeconds).toBe(120);
      expect(r.lastSeen).toBe('2025-07-03T00:00:00Z');
    }
    const cpu = rowsOf(report, 'container_cpu_usage_seconds_total');
    expect(cpu.map((r) => [r.group, r.series, r.values.length])).toEqual([
      ['in', 21, 10], // numa and monitor of 10 pods, and one duplicate scrape job
      ['batch-cat', 60, 18],
      ['out', 12, 6],
      ['daemon', 1, 1],
      ['isbsvc', 9, 3],
    ]);
    expect(rowsOf(report, 'isb_jetstream_buffer_pending')[0]).toMatchObject({ status: 'ok', series: 13, by: 'buffer' });
    expect(rowsOf(report, 'forwarder_drop_total')[0]).toMatchObject({ status: 'none-counted', cause: expect.stringContaining('the vertex pods that would serve it were scraped (their other Numaflow series are there)') });
    expect(report.version).toEqual({
      status: 'contract',
      seen: ['v1.8.3'],
      contract: 'v1.8.3',
      text: 'v1.8.3 (build_info of the pipeline daemon), the version the metrics contract holds for',
    });
  });

  test('a wrong namespace: every needed row is missing, and the cause says so', async () => {
    const report = await doctor(steady, WINDOW, { namespace: 'wrong-ns' });
    expect(report.ok).toBe(false);
    expect(report.rows.filter((r) => r.required).every((r) => r.status === 'missing' && r.problem)).toBe(true);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0].cause).toMatch(/^wrong namespace: nothing at all in namespace "wrong-ns"/);
    expect(report.version.status).toBe('unknown');
    expect(report.version.text).toBe('unknown: no build_info of the pipeline daemon in the window (wrong namespace); the metrics contract holds for Numaflow v1.8.3');
  });

  test('a wrong pipeline and buffer: the namespace has pods, the names match none of them', async () => {
    const report = await doctor(steady, WINDOW, { pipeline: 'other', buffer: 'other-isb' });
    expect(report.ok).toBe(false);
    const causes = report.problems.map((p) => p.cause);
    expect(causes.some((c) => c.startsWith('wrong --pipeline: namespace "numaflow-soak" has pods (batch-map-soak-batch-cat-'))).toBe(true);
    expect(causes.some((c) => c.startsWith('wrong --buffer: namespace "numaflow-soak" has pods'))).toBe(true);
    expect(causes.some((c) => c.startsWith('wrong namespace'))).toBe(false);
  });

  test('kube-state-metrics without init-container metrics: the kube_pod_init_container_* rows name it', async () => {
    const report = await doctor(without(steady, (s) => s.metric.startsWith('kube_pod_init_container_')));
    expect(report.ok).toBe(false);
    expect(problemFamilies(report)).toEqual(['kube_pod_init_container_status_last_terminated_reason', 'kube_pod_init_container_status_restarts_total']);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0].cause).toMatch(/^kube-state-metrics without init-container metrics: kube_pod_container_\* series exist but no kube_pod_init_container_\*/);
    expect(report.problems[0].rows).toHaveLength(8);
  });

  test('kube-state-metrics not scraped at all: named for every kube_pod_* row', async () => {
    const report = await doctor(without(steady, (s) => s.labels.job === 'kube-state-metrics'));
    expect(problemFamilies(report)).toEqual([
      'kube_pod_container_status_last_terminated_reason',
      'kube_pod_container_status_restarts_total',
      'kube_pod_info',
      'kube_pod_init_container_status_last_terminated_reason',
      'kube_pod_init_container_status_restarts_total',
    ]);
    expect(report.problems.map((p) => p.cause)).toEqual([expect.stringMatching(/^kube-state-metrics is not scraped, or not for namespace "numaflow-soak"/)]);
  });

  test('PodMonitor not selected: no up and no Numaflow series from the vertex pods, which cAdvisor and kube-state-metrics see', async () => {
    const report = await doctor(without(steady, (s) => s.labels.job === VERTEX_JOB));
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.cause)).toEqual([
      expect.stringMatching(/^PodMonitor not selected: cAdvisor and kube-state-metrics see the vertex pods, but there is no up and no Numaflow series for them: Prometheus does not select the PodMonitor batch-map-soak-vertices/),
    ]);
    // Every row the PodMonitor's scrape serves: up, reads, writes, drops, latency and errors per vertex, and the buffers' six.
    expect(report.problems[0].rows).toHaveLength(3 + 3 + 1 + 3 + 3 + 4 * 3 + 6);
    // Lazy counters without a scrape proof are missing too, not "none counted".
    expect(rowsOf(report, 'forwarder_udf_error_total').map((r) => r.status)).toEqual(['missing', 'missing', 'missing']);
    expect(rowsOf(report, 'isb_jetstream_isFull_total')[0].status).toBe('missing');
    // The daemon has its own ServiceMonitor: still there.
    expect(rowsOf(report, 'pipeline_processing_lag')[0].status).toBe('ok');
    expect(report.version.status).toBe('contract');
  });

  test('the PodMonitor selected but its scrapes failing (up == 0, no Numaflow series)', async () => {
    const failing = steady.series
      .filter((s) => s.labels.job !== VERTEX_JOB || s.metric === 'up')
      .map((s) => (s.metric === 'up' && s.labels.job === VERTEX_JOB ? { ...s, v: new Float64Array(s.v.length) } : s));
    const report = await doctor({ ...steady, series: failing });
    expect(report.problems.map((p) => p.cause)).toEqual([expect.stringMatching(/^the PodMonitor is selected \(up exists for the vertex pods\) but no Numaflow series arrive: its scrapes fail/)]);
    // An `up` series is no proof of a successful scrape: the lazy counters are missing, not "none counted".
    expect(rowsOf(report, 'forwarder_critical_error_total').map((r) => r.status)).toEqual(['missing', 'missing', 'missing']);
  });

  test("the daemon's ServiceMonitor not selected: no lag, and the version is unknown", async () => {
    const report = await doctor(without(steady, (s) => s.labels.job === DAEMON_JOB));
    expect(problemFamilies(report)).toEqual(['pipeline_processing_lag']);
    expect(report.problems[0].cause).toMatch(/^the daemon's ServiceMonitor batch-map-soak-daemon is not selected, or its scrapes fail/);
    const build = rowsOf(report, 'build_info')[0];
    expect(build).toMatchObject({ status: 'missing', required: false, problem: false });
    expect(report.version.status).toBe('unknown');
    expect(report.version.text).toContain("(the daemon's ServiceMonitor batch-map-soak-daemon is not selected, or its scrapes fail)");
  });

  test('no CPU limit: no CFS counters while the CPU usage is there', async () => {
    const report = await doctor(without(steady, (s) => s.metric.startsWith('container_cpu_cfs_') && s.labels.pod.startsWith(`${SOAK_NAMES.pipeline}-${SOAK_NAMES.sink}-`)));
    expect(problemFamilies(report)).toEqual(['container_cpu_cfs_periods_total', 'container_cpu_cfs_throttled_periods_total']);
    expect(report.problems.map((p) => p.cause)).toEqual(['no CPU limit: cAdvisor exports CFS periods only for containers with a CPU limit']);
    expect(report.problems[0].rows.map((r) => r.group)).toEqual(['out', 'out']);
  });

  test('a window starting before the data: retention shorter than the window', async () => {
    const report = await doctor(steady, { ...WINDOW, start: steady.start - 3 * DAY });
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0].cause).toMatch(
      /^retention shorter than the window: the oldest sample of any needed series is at 2025-06-30T23:5\d:00Z, 2d 23h 5\dm after the window start \(2025-06-28T00:00:00Z\)/,
    );
    const partial = report.rows.filter((r) => r.status === 'partial');
    expect(partial.length).toBe(report.rows.filter((r) => !r.lazy).length);
    // Lazy counters start at their first increment: not judged by coverage.
    expect(rowsOf(report, 'isb_jetstream_isFull_total')[0].status).toBe('ok');
  });

  test('a window ending after the data: the data ends early', async () => {
    const report = await doctor(steady, { ...WINDOW, end: steady.end + DAY });
    expect(report.problems.map((p) => p.cause)).toEqual([
      'the data ends at 2025-07-03T00:00:00Z, 1d before the window end: the soak or the scrapes stopped; end the window there (--end 2025-07-03T00:00:00Z)',
    ]);
  });

  test('another Numaflow version is a warning, not a problem', async () => {
    const other = steady.series.map((s) => (s.metric === 'build_info' ? { ...s, labels: { ...s.labels, version: 'v1.9.0' } } : s));
    const report = await doctor({ ...steady, series: other });
    expect(report.ok).toBe(true);
    expect(report.version).toMatchObject({ status: 'other', seen: ['v1.9.0'] });
    expect(report.version.text).toBe('v1.9.0 (build_info of the pipeline daemon): the metrics contract (src/metrics/contract.ts) holds for Numaflow v1.8.3; families and labels may differ in other versions');
    const none = await doctor(without(steady, (s) => s.metric === 'build_info'));
    expect(none.ok).toBe(true);
    expect(none.version.status).toBe('unknown');
    expect(rowsOf(none, 'build_info')[0].cause).toBe('the daemon serves other metrics but no build_info: a Numaflow version other than v1.8.3');
  });

  test('a lazy counter that was incremented is found; one that was not is none counted', async () => {
    const loss = generateSoakDataset({ scenario: 'loss', days: 3, scrapeSeconds: 300 });
    const report = await doctor(loss, { start: loss.start + 600, end: loss.end, stepSeconds: 60 });
    expect(report.ok).toBe(true);
    expect(rowsOf(report, 'forwarder_drop_total').map((r): [string, DoctorRow['status'], number] => [r.group, r.status, r.series])).toEqual([
      ['in', 'none-counted', 0],
      ['batch-cat', 'none-counted', 0],
      ['out', 'ok', 6],
    ]);
    expect(rowsOf(report, 'up')[0].scrapeIntervalSeconds).toBe(300);
  });
});
