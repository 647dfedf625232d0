/**
 * Writes a recommendation into a stack file (normally stacks/Pulumi.rightsized.yaml) and
 * its provenance beside it (stacks/Pulumi.rightsized.provenance.json).
 *
 * What it owns, and so the only keys it changes:
 * - `requests` and `limits` (cpu, memory) of every container it sized (not the init
 *   template, not containers kept for lack of data);
 * - `scale.min` and `scale.max` of the batch-map and sink vertices.
 * Everything else (the buffer's persistence, partitions, comments, key order) is left as
 * it is: the file is edited through the `yaml` Document API, not re-serialized from the plan.
 *
 * Each written line gets a trailing comment with its basis, and the header says where the
 * numbers came from: the data source and window, never the wall clock, so a second run on
 * the same data writes the same bytes.
 *
 * Both files are written whole or not at all: to a temporary file in the same folder, then
 * renamed over the target. The pair is kept consistent across a kill between the two
 * renames: the provenance records the SHA-256 of the stack text it belongs to
 * (`stackSha256`), and readers (src/diff/provenance-file.ts) refuse a provenance whose hash
 * does not match the stack file beside it as stale. Temporary files a killed run left are
 * removed by the next write. The edited stack is checked with the plan loader first; an
 * invalid result is refused and neither file changes.
 *
 * Given the soak's verdict on the same data, it records it in the provenance, and refuses
 * to write at all when that verdict failed or had too little data, unless told to
 * (`allowFailedSoak`): sizes measured on a run that did not hold up are not sizes.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, parseDocument, Scalar, YAMLMap, type Document } from 'yaml';
import { findingText, verdictOutcome, type Provenance, type SoakVerdictRecord } from '../diff/provenance';
import { loadStackText, PLAN_KEY, PROJECT, variantOfFile, type LoadedPlan } from '../plan/load';
import { Bytes, Cpu } from '../plan/quantity';
import type { ResourceList } from '../plan/schema';
import { basisComment, policySummary } from './policy';
import type { ContainerRecommendation, Recommendation, ReplicaRecommendation } from './recommend';

/** A recommendation that cannot be written: too little data, or an edited stack the loader refuses. */
export class PlanWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanWriteError';
  }
}

export interface WriteOptions {
  /** Where the provenance goes; default: the stack file with `.provenance.json` for `.yaml`. */
  readonly provenanceFile?: string;
  /** The variant that was soaked, named in the header (default `soak`). */
  readonly soakedVariant?: string;
  /** The soak's verdict on the same data, recorded in the provenance file. */
  readonly verdict?: SoakVerdictRecord;
  /** Write even when `verdict` failed or had too little data (`--allow-failed-soak`); it is recorded either way. */
  readonly allowFailedSoak?: boolean;
  /**
   * The soaked stack file's text, to start from when `stackFile` does not exist yet (a new
   * variant): its plan and settings are copied, its `namespace` and header comments are not,
   * so the new variant gets its own namespace (numaflow-<stack name>).
   * @default unset: `stackFile` must exist
   */
  readonly newFrom?: string;
}

export interface WriteResult {
  readonly stackFile: string;
  readonly provenanceFile: string;
  /** Key paths (in the plan) whose value changed in the file, sorted. */
  readonly changed: readonly string[];
}

const PLAN_PATH = ['config', `${PROJECT}:${PLAN_KEY}`];
/** The header paragraph this writer owns starts with `The \`<variant>\` variant`. */
const OWN_HEADER = /^The `[^`]+` variant/;

export function defaultProvenanceFile(stackFile: string): string {
  return stackFile.replace(/\.ya?ml$/, '') + '.provenance.json';
}

/**
 * Edits the stack file and writes the provenance, atomically.
 * @throws PlanWriteError when the recommendation has too little data, the soak's verdict
 *   failed or had too little data (unless `allowFailedSoak`), or the edited stack is invalid.
 */
export function writeRecommendation(stackFile: string, recommendation: Recommendation, options: WriteOptions = {}): WriteResult {
  if (recommendation.insufficientData) {
    throw new PlanWriteError(`not writing ${stackFile}: too little data (${recommendation.reasons.join('; ')})`);
  }
  const verdict = options.verdict;
  if (verdict && verdictOutcome(verdict) !== 'passed' && !options.allowFailedSoak) {
    const what = verdictOutcome(verdict) === 'failed' ? 'FAILED its verdict' : 'had too little data for a verdict';
    // Too little data without a line to name: the window was too short to judge.
    const why = verdict.lines.map(findingText).join('; ') || `window ${verdict.window.start} to ${verdict.window.end}`;
    throw new PlanWriteError(`not writing ${stackFile}: the soak ${what} (${why}); allowFailedSoak writes it anyway`);
  }
  const provenanceFile = options.provenanceFile ?? defaultProvenanceFile(stackFile);
  const before = options.newFrom !== undefined && !fs.existsSync(stackFile) ? newVariantText(options.newFrom) : fs.readFileSync(stackFile, 'utf8');
  const { text, changed } = renderRecommendedStack(before, recommendation, path.basename(stackFile), options);
  const json = provenanceJson(verdict ? { ...recommendation.provenance, verdict } : recommendation.provenance, stackSha256(text));
  removeStaleTemporaries([provenanceFile, stackFile]);
  const staged: Array<[string, string]> = [];
  try {
    for (const [target, content] of [
      [provenanceFile, json],
      [stackFile, text],
    ] as const) {
      const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${staged.length}`);
      fs.writeFileSync(tmp, content);
      staged.push([tmp, target]);
    }
    for (const [tmp, target] of staged) fs.renameSync(tmp, target);
  } catch (error) {
    for (const [tmp] of staged) fs.rmSync(tmp, { force: true });
    throw new PlanWriteError(`cannot write ${stackFile}: ${(error as Error).message}`);
  }
  return { stackFile, provenanceFile, changed };
}

/**
 * The stack file's text with the recommendation applied, checked by the plan loader.
 * Pure: the same text and recommendation give the same result.
 * @param source names the file in error messages.
 * @throws PlanWriteError when the edited plan is refused by the loader.
 */
export function renderRecommendedStack(text: string, r: Recommendation, source: string, options: WriteOptions = {}): { text: string; changed: string[]; loaded: LoadedPlan } {
  // The loader first: it refuses duplicate keys, alias bombs and oversized files in linear
  // time, so yaml's own quadratic duplicate-key check (uniqueKeys) is not needed here.
  const original = loadOrFail(text, source, 'the stack file to update');
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) throw new PlanWriteError(`${source} is not valid YAML: ${doc.errors[0].message}`);
  const filePlan = original.plan as unknown as Record<string, unknown>;
  const changed: string[] = [];

  for (const c of r.containers) {
    if (!ownsContainer(c)) continue;
    const keys = c.path.split('.');
    const inFile = get(filePlan, keys) as { requests: ResourceList; limits: ResourceList };
    for (const kind of ['requests', 'limits'] as const) {
      const node = ensureFlowMap(doc, [...PLAN_PATH, ...keys, kind]);
      const want = c.recommended[kind];
      if (!inFile[kind].cpu.equals(want.cpu)) {
        node.set('cpu', quantityScalar(want.cpu));
        changed.push(`${c.path}.${kind}.cpu`);
      }
      if (!inFile[kind].memory.equals(want.memory)) {
        node.set('memory', quantityScalar(want.memory));
        changed.push(`${c.path}.${kind}.memory`);
      }
      node.comment = ` ${basisComment(c, kind)}`;
    }
  }
  for (const x of r.replicas) {
    if (!ownsReplicas(x)) continue;
    const keys = x.path.split('.');
    const inFile = get(filePlan, [...keys, 'scale']) as { min: number; max: number };
    const node = ensureFlowMap(doc, [...PLAN_PATH, ...keys, 'scale']);
    for (const k of ['min', 'max'] as const) {
      if (inFile[k] !== x.recommended[k]) {
        node.set(k, x.recommended[k]);
        changed.push(`${x.path}.scale.${k}`);
      }
    }
    node.comment = ` ${replicaComment(x)}`;
  }
  setHeader(doc, r, options.soakedVariant ?? 'soak', variantOfFile(source) ?? 'rightsized');

  const out = doc.toString({ lineWidth: 0 });
  const loaded = loadOrFail(out, source, 'the updated stack');
  checkWritten(loaded, r, source);
  return { text: out, changed: changed.sort(), loaded };
}

/**
 * A new variant's stack text from the soaked stack's: the same plan and settings, without
 * its `namespace` (the new stack gets numaflow-<its name>) and without its header comments
 * but the schema line (setHeader writes the new variant's).
 */
export function newVariantText(soakedText: string): string {
  const doc = parseDocument(soakedText, { uniqueKeys: false });
  if (doc.errors.length > 0) throw new PlanWriteError(`the soaked stack file is not valid YAML: ${doc.errors[0].message}`);
  doc.deleteIn([...PLAN_PATH, 'namespace']);
  const contents = doc.contents;
  if (isMap(contents) && contents.items.length > 0 && isScalar(contents.items[0].key)) {
    const first = contents.items[0].key;
    const schemaLine = (first.commentBefore ?? '').split('\n').find((l) => l.includes('yaml-language-server:'));
    first.commentBefore = schemaLine ?? undefined;
  }
  if (doc.commentBefore) doc.commentBefore = doc.commentBefore.split('\n').find((l) => l.includes('yaml-language-server:')) ?? null;
  return doc.toString({ lineWidth: 0 });
}

/** The SHA-256 (hex) of a stack file's text, as recorded in its provenance's `stackSha256`. */
export function stackSha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Removes `.<name>.tmp-<pid>-<n>` files of these targets that a killed run left behind. */
function removeStaleTemporaries(targets: readonly string[]): void {
  for (const target of targets) {
    const dir = path.dirname(target);
    const prefix = `.${path.basename(target)}.tmp-`;
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const pid = Number(/^(\d+)-\d+$/.exec(entry.startsWith(prefix) ? entry.slice(prefix.length) : '')?.[1]);
      if (!Number.isInteger(pid) || pid === 0) continue;
      let alive = pid !== process.pid;
      try {
        if (alive) process.kill(pid, 0);
      } catch (error) {
        alive = (error as NodeJS.ErrnoException).code === 'EPERM';
      }
      if (!alive) fs.rmSync(path.join(dir, entry), { force: true });
    }
  }
}

/**
 * The provenance as the diff reports read it: stable key order, 2-space JSON, trailing newline.
 * @param stackHash the SHA-256 of the stack text it belongs to, recorded as `stackSha256`.
 */
export function provenanceJson(p: Provenance, stackHash?: string): string {
  const containers = Object.fromEntries(
    Object.keys(p.containers)
      .sort()
      .map((k) => {
        const o = p.containers[k];
        return [
          k,
          {
            ...(o.cpu ? { cpu: { p95: o.cpu.p95, p99: o.cpu.p99, peak: o.cpu.peak, samples: o.cpu.samples } } : {}),
            ...(o.memory ? { memory: { p95: o.memory.p95, p99: o.memory.p99, peak: o.memory.peak, samples: o.memory.samples } } : {}),
            ...(o.headroomPercent ? { headroomPercent: { ...(o.headroomPercent.cpu !== undefined ? { cpu: o.headroomPercent.cpu } : {}), ...(o.headroomPercent.memory !== undefined ? { memory: o.headroomPercent.memory } : {}) } } : {}),
            ...(o.requiredCores !== undefined ? { requiredCores: o.requiredCores } : {}),
            ...(o.series ? { series: { t: o.series.t, ...(o.series.cpu ? { cpu: o.series.cpu } : {}), ...(o.series.memory ? { memory: o.series.memory } : {}) } } : {}),
          },
        ];
      }),
  );
  const verdict = p.verdict && {
    passed: p.verdict.passed,
    insufficientData: p.verdict.insufficientData,
    window: { start: p.verdict.window.start, end: p.verdict.window.end, stepSeconds: p.verdict.window.stepSeconds },
    checks: p.verdict.checks,
    lines: p.verdict.lines.map((l) => ({ check: l.check, status: l.status, measured: l.measured })),
  };
  const ordered = {
    source: p.source,
    window: { start: p.window.start, end: p.window.end, stepSeconds: p.window.stepSeconds },
    ...(p.readFrom ? { readFrom: p.readFrom.map((r) => ({ family: r.family, used: r.used, series: r.series, ...(r.coveragePercent !== undefined ? { coveragePercent: r.coveragePercent } : {}) })) } : {}),
    ...(verdict ? { verdict } : {}),
    ...(stackHash !== undefined ? { stackSha256: stackHash } : {}),
    containers,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------

function ownsContainer(c: ContainerRecommendation): boolean {
  return c.role !== 'init' && c.status !== 'insufficient-data' && !c.flags.includes('no-data');
}

function ownsReplicas(x: ReplicaRecommendation): boolean {
  return x.path !== 'pipeline.source' && x.status !== 'insufficient-data';
}

function loadOrFail(text: string, source: string, what: string): LoadedPlan {
  try {
    return loadStackText(text, source);
  } catch (error) {
    throw new PlanWriteError(`refusing to write ${source}: ${what} is not a valid plan:\n${(error as Error).message}`);
  }
}

/** After the edit, the plan must say exactly what the recommendation says for every owned key. */
function checkWritten(loaded: LoadedPlan, r: Recommendation, source: string): void {
  const plan = loaded.plan as unknown as Record<string, unknown>;
  for (const c of r.containers.filter(ownsContainer)) {
    const got = get(plan, c.path.split('.')) as { requests: ResourceList; limits: ResourceList };
    for (const kind of ['requests', 'limits'] as const) {
      if (!got[kind].cpu.equals(c.recommended[kind].cpu) || !got[kind].memory.equals(c.recommended[kind].memory)) {
        throw new PlanWriteError(`refusing to write ${source}: ${c.path}.${kind} reads back as ${got[kind].cpu}/${got[kind].memory}, not ${c.recommended[kind].cpu}/${c.recommended[kind].memory}`);
      }
    }
  }
}

function get(root: Record<string, unknown>, keys: readonly string[]): unknown {
  let node: unknown = root;
  for (const k of keys) node = (node as Record<string, unknown> | undefined)?.[k];
  if (node === undefined) throw new PlanWriteError(`the plan has nothing at ${keys.join('.')}`);
  return node;
}

/** The mapping at `keys`, created as a flow mapping (`{ cpu: 1, memory: 1Gi }`) when missing. */
function ensureFlowMap(doc: Document, keys: readonly string[]): YAMLMap {
  const existing = doc.getIn(keys, true);
  if (isMap(existing)) return existing;
  const map = new YAMLMap();
  map.flow = true;
  doc.setIn(keys, map);
  return map;
}

/** A quantity as the stack files write it: whole-number CPUs quoted (`"2"`), the rest plain. */
function quantityScalar(q: Cpu | Bytes): Scalar {
  const text = q.toString();
  const scalar = new Scalar(text);
  if (/^\d+(\.\d+)?$/.test(text)) scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}


function replicaComment(x: ReplicaRecommendation): string {
  return `p95 ${Math.round(x.measuredRate ?? 0)} msg/s over ${x.replicasSeen} replicas; min for the target, max +headroom, ${x.samples} samples`;
}

/** Replaces the header paragraph this writer owns (or adds it after the schema line). */
function setHeader(doc: Document, r: Recommendation, soaked: string, variant: string): void {
  const contents = doc.contents;
  if (!isMap(contents) || contents.items.length === 0) return;
  const first = contents.items[0].key;
  if (!isScalar(first)) return;
  const lines = (first.commentBefore ?? '').split('\n');
  // Paragraphs are separated by blank comment lines (`#` alone).
  const paragraphs: string[][] = [[]];
  for (const line of lines) {
    if (line.trim() === '') paragraphs.push([]);
    else paragraphs[paragraphs.length - 1].push(line);
  }
  const blank = lines.find((l) => l.trim() === '') ?? '';
  const header = wrap(
    `The \`${variant}\` variant, generated by \`numaflow-soak recommend\` from the measured usage of the \`${soaked}\` plan: ` +
      `data from ${r.source}, ${r.window.start} to ${r.window.end}, every ${r.window.stepSeconds}s. ` +
      `Policy: ${policySummary(r.policy)}. ` +
      `Replicas: scale.min carries the ${Math.round(r.target)} msg/s target at the per-replica rate the soak measured, scale.max adds ${r.policy.replicaHeadroomPercent}%. ` +
      `The tool owns container requests/limits and vertex scale min/max (each with its basis in a trailing comment); ` +
      `the evidence for every number is in the .provenance.json file beside this one, the policy in docs/recommend.md. ` +
      `Edit other keys by hand.`,
    88,
  );
  const at = paragraphs.findIndex((p) => p.length > 0 && OWN_HEADER.test(p[0].trim()));
  if (at >= 0) paragraphs[at] = header;
  else paragraphs.splice(Math.min(1, paragraphs.length), 0, header);
  first.commentBefore = paragraphs.map((p) => p.join('\n')).join(`\n${blank}\n`);
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      out.push(` ${line}`);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  if (line.length > 0) out.push(` ${line}`);
  return out;
}
