/**
 * The options `recommend`, `verdict` (and `doctor`) share, in one place: where the data is
 * (`--prometheus-url` or `--embedded`, never silently one of them), which soak (plan, names,
 * extra `--selector` matchers), which window (`--start`/`--end`/`--history-duration`, the
 * `--warm-up` left out, `--step`), and how much progress to print. `soakInputs` turns them
 * into a plan, a MetricsSource and a window, or a usage error naming the option.
 */
import * as path from 'node:path';
import { MatcherError, parseMatcher, type LabelMatcher } from '../metrics/matchers';
import { loadStackFile, projectRoot, stackFile } from '../plan/load';
import type { SoakPlan } from '../plan/schema';
import { DEFAULT_DATASET, defaultDataset, generateSoakDataset, SCENARIOS, type Scenario } from '../recommend/dataset';
import { EmbeddedSource } from '../recommend/embedded';
import { SourceUnavailableError, type MetricsSource, type TimeWindow } from '../recommend/metrics';
import { ImplausibleMeasurementError, PolicyError } from '../recommend/policy';
import { PlanWriteError } from '../recommend/plan-writer';
import { MAX_TIMEOUT_MS, PrometheusSource } from '../recommend/prometheus';
import { isoTime } from '../recommend/recommend';
import type { SelectorNames } from '../recommend/selectors';
import { nonNegativeNumber, UsageError, type OptionSpec, type OptionValues } from './args';
import { EXIT } from './exit-codes';
import { assertOutputAllowed, reproduceCommand, writeFileAtomic } from './output';
import { prometheusConnection, PROMETHEUS_OPTIONS, redactPrometheusArgs, refusePrometheusOptions, sourceErrorHint, withoutUserinfo } from './prometheus-options';

/** The variant whose usage is measured, and the one `--write` updates. */
export const SOAKED_VARIANT = 'soak';
export const RIGHTSIZED_VARIANT = 'rightsized';
/** Length of the window when only a Prometheus URL is given: the plan's `monitoring.soakDuration`, by default 5 days. */
export const DEFAULT_HISTORY = 'the plan\'s monitoring.soakDuration, 5d by default';

/** Left out at the start of the window by default (`--warm-up`). */
export const DEFAULT_WARM_UP = '10m';

/** Options `recommend` and `verdict` share: where the data is, which soak, which window. */
export const SOURCE_OPTIONS = {
  'prometheus-url': { type: 'string', value: '<url>', description: 'Prometheus to read the soak from (this or --embedded is required)' },
  ...PROMETHEUS_OPTIONS,
  embedded: { type: 'boolean', description: 'use the embedded seeded soak dataset, a model of the soak, no Prometheus needed (this or --prometheus-url is required)' },
  scenario: { type: 'string', choices: SCENARIOS, description: `which modelled soak of the embedded dataset; implies --embedded (default: ${DEFAULT_DATASET.scenario})` },
  selector: {
    type: 'string',
    value: `'label="value"'`,
    multiple: true,
    description: 'an extra label matcher (=, =~, != or !~) added to every query, e.g. cluster="prod-eu" on a shared Prometheus, Thanos or Mimir',
  },
  namespace: {
    type: 'string',
    value: '<ns>',
    description: "namespace of the soak (default: the plan's: its namespace key, else numaflow-<stack>, e.g. numaflow-rightsized for --stack rightsized; the embedded dataset is a soak in numaflow-soak, so with --embedded and another --stack give --namespace numaflow-soak)",
  },
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
  quiet: { type: 'boolean', description: 'nothing on stderr but errors' },
  verbose: { type: 'boolean', description: 'one progress line per query, with its elapsed time' },
  root: { type: 'string', value: '<dir>', description: 'project root holding stacks/ (default: this project)' },
} as const satisfies Record<string, OptionSpec>;

type SourceValues = Partial<OptionValues<typeof SOURCE_OPTIONS>> & { readonly quiet?: boolean };

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
  if (url === undefined && !v.embedded && v.scenario === undefined) {
    fail('no data source: give --prometheus-url <url> to read a soak from Prometheus, or --embedded to use the embedded dataset (a model of the soak)');
  }
  const selectors: LabelMatcher[] = (v.selector ?? []).map((text) => {
    try {
      return parseMatcher(text, `numaflow-soak ${command}: option '--selector'`);
    } catch (error) {
      throw error instanceof MatcherError ? new UsageError(error.message) : error;
    }
  });
  // A stack or provenance file as --output is refused before anything is measured (and before --write writes).
  if (v.output !== undefined) assertOutputAllowed(v.output, 'output');
  const root = path.resolve(v.root ?? projectRoot());
  const plan = loadStackFile(stackFile(v.stack ?? SOAKED_VARIANT, root)).plan;
  const names: SelectorNames = { namespace: v.namespace ?? plan.namespace, pipeline: v.pipeline ?? plan.pipeline.name, buffer: v.buffer ?? plan.buffer.name };
  const reporter = progressReporter(v.quiet ? 'quiet' : v.verbose ? 'verbose' : 'normal', process.stderr);
  const progress = reporter.step;
  const step = parseDurationSeconds(command, 'step', v.step ?? '60s');
  const timeoutMs = parseDurationSeconds(command, 'timeout', v.timeout ?? '30s') * 1000;
  // A longer timer fires at once (Node clamps it to 1 ms): every query would time out.
  if (timeoutMs > MAX_TIMEOUT_MS) fail(`option '--timeout' must be at most ${MAX_TIMEOUT_MS} ms (about 24.8 days, the longest timer Node can set; got '${v.timeout}')`);
  const target = v.target !== undefined ? number(command, 'target', v.target) : undefined;
  if (target === 0) fail("option '--target' must be above zero");

  let source: MetricsSource;
  let span: { start: number; end: number } | undefined;
  const leading: string[] = [];
  const connectionNotes: string[] = [];
  if (url !== undefined) {
    if (!/^https?:\/\/[^/\s]+/.test(url)) fail(`--prometheus-url expects an http(s) URL (got '${withoutUserinfo(url)}')`);
    const connection = prometheusConnection(command, { ...v, 'prometheus-url': url });
    source = new PrometheusSource({ url: connection.url, auth: connection.auth, tls: connection.tls, timeoutMs, selectors, onQueryDone: reporter.queryDone });
    leading.push('--prometheus-url', connection.url, ...connection.reproduce);
    connectionNotes.push(...(connection.summary !== undefined ? [connection.summary] : []), ...connection.warnings);
  } else {
    refusePrometheusOptions(command, v);
    const scenario = (v.scenario ?? DEFAULT_DATASET.scenario) as Scenario;
    const dataset = scenario === DEFAULT_DATASET.scenario ? defaultDataset() : generateSoakDataset({ ...DEFAULT_DATASET, scenario });
    source = new EmbeddedSource(dataset, selectors);
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
  // Without a window, the soak's own duration ending now (the plan's monitoring.soakDuration).
  else from = end - plan.monitoring.soakDuration.seconds;
  const warmUp = parseDurationSeconds(command, 'warm-up', v['warm-up'] ?? DEFAULT_WARM_UP, true);
  if (!(end > from + warmUp)) fail(`the window is empty: start ${isoTime(from)}${warmUp > 0 ? ` plus the warm-up (${v['warm-up'] ?? DEFAULT_WARM_UP})` : ''} is not before end ${isoTime(end)}`);
  leading.push('--start', isoTime(from), '--end', isoTime(end), '--warm-up', v['warm-up'] ?? DEFAULT_WARM_UP);
  progress(`${command}: ${source.description}, ${isoTime(from + warmUp)} (after a ${warmUp}s warm-up) to ${isoTime(end)}, step ${step}s`);
  connectionNotes.forEach(progress);
  return { plan, root, names, source, window: { start: from + warmUp, end, stepSeconds: step }, ...(target !== undefined ? { target } : {}), progress, leading };
}

/** A query slower than this share of --timeout gets a hint to raise it. */
export const SLOW_QUERY_SHARE = 0.5;

/**
 * Progress on stderr. `quiet`: nothing. `normal`: one line per step (a container measured, a
 * check read), and a hint for any query that took more than half of --timeout. `verbose`:
 * one line per query too, with its elapsed time.
 */
export function progressReporter(
  mode: 'quiet' | 'normal' | 'verbose',
  out: { write(text: string): unknown },
): { readonly step: (message: string) => void; readonly queryDone: (q: { readonly what: string; readonly elapsedMs: number; readonly timeoutMs: number; readonly ok: boolean }) => void } {
  return {
    step: (message) => {
      if (mode !== 'quiet') out.write(`${message}\n`);
    },
    queryDone: ({ what, elapsedMs, timeoutMs, ok }) => {
      if (mode === 'quiet') return;
      const seconds = (elapsedMs / 1000).toFixed(2);
      if (mode === 'verbose') out.write(`  query: ${what} (${seconds}s${ok ? '' : ', failed'})\n`);
      if (ok && elapsedMs > SLOW_QUERY_SHARE * timeoutMs) {
        out.write(`  slow query: ${what} took ${seconds}s of the ${timeoutMs / 1000}s --timeout; raise --timeout if queries start to time out\n`);
      }
    },
  };
}

/** Runs a command's async body, turning the errors a user can act on into one line and an exit code. */
export async function runSoakCommand(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof SourceUnavailableError) {
      process.stderr.write(`numaflow-soak ${command}: data source unavailable: ${error.message}${sourceErrorHint(error)}\n`);
      return EXIT.sourceUnavailable;
    }
    if (error instanceof ImplausibleMeasurementError) {
      process.stderr.write(`numaflow-soak ${command}: ${error.message}\n`);
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
 * out (reproduceCommand only drops options that take a value), `valueOptions` further
 * options with a value.
 */
export function reproduceLine(command: string, inputs: SoakInputs, argv: readonly string[], flags: readonly string[] = [], valueOptions: readonly string[] = []): string {
  const booleans = new Set(['embedded', 'quiet', 'verbose', ...flags].map((f) => `--${f}`));
  const rest = redactPrometheusArgs(argv).filter((a) => !booleans.has(a));
  return reproduceCommand(command, inputs.leading, rest, ['prometheus-url', 'scenario', 'start', 'end', 'history-duration', 'warm-up', 'output', ...valueOptions]);
}

/** Writes a command's result to --output (atomically) or stdout. */
export function emit(text: string, output: string | undefined): void {
  if (output !== undefined) {
    writeFileAtomic(output, text, 'output');
    process.stderr.write(`wrote ${output}\n`);
  } else {
    process.stdout.write(text);
  }
}

/** A non-negative number option of `command`. */
export function number(command: string, option: string, text: string): number {
  return nonNegativeNumber({ name: command, summary: '', options: {} }, option, text);
}

