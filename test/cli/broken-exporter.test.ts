/**
 * A broken exporter, for real (issue 10 item 4: "a measured CPU ×1e6 from a broken exporter is
 * written"): a real Prometheus serves a day of the soak in which cAdvisor reports the batch-map
 * udf's CPU counter a million times too high. `recommend --write` must refuse the measurement
 * (exit 4, one line naming the container, the pod and the figure, and the node shape it
 * exceeds) and write nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { generateSoakDataset, type SoakDataset } from '../../src/recommend/dataset';
import { isoTime } from '../../src/recommend/recommend';
import { capture, tempProject } from '../support/diff';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus';

const good = generateSoakDataset({ days: 1 + 900 / 86400, scrapeSeconds: 150, duplicateScrapes: false, podLevelRows: false, start: 1751328000 + 40 * 86400 });
/** The same soak with the udf's CPU counter ×1e6, as a broken exporter would report it. */
const broken: SoakDataset = {
  ...good,
  name: `${good.name}-udf-cpu-x1e6`,
  series: good.series.map((s) =>
    s.metric === 'container_cpu_usage_seconds_total' && s.labels.container === 'udf' ? { ...s, v: s.v.map((x) => x * 1e6) } : s,
  ),
};
const WINDOW = ['--start', isoTime(broken.start), '--end', isoTime(broken.end), '--step', '5m', '--timeout', '60s'];

let server: RunningPrometheus;
beforeAll(async () => {
  expect(broken.series.filter((s) => s.metric === 'container_cpu_usage_seconds_total' && s.labels.container === 'udf').length).toBeGreaterThan(0);
  server = await startPrometheus({ dataset: broken });
}, 180_000);
afterAll(async () => {
  await server?.stop();
});

test('recommend --write: exit 4 in one line naming the udf, its pod and the figure beyond the node shape; nothing written', async () => {
  const root = tempProject();
  const stacks = path.join(root, 'stacks');
  const before = Object.fromEntries(fs.readdirSync(stacks).map((f) => [f, fs.readFileSync(path.join(stacks, f))]));
  const { code, stdout, stderr } = await capture(() => main(['recommend', '--quiet', '--write', '--root', root, '--prometheus-url', server.url, ...WINDOW]));
  expect({ code, stdout }).toEqual({ code: 4, stdout: '' });
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/implausible measurement for batch-cat\/udf \(pipeline\.batchMap\.udf\): pod batch-map-soak-batch-cat-\d+-[a-z0-9]{5} shows a CPU (p95|peak|p99)[^:]* of [\d,.]+ cores, beyond the node shape 32-vcpu-128gib/);
  const after = Object.fromEntries(fs.readdirSync(stacks).map((f) => [f, fs.readFileSync(path.join(stacks, f))]));
  expect(after).toEqual(before);
}, 180_000);
