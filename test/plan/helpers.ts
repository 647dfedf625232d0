/**
 * Shared by the plan tests: the reference plan from stacks/Pulumi.soak.yaml, a way to
 * patch a deep copy of it by key path, and the bad-plan fixture corpus.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { defaultNamespace, PLAN_KEY, PROJECT, stackFile } from '../../src/plan/load';

/** Prefix of every finding path produced by parsePlan. */
export const PLAN_PREFIX = `${PROJECT}:${PLAN_KEY}`;

export const FIXTURE_DIR = path.join(__dirname, '..', 'fixtures', 'bad-plans');

/**
 * The raw (unparsed) plan of the soak stack, as a fresh deep copy on every call, with the
 * namespace the loader gives it (the stack file leaves it to default to numaflow-soak).
 */
export function soakRaw(): Record<string, unknown> {
  const text = fs.readFileSync(stackFile('soak'), 'utf8');
  const doc = parseYaml(text, { uniqueKeys: true }) as { config: Record<string, unknown> };
  return { namespace: defaultNamespace('soak'), ...structuredClone(doc.config[PLAN_PREFIX] as Record<string, unknown>) };
}

/** One edit of a plan: set the value at a dotted key path, or delete the key. */
export interface PatchOp {
  readonly path: string;
  readonly value?: unknown;
  readonly delete?: boolean;
}

/**
 * Applies edits in order to `target` (mutated and returned). Segments are split on '.';
 * a segment of digits indexes a list. Missing intermediate mappings are created.
 */
export function applyPatch<T extends Record<string, unknown>>(target: T, ops: readonly PatchOp[]): T {
  for (const op of ops) {
    const segments = op.path.split('.');
    if (segments.some((s) => s === '')) throw new Error(`bad patch path ${JSON.stringify(op.path)}`);
    let node: Record<string, unknown> = target;
    for (const segment of segments.slice(0, -1)) {
      const next = node[segment];
      if (next === undefined) node[segment] = {};
      else if (typeof next !== 'object' || next === null) {
        throw new Error(`patch path ${op.path}: ${segment} is not a mapping or list`);
      }
      node = node[segment] as Record<string, unknown>;
    }
    const last = segments[segments.length - 1];
    if (op.delete) {
      if (!(last in node)) throw new Error(`patch path ${op.path}: nothing to delete`);
      delete node[last];
    } else {
      if (!('value' in op)) throw new Error(`patch path ${op.path}: needs value or delete: true`);
      node[last] = structuredClone(op.value);
    }
  }
  return target;
}

/** The soak plan with edits applied. */
export function patchedSoak(ops: readonly PatchOp[]): Record<string, unknown> {
  return applyPatch(soakRaw(), ops);
}

export interface BadPlanFixture {
  /** File name without `.yaml`; passed to parsePlan as the source. */
  readonly name: string;
  readonly file: string;
  readonly description: string;
  /** Substrings that must all appear in the PlanError message. */
  readonly expect: readonly string[];
  /** Substrings that must not appear in the message. */
  readonly absent: readonly string[];
  /** Key paths (without the `numaflow-soak:plan.` prefix) some finding must have. */
  readonly expectPaths: readonly string[];
  readonly patch: readonly PatchOp[];
}

const FIXTURE_KEYS = ['description', 'expect', 'absent', 'expectPath', 'patch'];

function stringList(value: unknown, what: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new Error(`${what} must be a non-empty string or a list of them`);
  }
  return list as string[];
}

/** Reads and validates one fixture file; a malformed fixture throws, naming the file. */
export function readFixture(file: string): BadPlanFixture {
  const name = path.basename(file, '.yaml');
  const raw = parseYaml(fs.readFileSync(file, 'utf8'), { uniqueKeys: true }) as Record<string, unknown>;
  const fail = (message: string): never => {
    throw new Error(`fixture ${name}: ${message}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('must be a mapping');
  for (const key of Object.keys(raw)) if (!FIXTURE_KEYS.includes(key)) fail(`unknown key ${key}`);
  if (typeof raw.description !== 'string' || raw.description.length === 0) fail('needs a description');
  if (!Array.isArray(raw.patch) || raw.patch.length === 0) fail('needs a non-empty patch list');
  const patch = (raw.patch as unknown[]).map((op, i) => {
    if (typeof op !== 'object' || op === null) return fail(`patch[${i}] must be a mapping`);
    const o = op as Record<string, unknown>;
    if (typeof o.path !== 'string') return fail(`patch[${i}] needs a path`);
    if (Object.keys(o).some((k) => !['path', 'value', 'delete'].includes(k))) fail(`patch[${i}] allows path, value, delete`);
    if (('value' in o) === (o.delete === true)) fail(`patch[${i}] needs exactly one of value, delete: true`);
    return o as unknown as PatchOp;
  });
  let expectPaths: string[];
  if (raw.expectPath !== undefined) expectPaths = stringList(raw.expectPath, `fixture ${name}: expectPath`);
  else if (patch.length === 1) expectPaths = [patch[0].path];
  else return fail('has several patch edits, so it must name expectPath');
  return {
    name,
    file,
    description: raw.description as string,
    expect: stringList(raw.expect, `fixture ${name}: expect`),
    absent: raw.absent === undefined ? [] : stringList(raw.absent, `fixture ${name}: absent`),
    expectPaths,
    patch,
  };
}

/** Every fixture of the corpus, sorted by name. */
export function loadFixtures(): BadPlanFixture[] {
  return fs
    .readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFixture(path.join(FIXTURE_DIR, f)));
}
