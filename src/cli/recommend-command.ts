/**
 * `numaflow-soak recommend`: right-sizes the soaked plan from its measured usage, with
 * flags in the style of KRR (`--prometheus-url`, `--namespace`, `--history-duration`,
 * `--cpu-percentile`, ...). Prints a Markdown table (people) or JSON (machines, shape in
 * docs/recommend.md); with `--write`, updates stacks/Pulumi.rightsized.yaml and its
 * provenance file.
 *
 * The data comes from a Prometheus (`--prometheus-url`) or, without one, from the embedded
 * default dataset (`--embedded`, the default): a seeded model of the 5-day soak.
 *
 * Exit codes (src/cli/exit-codes.ts): 0 recommended (and written with --write), 1 error,
 * 4 the data source is unreachable or answered with an error, 6 too little data (nothing
 * written).
 */
import * as path from 'node:path';
import { loadStackFile, projectRoot, stackFile } from '../plan/load';
import type { SoakPlan } from '../plan/schema';
import { DEFAULT_DATASET, defaultDataset, generateSoakDataset, SCENARIOS, type Scenario } from '../recommend/dataset';
import { EmbeddedSource } from '../recommend/embedded';
import { SourceUnavailableError, type MetricsSource, type TimeWindow } from '../recommend/metrics';
import { DEFAULT_POLICY, PolicyError, policySummary, basisSummary, type RecommendationPolicy } from '../recommend/policy';
import { PlanWriteError, writeRecommendation } from '../recommend/plan-writer';
import { PrometheusSource } from '../recommend/prometheus';
import { isoTime, recommendationJson, recommendPlan, type Recommendation } from '../recommend/recommend';
import type { SelectorNames } from '../recommend/selectors';
import { helpText, nonNegativeNumber, parseCommandArgs, UsageError, type CommandSpec, type OptionSpec } from './args';
import { EXIT } from './exit-codes';
import { reproduceCommand, writeFileAtomic } from './output';

/** The variant whose usage is measured, and the one `--write` updates. */
export const SOAKED_VARIANT = 'soak';
export const RIGHTSIZED_VARIANT = 'rightsized';
/** Length of the window when only a Prometheus URL is given: the soak's 5 days. */
export const DEFAULT_HISTORY = '5d';

/** Left out at the start of the window by default (`--warm-up`). */
export const DEFAULT_WARM_UP = '10m';

/** Options `recommend` and `verdict` share: where the data is, which soak, which window. */
export const SOURCE_OPTIONS = {
  'prometheus-url': { type: 'string', value: '<url>', description: 'Prometheus to read the soak from (default: the embedded dataset)' },
  embedded: { type: 'boolean', description: 'use the embedded seeded soak dataset, no Prometheus needed (the default without --prometheus-url)' },
  scenario: { type: 'string', choices: SCENARIOS, description: `with --embedded: which modelled soak (default: ${DEFAULT_DATASET.scenario})` },
  namespace: { type: 'string', value: '<ns>', description: "namespace of the soak (default: the plan's)" },
  pipeline: { type: 'string', value: '<name>', description: "pipeline name (default: the plan's)" },
  buffer: { type: 'string', value: '<name>', description: "InterStepBufferService name (default: the plan's)" },
  stack: { type: 'string', value: '<variant>', default: SOAKED_VARIANT, description: 'the plan that was soaked (stacks/Pulumi.<variant>.yaml)' },
  start: { type: 'string', value: '<time>', description: 'window start, ISO 8601 or unix seconds' },
  end: { type: 'string', value: '<time>', description: 'window end (default: now, or the embedded dataset\'s end)' },
  'history-duration': { type: 'string', value: '<duration>', description: `window length ending at --end, e.g. 5d, 36h (default with Prometheus: ${DEFAULT_HISTORY}; embedded: the whole dataset)` },
  'warm-up': { type: 'string', value: '<duration>', default: DEFAULT_WARM_UP, description: 'left out at the start of the window: a Numaflow writer starts with its buffer marked full until its first check (rust/numaflow-core/src/pipeline/isb/jetstream/js_writer.rs), and pods start up' },
  step: { type: 'string', value: '<duration>', default: '60s', description: 'evaluation step' },
  target: { type: 'string', value: '<msg/s>', description: "throughput target (default: the plan's generator rate)" },
  timeout: { type: 'string', value: '<duration>', default: '30s', description: 'per-query timeout for Prometheus' },
  format: { type: 'string', choices: ['markdown', 'json'], default: 'markdown', description: 'output format' },
  output: { type: 'string', value: '<file>', description: 'write the output to this file instead of stdout' },
  quiet: { type: 'boolean', description: 'no progress on stderr' },
  root: { type: 'string', value: '<dir>', description: 'project root holding stacks/ (default: this project)' },
} as const satisfies Record<string, OptionSpec>;

export const RECOMMEND_SPEC = {
  name: 'recommend',
  summary: 'Right-sizes the soaked plan from its measured usage (a Prometheus, or the embedded dataset): requests, limits, replicas, with partition and volume advice.',
  options: {
    ...SOURCE_OPTIONS,
    write: { type: 'boolean', description: 'update stacks/Pulumi.rightsized.yaml and write stacks/Pulumi.rightsized.provenance.json' },
    'cpu-percentile': { type: 'string', choices: ['95', '99', '100'], default: '95', description: 'per-pod CPU percentile of the 5-minute rate (100 = peak)' },
    'cpu-headroom': { type: 'string', value: '<percent>', default: String(DEFAULT_POLICY.cpuHeadroomPercent), description: 'added to the CPU statistic' },
    'cpu-limit': { type: 'string', choices: ['peak', 'ratio', 'none'], default: DEFAULT_POLICY.cpuLimitPolicy, description: 'CPU limit policy' },
    'memory-headroom': { type: 'string', value: '<percent>', default: String(DEFAULT_POLICY.memoryHeadroomPercent), description: 'added to the memory peak' },
  },
  notes: 'exit codes: 0 ok, 1 error, 4 data source unreachable or erroring, 6 too little data (nothing written)\nthe policy and the JSON shape: docs/recommend.md',
} as const satisfies CommandSpec;

type SourceValues = { readonly [K in keyof typeof SOURCE_OPTIONS]: (typeof SOURCE_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string | undefined };

/** What a command needs to ask about a soak: the plan, the names, the source and the window. */
export interface SoakInputs {
  readonly plan: SoakPlan;
  readonly root: string;
  readonly names: SelectorNames;
  readonly source: MetricsSource;
  readonly window: TimeWindow;
  readonly target?: number;
  /** Writes a progress line to stderr (unless --quiet). */
  readonly progress: (message: string) => void;
  /** The options that pin the window and source, spelled out, for the reproduce line. */
  readonly leading: readonly string[];
}

const DURATION = /^(?:\d+(?:\.\d+)?[dhms])+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)([dhms])/g;
const UNIT: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };

/** `5d`, `36h`, `1d12h`, `90m`, `60s` in seconds. */
export function parseDurationSeconds(command: string, option: string, text: string, zeroAllowed = false): number {
  if (!DURATION.test(text)) throw new UsageError(`numaflow-soak ${command}: option '--${option}' expects a duration such as 5d, 36h, 90m or 60s (got '${text}')`);
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(DURATION_PART)) seconds += Number(n) * UNIT[unit];
  if (!(seconds > 0) && !(zeroAllowed && seconds === 0)) throw new UsageError(`numaflow-soak ${command}: option '--${option}' must be longer than zero (got '${text}')`);
  return seconds;
}

/** An ISO 8601 time or unix seconds, as unix seconds. */
export function parseTime(command: string, option: string, text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`numaflow-soak ${command}: option '--${option}' expects an ISO 8601 time (2025-07-01T00:00:00Z) or unix seconds (got '${text}')`);
  return ms / 1000;
}

/** Resolves the shared options into a plan, a source and a window. */
export function soakInputs(command: string, v: SourceValues): SoakInputs {
  const fail = (message: string): never => {
    throw new UsageError(`numaflow-soak ${command}: ${message}`);
  };
  const url = v['prometheus-url'];
  if (url !== undefined && v.embedded) fail('--prometheus-url and --embedded are two sources; give one');
  if (url !== undefined && v.scenario !== undefined) fail('--scenario selects an embedded dataset; it cannot be combined with --prometheus-url');
  const root = path.resolve(v.root ?? projectRoot());
  const plan = loadStackFile(stackFile(v.stack ?? SOAKED_VARIANT, root)).plan;
  const names: SelectorNames = { namespace: v.namespace ?? plan.namespace, pipeline: v.pipeline ?? plan.pipeline.name, buffer: v.buffer ?? plan.buffer.name };
  const quiet = v.quiet;
  const progress = (message: string) => {
    if (!quiet) process.stderr.write(`${message}\n`);
  };
  const step = parseDurationSeconds(command, 'step', v.step ?? '60s');
  const timeoutMs = parseDurationSeconds(command, 'timeout', v.timeout ?? '30s') * 1000;
  const target = v.target !== undefined ? number(command, 'target', v.target) : undefined;
  if (target === 0) fail("option '--target' must be above zero");

  let source: MetricsSource;
  let span: { start: number; end: number } | undefined;
  const leading: string[] = [];
  if (url !== undefined) {
    if (!/^https?:\/\/[^/\s]+/.test(url)) fail(`--prometheus-url expects an http(s) URL (got '${url}')`);
    source = new PrometheusSource({ url, timeoutMs, onProgress: (m) => progress(`  query: ${m}`) });
    leading.push('--prometheus-url', url);
  } else {
    const scenario = (v.scenario ?? DEFAULT_DATASET.scenario) as Scenario;
    const dataset = scenario === DEFAULT_DATASET.scenario ? defaultDataset() : generateSoakDataset({ ...DEFAULT_DATASET, scenario });
    source = new EmbeddedSource(dataset);
    span = { start: dataset.start, end: dataset.end };
    leading.push('--embedded', ...(v.scenario !== undefined ? ['--scenario', scenario] : []));
  }

  const start = v.start !== undefined ? parseTime(command, 'start', v.start) : undefined;
  const givenEnd = v.end !== undefined ? parseTime(command, 'end', v.end) : undefined;
  const history = v['history-duration'];
  if (start !== undefined && history !== undefined) fail('give --start (and --end) or --history-duration, not both');
  const now = Math.floor(Date.now() / 1000 / step) * step;
  const end = givenEnd ?? span?.end ?? now;
  let from: number;
  if (start !== undefined) from = start;
  else if (history !== undefined) from = end - parseDurationSeconds(command, 'history-duration', history);
  else if (span !== undefined && givenEnd === undefined) from = span.start;
  else from = end - parseDurationSeconds(command, 'history-duration', DEFAULT_HISTORY);
  const warmUp = parseDurationSeconds(command, 'warm-up', v['warm-up'] ?? DEFAULT_WARM_UP, true);
  if (!(end > from + warmUp)) fail(`the window is empty: start ${isoTime(from)}${warmUp > 0 ? ` plus the warm-up (${v['warm-up'] ?? DEFAULT_WARM_UP})` : ''} is not before end ${isoTime(end)}`);
  leading.push('--start', isoTime(from), '--end', isoTime(end), '--warm-up', v['warm-up'] ?? DEFAULT_WARM_UP);
  progress(`${command}: ${source.description}, ${isoTime(from + warmUp)} (after a ${warmUp}s warm-up) to ${isoTime(end)}, step ${step}s`);
  return { plan, root, names, source, window: { start: from + warmUp, end, stepSeconds: step }, ...(target !== undefined ? { target } : {}), progress, leading };
}

/** Runs a command's async body, turning the errors a user can act on into one line and an exit code. */
export async function runSoakCommand(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof SourceUnavailableError) {
      process.stderr.write(`numaflow-soak ${command}: data source unavailable: ${error.message}\n`);
      return EXIT.sourceUnavailable;
    }
    if (error instanceof PolicyError || error instanceof PlanWriteError) {
      process.stderr.write(`numaflow-soak ${command}: ${error.message}\n`);
      return EXIT.error;
    }
    throw error;
  }
}

/**
 * The command line that reproduces a result: the source and window spelled out (a window
 * ending "now" becomes explicit), then the other options given, without those that only
 * say where results go or how much to print. `flags` are further boolean options to leave
 * out (reproduceCommand only drops options that take a value).
 */
export function reproduceLine(command: string, inputs: SoakInputs, argv: readonly string[], flags: readonly string[] = []): string {
  const booleans = new Set(['embedded', 'quiet', ...flags].map((f) => `--${f}`));
  const rest = argv.filter((a) => !booleans.has(a));
  return reproduceCommand(command, inputs.leading, rest, ['prometheus-url', 'scenario', 'start', 'end', 'history-duration', 'warm-up', 'output']);
}

/** Writes a command's result to --output (atomically) or stdout. */
export function emit(text: string, output: string | undefined): void {
  if (output !== undefined) {
    writeFileAtomic(output, text);
    process.stderr.write(`wrote ${output}\n`);
  } else {
    process.stdout.write(text);
  }
}

/** A non-negative number option of `command`. */
function number(command: string, option: string, text: string): number {
  return nonNegativeNumber({ name: command, summary: '', options: {} }, option, text);
}

export function recommendCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(RECOMMEND_SPEC, argv);
  if (parsed.help) {
    process.stdout.write(helpText(RECOMMEND_SPEC));
    return Promise.resolve(EXIT.ok);
  }
  const v = parsed.values;
  return runSoakCommand('recommend', async () => {
    const policy: Partial<RecommendationPolicy> = {
      cpuPercentile: (Number(v['cpu-percentile']) / 100) as RecommendationPolicy['cpuPercentile'],
      cpuHeadroomPercent: number('recommend', 'cpu-headroom', v['cpu-headroom']),
      cpuLimitPolicy: v['cpu-limit'] as RecommendationPolicy['cpuLimitPolicy'],
      memoryHeadroomPercent: number('recommend', 'memory-headroom', v['memory-headroom']),
    };
    const inputs = soakInputs('recommend', v);
    const recommendation = await recommendPlan({
      plan: inputs.plan,
      source: inputs.source,
      window: inputs.window,
      policy,
      names: inputs.names,
      ...(inputs.target !== undefined ? { target: inputs.target } : {}),
      onProgress: inputs.progress,
    });
    const reproduce = reproduceLine('recommend', inputs, argv, ['write']);
    emit(v.format === 'json' ? `${JSON.stringify(recommendationJson(recommendation), null, 2)}\n` : renderRecommendationMarkdown(recommendation, reproduce), v.output);
    if (recommendation.insufficientData) {
      const reasons = recommendation.reasons;
      process.stderr.write(
        reasons.length === 1
          ? `numaflow-soak recommend: too little data, nothing recommended${v.write ? ' or written' : ''}: ${reasons[0]}\n`
          : `numaflow-soak recommend: too little data, nothing recommended${v.write ? ' or written' : ''}:\n${reasons.map((r) => `  - ${r}\n`).join('')}`,
      );
      return EXIT.insufficientData;
    }
    if (v.write) {
      const file = stackFile(RIGHTSIZED_VARIANT, inputs.root);
      const result = writeRecommendation(file, recommendation, { soakedVariant: v.stack });
      const shown = (f: string) => path.relative(process.cwd(), f) || f;
      process.stderr.write(`wrote ${shown(result.stackFile)} (${result.changed.length} value${result.changed.length === 1 ? '' : 's'} changed) and ${shown(result.provenanceFile)}\n`);
    }
    return EXIT.ok;
  });
}

// ---------------------------------------------------------------------------------------
// Markdown

const quantityPair = (cpu: { toString(): string }, memory: { toString(): string }) => `${cpu} / ${memory}`;

function esc(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The recommendation for people: what changes, from what evidence, and what was refused. */
export function renderRecommendationMarkdown(r: Recommendation, reproduce?: string): string {
  const out: string[] = [];
  out.push(`### numaflow-soak recommend: ${r.insufficientData ? 'too little data' : `${r.containers.filter((c) => c.status !== 'kept').length} container(s) resized`}`, '');
  out.push(`Data: ${r.source}, ${r.window.start} to ${r.window.end}, every ${r.window.stepSeconds}s. Target ${Math.round(r.target).toLocaleString('en-US')} msg/s.`, '');
  out.push(`Policy: ${policySummary(r.policy)}.`, '');
  if (r.insufficientData) {
    out.push('**Too little data: nothing is recommended or written.**', '', ...r.reasons.map((x) => `- ${esc(x)}`), '');
  }
  out.push('| container | status | requests (cpu / memory) | limits (cpu / memory) | basis |', '|---|---|---|---|---|');
  for (const c of r.containers) {
    const change = (kind: 'requests' | 'limits') => {
      const a = quantityPair(c.current[kind].cpu, c.current[kind].memory);
      const b = quantityPair(c.recommended[kind].cpu, c.recommended[kind].memory);
      return a === b ? a : `${a} → **${b}**`;
    };
    const basis = c.basis.cpu && c.basis.memory ? basisSummary(c) : '-';
    out.push(`| ${c.label} | ${c.status} | ${change('requests')} | ${change('limits')} | ${esc(basis)} |`);
  }
  out.push('', '| vertex | status | scale (min-max) | measured |', '|---|---|---|---|');
  for (const x of r.replicas) {
    const a = `${x.current.min}-${x.current.max}`;
    const b = `${x.recommended.min}-${x.recommended.max}`;
    const measured = x.perReplicaRate !== undefined ? `p95 ${Math.round(x.measuredRate!).toLocaleString('en-US')} msg/s over ${x.replicasSeen} replicas = ${Math.round(x.perReplicaRate).toLocaleString('en-US')} msg/s each` : esc(x.notes[0] ?? '-');
    out.push(`| ${x.vertex} | ${x.status} | ${a === b ? a : `${a} → **${b}**`} | ${measured} |`);
  }
  out.push('', '#### Advice (never applied automatically)', '');
  out.push(`- partitions (${r.partitions.status}): ${r.partitions.message}`);
  out.push(`- buffer volume (${r.volume.status}): ${r.volume.message}`);
  const notes = r.containers.flatMap((c) => c.notes.map((n) => `- ${c.label}: ${n}`));
  const replicaNotes = r.replicas.flatMap((x) => x.notes.map((n) => `- ${x.vertex} replicas: ${n}`));
  if (notes.length + replicaNotes.length > 0) out.push('', '#### Notes', '', ...notes.map(esc), ...replicaNotes.map(esc));
  if (reproduce) out.push('', `Reproduce: \`${reproduce}\``);
  out.push('');
  return out.join('\n');
}
