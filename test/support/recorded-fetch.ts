/**
 * A fetch for PrometheusSource that records every request and answers as a Prometheus whose
 * soak recording rules cover the window (or not): the recording-rule coverage check
 * (PrometheusSource.checkRecorded) gets a count for every selector it tags, so the source
 * reads the recorded series; with `throttled`, the whole-window throttling query reports one
 * throttled container, so the 5-minute peaks are read too (and, covered, the recorded peak
 * query answers for it). Every other query: no series.
 * For tests of which queries are sent (query-plan.test.ts, the metrics contract); what the
 * answers mean is checked on a real Prometheus (test/recommend/recording-rules.test.ts).
 */
export interface SentRequest {
  readonly path: string;
  readonly query: string;
  /** `time`, or `start:end:step`. */
  readonly at: string;
}

export function recordedRulesFetch(options: { readonly covered: boolean; readonly throttled?: { readonly pod: string; readonly container: string } }): { fetchImpl: typeof fetch; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    const form = new URLSearchParams(String(init?.body ?? ''));
    const path = new URL(String(url)).pathname;
    const query = form.get('query') ?? '';
    sent.push({ path, query, at: form.get('time') ?? `${form.get('start')}:${form.get('end')}:${form.get('step')}` });
    const range = path.endsWith('/query_range');
    const time = Number(form.get('time'));
    let result: unknown[] = [];
    if (!range && query.includes('count_over_time((count(namespace_pod_container:')) {
      // One sample per tagged selector: far more points than the window has (clamped to 100%), or none.
      const tags = [...query.matchAll(/"stat", "(\w+)", "", ""\), "sel", "(\d+)"/g)];
      result = options.covered ? tags.map(([, stat, sel]) => ({ metric: { stat, sel }, value: [time, '1000000'] })) : [];
    } else if (!range && options.throttled && query.includes('container_cpu_cfs_throttled_periods_total') && query.includes('"stat", "ratio"')) {
      result = [{ metric: { ...options.throttled, stat: 'ratio' }, value: [time, '0.5'] }];
    } else if (!range && options.throttled && options.covered && query.startsWith('max_over_time((max by (pod, container) (namespace_pod_container:container_cpu_cfs_throttled')) {
      // The recorded 5-minute peak of the throttled container.
      result = [{ metric: { ...options.throttled }, value: [time, '0.6'] }];
    }
    return new Response(JSON.stringify({ status: 'success', data: { resultType: range ? 'matrix' : 'vector', result } }), { status: 200 });
  }) as typeof fetch;
  return { fetchImpl, sent };
}
