/**
 * `numaflow-soak recommend` and `numaflow-soak verdict`, run in-process through `main`
 * (output captured), on the embedded datasets; `--write` runs against a temporary copy of
 * stacks/.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { soakGateMessage } from '../../src/cli/recommend-command';
import { readProvenanceFile } from '../../src/diff/provenance-file';
import { capture, tempDir, tempProject } from '../support/diff';
import { ROOT } from '../support/synth';

/** The embedded dataset unless the call names its source (or asks for help). */
const withSource = (argv: string[]) => (argv.some((a) => ['--prometheus-url', '--scenario', '--embedded', '--help'].includes(a)) ? argv : ['--embedded', ...argv]);
const recommend = (...argv: string[]) => capture(() => main(['recommend', ...withSource(argv)]));
const verdict = (...argv: string[]) => capture(() => main(['verdict', ...withSource(argv)]));

describe('an explicit data source', () => {
  it.each(['recommend', 'verdict'])('%s with neither --prometheus-url nor --embedded is a usage error naming both (exit 1)', async (command) => {
    const { code, stdout, stderr } = await capture(() => main([command]));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `numaflow-soak ${command}: no data source: give --prometheus-url <url> to read a soak from Prometheus, or --embedded to use the embedded dataset (a model of the soak)\n`,
    );
  });

  it('adds --selector to every query: a cluster the data does not hold has no data (exit 6); a bad matcher is a usage error', async () => {
    const none = await capture(() => main(['verdict', '--embedded', '--quiet', '--selector', 'cluster="prod-eu"']));
    expect(none.code).toBe(6);
    expect(none.stdout).not.toContain('✅ pass');
    const bad = await capture(() => main(['recommend', '--embedded', '--selector', 'cluster=prod-eu']));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      `numaflow-soak recommend: option '--selector' expects a label matcher such as cluster="prod-eu" or cluster=~"prod-.*": the value must be a double-quoted string (got prod-eu)\n`,
    );
  });

  it('takes --scenario as --embedded', async () => {
    const { code, stdout } = await capture(() => main(['verdict', '--scenario', 'oom', '--quiet']));
    expect(code).toBe(5);
    expect(stdout).toContain('Data: embedded:soak-oom-5d-120s-seed1817');
  });
});

describe('numaflow-soak recommend', () => {
  it('recommends from the embedded default with no Prometheus: exit 0, a Markdown table on stdout, progress on stderr', async () => {
    const { code, stdout, stderr } = await recommend();
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('### numaflow-soak recommend: 8 container(s) resized');
    // The first 10 minutes are the default warm-up.
    expect(stdout).toContain('Data: embedded:soak-steady-5d-120s-seed1817, 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z, every 60s. Target 50,000 msg/s.');
    expect(stdout).toContain('| container | status | requests (cpu / memory) | limits (cpu / memory) | basis |');
    expect(stdout).toContain('| batch-cat/udf | changed | 2 / 8Gi → **1720m / 100Mi** | 4 / 16Gi → **2080m / 100Mi** |');
    expect(stdout).toContain('| batch-cat | changed | 18-18 → **18-23** |');
    expect(stdout).toContain('- buffer volume (could-shrink):');
    expect(stdout).toContain('Reproduce: `npx numaflow-soak recommend --embedded --start 2025-07-01T00:00:00Z --end 2025-07-06T00:00:00Z --warm-up 10m`');
    expect(stderr).toContain('recommend: embedded:soak-steady-5d-120s-seed1817, 2025-07-01T00:10:00Z (after a 600s warm-up) to 2025-07-06T00:00:00Z, step 60s\n');
    expect(stderr).toContain('measuring batch-cat/udf (pipeline.batchMap.udf) [4/9]');
  });

  it('prints the documented JSON with --format json', async () => {
    const { code, stdout } = await recommend('--embedded', '--format', 'json', '--quiet');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'source', 'window', 'names', 'target', 'insufficientData', 'reasons', 'series', 'policy', 'containers', 'replicas', 'partitions', 'volume', 'verdict']);
    // The embedded dataset has no recording rules: nothing to say about them.
    expect(doc.series).toEqual([]);
    expect(doc.verdict).toEqual({ passed: true, insufficientData: false, window: doc.window, checks: 11, lines: [] });
    expect(doc.schemaVersion).toBe(1);
    expect(doc.insufficientData).toBe(false);
    const udf = doc.containers.find((c: { path: string }) => c.path === 'pipeline.batchMap.udf');
    expect(udf).toMatchObject({
      label: 'batch-cat/udf',
      container: 'udf',
      role: 'user',
      status: 'changed',
      current: { requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '16Gi' } },
      recommended: { requests: { cpu: '1720m', memory: '100Mi' }, limits: { cpu: '2080m', memory: '100Mi' } },
      basis: { cpu: { statistic: 'p95', percentile: 95, headroomPercent: 20, samples: 7191, pods: 18 }, memory: { statistic: 'peak', percentile: 100, headroomPercent: 15 } },
      flags: ['memory-floor'],
    });
    expect(doc.replicas.map((x: { vertex: string; recommended: unknown }) => [x.vertex, x.recommended])).toEqual([
      ['in', { min: 10, max: 10 }],
      ['batch-cat', { min: 18, max: 23 }],
      ['out', { min: 6, max: 8 }],
    ]);
    expect(doc.volume).toMatchObject({ current: '40Gi', recommended: '4Gi', status: 'could-shrink', requiresRecreate: true });
    expect(doc.partitions).toMatchObject({ current: 12, status: 'ok' });
  });

  it('exits 6 naming every container without data and the selector it was measured with', async () => {
    const { code, stderr } = await recommend('--quiet', '--namespace', 'wrong-ns');
    expect(code).toBe(6);
    expect(stderr).toContain('numaflow-soak recommend: too little data, nothing recommended:\n');
    expect(stderr).toContain('  - pipeline.daemon (daemon/numa): no CPU or memory data in the window; measured with container_cpu_usage_seconds_total{namespace="wrong-ns",pod=~"^batch-map-soak-daemon-[a-z0-9]+-[a-z0-9]{5}$",container="numa"}');
    expect(stderr).toContain('  - pipeline.sink.scale: 0 throughput samples, fewer than 100; measured with forwarder_data_read_total{namespace="wrong-ns",pipeline="batch-map-soak",vertex="out"}');
  });

  it('exits 6 with nothing written when the window is too short to size from', async () => {
    const root = tempProject();
    const before = fs.readFileSync(path.join(root, 'stacks', 'Pulumi.rightsized.yaml'), 'utf8');
    const { code, stdout, stderr } = await recommend('--history-duration', '2h', '--write', '--root', root, '--quiet');
    expect(code).toBe(6);
    expect(stdout).toContain('**Too little data: nothing is recommended or written.**');
    expect(stderr).toBe('numaflow-soak recommend: too little data, nothing recommended or written: the window is 1.8 h; the policy needs at least 24 h of history\n');
    expect(fs.readFileSync(path.join(root, 'stacks', 'Pulumi.rightsized.yaml'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(root, 'stacks', 'Pulumi.rightsized.provenance.json'))).toBe(false);
  });

  it('exits 4 with one line when the Prometheus cannot be reached', async () => {
    const { code, stdout, stderr } = await recommend('--prometheus-url', 'http://127.0.0.1:9', '--quiet', '--timeout', '5s');
    expect(code).toBe(4);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).toMatch(/^numaflow-soak recommend: data source unavailable: .*127\.0\.0\.1:9.*\n$/);
  });

  it('--write updates the rightsized stack and its provenance; a second run changes nothing', async () => {
    const root = tempProject();
    const file = path.join(root, 'stacks', 'Pulumi.rightsized.yaml');
    // Start from the hand-written rightsized stack the recommender first replaced.
    fs.copyFileSync(path.join(__dirname, '..', 'fixtures', 'provisional-rightsized.yaml'), file);
    const provenance = path.join(root, 'stacks', 'Pulumi.rightsized.provenance.json');
    const first = await recommend('--write', '--root', root, '--quiet', '--output', path.join(tempDir(), 'r.md'));
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/wrote .*Pulumi\.rightsized\.yaml \(33 values changed\) and .*Pulumi\.rightsized\.provenance\.json\n$/);
    const [yaml, json] = [fs.readFileSync(file, 'utf8'), fs.readFileSync(provenance, 'utf8')];
    const second = await recommend('--write', '--root', root, '--quiet');
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/\(0 values changed\)/);
    expect(fs.readFileSync(file, 'utf8')).toBe(yaml);
    expect(fs.readFileSync(provenance, 'utf8')).toBe(json);
    // The steady soak passed its verdict, and the provenance records it.
    const window = { start: '2025-07-01T00:10:00Z', end: '2025-07-06T00:00:00Z', stepSeconds: 60 };
    expect(readProvenanceFile(provenance).verdict).toEqual({ passed: true, insufficientData: false, window, checks: 11, lines: [] });
    // The diff report reads the provenance back without complaint, and says the soak passed.
    const diff = await capture(() => main(['diff', '--root', root, '--format', 'json']));
    expect(diff.stderr).not.toContain('provenance');
    const doc = JSON.parse(diff.stdout);
    expect(doc.provenance.source).toBe('embedded:soak-steady-5d-120s-seed1817');
    expect(doc.provenance.verdict).toEqual({ passed: true, insufficientData: false, window, checks: 11, lines: [] });
    expect(doc.risks.map((r: { code: string }) => r.code)).not.toContain('soak-verdict-failed');
    const markdown = await capture(() => main(['diff', '--root', root]));
    expect(markdown.stdout.split('\n')[2]).toBe('✅ sized from a soak that passed its verdict (11 checks, 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z).');
  });

  it('sizes from a non-default policy given on the command line', async () => {
    const { stdout } = await recommend('--quiet', '--format', 'json', '--cpu-headroom', '50', '--cpu-percentile', '99', '--cpu-limit', 'ratio');
    const doc = JSON.parse(stdout);
    expect(doc.policy).toMatchObject({ cpuHeadroomPercent: 50, cpuPercentile: 0.99, cpuLimitPolicy: 'ratio' });
    const udf = doc.containers.find((c: { path: string }) => c.path === 'pipeline.batchMap.udf');
    expect(udf.basis.cpu.statistic).toBe('p99');
  });

  it.each([
    [['--embedded', '--prometheus-url', 'http://x:9090'], 'numaflow-soak recommend: --prometheus-url and --embedded are two sources; give one'],
    [['--history-duration', '5 days'], "numaflow-soak recommend: option '--history-duration' expects a duration such as 5d, 36h, 90m or 60s (got '5 days')"],
    [['--start', 'yesterday'], "numaflow-soak recommend: option '--start' expects an ISO 8601 time (2025-07-01T00:00:00Z) or unix seconds (got 'yesterday')"],
    [['--start', '2025-07-02T00:00:00Z', '--history-duration', '1d'], 'numaflow-soak recommend: give --start (and --end) or --history-duration, not both'],
    [['--cpu-percentile', '90'], "numaflow-soak recommend: option '--cpu-percentile' expects one of 95, 99, 100 (got '90')"],
    [['--prometheus-url', 'prometheus:9090'], "numaflow-soak recommend: --prometheus-url expects an http(s) URL (got 'prometheus:9090')"],
  ])('refuses %j with one line, exit 1', async (argv, message) => {
    const { code, stdout, stderr } = await recommend(...argv);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${message}\n`);
  });

  it('is listed in the usage, with --help of its own', async () => {
    const usage = await capture(() => main(['help']));
    expect(usage.stdout).toContain('  recommend right-size the soaked plan');
    expect(usage.stdout).toContain('  verdict   judge the soak');
    const help = await recommend('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: numaflow-soak recommend [options]');
    expect(help.stdout).toContain('--prometheus-url <url>');
    expect(help.stdout).toContain(
      'exit codes: 0 ok, 1 error, 4 data source unreachable or erroring, or a measurement beyond the node shape (nothing written), 5 --write after a soak that failed its verdict (nothing written), 6 too little data to recommend, or with --write to judge the soak (nothing written)',
    );
    expect(help.stdout).toContain('--allow-failed-soak');
  });
});

/**
 * A temporary project holding this project's stack files and committed provenance, and a
 * snapshot of every byte under its stacks/ (file names included), to show nothing was written.
 */
function gatedProject(): { root: string; snapshot: () => Record<string, string> } {
  const root = tempProject();
  const stacks = path.join(root, 'stacks');
  fs.copyFileSync(path.join(ROOT, 'stacks', 'Pulumi.rightsized.provenance.json'), path.join(stacks, 'Pulumi.rightsized.provenance.json'));
  const snapshot = () => Object.fromEntries(fs.readdirSync(stacks).sort().map((f) => [f, fs.readFileSync(path.join(stacks, f), 'utf8')]));
  return { root, snapshot };
}

/** What each failing embedded scenario fails on: the refusal and every report name these lines. */
const FAILED_SCENARIOS = [
  ['oom', [/^restarts: 1 \(batch-cat\/udf 1\)$/, /^oom-kills: 1 container\(s\) OOM-killed \(batch-cat\/udf 1\)$/]],
  ['backpressure', [/^back-pressure: [\d,]+ buffer-full write attempt\(s\)$/]],
] as const;

describe('the verdict gate on recommend --write', () => {
  it.each(FAILED_SCENARIOS)('refuses to write after the %s soak failed its verdict: exit 5, the failing lines and the flag named, nothing written', async (scenario, failing) => {
    const { root, snapshot } = gatedProject();
    const before = snapshot();
    const { code, stdout, stderr } = await recommend('--scenario', scenario, '--write', '--root', root, '--quiet');
    expect(code).toBe(5);
    expect(snapshot()).toEqual(before);
    const lines = stderr.split('\n');
    expect(lines[0]).toBe('numaflow-soak recommend: not writing: the soak FAILED its verdict (2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z):');
    const named = lines.filter((l) => l.startsWith('  - ')).map((l) => l.slice(4));
    expect(named).toHaveLength(failing.length);
    failing.forEach((pattern, i) => expect(named[i]).toMatch(pattern));
    expect(stderr).toContain('or pass --allow-failed-soak to write anyway\n');
    expect(stderr).not.toContain('wrote');
    // The recommendation still prints, the failed verdict first.
    expect(stdout.split('\n')[2]).toMatch(/^⚠️ \*\*The soak FAILED its verdict\*\*, so these sizes come from a run that did not hold up: /);
  });

  it('prints the recommendation without --write, saying first that the soak failed its verdict (exit 0)', async () => {
    const { code, stdout } = await recommend('--scenario', 'oom', '--quiet');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('### numaflow-soak recommend: 8 container(s) resized');
    expect(lines[2]).toBe(
      '⚠️ **The soak FAILED its verdict**, so these sizes come from a run that did not hold up: restarts: 1 (batch-cat/udf 1); oom-kills: 1 container(s) OOM-killed (batch-cat/udf 1). `--write` refuses these sizes without `--allow-failed-soak`; `numaflow-soak verdict` shows every check.',
    );
    expect(lines[4]).toMatch(/^Data: /);
    const json = JSON.parse((await recommend('--scenario', 'oom', '--quiet', '--format', 'json')).stdout);
    expect(json.verdict).toMatchObject({ passed: false, insufficientData: false, checks: 11, lines: [{ check: 'restarts', status: 'fail' }, { check: 'oom-kills', status: 'fail' }] });
  });

  it.each(FAILED_SCENARIOS)('writes after the %s soak with --allow-failed-soak, and the provenance, the diff and its risk flag say the soak FAILED', async (scenario, failing) => {
    const { root } = gatedProject();
    const { code, stderr } = await recommend('--scenario', scenario, '--write', '--allow-failed-soak', '--root', root, '--quiet');
    expect(code).toBe(0);
    expect(stderr).toMatch(/^numaflow-soak recommend: the soak FAILED its verdict \(2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z\); writing anyway \(--allow-failed-soak\), and the provenance records it:\n/);
    expect(stderr).toMatch(/\nwrote .*Pulumi\.rightsized\.yaml \(\d+ values? changed\) and .*Pulumi\.rightsized\.provenance\.json\n$/);

    const verdict = readProvenanceFile(path.join(root, 'stacks', 'Pulumi.rightsized.provenance.json')).verdict!;
    expect(verdict).toMatchObject({ passed: false, insufficientData: false, window: { start: '2025-07-01T00:10:00Z', end: '2025-07-06T00:00:00Z', stepSeconds: 60 }, checks: 11 });
    expect(verdict.lines).toHaveLength(failing.length);
    failing.forEach((pattern, i) => {
      expect(verdict.lines[i].status).toBe('fail');
      expect(`${verdict.lines[i].check}: ${verdict.lines[i].measured}`).toMatch(pattern);
    });

    // The diff's Markdown: the failed verdict under the headline, before any number; a critical risk flag.
    const diff = await capture(() => main(['diff', '--root', root]));
    const lines = diff.stdout.split('\n');
    expect(lines[0]).toBe('### numaflow-soak: soak → rightsized');
    expect(lines[2]).toMatch(/^⚠️ \*\*sized from a soak that FAILED its verdict\*\*: /);
    for (const l of verdict.lines) expect(lines[2]).toContain(`${l.check}: ${l.measured}`);
    expect(lines[2]).toContain('(judged over 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z).');
    expect(diff.stdout).toMatch(/^- 🛑 \*\*critical\*\* `soak-verdict-failed`: the sizes were measured on a soak that FAILED its verdict \(/m);
    expect(diff.stdout.indexOf(lines[2])).toBeLessThan(diff.stdout.indexOf('#### Totals'));
    expect((await capture(() => main(['diff', '--root', root, '--fail-on-risk']))).code).toBe(3);
  });

  it('says the soak FAILED in report.json and the HTML report too', async () => {
    const { root } = gatedProject();
    expect((await recommend('--scenario', 'oom', '--write', '--allow-failed-soak', '--root', root, '--quiet')).code).toBe(0);
    const outdir = path.join(tempDir(), 'dist');
    const { code } = await capture(() => main(['report', '--root', root, '--outdir', outdir]));
    expect(code).toBe(0);
    const doc = JSON.parse(fs.readFileSync(path.join(outdir, 'report.json'), 'utf8'));
    expect(doc.provenance.verdict).toMatchObject({
      passed: false,
      insufficientData: false,
      lines: [
        { check: 'restarts', status: 'fail', measured: '1 (batch-cat/udf 1)' },
        { check: 'oom-kills', status: 'fail', measured: '1 container(s) OOM-killed (batch-cat/udf 1)' },
      ],
    });
    expect(doc.risks[0]).toMatchObject({ code: 'soak-verdict-failed', severity: 'critical' });
    const html = fs.readFileSync(path.join(outdir, 'report.html'), 'utf8');
    expect(html).toContain('<section id="verdict" class="verdict failed" data-outcome="failed" aria-label="Soak verdict">\n<h2>Soak verdict: FAILED</h2>');
    expect(html).toContain('<li class="finding fail" data-check="oom-kills"><code>oom-kills</code> <span class="status">fail</span> 1 container(s) OOM-killed (batch-cat/udf 1)</li>');
    expect(html).toContain('<li class="risk critical" data-code="soak-verdict-failed">');
  });

  it('exits 6 with --namespace wrong-ns --write, writing nothing', async () => {
    const { root, snapshot } = gatedProject();
    const before = snapshot();
    const { code, stderr } = await recommend('--namespace', 'wrong-ns', '--write', '--root', root, '--quiet');
    expect(code).toBe(6);
    expect(stderr).toMatch(/^numaflow-soak recommend: too little data, nothing recommended or written:\n/);
    expect(snapshot()).toEqual(before);
  });

  it('names the lines without data, or the short window, when the verdict has too little data', () => {
    const window = { start: '2025-07-01T00:10:00Z', end: '2025-07-06T00:00:00Z', stepSeconds: 60 };
    const noData = { passed: true, insufficientData: true, window, checks: 11, lines: [{ check: 'latency', status: 'no-data' as const, measured: 'no forwarder_processing_time data' }] };
    expect(soakGateMessage(noData, false)).toBe(
      "numaflow-soak recommend: not writing: the soak's verdict had too little data (2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z):\n" +
        '  - latency (no data): no forwarder_processing_time data\n' +
        'sizes measured on a run that did not hold up are no basis for the plan: fix the soak and run it again (`numaflow-soak verdict` shows every check), or pass --allow-failed-soak to write anyway\n',
    );
    expect(soakGateMessage({ ...noData, lines: [] }, true)).toBe(
      "numaflow-soak recommend: the soak's verdict had too little data (2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z); writing anyway (--allow-failed-soak), and the provenance records it:\n" +
        '  - the window 2025-07-01T00:10:00Z to 2025-07-06T00:00:00Z is too short to judge\n',
    );
  });
});

describe('numaflow-soak verdict', () => {
  it('passes the embedded default soak: exit 0 and one line per check', async () => {
    const { code, stdout } = await verdict('--quiet');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('### numaflow-soak verdict: PASSED');
    expect(stdout).toContain('| restarts | ✅ pass | 0 over 131 pod containers | 0, init containers and sidecars included |');
    expect(stdout).toMatch(/\| throughput \| ✅ pass \| p5 49,\d{3} msg\/s/);
    expect(stdout).toContain('| memory-trend | ✅ pass |');
  });

  it('exits 5 on the OOM scenario, and says so in JSON', async () => {
    const { code, stdout } = await verdict('--quiet', '--scenario', 'oom', '--format', 'json');
    expect(code).toBe(5);
    const doc = JSON.parse(stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, passed: false, insufficientData: false, target: 50000 });
    expect(doc.lines.find((l: { check: string }) => l.check === 'oom-kills')).toMatchObject({ status: 'fail', measured: '1 container(s) OOM-killed (batch-cat/udf 1)' });
  });

  it('exits 5 on the back-pressure scenario, failing the back-pressure line', async () => {
    const { code, stdout } = await verdict('--quiet', '--scenario', 'backpressure');
    expect(code).toBe(5);
    expect(stdout).toMatch(/\| back-pressure \| ❌ fail \| [\d,]+ buffer-full write attempt\(s\) \|/);
  });

  it('exits 6, never passing a line, when the namespace matches nothing; each line names its selector and a hint', async () => {
    const { code, stdout } = await verdict('--quiet', '--namespace', 'wrong-ns');
    expect(code).toBe(6);
    expect(stdout.split('\n')[0]).toBe('### numaflow-soak verdict: TOO LITTLE DATA');
    expect(stdout).not.toContain('✅ pass');
    expect(stdout).toMatch(/- errors: no data \(forwarder\\_\{read,write,udf,critical\}\\_error_total\{namespace="wrong-ns",pipeline="batch-map-soak"\}.*\): no vertex pod was scraped/);
    expect(stdout).toContain('- back-pressure: no data (isb_jetstream_isFull_total{namespace="wrong-ns",buffer=\\~');
  });

  it('skips checks by name only; an unknown name is a usage error naming the choices', async () => {
    const skipped = await verdict('--quiet', '--skip-check', 'memory-trend,backlog');
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain('| memory-trend | ⏭ skipped |');
    const bad = await verdict('--quiet', '--skip-check', 'memory');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("option '--skip-check' got unknown check 'memory'; expected a comma-separated list of: restarts, oom-kills");
  });

  it('judges the start-up without a warm-up: writers count isFull until their first check', async () => {
    const { code, stdout } = await verdict('--quiet', '--warm-up', '0s');
    expect(code).toBe(5);
    expect(stdout).toMatch(/\| back-pressure \| ❌ fail \|/);
  });

  it('exits 6 on a window too short to judge', async () => {
    const { code, stdout } = await verdict('--quiet', '--history-duration', '6h');
    expect(code).toBe(6);
    expect(stdout.split('\n')[0]).toBe('### numaflow-soak verdict: TOO LITTLE DATA');
  });

  it('exits 4 when nothing listens at the Prometheus URL (connection refused)', async () => {
    // A port that was free a moment ago: connecting to it is refused.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { code, stderr } = await verdict('--prometheus-url', `http://127.0.0.1:${port}`, '--quiet', '--timeout', '5s');
    expect(code).toBe(4);
    expect(stderr).toMatch(/^numaflow-soak verdict: data source unavailable: /);
  });
});
