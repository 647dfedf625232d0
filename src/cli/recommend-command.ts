/**
 * `numaflow-soak recommend`: right-sizes the soaked plan from its measured usage, with
 * flags in the style of KRR (`--prometheus-url`, `--namespace`, `--history-duration`,
 * `--cpu-percentile`, ...). Prints a Markdown table (people) or JSON (machines, shape in
 * docs/recommend.md); with `--write`, updates stacks/Pulumi.rightsized.yaml and its
 * provenance file.
 *
 * The data comes from a Prometheus (`--prometheus-url`) or from the embedded dataset
 * (`--embedded`): a seeded model of the 5-day soak. One of them must be given.
 *
 * The soak verdict (src/recommend/verdict.ts) runs first, on the same plan, source, names,
 * window and target: the Markdown says first whether the soak held up, and `--write`
 * refuses to write sizes from a soak that failed it or had too little data to judge,
 * unless `--allow-failed-soak` is given. The verdict is recorded in the provenance file
 * either way, and the diff reports show it.
 *
 * Exit codes (src/cli/exit-codes.ts): 0 recommended (and written with --write), 1 error,
 * 4 the data source is unreachable or answered with an error, 5 `--write` after a soak that
 * failed its verdict (nothing written), 6 too little data to recommend, or with `--write`
 * to judge the soak (nothing written).
 */
import * as path from 'node:path';
import { findingText, verdictOutcome, type SoakVerdictRecord } from '../diff/provenance';
import * as fs from 'node:fs';
import { checkVariantName, SideError } from '../diff/sides';
import { discoverStacks, stackFile } from '../plan/load';
import { DEFAULT_POLICY, policySummary, basisSummary, type RecommendationPolicy } from '../recommend/policy';
import { writeRecommendation } from '../recommend/plan-writer';
import { recommendationJson, recommendPlan, type Recommendation } from '../recommend/recommend';
import { soakVerdict, verdictRecord } from '../recommend/verdict';
import { helpText, parseCommandArgs, UsageError, type CommandSpec } from './args';
import { code, heading, list, table, text } from '../markdown/writer';
import { EXIT } from './exit-codes';
import { emit, number, reproduceLine, RIGHTSIZED_VARIANT, runSoakCommand, soakInputs, SOURCE_OPTIONS } from './soak-inputs';

export const RECOMMEND_SPEC = {
  name: 'recommend',
  summary: 'Right-sizes the soaked plan from its measured usage (a Prometheus, or the embedded dataset): requests, limits, replicas, with partition and volume advice.',
  options: {
    ...SOURCE_OPTIONS,
    write: { type: 'boolean', description: 'update stacks/Pulumi.rightsized.yaml (or --write-to\'s) and write its .provenance.json, if the soak passed its verdict' },
    'write-to': {
      type: 'string',
      value: '<variant>',
      description: `the variant --write updates (default: ${RIGHTSIZED_VARIANT}; implies --write); never the soaked --stack; a name without a stack file gets one, copied from the soaked plan in its own namespace`,
    },
    'allow-failed-soak': { type: 'boolean', description: 'with --write: write even when the soak failed its verdict or had too little data to judge (recorded in the provenance, flagged by diff)' },
    'cpu-percentile': { type: 'string', choices: ['95', '99', '100'], default: '95', description: 'per-pod CPU percentile of the 5-minute rate (100 = peak)' },
    'cpu-headroom': { type: 'string', value: '<percent>', default: String(DEFAULT_POLICY.cpuHeadroomPercent), description: 'added to the CPU statistic' },
    'cpu-limit': { type: 'string', choices: ['peak', 'ratio', 'none'], default: DEFAULT_POLICY.cpuLimitPolicy, description: 'CPU limit policy' },
    'memory-headroom': { type: 'string', value: '<percent>', default: String(DEFAULT_POLICY.memoryHeadroomPercent), description: 'added to the memory peak' },
  },
  notes:
    'exit codes: 0 ok, 1 error, 4 data source unreachable or erroring, or a measurement beyond the node shape (nothing written), 5 --write after a soak that failed its verdict (nothing written), 6 too little data to recommend, or with --write to judge the soak (nothing written)\n' +
    'the policy, the verdict gate and the JSON shape: docs/recommend.md',
} as const satisfies CommandSpec;

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
    // The verdict first, on the same data: sizes measured on a run that did not hold up are
    // not written without --allow-failed-soak, and are recorded with the verdict either way.
    const verdict = verdictRecord(
      await soakVerdict({
        plan: inputs.plan,
        source: inputs.source,
        window: inputs.window,
        names: inputs.names,
        ...(inputs.target !== undefined ? { targetRate: inputs.target } : {}),
        onProgress: inputs.progress,
      }),
    );
    const recommendation = await recommendPlan({
      plan: inputs.plan,
      source: inputs.source,
      window: inputs.window,
      policy,
      names: inputs.names,
      ...(inputs.target !== undefined ? { target: inputs.target } : {}),
      onProgress: inputs.progress,
    });
    const target = v.write || v['write-to'] !== undefined ? writeTarget(v['write-to'] ?? RIGHTSIZED_VARIANT, v.stack, inputs.root) : undefined;
    const reproduce = reproduceLine('recommend', inputs, argv, ['write', 'allow-failed-soak'], ['write-to']);
    const json = { ...(recommendationJson(recommendation) as Record<string, unknown>), verdict };
    emit(v.format === 'json' ? `${JSON.stringify(json, null, 2)}\n` : renderRecommendationMarkdown(recommendation, reproduce, verdict), v.output);
    if (recommendation.insufficientData) {
      const reasons = recommendation.reasons;
      process.stderr.write(
        reasons.length === 1
          ? `numaflow-soak recommend: too little data, nothing recommended${v.write ? ' or written' : ''}: ${reasons[0]}\n`
          : `numaflow-soak recommend: too little data, nothing recommended${v.write ? ' or written' : ''}:\n${reasons.map((r) => `  - ${r}\n`).join('')}`,
      );
      return EXIT.insufficientData;
    }
    if (target !== undefined) {
      const outcome = verdictOutcome(verdict);
      const allowed = v['allow-failed-soak'] === true;
      if (outcome !== 'passed') {
        process.stderr.write(soakGateMessage(verdict, allowed));
        if (!allowed) return outcome === 'failed' ? EXIT.verdictFailed : EXIT.insufficientData;
      }
      const result = writeRecommendation(target.file, recommendation, {
        soakedVariant: v.stack,
        verdict,
        allowFailedSoak: allowed,
        ...(target.exists ? {} : { newFrom: fs.readFileSync(stackFile(v.stack, inputs.root), 'utf8') }),
      });
      const shown = (f: string) => path.relative(process.cwd(), f) || f;
      process.stderr.write(`wrote ${shown(result.stackFile)} (${result.changed.length} value${result.changed.length === 1 ? '' : 's'} changed) and ${shown(result.provenanceFile)}\n`);
    }
    return EXIT.ok;
  });
}

/**
 * The stack file `--write` updates: stacks/Pulumi.<variant>.yaml under `root`. Refuses the
 * soaked stack itself (its sizes are the baseline that was measured, and the plan of the
 * environment that ran), the platform stack (it holds no plan) and a name that is not a
 * stack name, before anything is measured. A variant without a stack file is created from
 * the soaked one (`exists: false`).
 * @throws UsageError naming --write-to and what was expected.
 */
export function writeTarget(variant: string, soaked: string, root: string): { file: string; exists: boolean } {
  const fail = (message: string): never => {
    throw new UsageError(`numaflow-soak recommend: option '--write-to': ${message}`);
  };
  try {
    checkVariantName(variant);
  } catch (error) {
    if (!(error instanceof SideError)) throw error;
    fail(error.message);
  }
  if (variant === soaked) fail(`${variant} is the stack that was soaked (--stack ${soaked}): its sizes are what was measured; write the resize to another variant (default: ${RIGHTSIZED_VARIANT})`);
  if (discoverStacks(root).platforms.includes(variant)) fail(`stacks/Pulumi.${variant}.yaml is the platform stack (numaflow-soak:role: platform), which holds no plan; write to a variant`);
  const file = stackFile(variant, root);
  return { file, exists: fs.existsSync(file) };
}

/**
 * What `--write` says on stderr about a soak whose verdict did not pass, naming each failed
 * or no-data line with its measured figure: that nothing is written and how to write anyway,
 * or, with `--allow-failed-soak`, that it writes anyway.
 */
export function soakGateMessage(v: SoakVerdictRecord, allowed: boolean): string {
  const what = verdictOutcome(v) === 'failed' ? 'the soak FAILED its verdict' : "the soak's verdict had too little data";
  const judged = `${v.window.start} to ${v.window.end}`;
  // Too little data without a line to name: the window was too short to judge.
  const lines = v.lines.length > 0 ? v.lines.map((l) => `  - ${findingText(l)}\n`).join('') : `  - the window ${judged} is too short to judge\n`;
  if (allowed) return `numaflow-soak recommend: ${what} (${judged}); writing anyway (--allow-failed-soak), and the provenance records it:\n${lines}`;
  return (
    `numaflow-soak recommend: not writing: ${what} (${judged}):\n${lines}` +
    'sizes measured on a run that did not hold up are no basis for the plan: fix the soak and run it again (`numaflow-soak verdict` shows every check), or pass --allow-failed-soak to write anyway\n'
  );
}

// ---------------------------------------------------------------------------------------
// Markdown

const quantityPair = (cpu: { toString(): string }, memory: { toString(): string }) => `${cpu} / ${memory}`;


/**
 * The soak's verdict as the first line under the headline: passed, or failed (or too little
 * data) with each such line and its measured figure, each through `text()`.
 */
function verdictParagraph(v: SoakVerdictRecord): string {
  const lines = v.lines.map((l) => text(findingText(l))).join('; ');
  const refused = '`--write` refuses these sizes without `--allow-failed-soak`; `numaflow-soak verdict` shows every check.';
  switch (verdictOutcome(v)) {
    case 'failed':
      return `⚠️ **The soak FAILED its verdict**, so these sizes come from a run that did not hold up: ${lines}. ${refused}`;
    case 'insufficient':
      return `⚠️ **The soak's verdict had too little data**: ${lines || 'the window is too short to judge'}. ${refused}`;
    case 'passed':
      return `✅ The soak passed its verdict (${v.checks} checks).`;
  }
}

/** The recommendation for people: the soak's verdict, what changes, from what evidence, and what was refused. */
export function renderRecommendationMarkdown(r: Recommendation, reproduce?: string, verdict?: SoakVerdictRecord): string {
  const out: string[] = [];
  out.push(heading(3, `numaflow-soak recommend: ${r.insufficientData ? 'too little data' : `${r.containers.filter((c) => c.status !== 'kept').length} container(s) resized`}`), '');
  if (verdict) out.push(verdictParagraph(verdict), '');
  out.push(`Data: ${text(r.source)}, ${text(r.window.start)} to ${text(r.window.end)}, every ${r.window.stepSeconds}s. Target ${Math.round(r.target).toLocaleString('en-US')} msg/s.`, '');
  // Recording rule or raw cAdvisor series, per usage family, and why.
  if (r.series.length > 0) out.push('Series read:', '', ...list(r.series.map((c) => text(c.text))), '');
  out.push(`Policy: ${text(policySummary(r.policy))}.`, '');
  if (r.insufficientData) {
    out.push('**Too little data: nothing is recommended or written.**', '', ...list(r.reasons.map(text)), '');
  }
  const containerRows = r.containers.map((c) => {
    const change = (kind: 'requests' | 'limits') => {
      const a = quantityPair(c.current[kind].cpu, c.current[kind].memory);
      const b = quantityPair(c.recommended[kind].cpu, c.recommended[kind].memory);
      return a === b ? text(a) : `${text(a)} → **${text(b)}**`;
    };
    const basis = c.basis.cpu && c.basis.memory ? basisSummary(c) : '-';
    return [text(c.label), text(c.status), change('requests'), change('limits'), text(basis)];
  });
  out.push(...table(['container', 'status', 'requests (cpu / memory)', 'limits (cpu / memory)', 'basis'], containerRows));
  const replicaRows = r.replicas.map((x) => {
    const a = `${x.current.min}-${x.current.max}`;
    const b = `${x.recommended.min}-${x.recommended.max}`;
    const measured = x.perReplicaRate !== undefined ? `p95 ${Math.round(x.measuredRate!).toLocaleString('en-US')} msg/s over ${x.replicasSeen} replicas = ${Math.round(x.perReplicaRate).toLocaleString('en-US')} msg/s each` : x.notes[0] ?? '-';
    return [text(x.vertex), text(x.status), a === b ? text(a) : `${text(a)} → **${text(b)}**`, text(measured)];
  });
  out.push('', ...table(['vertex', 'status', 'scale (min-max)', 'measured'], replicaRows));
  out.push('', heading(4, 'Advice (never applied automatically)'), '');
  out.push(...list([`partitions (${text(r.partitions.status)}): ${text(r.partitions.message)}`, `buffer volume (${text(r.volume.status)}): ${text(r.volume.message)}`]));
  const notes = r.containers.flatMap((c) => c.notes.map((n) => `${text(c.label)}: ${text(n)}`));
  const replicaNotes = r.replicas.flatMap((x) => x.notes.map((n) => `${text(x.vertex)} replicas: ${text(n)}`));
  if (notes.length + replicaNotes.length > 0) out.push('', heading(4, 'Notes'), '', ...list([...notes, ...replicaNotes]));
  if (reproduce) out.push('', `Reproduce: ${code(reproduce)}`);
  out.push('');
  return out.join('\n');
}
