/**
 * The soak verdict on the embedded datasets (one per scenario) and, for checks those
 * datasets never trip, on the hand-made source.
 */
import { loadStackFile, stackFile } from '../../src/plan/load';
import { generateSoakDataset, LEAK_BYTES_PER_HOUR, SINK_DROP_REASON, type Scenario } from '../../src/recommend/dataset';
import { EmbeddedSource } from '../../src/recommend/embedded';
import { soakVerdict, VERDICT_CHECKS, type Verdict, type VerdictCheck, type VerdictLine } from '../../src/recommend/verdict';
import type { CoverageFamily } from '../../src/recommend/metrics';
import { recommendPlan } from '../../src/recommend/recommend';
import { sliceDataset } from '../support/prometheus';
import { FakeSource, HOUR, soakVertexPods, steadyContainers, WINDOW, type FakeContainer } from './fake-source';

const plan = loadStackFile(stackFile('soak')).plan;

/** The verdict over the dataset after the default 10-minute warm-up. */
async function verdictOf(scenario: Scenario, warmUpSeconds = 600): Promise<Verdict> {
  const dataset = generateSoakDataset({ scenario });
  return soakVerdict({ plan, source: new EmbeddedSource(dataset), window: { start: dataset.start + warmUpSeconds, end: dataset.end, stepSeconds: 60 } });
}

function line(v: Verdict, check: VerdictCheck): VerdictLine {
  const l = v.lines.find((x) => x.check === check);
  if (!l) throw new Error(`no ${check} line`);
  return l;
}

const statuses = (v: Verdict) => Object.fromEntries(v.lines.map((l) => [l.check, l.status]));

describe('the embedded soaks', () => {
  it('passes the steady soak, every line with its measured figure', async () => {
    const v = await verdictOf('steady');
    expect(v.passed).toBe(true);
    expect(v.insufficientData).toBe(false);
    expect(statuses(v)).toEqual({
      restarts: 'pass',
      'oom-kills': 'pass',
      'replaced-pods': 'pass',
      errors: 'pass',
      throughput: 'pass',
      'data-loss': 'pass',
      latency: 'pass',
      'back-pressure': 'pass',
      backlog: 'pass',
      'cpu-throttling': 'pass',
      'memory-trend': 'pass',
    });
    // 34 vertex pods × (init + containers + monitor) + daemon (init, numa) + 3 JetStream pods × 3 containers.
    expect(line(v, 'restarts').measured).toBe('0 over 131 pod containers');
    expect(line(v, 'errors').measured).toBe('0 (34 vertex pods scraped)');
    expect(line(v, 'data-loss').measured).toMatch(/^read 21,5\d\d,\d{3},\d{3}, written 21,5\d\d,\d{3},\d{3} \(−0\.\d{4}%\)$/);
    expect(line(v, 'throughput').measured).toMatch(/^p5 49,\d{3} msg\/s, median 50,\d{3} msg\/s \(in, 10 replicas, 7191 points\)$/);
    expect(line(v, 'throughput').expected).toContain('p5 ≥ 47,500 msg/s (95% of 50,000)');
    expect(line(v, 'latency').measured).toMatch(/^p99 \d+\.\d ms$/);
    expect(v.target).toBe(50000);
  });

  it('fails the OOM soak on the OOM kill and the restart it caused', async () => {
    const v = await verdictOf('oom');
    expect(v.passed).toBe(false);
    expect(line(v, 'oom-kills')).toMatchObject({ check: 'oom-kills', status: 'fail', measured: '1 container(s) OOM-killed (batch-cat/udf 1)', expected: '0' });
    expect(line(v, 'restarts')).toMatchObject({ status: 'fail', measured: '1 (batch-cat/udf 1)' });
    expect(line(v, 'throughput').status).toBe('pass');
  });

  it('fails the leaking soak on the memory trend, naming the container and its slope', async () => {
    const v = await verdictOf('leak');
    expect(v.passed).toBe(false);
    const trend = line(v, 'memory-trend');
    expect(trend.status).toBe('fail');
    // The dataset leaks 4 MB/h = 3.8Mi/h.
    expect(LEAK_BYTES_PER_HOUR / 1024 ** 2).toBeCloseTo(3.81, 2);
    expect(trend.measured).toMatch(/^steepest \+3\.[789]Mi\/h \(batch-cat\/udf, 119 points\)$/);
  });

  it('warns (does not fail) on the throttled soak, naming the throttled container', async () => {
    const v = await verdictOf('throttle');
    expect(v.passed).toBe(true);
    const t = line(v, 'cpu-throttling');
    expect(t.status).toBe('warn');
    expect(t.measured).toMatch(/^batch-cat\/numa throttled in [\d.]+% of periods, [\d.]+% in the worst 5 minutes$/);
  });

  it('warns on the soak with a 6-hour data gap: the rate held, but 5% of the window has no data', async () => {
    const v = await verdictOf('gap');
    expect(v.passed).toBe(true);
    const t = line(v, 'throughput');
    expect(t.status).toBe('warn');
    expect(t.measured).toContain('no data for 5.0% of the window');
  });
});

describe('the scenarios that break what the seed soak claims', () => {
  it('fails without the warm-up: writers count isFull while their buffer starts marked full', async () => {
    const v = await verdictOf('steady', 0);
    expect(line(v, 'back-pressure')).toMatchObject({ status: 'fail', measured: expect.stringMatching(/^[\d,]+ buffer-full write attempt\(s\)$/) });
    expect(line(v, 'back-pressure').selector).toContain('buffer=~');
    expect(line(v, 'back-pressure').selector).not.toContain('pipeline=');
  });

  it('fails the back-pressure soak on the back-pressure line', async () => {
    const v = await verdictOf('backpressure');
    expect(v.passed).toBe(false);
    expect(line(v, 'back-pressure').status).toBe('fail');
    expect(line(v, 'throughput').status).toBe('pass');
  });

  it('fails the lossy soak on the data-loss line, counting the drops', async () => {
    const v = await verdictOf('loss');
    expect(line(v, 'data-loss')).toMatchObject({ status: 'fail', measured: expect.stringContaining(`dropped (${SINK_DROP_REASON})`) });
    expect(line(v, 'data-loss').measured).toMatch(/\(−0\.1\d{3}%\)/);
    expect(statuses(v)).toMatchObject({ restarts: 'pass', errors: 'pass', 'back-pressure': 'pass' });
  });

  it('fails the soak whose backlog grows without bound', async () => {
    const v = await verdictOf('backlog');
    expect(line(v, 'backlog')).toMatchObject({ status: 'fail', measured: expect.stringMatching(/^pending \+1\d{2},\d{3} over the window/) });
  });

  it('counts the replaced pod that restart counters cannot see', async () => {
    const v = await verdictOf('replaced');
    expect(line(v, 'restarts').status).toBe('pass');
    expect(line(v, 'replaced-pods')).toMatchObject({ status: 'fail', measured: 'batch-cat 1 pod(s) replaced (35 vertex pods seen)' });
  });
});

describe('no false passes', () => {
  it('has no data, never a pass, for a namespace where nothing matched', async () => {
    const dataset = generateSoakDataset({ days: 2 });
    const v = await soakVerdict({ plan, source: new EmbeddedSource(dataset), window: { start: dataset.start + 600, end: dataset.end, stepSeconds: 60 }, names: { namespace: 'wrong-ns' } });
    expect(v.lines.filter((l) => l.status === 'pass')).toEqual([]);
    expect(v.insufficientData).toBe(true);
    expect(line(v, 'errors')).toMatchObject({ status: 'no-data', selector: expect.stringContaining('namespace="wrong-ns"'), hint: expect.stringContaining('PodMonitor') });
    expect(line(v, 'back-pressure').status).toBe('no-data');
    expect(line(v, 'errors').measured).toContain('up{namespace="wrong-ns"');
    expect(v.reasons.find((r) => r.startsWith('errors: no data'))).toContain('namespace="wrong-ns"');
  });

  it('does not read a missing error series as zero when the pods were not scraped', async () => {
    const v = await soakVerdict({ plan, source: new FakeSource({ scraped: soakVertexPods().filter((p) => !p.includes('-out-')) }), window: WINDOW });
    expect(line(v, 'errors')).toMatchObject({ status: 'no-data', measured: expect.stringContaining('no scraped pod of out') });
    expect(line(v, 'back-pressure').status).toBe('no-data');
    expect(v.insufficientData).toBe(true);
  });

  it('names the containers without restart counters (the monitor sidecar needs init-container metrics)', async () => {
    const containers = steadyContainers();
    const v = await soakVerdict({ plan, source: new FakeSource({ containers }), window: WINDOW });
    // The fake knows no monitor container: its restarts are unknown.
    expect(line(v, 'restarts')).toMatchObject({ status: 'no-data', measured: expect.stringContaining('in/monitor') });
    expect(line(v, 'restarts').hint).toContain('kube_pod_init_container_*');
  });

  it('skips a check only by name, and a skipped check no longer makes the verdict insufficient', async () => {
    const containers = { ...steadyContainers(), ...monitors() };
    const v = await soakVerdict({ plan, source: new FakeSource({ containers, seen: [] }), window: WINDOW });
    expect(line(v, 'replaced-pods').status).toBe('no-data');
    expect(v.insufficientData).toBe(true);
    const skipped = await soakVerdict({ plan, source: new FakeSource({ containers, seen: [] }), window: WINDOW, criteria: { skip: ['replaced-pods'] } });
    expect(line(skipped, 'replaced-pods').status).toBe('skipped');
    expect(skipped.reasons).toEqual([]);
    expect(skipped.insufficientData).toBe(false);
    expect(skipped.passed).toBe(true);
  });
});

describe('sparse data', () => {
  it('has no data, not a pass, when scrapes cover 4 hours of a 2-day window (needs 90%)', async () => {
    const full = generateSoakDataset({ days: 2 });
    const sparse = sliceDataset(full, full.start - 3600, full.start + 4 * 3600);
    const v = await soakVerdict({ plan, source: new EmbeddedSource(sparse), window: { start: full.start + 600, end: full.end, stepSeconds: 60 } });
    // Every line judges its own coverage: none passes, each is no-data and names its share of the window.
    expect(v.lines.map((l) => [l.check, l.status])).toEqual(VERDICT_CHECKS.map((c) => [c, 'no-data']));
    for (const l of v.lines) expect({ check: l.check, measured: l.measured }).toEqual({ check: l.check, measured: expect.stringMatching(/\d+\.\d% of the window/) });
    expect(line(v, 'throughput')).toMatchObject({ status: 'no-data', measured: expect.stringMatching(/data-plane series cover \d+\.\d% of the window, less than 90%$/) });
    // The whole-window counters, by the series they count (4 h + the 10-minute lookback of 47 h 50 min: 8.6%).
    expect(line(v, 'restarts').measured).toMatch(/^0 over \d+ pod containers, but restart counters cover 8\.\d% of the window, less than 90%$/);
    expect(line(v, 'oom-kills').measured).toMatch(/^0, but restart counters cover 8\.\d% of the window, less than 90%$/);
    expect(line(v, 'replaced-pods').measured).toMatch(/^0 \(\d+ vertex pods seen\), but kube_pod_info series cover 8\.\d% of the window, less than 90%$/);
    expect(line(v, 'cpu-throttling').measured).toMatch(/, but CPU usage counters cover 8\.\d% of the window, less than 90%$/);
    // The hints name a sparse window, not a wrong namespace.
    for (const l of v.lines) {
      expect({ check: l.check, hint: l.hint }).toEqual({ check: l.check, hint: expect.stringMatching(/cover only \d+\.\d% of the window: scrapes were missing/) });
      expect(l.hint).not.toMatch(/no vertex pod was scraped|check --namespace/);
    }
    expect(v.insufficientData).toBe(true);
    expect(v.passed).toBe(true);
  });

  it('a restart, an OOM kill or a replaced pod seen in part of the window still fails', async () => {
    const containers = { ...steadyContainers(), ...monitors(), 'batch-cat/udf': { ...steadyContainers()['batch-cat/udf'], restarts: 2, oomKilled: true } };
    const seen = [...soakVertexPods(), 'batch-map-soak-out-0-zzzzz'];
    const v = await soakVerdict({ plan, source: new FakeSource({ containers, seen, coverage: { restarts: 40, pods: 40, cpu: 40 } }), window: WINDOW });
    expect(['restarts', 'oom-kills', 'replaced-pods'].map((c) => line(v, c as VerdictCheck).status)).toEqual(['fail', 'fail', 'fail']);
    expect(v.passed).toBe(false);
  });

  it('judges each counter line by its own series: 90.0% passes, 89.9% is no data', async () => {
    const containers = { ...steadyContainers(), ...monitors() };
    const at = (coverage: Partial<Record<CoverageFamily, number>>) => soakVerdict({ plan, source: new FakeSource({ containers, coverage }), window: WINDOW });
    const enough = await at({ restarts: 90, pods: 90, cpu: 90 });
    expect(['restarts', 'oom-kills', 'replaced-pods', 'cpu-throttling'].map((c) => line(enough, c as VerdictCheck).status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    const restartsShort = await at({ restarts: 89.9 });
    expect(['restarts', 'oom-kills', 'replaced-pods', 'cpu-throttling'].map((c) => line(restartsShort, c as VerdictCheck).status)).toEqual(['no-data', 'no-data', 'pass', 'pass']);
    expect(restartsShort.reasons).toContainEqual(expect.stringMatching(/^restarts: no data \(.*\): the restart counters cover only 89\.9% of the window: scrapes were missing/));
    const podsShort = await at({ pods: 12.5 });
    expect(line(podsShort, 'replaced-pods')).toMatchObject({ status: 'no-data', measured: expect.stringMatching(/kube_pod_info series cover 12\.5% of the window, less than 90%$/) });
    const cpuShort = await at({ cpu: 50 });
    expect(line(cpuShort, 'cpu-throttling')).toMatchObject({ status: 'no-data', measured: 'no container throttled, but CPU usage counters cover 50.0% of the window, less than 90%' });
    // A stricter minimum applies to the counter lines too.
    const strict = await soakVerdict({ plan, source: new FakeSource({ containers, coverage: { restarts: 95 } }), window: WINDOW, criteria: { minCoveragePercent: 99 } });
    expect(line(strict, 'restarts').status).toBe('no-data');
  });

  it('words the hint from coverage: with nothing scraped it names --namespace (a sparse window: the test above)', async () => {
    const none = await soakVerdict({ plan, source: new FakeSource({ throughput: { in: { rate: 0, replicas: 0, points: 0 } }, scraped: [] }), window: WINDOW });
    for (const check of ['throughput', 'errors', 'back-pressure'] as const) {
      expect({ check, status: line(none, check).status, hint: line(none, check).hint }).toEqual({ check, status: 'no-data', hint: expect.stringMatching(/^no vertex pod was scraped in the window: check --namespace/) });
    }
    expect(line(none, 'throughput').measured).toBe('0 points: data-plane series cover 0.0% of the window, less than 90%, fewer than 100 points');
  });

  it('refuses to size from 4 hours of data in a 2-day window, naming the coverage', async () => {
    const full = generateSoakDataset({ days: 2 });
    const sparse = sliceDataset(full, full.start - 3600, full.start + 4 * 3600);
    const r = await recommendPlan({ plan, source: new EmbeddedSource(sparse), window: { start: full.start + 600, end: full.end, stepSeconds: 60 } });
    expect(r.insufficientData).toBe(true);
    expect(r.reasons).toContainEqual(expect.stringMatching(/^pipeline\.batchMap\.scale: throughput data covers \d+\.\d% of the window, less than 90%/));
  });
});

/** Restart data for the monitor sidecars and init containers, which steadyContainers() leaves out. */
function monitors(): Record<string, FakeContainer> {
  return {
    'in/monitor': { pods: 10 },
    'batch-cat/monitor': { pods: 18 },
    'out/monitor': { pods: 6 },
    'in/init': { pods: 10 },
    'batch-cat/init': { pods: 18 },
    'out/init': { pods: 6 },
    'daemon/init': { pods: 1 },
  };
}

describe('the hand-made source', () => {
  it('fails on error counters, back-pressure, a slow p99 and a throughput below 95% of the target', async () => {
    const source = new FakeSource({
      containers: { ...steadyContainers(), ...monitors() },
      errors: { forwarder_udf_error_total: 12, forwarder_critical_error_total: 2, isb_jetstream_write_timeout_total: 5 },
      backPressure: 3,
      latencyP99Micros: 2_500_000,
      throughput: { in: { rate: 40000, replicas: 10 } },
    });
    const v = await soakVerdict({ plan, source, window: WINDOW });
    expect(statuses(v)).toMatchObject({ errors: 'fail', 'back-pressure': 'fail', latency: 'fail', throughput: 'fail' });
    expect(line(v, 'errors').measured).toBe('forwarder_critical_error_total 2, forwarder_udf_error_total 12, isb_jetstream_write_timeout_total 5');
    expect(line(v, 'latency').measured).toBe('p99 2500.0 ms');
    expect(line(v, 'back-pressure').measured).toBe('3 buffer-full write attempt(s)');
  });

  it('judges the rate against --target when given', async () => {
    const v = await soakVerdict({ plan, source: new FakeSource(), window: WINDOW, targetRate: 100000 });
    expect(line(v, 'throughput').status).toBe('fail');
    expect(line(v, 'throughput').expected).toContain('95% of 100,000');
  });

  it('takes a looser latency bound from the criteria', async () => {
    const v = await soakVerdict({ plan, source: new FakeSource({ latencyP99Micros: 2_500_000 }), window: WINDOW, criteria: { latencyBoundMs: 5000 } });
    expect(line(v, 'latency').status).toBe('pass');
  });

  it('has too little data for a window under 24 h, and for a source without throughput data', async () => {
    const short = await soakVerdict({ plan, source: new FakeSource(), window: { ...WINDOW, end: WINDOW.start + 6 * HOUR } });
    expect(short.insufficientData).toBe(true);
    expect(short.reasons[0]).toBe('the window is 6.0 h; a verdict needs at least 24 h');
    const noRate = await soakVerdict({ plan, source: new FakeSource({ throughput: { in: { rate: 50000, replicas: 10, points: 0 } } }), window: WINDOW });
    expect(line(noRate, 'throughput').status).toBe('no-data');
    expect(noRate.insufficientData).toBe(true);
    expect(noRate.passed).toBe(true);
  });
});
