/**
 * `numaflow-soak diff`: synthesizes two sides and prints their semantic diff report.
 *
 * Two ways to choose the sides:
 * - two variants of the working tree: `--before soak --after rightsized` (the defaults);
 * - one variant at two git revisions: `--stack soak --base-ref origin/main`, against the
 *   working tree, or against `--head-ref <rev>`.
 *
 * Exit codes (src/cli/exit-codes.ts): 0 no change, 2 changes, 3 a risk flag with
 * `--fail-on-risk` (before 2), 1 error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderHtml } from '../diff/html';
import { renderJson } from '../diff/json';
import { renderMarkdown } from '../diff/markdown';
import { platformRisksAcrossRevisions, withRisks } from '../diff/platform';
import type { Provenance } from '../diff/provenance';
import { provenanceFile, readProvenanceFile, StaleProvenanceError, unknownProvenancePaths } from '../diff/provenance-file';
import { buildReport, DEFAULT_RESIZE_FACTOR, type DiffReport, type SideIdentity } from '../diff/report';
import { sideAtRevision } from '../diff/revision';
import { sideBySide, sideFromWorkingTree, type BuiltSide } from '../diff/sides';
import { projectRoot } from '../plan/load';
import { helpText, nonNegativeNumber, parseCommandArgs, UsageError, type CommandSpec } from './args';
import { EXIT } from './exit-codes';
import { assertOutputAllowed, reproduceCommand, writeFileAtomic } from './output';

export const DEFAULT_BEFORE = 'soak';
export const DEFAULT_AFTER = 'rightsized';

export const DIFF_SPEC = {
  name: 'diff',
  summary: 'Synthesizes two variants (or one variant at two git revisions) and prints their semantic diff: totals, containers, risk flags, then per-object field changes.',
  options: {
    before: { type: 'string', value: '<variant>', description: `variant on the before side (default: ${DEFAULT_BEFORE})` },
    after: { type: 'string', value: '<variant>', description: `variant on the after side (default: ${DEFAULT_AFTER})` },
    stack: { type: 'string', value: '<variant>', description: 'compare this variant at two revisions instead (needs --base-ref)' },
    'base-ref': { type: 'string', value: '<rev>', description: 'git revision of the before side, with --stack' },
    'head-ref': { type: 'string', value: '<rev>', description: 'git revision of the after side, with --stack (default: the working tree)' },
    format: { type: 'string', choices: ['markdown', 'json'], default: 'markdown', description: 'report format' },
    output: { type: 'string', value: '<file>', description: 'write the report to this file instead of stdout' },
    html: { type: 'string', value: '<file>', description: 'also write the HTML report to this file' },
    'price-per-hour': { type: 'string', value: '<n>', description: "price of one node-hour (default: the node shape's pricePerHour)" },
    provenance: { type: 'string', value: '<file>', description: 'observed usage, JSON (default: stacks/Pulumi.<after>.provenance.json if present)' },
    'resize-factor': { type: 'string', value: '<n>', default: String(DEFAULT_RESIZE_FACTOR), description: 'flag a request or limit that grows or shrinks by more than this factor' },
    'fail-on-risk': { type: 'boolean', description: 'exit 3 when any risk flag is raised' },
    root: { type: 'string', value: '<dir>', description: 'project root holding stacks/ (default: this project)' },
  },
  notes: 'exit codes: 0 no change, 2 changes, 3 risk flags with --fail-on-risk, 1 error',
} as const satisfies CommandSpec;

/** Which sides to compare. */
export type DiffMode =
  | { readonly kind: 'variants'; readonly before: string; readonly after: string }
  | { readonly kind: 'revisions'; readonly stack: string; readonly baseRef: string; readonly headRef?: string };

/** Works out the mode from the options, refusing combinations that mean nothing. */
export function diffMode(values: { before?: string; after?: string; stack?: string; 'base-ref'?: string; 'head-ref'?: string }): DiffMode {
  const fail = (message: string): never => {
    throw new UsageError(`numaflow-soak diff: ${message}`);
  };
  if (values.stack !== undefined) {
    if (values.before !== undefined || values.after !== undefined) fail('--stack compares one variant at two revisions; it cannot be combined with --before or --after');
    if (values['base-ref'] === undefined) fail('--stack needs --base-ref <rev> (the revision to compare against)');
    return { kind: 'revisions', stack: values.stack, baseRef: values['base-ref']!, ...(values['head-ref'] !== undefined ? { headRef: values['head-ref'] } : {}) };
  }
  if (values['base-ref'] !== undefined || values['head-ref'] !== undefined) fail('--base-ref and --head-ref need --stack <variant>');
  return { kind: 'variants', before: values.before ?? DEFAULT_BEFORE, after: values.after ?? DEFAULT_AFTER };
}

/** The options that select a mode, spelled out in full (defaults included). */
export function modeArgs(mode: DiffMode): string[] {
  if (mode.kind === 'variants') return ['--before', mode.before, '--after', mode.after];
  return ['--stack', mode.stack, '--base-ref', mode.baseRef, ...(mode.headRef !== undefined ? ['--head-ref', mode.headRef] : [])];
}

/**
 * Builds both sides of a mode from the project at `root`. Two variants are compared side by
 * side (each in its own namespace: `identity`); one stack at two revisions as it is, so a
 * renamed namespace there is flagged.
 */
export function buildSides(mode: DiffMode, root: string): { before: BuiltSide; after: BuiltSide; afterVariant: string; identity?: SideIdentity } {
  if (mode.kind === 'variants') {
    const after = sideFromWorkingTree(mode.after, root);
    if (mode.before === mode.after) return { before: sideFromWorkingTree(mode.before, root), after, afterVariant: mode.after };
    const { before, identity } = sideBySide(sideFromWorkingTree(mode.before, root), after);
    return { before, after, afterVariant: mode.after, identity };
  }
  const before = sideAtRevision(mode.stack, mode.baseRef, root);
  const after = mode.headRef !== undefined ? sideAtRevision(mode.stack, mode.headRef, root) : sideFromWorkingTree(mode.stack, root, `${mode.stack} (working tree)`);
  return { before, after, afterVariant: mode.stack };
}

/**
 * The provenance to show: the file given, else the after variant's own file when it exists.
 * The variant's own file when stale (its stackSha256 does not match the stack file) is left
 * out with a warning; a stale file given with --provenance is an error. Paths it names that the plan does not size are reported on stderr.
 */
export function loadProvenance(explicit: string | undefined, afterVariant: string, root: string, after: BuiltSide): Provenance | undefined {
  const file = explicit !== undefined ? path.resolve(explicit) : provenanceFile(afterVariant, root);
  if (explicit === undefined && !fs.existsSync(file)) return undefined;
  let provenance: Provenance;
  try {
    provenance = readProvenanceFile(file);
  } catch (error) {
    // The variant's own file out of step with its stack: shown without evidence, not as an error.
    if (explicit !== undefined || !(error instanceof StaleProvenanceError)) throw error;
    process.stderr.write(`warning: ${error.message} Its evidence is left out.\n`);
    return undefined;
  }
  const unknown = unknownProvenancePaths(provenance, after.plan);
  if (unknown.length > 0) {
    process.stderr.write(`provenance ${path.basename(file)}: no container of ${after.label} is sized at ${unknown.join(', ')}; ignored\n`);
  }
  return provenance;
}

/** The exit code a report earns: 3 for risks when asked to fail on them, 2 for changes, else 0. */
export function diffExitCode(report: DiffReport, failOnRisk: boolean): number {
  if (failOnRisk && report.risks.length > 0) return EXIT.risk;
  return report.changed ? EXIT.changes : EXIT.ok;
}

export function diffCommand(argv: readonly string[]): number {
  const parsed = parseCommandArgs(DIFF_SPEC, argv);
  if (parsed.help) {
    process.stdout.write(helpText(DIFF_SPEC));
    return EXIT.ok;
  }
  const v = parsed.values;
  const mode = diffMode(v);
  const price = v['price-per-hour'] !== undefined ? nonNegativeNumber(DIFF_SPEC, 'price-per-hour', v['price-per-hour']) : undefined;
  const resizeFactor = nonNegativeNumber(DIFF_SPEC, 'resize-factor', v['resize-factor']);
  if (!(resizeFactor > 1)) throw new UsageError(`numaflow-soak diff: option '--resize-factor' must be above 1 (got '${v['resize-factor']}')`);
  const root = path.resolve(v.root ?? projectRoot());

  if (v.output !== undefined) assertOutputAllowed(v.output, 'output');
  if (v.html !== undefined) assertOutputAllowed(v.html, 'html');
  const { before, after, afterVariant, identity } = buildSides(mode, root);
  for (const message of [...before.warnings, ...after.warnings]) process.stderr.write(`${message}\n`);
  const provenance = loadProvenance(v.provenance, afterVariant, root, after);
  const built = buildReport(before, after, {
    resizeFactor,
    ...(price !== undefined ? { pricePerHour: price } : {}),
    ...(provenance ? { provenance } : {}),
    ...(identity ? { identity } : {}),
  });
  // Across revisions, a change to the platform stack (installs, target cluster) is flagged too:
  // no manifest of the variant shows it (src/diff/platform.ts).
  const report = mode.kind === 'revisions' ? withRisks(built, platformRisksAcrossRevisions(root, mode.baseRef, mode.headRef)) : built;

  const reproduce = reproduceCommand('diff', modeArgs(mode), argv, ['before', 'after', 'stack', 'base-ref', 'head-ref', 'output', 'html']);
  const text = v.format === 'json' ? renderJson(report) : renderMarkdown(report, { reproduce });
  if (v.output !== undefined) {
    writeFileAtomic(v.output, text, 'output');
    process.stderr.write(`wrote ${v.output}\n`);
  } else {
    process.stdout.write(text);
  }
  if (v.html !== undefined) {
    writeFileAtomic(v.html, renderHtml(report), 'html');
    process.stderr.write(`wrote ${v.html}\n`);
  }
  return diffExitCode(report, v['fail-on-risk']);
}
