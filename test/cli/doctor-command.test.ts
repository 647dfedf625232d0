/**
 * `numaflow-soak doctor`, run in-process through `main` (output captured), on the embedded
 * dataset: everything there (exit 0), a wrong namespace and a window reaching before the
 * data (exit 6, with their causes), the version line, the JSON shape, the help text, and a
 * Prometheus that cannot be reached (exit 4). The causes on altered datasets are tested in
 * test/recommend/doctor.test.ts, the Prometheus path in test/recommend/inventory.test.ts.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DOCTOR_SPEC } from '../../src/cli/doctor-command';
import { main } from '../../src/cli/main';
import { SOURCE_OPTIONS } from '../../src/cli/soak-inputs';
import { capture, tempDir } from '../support/diff';

const doctor = (...argv: string[]) => capture(() => main(['doctor', ...argv]));

describe('numaflow-soak doctor', () => {
  it('--embedded: everything the verdict and recommend need is there (exit 0), with the version line and a row per family and pod group', async () => {
    const { code, stdout, stderr } = await doctor('--embedded');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('### numaflow-soak doctor: all 73 series groups the verdict and recommend need are there');
    expect(stdout).toContain('Data: embedded:soak-steady-5d-120s-seed1817, 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z, step 60s. Namespace `numaflow-soak`, pipeline `batch-map-soak`, buffer `soak-isb`.');
    expect(stdout).toContain('Numaflow version: v1.8.3 (build_info of the pipeline daemon), the version the metrics contract holds for.');
    expect(stdout).toContain('| family | pods | status | series | first | last | scrape | needed by |');
    expect(stdout).toContain('|  | batch-cat | ✅ ok | 60 on 18 pods | 2025-07-01T00:11:00Z | 2025-07-06T00:00:00Z | 120s |  |');
    expect(stdout).toContain('| `isb_jetstream_buffer_pending` | buffers | ✅ ok | 13 on 13 buffers |');
    expect(stdout).toContain('| `forwarder_critical_error_total` | in | ✅ none counted | 0 | — | — | — | verdict: errors |');
    expect(stdout).toContain('Lazy counters without series (fine):');
    expect(stdout).toContain(
      '- `forwarder_drop_total` (in, batch-cat, out), `forwarder_read_error_total` (in, batch-cat, out), `forwarder_write_error_total` (in, batch-cat, out), `forwarder_udf_error_total` (in, batch-cat, out), `forwarder_critical_error_total` (in, batch-cat, out), `isb_jetstream_read_error_total` (buffers)',
    );
    expect(stdout).not.toContain('❌');
    expect(stdout).toContain('Reproduce: `npx numaflow-soak doctor --embedded --start 2025-07-01T00:00:00Z --end 2025-07-06T00:00:00Z --warm-up 10m`');
    expect(stderr).toContain('doctor: embedded:soak-steady-5d-120s-seed1817, 2025-07-01T00:10:00Z (after a 600s warm-up) to 2025-07-06T00:00:00Z, step 60s\n');
    expect(stderr).toContain('taking inventory of 26 series families over 74 pod groups\n');
  });

  it('--namespace wrong-ns: exit 6, every row missing, the cause named "wrong namespace"', async () => {
    const { code, stdout } = await doctor('--embedded', '--namespace', 'wrong-ns', '--quiet');
    expect(code).toBe(6);
    expect(stdout.split('\n')[0]).toBe('### numaflow-soak doctor: MISSING DATA: 73 of 73 series groups');
    expect(stdout).toContain('- wrong namespace: nothing at all in namespace "wrong-ns" in the window 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z');
    expect(stdout).toContain('Numaflow version: unknown: no build_info of the pipeline daemon in the window (wrong namespace); the metrics contract holds for Numaflow v1.8.3.');
  });

  it('a window starting before the data: exit 6, retention shorter than the window', async () => {
    const { code, stdout } = await doctor('--embedded', '--start', '2025-06-28T00:00:00Z', '--warm-up', '0s', '--quiet');
    expect(code).toBe(6);
    expect(stdout).toContain(
      '- retention shorter than the window: the oldest sample of any needed series is at 2025-06-30T23:51:00Z, 2d 23h 51m after the window start (2025-06-28T00:00:00Z)',
    );
    expect(stdout).toMatch(/\| `up` \| in \| ❌ partial \| 10 on 10 pods \| 2025-06-30T23:51:00Z \|/);
  });

  it('--format json --output: the documented shape, written to the file', async () => {
    const file = path.join(tempDir(), 'doctor.json');
    const { code, stdout } = await doctor('--embedded', '--format', 'json', '--output', file, '--quiet');
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'source', 'window', 'names', 'ok', 'version', 'problems', 'rows']);
    expect(doc).toMatchObject({ schemaVersion: 1, ok: true, problems: [], version: { status: 'contract', seen: ['v1.8.3'], contract: 'v1.8.3' } });
    expect(doc.rows).toHaveLength(74);
    expect(doc.rows.find((r: { family: string; group: string }) => r.family === 'up' && r.group === 'out')).toEqual({
      family: 'up',
      group: 'out',
      groupTitle: 'out pods',
      selector: 'up{namespace="numaflow-soak",pod=~"^batch-map-soak-out-\\\\d+-[a-z0-9]{5}$"}',
      lazy: false,
      required: true,
      usedBy: ['verdict: errors, back-pressure (proof that a missing counter is zero)'],
      series: 6,
      by: 'pod',
      values: expect.arrayContaining([expect.stringMatching(/^batch-map-soak-out-\d-[a-z0-9]{5}$/)]),
      firstSeen: '2025-07-01T00:11:00Z',
      lastSeen: '2025-07-06T00:00:00Z',
      scrapeIntervalSeconds: 120,
      status: 'ok',
      problem: false,
    });
  });

  it('exits 4 when nothing listens at the Prometheus URL', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { code, stdout, stderr } = await doctor('--prometheus-url', `http://127.0.0.1:${port}`, '--quiet', '--timeout', '5s');
    expect(code).toBe(4);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^numaflow-soak doctor: data source unavailable: .*ECONNREFUSED/);
  });

  it('needs a data source, and its help lists every option it takes (the shared ones but --target) and the exit codes', async () => {
    const none = await doctor();
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('numaflow-soak doctor: no data source: give --prometheus-url <url>');
    const { code, stdout } = await doctor('--help');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('usage: numaflow-soak doctor [options]');
    for (const option of Object.keys(SOURCE_OPTIONS).filter((o) => o !== 'target')) expect(stdout).toContain(`--${option}`);
    expect(Object.keys(DOCTOR_SPEC.options)).not.toContain('target');
    expect(stdout).not.toContain('--target');
    expect(stdout).toContain('exit codes: 0 everything needed is there, 6 something is missing or does not cover the window, 4 data source unreachable');
    const usage = await capture(() => main(['help']));
    expect(usage.stdout).toContain('  doctor    check that the data source holds every series verdict and recommend need');
  });
});
