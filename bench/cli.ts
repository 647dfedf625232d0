/**
 * Benchmark of start-up (`npm run bench:cli`; not a jest test): how many times a bare
 * `node -e 0` the user-facing commands take, as whole processes.
 *
 * Commands, each run from the repository root with its output thrown away:
 * - `node bin/numaflow-soak.js report`: what `npm start` runs, without npm's own start-up;
 * - `node_modules/.bin/cdk8s synth --no-check-upgrade`: what the README's `cdk8s synth` runs;
 * - for information: `node bin/numaflow-soak.js synth` (what `npm run synth` runs),
 *   `node bin/numaflow-soak.js --help` (the CLI's start-up alone), and the
 *   two parts of `cdk8s synth`: the cdk8s CLI alone (`cdk8s --version`) and our app alone.
 *
 * Each command runs in turn with the baseline (A B A B ...), after WARMUP untimed rounds,
 * RUNS timed rounds (BENCH_WARMUP, BENCH_RUNS). A round's ratio is the command's wall time
 * over the baseline's wall time of the same round, so a machine that slows down for a while
 * slows both; the median ratio is checked against its goal (issue 12: report at most 8x,
 * synth at most 10x). Any goal missed prints MISSED and the process exits 1.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = path.resolve(__dirname, '..');
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

interface Command {
  readonly name: string;
  readonly argv: readonly string[];
  /** Largest allowed median ratio to `node -e 0`; none: printed for information. */
  readonly goal?: number;
}

const node = process.execPath;
const BASELINE: Command = { name: 'node -e 0', argv: [node, '-e', '0'] };
const COMMANDS: readonly Command[] = [
  { name: 'numaflow-soak report', argv: [node, 'bin/numaflow-soak.js', 'report'], goal: 8 },
  { name: 'cdk8s synth', argv: [node, 'node_modules/.bin/cdk8s', 'synth', '--no-check-upgrade'], goal: 10 },
  { name: 'numaflow-soak synth (npm run synth)', argv: [node, 'bin/numaflow-soak.js', 'synth'] },
  { name: 'numaflow-soak --help', argv: [node, 'bin/numaflow-soak.js', '--help'] },
  // The parts of `cdk8s synth`, for information: the cdk8s CLI's own start-up (it loads
  // typescript and jsii-pacmak for `cdk8s import` on every command) and our app alone.
  { name: 'cdk8s --version (CLI alone)', argv: [node, 'node_modules/.bin/cdk8s', '--version'] },
  { name: 'cdk8s app alone (node bin/cdk8s-app.js)', argv: [node, 'bin/cdk8s-app.js'] },
];

/** Wall time of one run in ms; a failing command stops the bench (a fast failure is no result). */
function run(command: Command): number {
  const started = performance.now();
  const result = spawnSync(command.argv[0], command.argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  const ms = performance.now() - started;
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command.name} exited ${result.status}: ${result.stderr.slice(0, 2000)}`);
  return ms;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function main(): number {
  // What bin/ and the cdk8s app run is the compiled build: bring it up to date first (a no-op
  // when it is), so the rounds time the build of these sources.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const built = (require('../bin/compiled') as { ensureBuilt(): number }).ensureBuilt();
  if (built !== 0) return built;
  console.log(`bench:cli on ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}; ${WARMUP} warm-up + ${RUNS} timed rounds per command`);
  console.log('');
  console.log('| command | median ms | baseline median ms | median ratio | min ratio | max ratio | goal |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  let missed = 0;
  for (const command of COMMANDS) {
    for (let i = 0; i < WARMUP; i++) {
      run(BASELINE);
      run(command);
    }
    const own: number[] = [];
    const base: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const b = run(BASELINE);
      const c = run(command);
      base.push(b);
      own.push(c);
      ratios.push(c / b);
    }
    const ratio = median(ratios);
    const verdict = command.goal === undefined ? 'info' : ratio <= command.goal ? `≤ ${command.goal}x: met` : `≤ ${command.goal}x: MISSED`;
    if (command.goal !== undefined && ratio > command.goal) missed++;
    console.log(
      `| ${command.name} | ${median(own).toFixed(0)} | ${median(base).toFixed(0)} | ${ratio.toFixed(1)}x | ${Math.min(...ratios).toFixed(1)}x | ${Math.max(...ratios).toFixed(1)}x | ${verdict} |`,
    );
  }
  console.log('');
  console.log(missed === 0 ? 'PASS: every goal met' : `FAIL: ${missed} goal(s) missed`);
  return missed === 0 ? 0 : 1;
}

process.exitCode = main();
