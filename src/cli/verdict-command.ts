/**
 * `numaflow-soak verdict`: did the soak hold up? One line per check (src/recommend/verdict.ts),
 * each with the figure it measured. Same data options as `recommend`.
 *
 * Exit codes (src/cli/exit-codes.ts): 0 passed, 5 a check failed, 6 too little data to
 * decide (a required check had no data, and nothing failed), 4 the data source is
 * unreachable or erroring, 1 error.
 */
import { DEFAULT_CRITERIA, soakVerdict, VERDICT_CHECKS, verdictJson, type Verdict, type VerdictCheck, type VerdictStatus } from '../recommend/verdict';
import { helpText, nonNegativeNumber, parseCommandArgs, UsageError, type CommandSpec } from './args';
import { code, heading, list, table, text } from '../markdown/writer';
import { EXIT } from './exit-codes';
import { emit, reproduceLine, runSoakCommand, soakInputs, SOURCE_OPTIONS } from './soak-inputs';

export const VERDICT_SPEC = {
  name: 'verdict',
  summary: 'Judges the soak: restarts, OOM kills, replaced pods, errors, throughput against the target, data loss, latency, back-pressure, backlog, CPU throttling and the memory trend, each with its measured figure.',
  options: {
    ...SOURCE_OPTIONS,
    'latency-bound': { type: 'string', value: '<ms>', default: String(DEFAULT_CRITERIA.latencyBoundMs), description: 'highest p99 processing latency that passes, milliseconds' },
    'throughput-percent': { type: 'string', value: '<percent>', default: String(DEFAULT_CRITERIA.throughputPercent), description: 'the p5 of the source rate must reach this percent of the target' },
    'loss-tolerance': { type: 'string', value: '<percent>', default: String(DEFAULT_CRITERIA.lossTolerancePercent), description: 'messages the sink may write fewer than the source read, percent' },
    'skip-check': { type: 'string', value: '<check,...>', description: `checks not to judge, comma-separated (every check is required otherwise): ${VERDICT_CHECKS.join(', ')}` },
  },
  notes: 'exit codes: 0 passed, 5 a check failed, 6 too little data, 4 data source unreachable or erroring, 1 error\nthe checks and the JSON shape: docs/recommend.md',
} as const satisfies CommandSpec;

const MARK: Record<VerdictStatus, string> = { pass: '✅ pass', fail: '❌ fail', warn: '⚠️ warn', 'no-data': '… no data', skipped: '⏭ skipped' };

/** `--skip-check a,b` as check names; an unknown name is a usage error naming the choices. */
export function parseSkipChecks(text: string | undefined): VerdictCheck[] {
  if (text === undefined) return [];
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(VERDICT_CHECKS as readonly string[]).includes(name)) {
      throw new UsageError(`numaflow-soak verdict: option '--skip-check' got unknown check '${name}'; expected a comma-separated list of: ${VERDICT_CHECKS.join(', ')}`);
    }
  }
  return names as VerdictCheck[];
}

export function renderVerdictMarkdown(v: Verdict, reproduce?: string): string {
  const headline = !v.passed ? 'FAILED' : v.insufficientData ? 'TOO LITTLE DATA' : 'PASSED';
  const out = [
    heading(3, `numaflow-soak verdict: ${headline}`),
    '',
    `Data: ${text(v.source)}, ${text(v.window.start)} to ${text(v.window.end)}, every ${v.window.stepSeconds}s. Target ${Math.round(v.target).toLocaleString('en-US')} msg/s.`,
    '',
    // Recording rule or raw cAdvisor series, per usage family, and why.
    ...(v.series.length > 0 ? ['Series read:', '', ...list(v.series.map((c) => text(c.text))), ''] : []),
    ...table(['check', 'status', 'measured', 'expected'], v.lines.map((l) => [text(l.check), MARK[l.status], text(l.measured), text(l.expected)])),
  ];
  if (v.reasons.length > 0) out.push('', 'Too little data:', '', ...list(v.reasons.map(text)));
  if (reproduce) out.push('', `Reproduce: ${code(reproduce)}`);
  out.push('');
  return out.join('\n');
}

export function verdictCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(VERDICT_SPEC, argv);
  if (parsed.help) {
    process.stdout.write(helpText(VERDICT_SPEC));
    return Promise.resolve(EXIT.ok);
  }
  const v = parsed.values;
  return runSoakCommand('verdict', async () => {
    const criteria = {
      latencyBoundMs: nonNegativeNumber(VERDICT_SPEC, 'latency-bound', v['latency-bound']),
      throughputPercent: nonNegativeNumber(VERDICT_SPEC, 'throughput-percent', v['throughput-percent']),
      lossTolerancePercent: nonNegativeNumber(VERDICT_SPEC, 'loss-tolerance', v['loss-tolerance']),
      skip: parseSkipChecks(v['skip-check']),
    };
    const inputs = soakInputs('verdict', v);
    const verdict = await soakVerdict({
      plan: inputs.plan,
      source: inputs.source,
      window: inputs.window,
      names: inputs.names,
      criteria,
      ...(inputs.target !== undefined ? { targetRate: inputs.target } : {}),
      onProgress: inputs.progress,
    });
    const reproduce = reproduceLine('verdict', inputs, argv);
    emit(v.format === 'json' ? `${JSON.stringify(verdictJson(verdict), null, 2)}\n` : renderVerdictMarkdown(verdict, reproduce), v.output);
    if (!verdict.passed) return EXIT.verdictFailed;
    return verdict.insufficientData ? EXIT.insufficientData : EXIT.ok;
  });
}
