/**
 * `--selector`: extra label matchers on every query, so one Prometheus that holds two
 * clusters' soaks (a shared Prometheus, Thanos, Mimir: an external `cluster` label) answers
 * for each cluster on its own. Checked on the embedded path and on a real Prometheus 2.42
 * holding both clusters' series over the same hours, with the same pod names.
 */
import { matcherText, matchesLabels, MatcherError, parseMatcher } from '../../src/metrics/matchers';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { generateSoakDataset, OOM_REPLICA, type SoakDataset } from '../../src/recommend/dataset';
import { EmbeddedSource } from '../../src/recommend/embedded';
import type { MetricsSource, TimeWindow } from '../../src/recommend/metrics';
import { PrometheusSource } from '../../src/recommend/prometheus';
import { podContainers } from '../../src/recommend/selectors';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';

const plan = loadStackFile(stackFile('soak')).plan;
const udf = podContainers(plan).find((c) => c.label === 'batch-cat/udf')!.selector;
const CONTEXT = "numaflow-soak verdict: option '--selector'";
const sel = (text: string) => parseMatcher(text, CONTEXT);

// Cluster a ran the steady soak, cluster b the one with an OOM kill, over the same day.
const options = { days: 1, scrapeSeconds: 300, start: 1751328000 + 40 * 86400 } as const;
const a = generateSoakDataset({ ...options, extraLabels: { cluster: 'a' } });
const b = generateSoakDataset({ ...options, scenario: 'oom', extraLabels: { cluster: 'b' } });
const both: SoakDataset = { ...a, name: 'two-clusters', series: [...a.series, ...b.series] };
const window: TimeWindow = { start: a.start, end: a.end, stepSeconds: 300 };

async function oomPods(source: MetricsSource): Promise<string[]> {
  return (await source.restarts(udf, window)).filter((r) => r.oomKilled).map((r) => r.pod);
}

describe('label matchers', () => {
  it('parses the four PromQL operators and prints them back', () => {
    expect(['cluster="prod-eu"', 'cluster=~"prod-.*"', 'env!="dev"', 'region!~"us-.*"'].map((t) => matcherText(sel(t)))).toEqual([
      'cluster="prod-eu"',
      'cluster=~"prod-.*"',
      'env!="dev"',
      'region!~"us-.*"',
    ]);
    expect(sel(' tenant = "a \\"b\\"" ')).toEqual({ label: 'tenant', op: '=', value: 'a "b"' });
  });

  it('matches as Prometheus does: anchored regexes, a missing label is empty', () => {
    expect(matchesLabels(sel('cluster=~"prod"'), { cluster: 'prod-eu' })).toBe(false);
    expect(matchesLabels(sel('cluster=~"prod.*"'), { cluster: 'prod-eu' })).toBe(true);
    expect(matchesLabels(sel('cluster!="a"'), {})).toBe(true);
    expect(matchesLabels(sel('cluster=""'), {})).toBe(true);
  });

  it.each([
    ['cluster', 'expects a label matcher such as cluster="prod-eu" or cluster=~"prod-.*" (got \'cluster\')'],
    ['cluster=prod', 'the value must be a double-quoted string (got prod)'],
    ["cluster='prod'", "the value must be a double-quoted string (got 'prod')"],
    ['9lives="x"', "'9lives' is not a label name"],
    ['cluster=~"("', 'is not a valid regular expression'],
    ['__name__="up"', 'cannot match __name__'],
  ])('refuses %s, naming the option', (text, message) => {
    expect(() => sel(text)).toThrow(MatcherError);
    expect(() => sel(text)).toThrow(`${CONTEXT} `);
    expect(() => sel(text)).toThrow(message);
  });
});

describe('two clusters in one data source', () => {
  it('embedded: each cluster gets its own answer; without a selector the two mix', async () => {
    expect(await oomPods(new EmbeddedSource(both, [sel('cluster="a"')]))).toEqual([]);
    expect(await oomPods(new EmbeddedSource(both, [sel('cluster="b"')]))).toEqual([expect.stringMatching(new RegExp(`-batch-cat-${OOM_REPLICA}-`))]);
    // Same pod names in both clusters: unselected, cluster b's OOM kill is blamed on a's pod too.
    expect(await oomPods(new EmbeddedSource(both))).toHaveLength(1);
    expect(await new EmbeddedSource(both, [sel('cluster="a"')]).cpuUsage(udf, window)).toEqual(await new EmbeddedSource(a).cpuUsage(udf, window));
    expect(await new EmbeddedSource(both, [sel('cluster="c"')]).cpuUsage(udf, window)).toEqual([]);
  });

  describe('a real Prometheus holding both', () => {
    let server: RunningPrometheus;
    beforeAll(async () => {
      server = await startPrometheus({ dataset: both });
    }, 300_000);
    afterAll(async () => server?.stop());

    it('gives cluster a the steady answer and cluster b the OOM kill, like the embedded path', async () => {
      const forA = new PrometheusSource({ url: server.url, selectors: [sel('cluster="a"')] });
      const forB = new PrometheusSource({ url: server.url, selectors: [sel('cluster=~"b"')] });
      expect(await oomPods(forA)).toEqual([]);
      expect(await oomPods(forB)).toEqual(await oomPods(new EmbeddedSource(b)));
      expect(await oomPods(forB)).toHaveLength(1);
      const cpuA = await forA.cpuUsage(udf, window);
      const expected = await new EmbeddedSource(a).cpuUsage(udf, window);
      expect(cpuA.map((p) => p.pod)).toEqual(expected.map((p) => p.pod));
      cpuA.forEach((p, i) => expect(p.p95).toBeCloseTo(expected[i].p95, 9));
      expect(await new PrometheusSource({ url: server.url, selectors: [sel('cluster="c"')] }).cpuUsage(udf, window)).toEqual([]);
    });
  });
});
