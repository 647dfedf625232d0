/**
 * Reading a provenance file (`stacks/Pulumi.<variant>.provenance.json`, or any file given
 * with `--provenance`): JSON in the shape of `Provenance` (src/diff/provenance.ts),
 * checked before use so a typo or a wrong unit fails with the file and key path instead of
 * silently dropping the evidence from the report.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { distinctSizedContainers } from '../plan/containers';
import type { SoakPlan } from '../plan/schema';
import type { Provenance } from './provenance';

/** A provenance file that cannot be read or does not have the expected shape. */
export class ProvenanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvenanceError';
  }
}

const amount = z.number().nonnegative();
const usageStats = z.strictObject({ p95: amount, p99: amount, peak: amount, samples: z.number().int().nonnegative() });
const observation = z.strictObject({
  cpu: usageStats.optional(),
  memory: usageStats.optional(),
  headroomPercent: z.strictObject({ cpu: z.number().optional(), memory: z.number().optional() }).optional(),
  requiredCores: z.number().int().nonnegative().optional(),
  series: z
    .strictObject({ t: z.array(z.number()), cpu: z.array(z.number()).optional(), memory: z.array(z.number()).optional() })
    .refine((s) => (s.cpu === undefined || s.cpu.length === s.t.length) && (s.memory === undefined || s.memory.length === s.t.length), {
      message: 'cpu and memory must have as many points as t',
    })
    .optional(),
});
const window = z.strictObject({ start: z.string(), end: z.string(), stepSeconds: z.number().positive() });
/**
 * `verdict` (SoakVerdictRecord): the soak verdict `recommend --write` ran before writing.
 * Optional, so files written before the gate still load; when present, every key is
 * required and `passed`/`insufficientData` must agree with the lines they summarize.
 */
const verdict = z
  .strictObject({
    passed: z.boolean(),
    insufficientData: z.boolean(),
    window,
    checks: z.number().int().nonnegative(),
    lines: z.array(z.strictObject({ check: z.string().min(1), status: z.enum(['fail', 'no-data']), measured: z.string() })),
  })
  .refine((v) => v.passed === !v.lines.some((l) => l.status === 'fail'), { message: 'passed must be false exactly when a line has status "fail"' })
  .refine((v) => v.insufficientData || !v.lines.some((l) => l.status === 'no-data'), { message: 'a line with status "no-data" needs insufficientData: true' });
const provenanceSchema = z.strictObject({
  source: z.string().min(1),
  window,
  readFrom: z
    .array(z.strictObject({ family: z.string().min(1), used: z.enum(['recorded', 'raw']), series: z.string().min(1), coveragePercent: z.number().min(0).max(100).optional() }))
    .optional(),
  verdict: verdict.optional(),
  /** SHA-256 (hex) of the stack file text this provenance was written with (`recommend --write`). */
  stackSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  containers: z.record(z.string(), observation),
});

/** Checks parsed JSON against the Provenance shape; `source` names the file in messages. */
export function parseProvenance(raw: unknown, source: string): Provenance {
  const result = provenanceSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 10).map((issue) => {
    const where = issue.path.map(String).join('.') || '(top level)';
    const keys = issue.code === 'unrecognized_keys' ? ` ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : '';
    return `  - ${where}: ${issue.message}${keys}`;
  });
  const more = result.error.issues.length > 10 ? [`  - and ${result.error.issues.length - 10} more`] : [];
  throw new ProvenanceError([`invalid provenance file ${source}:`, ...problems, ...more].join('\n'));
}

/** A provenance whose `stackSha256` does not match the stack file beside it. */
export class StaleProvenanceError extends ProvenanceError {
  constructor(message: string) {
    super(message);
    this.name = 'StaleProvenanceError';
  }
}

/** Reads and checks a provenance file. @throws ProvenanceError naming the file. */
export function readProvenanceFile(file: string): Provenance {
  const shown = path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProvenanceError(`cannot read provenance file ${shown}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ProvenanceError(`provenance file ${shown} is not valid JSON: ${(error as Error).message}`);
  }
  const provenance = parseProvenance(raw, shown);
  checkStackHash(raw, file, shown);
  return provenance;
}

/**
 * A provenance that records `stackSha256` belongs to the stack file beside it
 * (`Pulumi.<variant>.yaml` for `Pulumi.<variant>.provenance.json`); when that file's text has
 * another hash, the pair is from different writes (a `recommend --write` killed between its
 * two renames, or a stack edited since) and the evidence is stale.
 * @throws StaleProvenanceError naming both files.
 */
function checkStackHash(raw: unknown, file: string, shown: string): void {
  const recorded = (raw as { stackSha256?: string }).stackSha256;
  if (recorded === undefined) return;
  const stack = file.replace(/\.provenance\.json$/, '.yaml');
  if (stack === file || !fs.existsSync(stack)) return;
  const actual = createHash('sha256').update(fs.readFileSync(stack, 'utf8')).digest('hex');
  if (actual !== recorded) {
    throw new StaleProvenanceError(
      `provenance file ${shown} is stale: it was written for another version of ${path.basename(stack)} (stackSha256 does not match; ` +
        `a recommend --write was interrupted or the stack was edited since). Run numaflow-soak recommend --write again, or delete ${shown}.`,
    );
  }
}

/** The provenance file that belongs to a variant: `stacks/Pulumi.<variant>.provenance.json`. */
export function provenanceFile(variant: string, root: string): string {
  return path.join(root, 'stacks', `Pulumi.${variant}.provenance.json`);
}

/** Container paths the provenance describes that the plan does not size (likely typos or a stale file). */
export function unknownProvenancePaths(provenance: Provenance, plan: SoakPlan): string[] {
  const known = new Set(distinctSizedContainers(plan).map((c) => c.path));
  return Object.keys(provenance.containers)
    .filter((p) => !known.has(p))
    .sort();
}
