/**
 * Prometheus answers that are well-formed HTTP but wrong (issue 10): JSON of the wrong shape,
 * an endless body, NaN or infinite statistics, and a --timeout no timer can hold. Each runs
 * `numaflow-soak recommend` or `verdict` in-process against a small node:http server and
 * checks the exit code and a one-line message without stack frames.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { main } from '../../src/cli/main';
import { MAX_RESPONSE_BYTES } from '../../src/recommend/http-transport';
import { SourceUnavailableError } from '../../src/recommend/metrics';
import { PrometheusSource } from '../../src/recommend/prometheus';
import { capture } from '../support/diff';

/** A server answering every request with `answer(path, form)`'s JSON, or handling it itself. */
async function withServer<T>(handler: http.RequestListener, body: (url: string) => Promise<T>): Promise<T> {
  const srv = http.createServer(handler);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  try {
    return await body(url);
  } finally {
    srv.closeAllConnections();
    await new Promise((resolve) => srv.close(resolve));
  }
}

/** Answers instant queries with `vector` and range queries with `matrix` JSON. */
function json(vector: unknown, matrix: unknown = { resultType: 'matrix', result: [] }): http.RequestListener {
  return (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: req.url?.includes('query_range') ? matrix : vector }));
    });
  };
}

const run = (command: string, url: string, ...extra: string[]) => capture(() => main([command, '--prometheus-url', url, '--quiet', '--timeout', '10s', ...extra]));

function expectClean(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at .*:\d+/);
  expect(stderr).not.toMatch(/TypeError|ReferenceError/);
}

describe('Prometheus answers of the wrong shape: exit 4, naming the URL and what was malformed', () => {
  const T = 1751328000;
  it.each([
    ['data.result is null', { resultType: 'vector', result: null }, /data\.result is null, not a list of samples/],
    ['a vector sample without value', { resultType: 'vector', result: [{ metric: { pod: 'p' } }] }, /sample 0 has no value/],
    ['a value that is not a [time, string] pair', { resultType: 'vector', result: [{ metric: {}, value: 42 }] }, /sample 0 has value 42, not a \[time, "number"\] pair/],
    ['a value string that is not a number', { resultType: 'vector', result: [{ metric: {}, value: [T, 'lots'] }] }, /sample 0 has value \[1751328000,"lots"\], not a \[time, "number"\] pair/],
    ['data that is null', null, /not a Prometheus API answer/],
  ])('%s', async (_name, data, message) => {
    await withServer(json(data), async (url) => {
      const { code, stderr } = await run('verdict', url);
      expect(code).toBe(4);
      expect(stderr).toMatch(message);
      expect(stderr).toContain(`Prometheus at ${url}`);
      expectClean(stderr);
    });
  });

  it.each([
    ['a matrix series without values', { resultType: 'matrix', result: [{ metric: {} }] }, /query_range sent a malformed answer: series 0 has no values/],
    ['a matrix point that is not a pair', { resultType: 'matrix', result: [{ metric: {}, values: [[T]] }] }, /series 0 point 0 is \[1751328000\], not a \[time, "number"\] pair/],
    ['a matrix result that is null', { resultType: 'matrix', result: null }, /query_range sent a malformed answer: data\.result is null, not a list of series/],
  ])('%s', async (_name, matrix, message) => {
    // Instant queries answer empty, so the first range query meets the malformed matrix.
    await withServer(json({ resultType: 'vector', result: [] }, matrix), async (url) => {
      const { code, stderr } = await run('verdict', url);
      expect(code).toBe(4);
      expect(stderr).toMatch(message);
      expect(stderr).toContain(`Prometheus at ${url}/api/v1/query_range`);
      expectClean(stderr);
    });
  });
});

describe('an endless answer', () => {
  it(`is cut at MAX_RESPONSE_BYTES (${MAX_RESPONSE_BYTES / 1024 / 1024} MiB): exit 4 naming the cap`, async () => {
    const chunk = Buffer.alloc(1024 * 1024, ' ');
    await withServer(
      (req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"status":"success","data":');
        const more = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', more);
        };
        res.on('error', () => undefined);
        more();
      },
      async (url) => {
        const { code, stderr } = await run('verdict', url);
        expect(code).toBe(4);
        expect(stderr).toContain(`Prometheus at ${url}/api/v1/query sent an answer larger than the 64 MiB cap (MAX_RESPONSE_BYTES)`);
        expectClean(stderr);
      },
    );
  }, 30_000);
});

describe('an endless answer through an injected fetch (Node\'s own)', () => {
  it('is cut at the same cap: SourceUnavailableError naming it', async () => {
    const chunk = Buffer.alloc(1024 * 1024, ' ');
    await withServer(
      (req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' });
        const more = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', more);
        };
        res.on('error', () => undefined);
        more();
      },
      async (url) => {
        const source = new PrometheusSource({ url, fetchImpl: fetch, timeoutMs: 20_000 });
        const error = await source.backPressureEvents({ namespace: 'ns', bufferPattern: '.*' }, { start: 0, end: 3600, stepSeconds: 60 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SourceUnavailableError);
        expect((error as Error).message).toBe(
          `Prometheus at ${url}/api/v1/query sent an answer larger than the 64 MiB cap (MAX_RESPONSE_BYTES); narrow the query (--selector, a shorter --history-duration or a longer --step) (back pressure .*)`,
        );
      },
    );
  }, 30_000);
});

describe('--timeout beyond what a timer holds', () => {
  it.each(['recommend', 'verdict'])('%s: a usage error naming the flag and the maximum (exit 1)', async (command) => {
    const { code, stdout, stderr } = await capture(() => main([command, '--prometheus-url', 'http://127.0.0.1:9', '--timeout', '25d']));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `numaflow-soak ${command}: option '--timeout' must be at most 2147483647 ms (about 24.8 days, the longest timer Node can set; got '25d')\n`,
    );
  });
});

/**
 * Answers every query with one sample (or one-point series) per `stat` the query tags (`""`
 * for an untagged query: the CPU, memory and memory-trend reads), for one pod's udf
 * container of the batch-cat vertex, valued `value(stat)`; `undefined` leaves the stat out.
 */
function perStat(value: (stat: string) => string | undefined): http.RequestListener {
  return (req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const range = req.url?.includes('query_range') ?? false;
      const stats = [...(form.get('query') ?? '').matchAll(/"stat", "(\w+)"/g)].map((m) => m[1]);
      const result = (stats.length > 0 ? stats : ['']).flatMap((stat) => {
        const v = value(stat);
        if (v === undefined) return [];
        const metric = { pod: 'batch-map-soak-batch-cat-0-abcde', container: 'udf', vertex: 'batch-cat', ...(stat ? { stat } : {}) };
        return [range ? { metric, values: [[Number(form.get('start')), v]] } : { metric, value: [Number(form.get('time')), v] }];
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: range ? 'matrix' : 'vector', result } }));
    });
  };
}

describe('NaN or infinite statistics: never a pass or a size', () => {
  it.each([
    ['NaN', 'NaN'],
    ['+Inf', 'Infinity'],
  ])('recommend: a %s CPU point is exit 4 naming the pod, the time and the value', async (value, shown) => {
    // The untagged reads are CPU, memory and the memory trend; the trend needs 2 points, so only the usage reads see it.
    await withServer(perStat((stat) => (stat === '' ? value : '0')), async (url) => {
      const { code, stdout, stderr } = await run('recommend', url);
      expect(code).toBe(4);
      expect(stdout).toBe('');
      expect(stderr).toMatch(
        new RegExp(`^numaflow-soak recommend: data source unavailable: Prometheus at ${url.replace(/\./g, '\\.')} answered ${shown} for pod batch-map-soak-batch-cat-0-abcde at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\((cpu|memory) p95/p99/peak .*\\): not a usable measurement\n$`),
      );
      expectClean(stderr);
    });
  });

  it('recommend: NaN everywhere is exit 4 at the first counted figure (restarts), nothing sized', async () => {
    await withServer(perStat(() => 'NaN'), async (url) => {
      const { code, stdout, stderr } = await run('recommend', url);
      expect(code).toBe(4);
      expect(stderr).toContain('answered NaN for restarts of pod batch-map-soak-batch-cat-0-abcde');
      expect(stdout).not.toContain('→');
      expectClean(stderr);
    });
  });

  it('recommend: no CPU or memory series is no data (exit 6), nothing sized', async () => {
    await withServer(perStat((stat) => (stat === '' ? undefined : '0')), async (url) => {
      const { code, stdout, stderr } = await run('recommend', url);
      expect(code).toBe(6);
      expect(stdout).toContain('pipeline.batchMap.udf (batch-cat/udf): no CPU or memory data in the window');
      expect(stdout).not.toContain('→');
      expectClean(stderr);
    });
  });

  it.each([
    ['restarts', (stat: string) => (stat.endsWith('restarts') ? '+Inf' : '0'), 'answered Infinity for restarts of pod batch-map-soak-batch-cat-0-abcde (restarts '],
    ['an error counter', (stat: string) => (stat === 'forwarder_critical_error_total' ? '+Inf' : '0'), 'answered Infinity for forwarder_critical_error_total (error counters batch-map-soak)'],
    ['a throttled ratio', (stat: string) => (stat === 'ratio' ? '+Inf' : '0'), 'answered Infinity for throttled ratio (cpu throttling '],
  ])('verdict: +Inf %s is exit 4 naming it, not a pass', async (_name, value, message) => {
    await withServer(perStat(value), async (url) => {
      const { code, stdout, stderr } = await run('verdict', url);
      expect(code).toBe(4);
      expect(stdout).not.toContain('✅ pass');
      expect(stderr).toContain(`numaflow-soak verdict: data source unavailable: Prometheus at ${url} ${message}`);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expectClean(stderr);
    });
  });
});
