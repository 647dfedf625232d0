/**
 * Progress a person can follow: one line per step by default, one line per query with its
 * elapsed time under --verbose, a hint to raise --timeout for a query that took more than
 * half of it, and nothing at all under --quiet.
 */
import { progressReporter } from '../../src/cli/soak-inputs';

function run(mode: 'quiet' | 'normal' | 'verbose'): string {
  let text = '';
  const r = progressReporter(mode, { write: (t: string) => (text += t) });
  r.step('measuring batch-cat/udf (pipeline.batchMap.udf) [3/9]');
  r.queryDone({ what: 'cpu p95/p99/peak batch-map-soak-batch-cat-*-*/udf', elapsedMs: 420, timeoutMs: 30_000, ok: true });
  r.queryDone({ what: 'throughput batch-map-soak/in', elapsedMs: 17_250, timeoutMs: 30_000, ok: true });
  r.queryDone({ what: 'back pressure', elapsedMs: 30_001, timeoutMs: 30_000, ok: false });
  return text;
}

describe('progress on stderr', () => {
  it('prints steps and slow-query hints by default, not every query', () => {
    expect(run('normal')).toBe(
      'measuring batch-cat/udf (pipeline.batchMap.udf) [3/9]\n' +
        '  slow query: throughput batch-map-soak/in took 17.25s of the 30s --timeout; raise --timeout if queries start to time out\n',
    );
  });

  it('adds every query with its elapsed time under --verbose', () => {
    const lines = run('verbose').split('\n');
    expect(lines).toContain('  query: cpu p95/p99/peak batch-map-soak-batch-cat-*-*/udf (0.42s)');
    expect(lines).toContain('  query: throughput batch-map-soak/in (17.25s)');
    expect(lines).toContain('  query: back pressure (30.00s, failed)');
    expect(lines.filter((l) => l.startsWith('  slow query:'))).toHaveLength(1);
  });

  it('prints nothing under --quiet', () => {
    expect(run('quiet')).toBe('');
  });
});
