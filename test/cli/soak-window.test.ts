/**
 * The default window of verdict, recommend and doctor with a Prometheus: the plan's
 * monitoring.soakDuration ending at --end (or now); --start and --history-duration win.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { soakInputs } from '../../src/cli/soak-inputs';
import { ROOT } from '../support/synth';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

/** A project root whose soak stack soaks for `soakDuration`. */
function rootWith(soakDuration: string | undefined): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-window-'));
  roots.push(root);
  fs.mkdirSync(path.join(root, 'stacks'));
  for (const file of fs.readdirSync(path.join(ROOT, 'stacks')).filter((f) => /^Pulumi\..*\.yaml$/.test(f))) {
    const doc = parse(fs.readFileSync(path.join(ROOT, 'stacks', file), 'utf8'));
    const plan = doc.config?.['numaflow-soak:plan'];
    if (file === 'Pulumi.soak.yaml' && soakDuration !== undefined) plan.monitoring = { ...(plan.monitoring ?? {}), soakDuration };
    fs.writeFileSync(path.join(root, 'stacks', file), stringify(doc));
  }
  return root;
}

const END = '2025-07-10T00:00:00Z';
const endSeconds = Date.parse(END) / 1000;
const window = (root: string, extra: Record<string, string> = {}) =>
  soakInputs('verdict', { 'prometheus-url': 'http://127.0.0.1:9', end: END, 'warm-up': '0s', quiet: true, root, ...extra }).window;

test('without --start or --history-duration, the window is the plan\'s soak duration ending at --end', () => {
  expect(window(rootWith('36h'))).toMatchObject({ start: endSeconds - 36 * 3600, end: endSeconds });
});

test('the default soak duration is 5 days', () => {
  expect(window(rootWith(undefined)).start).toBe(endSeconds - 5 * 86400);
});

test('--history-duration and --start win over the plan', () => {
  const root = rootWith('36h');
  expect(window(root, { 'history-duration': '1d' }).start).toBe(endSeconds - 86400);
  expect(window(root, { start: '2025-07-09T06:00:00Z' }).start).toBe(Date.parse('2025-07-09T06:00:00Z') / 1000);
});
