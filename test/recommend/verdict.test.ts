/**
 * The soak verdict on the embedded datasets (one per scenario) and, for checks those
 * datasets never trip, on the hand-made source.
 */
import { loadStackFile, stackFile } from '../../src/plan/load';
import { generateSoakDataset, LEAK_BYTES_PER_HOUR, type Scenario } from '../../src/recommend/dataset';
import { EmbeddedSource } from '../../src/recommend/embedded';
import { soakVerdict, type Verdict, type VerdictCheck, type VerdictLine } from '../../src/recommend/verdict';
import { FakeSource, HOUR, WINDOW } from './fake-source';

const plan = loadStackFile(stackFile('soak')).plan;

async function verdictOf(scenario: Scenario): Promise<Verdict> {
  const dataset = generateSoakDataset({ scenario });
  return soakVerdict({ plan, source: new EmbeddedSource(dataset), window: { start: dataset.start, end: dataset.end, stepSeconds: 60 } });
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
      errors: 'pass',
      throughput: 'pass',
      latency: 'pass',
      'back-pressure': 'pass',
      'cpu-throttling': 'pass',
      'memory-trend': 'pass',
    });
    // 34 vertex pods × (init + containers) + daemon (init, main) + 3 JetStream pods × 3 containers.
    expect(line(v, 'restarts').measured).toBe('0 over 97 pod containers');
    expect(line(v, 'throughput').measured).toMatch(/^p5 49,\d{3} msg\/s, median 50,\d{3} msg\/s \(in, 10 replicas, 7201 points\)$/);
    expect(line(v, 'throughput').expected).toContain('p5 ≥ 47,500 msg/s (95% of 50,000)');
    expect(line(v, 'latency').measured).toMatch(/^p99 \d+\.\d ms$/);
    expect(v.target).toBe(50000);
  });

  it('fails the OOM soak on the OOM kill and the restart it caused', async () => {
    const v = await verdictOf('oom');
    expect(v.passed).toBe(false);
    expect(line(v, 'oom-kills')).toEqual({ check: 'oom-kills', status: 'fail', measured: '1 container(s) OOM-killed (batch-cat/udf 1)', expected: '0' });
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
    expect(trend.measured).toMatch(/^steepest \+3\.[789]Mi\/h \(batch-cat\/udf, 120 points\)$/);
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

describe('the hand-made source', () => {
  it('fails on error counters, back-pressure, a slow p99 and a throughput below 95% of the target', async () => {
    const source = new FakeSource({
      errors: { forwarder_udf_error_total: 12, forwarder_read_error_total: 0 },
      backPressure: 3,
      latencyP99Micros: 2_500_000,
      throughput: { in: { rate: 40000, replicas: 10 } },
    });
    const v = await soakVerdict({ plan, source, window: WINDOW });
    expect(statuses(v)).toMatchObject({ errors: 'fail', 'back-pressure': 'fail', latency: 'fail', throughput: 'fail' });
    expect(line(v, 'errors').measured).toBe('forwarder_udf_error_total 12');
    expect(line(v, 'latency').measured).toBe('p99 2500.0 ms');
    expect(line(v, 'back-pressure').measured).toBe('3 buffer-full event(s)');
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
