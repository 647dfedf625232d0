/**
 * Loading a plan: from a Pulumi stack file (the cdk8s app and the tools) or from an
 * already-read config value (the Pulumi program). Both paths end in `parsePlan`, which
 * checks the shape, turns quantities into value objects and runs the rules. Any error
 * refuses the whole plan with every problem listed by key path; nothing is built from it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { DEPLOYMENT_KEYS, deploymentSettings, type DeploymentSettings } from './deployment';
import { checkPlan, type Finding } from './rules';
import { planErrorMap, soakPlan, type SoakPlan } from './schema';

/** The Pulumi project name; config keys are `numaflow-soak:<key>`. */
export const PROJECT = 'numaflow-soak';
/** The config key that holds the plan. */
export const PLAN_KEY = 'plan';
/** Top-level keys Pulumi allows in a stack file. */
const STACK_FILE_KEYS = ['config', 'encryptionsalt', 'environment', 'secretsprovider'];

/** A plan refused: every error finding, with the file and key path it concerns. */
export class PlanError extends Error {
  constructor(
    public readonly source: string,
    public readonly findings: readonly Finding[],
  ) {
    super(formatFindings(source, findings));
    this.name = 'PlanError';
  }
}

export interface LoadedPlan {
  readonly plan: SoakPlan;
  /** Soft problems: reported, not refused. */
  readonly warnings: readonly Finding[];
  /** Where the plan came from, for messages. */
  readonly source: string;
}

/**
 * Parses and checks a raw plan value (what sits under `numaflow-soak:plan`).
 * @param source names the origin in messages, e.g. `stacks/Pulumi.soak.yaml`.
 * @throws PlanError listing every problem, errors only; warnings are returned.
 */
export function parsePlan(raw: unknown, source: string): LoadedPlan {
  const prefix = `${PROJECT}:${PLAN_KEY}`;
  const result = soakPlan.safeParse(raw, { reportInput: true, error: planErrorMap });
  if (!result.success) {
    throw new PlanError(source, result.error.issues.map((issue) => issueToFinding(issue, prefix)));
  }
  const findings = checkPlan(result.data).map((f) => ({ ...f, path: `${prefix}.${f.path}` }));
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new PlanError(source, errors);
  return { plan: result.data, warnings: findings.filter((f) => f.severity === 'warning'), source };
}

/**
 * Parses the deployment settings from a stack's config values (keys without the project
 * prefix: `{ installNumaflow: true }`).
 * @throws PlanError naming each offending key.
 */
export function parseDeployment(raw: Record<string, unknown>, source: string): DeploymentSettings {
  const result = deploymentSettings.safeParse(raw, { reportInput: true, error: planErrorMap });
  if (result.success) return result.data;
  throw new PlanError(
    source,
    result.error.issues.map((issue) => {
      const key = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : String(issue.path[0] ?? '');
      return { rule: 'schema', severity: 'error' as const, path: `${PROJECT}:${key}`, message: issue.message };
    }),
  );
}

/**
 * Refuses config keys of this project that nobody reads (a typo such as
 * `numaflow-soak:plann` must not be silently ignored). Other projects' keys pass.
 * @throws PlanError listing every unknown key.
 */
export function checkConfigKeys(keys: readonly string[], source: string): void {
  const known = [PLAN_KEY, ...DEPLOYMENT_KEYS].map((k) => `${PROJECT}:${k}`);
  const unknown = keys.filter((key) => key.startsWith(`${PROJECT}:`) && !known.includes(key));
  if (unknown.length > 0) {
    throw new PlanError(
      source,
      unknown.map((key) => ({ rule: 'stack-file', severity: 'error' as const, path: `config.${key}`, message: `unknown config key; this project reads ${known.join(', ')}` })),
    );
  }
}

/**
 * Reads a Pulumi stack file and returns its `config` mapping, refusing unknown keys of
 * this project (a typo in `numaflow-soak:plan` must not go unnoticed).
 */
export function readStackConfig(file: string): Record<string, unknown> {
  const source = displayPath(file);
  if (!fs.existsSync(file)) {
    throw new PlanError(source, [{ rule: 'stack-file', severity: 'error', path: '(file)', message: `stack file not found: ${file}` }]);
  }
  return stackConfigFromText(fs.readFileSync(file, 'utf8'), source);
}

/**
 * The `config` mapping of a stack file's text, checked as `readStackConfig` checks a file.
 * For text that does not come from the working tree, e.g. `git show <rev>:<file>`.
 * @param source names the origin in messages, e.g. `stacks/Pulumi.soak.yaml@HEAD`.
 */
export function stackConfigFromText(text: string, source: string): Record<string, unknown> {
  const fail = (p: string, message: string): never => {
    throw new PlanError(source, [{ rule: 'stack-file', severity: 'error', path: p, message }]);
  };
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) fail('(file)', `not valid YAML: ${doc.errors[0].message}`);
  const top = doc.toJS() as unknown;
  if (!isMapping(top)) return fail('(file)', 'a stack file must be a mapping with a config key');
  for (const key of Object.keys(top)) {
    if (!STACK_FILE_KEYS.includes(key)) fail(key, `unknown top-level key; a Pulumi stack file allows ${STACK_FILE_KEYS.join(', ')}`);
  }
  const config = top.config;
  if (!isMapping(config)) return fail('config', 'required: a mapping of config keys');
  checkConfigKeys(Object.keys(config), source);
  if (!(`${PROJECT}:${PLAN_KEY}` in config)) fail(`config.${PROJECT}:${PLAN_KEY}`, 'required, but missing');
  return config;
}

/** Loads the plan of one stack file: `loadStackFile('stacks/Pulumi.soak.yaml')`. */
export function loadStackFile(file: string): LoadedPlan {
  const config = readStackConfig(file);
  return parsePlan(config[`${PROJECT}:${PLAN_KEY}`], displayPath(file));
}

/** Loads the plan of a stack file's text, with the same checks as `loadStackFile`. */
export function loadStackText(text: string, source: string): LoadedPlan {
  const config = stackConfigFromText(text, source);
  return parsePlan(config[`${PROJECT}:${PLAN_KEY}`], source);
}

/** Loads the deployment settings of one stack file. */
export function loadStackDeployment(file: string): DeploymentSettings {
  const config = readStackConfig(file);
  const prefix = `${PROJECT}:`;
  const raw = Object.fromEntries(
    Object.entries(config)
      .filter(([key]) => key.startsWith(prefix) && key !== `${prefix}${PLAN_KEY}`)
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
  return parseDeployment(raw, displayPath(file));
}

/** The stack file of a variant: `stacks/Pulumi.<variant>.yaml` under the project root. */
export function stackFile(variant: string, root = projectRoot()): string {
  return path.join(root, 'stacks', `Pulumi.${variant}.yaml`);
}

/** The variants this project ships, in a stable order. */
export const VARIANTS = ['soak', 'rightsized'] as const;
export type Variant = (typeof VARIANTS)[number];

/** The project root: the folder holding package.json above this file. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project root above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export function formatFindings(source: string, findings: readonly Finding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const head = errors > 0 ? `invalid plan in ${source} (${errors} error${errors === 1 ? '' : 's'}):` : `plan ${source}:`;
  return [head, ...findings.map((f) => `  - ${f.severity === 'warning' ? 'warning: ' : ''}${f.path}: ${f.message}`)].join('\n');
}

function issueToFinding(issue: z.core.$ZodIssue, prefix: string): Finding {
  const keyPath = issue.path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : `${acc}.${String(part)}`),
    prefix,
  );
  return { rule: 'schema', severity: 'error', path: keyPath, message: issue.message };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
