/**
 * Loading a plan: from a Pulumi stack file (the cdk8s app and the tools) or from an
 * already-read config value (the Pulumi program). Both paths end in `parseStackConfig`,
 * which checks the deployment settings and the plan: `parsePlan` checks the shape, turns
 * quantities into value objects and runs the rules. Any error refuses the whole plan with
 * every problem listed by key path; nothing is built from it. Reading a file's text first
 * refuses what would be lost or would not finish (size, YAML errors, duplicate keys, alias
 * bombs), in time linear in the size of the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { DEPLOYMENT_KEYS, deploymentSettings, platformSettings, ROLE_KEYS, type DeploymentSettings, type PlatformSettings, type StackRole } from './deployment';
import { showInvisible } from './invisible';
import { checkPlan, type Finding } from './rules';
import { DNS_1123, planErrorMap, soakPlan, type SoakPlan } from './schema';

/** The Pulumi project name; config keys are `numaflow-soak:<key>`. */
export const PROJECT = 'numaflow-soak';
/** The config key that holds the plan. */
export const PLAN_KEY = 'plan';
/** The config key that says what kind of stack a file is (src/plan/deployment.ts, STACK_ROLES). */
export const ROLE_KEY = 'role';

/**
 * A variant's namespace when its plan names none: `numaflow-<stack>`, so every stack file
 * gets its own namespace (and PriorityClass, named after it) and two variants run side by
 * side in one cluster. The `soak` variant keeps `numaflow-soak`, where the seed soak ran.
 */
export function defaultNamespace(variant: string): string {
  return `numaflow-${variant}`;
}
/** Top-level keys Pulumi allows in a stack file. */
const STACK_FILE_KEYS = ['config', 'encryptionsalt', 'environment', 'secretsprovider'];

/**
 * The largest stack file the loader reads. A plan takes a few kilobytes; this leaves room
 * for very large maps (100,000 env entries take about 3.5 MiB) and refuses, before parsing,
 * text that could only exhaust memory.
 */
export const MAX_STACK_FILE_BYTES = 8 * 1024 * 1024;

/**
 * How far aliases (`*name`) may expand a stack file: yaml's `maxAliasCount`, here at yaml's
 * own default, stated so it is not lost. A plan needs no aliases; an alias bomb ("billion
 * laughs") expands a few lines into billions of nodes and is refused at once.
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * A plan refused: every error finding, with the file and key path it concerns.
 * @param subject what was refused, for the heading: `invalid <subject> in <source>`.
 */
export class PlanError extends Error {
  constructor(
    public readonly source: string,
    public readonly findings: readonly Finding[],
    subject = 'plan',
  ) {
    super(formatFindings(source, findings, subject));
    this.name = 'PlanError';
  }
}

/**
 * Deployment settings refused (`numaflow-soak:protectBuffer`, `kubeconfig`, ...): they are
 * not the plan, so the heading says `invalid deployment settings`. A PlanError, so every
 * command reports it the same way (its message alone, exit 1).
 */
export class DeploymentSettingsError extends PlanError {
  constructor(source: string, findings: readonly Finding[]) {
    super(source, findings, 'deployment settings');
    this.name = 'DeploymentSettingsError';
  }
}

/**
 * Numbers whose text in the stack file differs from how JavaScript prints their value
 * (`.nan`, `1e3`, `99999999999999999999999`), by key path as findings name them
 * (`numaflow-soak:plan.buffer.replicas`). Messages quote these as the user wrote them.
 */
export type WrittenNumbers = ReadonlyMap<string, { readonly text: string; readonly value: number }>;

export interface LoadedPlan {
  readonly plan: SoakPlan;
  /** Soft problems: reported, not refused. */
  readonly warnings: readonly Finding[];
  /** Where the plan came from, for messages. */
  readonly source: string;
}

/** A stack's plan and its deployment settings, both checked. */
export interface LoadedStack extends LoadedPlan {
  readonly settings: DeploymentSettings;
  /**
   * Deployment keys whose value is encrypted in the stack file (`secure: v1:...`, what
   * `pulumi config set --secret` writes). Only Pulumi can decrypt them, so outside the
   * Pulumi program they are accepted unchecked and left out of `settings`; the program
   * checks them once Pulumi has decrypted them.
   */
  readonly encryptedSettings: readonly string[];
}

/**
 * Parses and checks a raw plan value (what sits under `numaflow-soak:plan`).
 * @param source names the origin in messages, e.g. `stacks/Pulumi.soak.yaml`.
 * @param variant the stack the plan belongs to; a plan without `namespace` gets
 *   `defaultNamespace(variant)`. Without it, `namespace` is required.
 * @throws PlanError listing every problem, errors only; warnings are returned.
 */
export function parsePlan(raw: unknown, source: string, numbers?: WrittenNumbers, variant?: string): LoadedPlan {
  const prefix = `${PROJECT}:${PLAN_KEY}`;
  const result = soakPlan.safeParse(withDefaultNamespace(raw, source, variant), { reportInput: true, error: planErrorMap });
  if (!result.success) {
    throw new PlanError(source, result.error.issues.map((issue) => issueToFinding(issue, prefix, numbers)));
  }
  const findings = checkPlan(result.data).map((f) => ({ ...f, path: `${prefix}.${f.path}` }));
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw new PlanError(source, errors);
  return { plan: result.data, warnings: findings.filter((f) => f.severity === 'warning'), source };
}

/**
 * The plan with its namespace defaulted from the variant, or a finding-ready error when it
 * has none and none can be derived. Anything but a mapping is left to the schema to name.
 */
function withDefaultNamespace(raw: unknown, source: string, variant: string | undefined): unknown {
  if (!isMapping(raw) || raw.namespace !== undefined) return raw;
  const path = `${PROJECT}:${PLAN_KEY}.namespace`;
  const fail = (message: string): never => {
    throw new PlanError(source, [{ rule: 'schema', severity: 'error', path, message }]);
  };
  if (variant === undefined) return fail('required, but missing (only a plan read from a stack file defaults it to numaflow-<stack>)');
  const derived = defaultNamespace(variant);
  if (derived.length > 63 || !DNS_1123.test(derived)) {
    fail(`unset, and the default derived from the stack name, ${JSON.stringify(derived)}, is not a DNS-1123 label of at most 63 characters; set namespace`);
  }
  return { namespace: derived, ...raw };
}

/** What a stack file is, from its config: `platform` when `numaflow-soak:role` says so, else a variant. */
export function stackRole(config: Record<string, unknown>): StackRole {
  return config[`${PROJECT}:${ROLE_KEY}`] === 'platform' ? 'platform' : 'variant';
}

/** Where a deployment key of the other kind of stack belongs, for the message refusing it. */
const WRONG_ROLE: Readonly<Record<StackRole, string>> = {
  variant:
    'a variant stack installs nothing cluster-wide: the Numaflow controller and CRDs and kube-prometheus-stack have one owner, the platform stack (numaflow-soak:role: platform, e.g. stacks/Pulumi.platform.yaml); remove this key here',
  platform: 'the platform stack has no buffer service; protectBuffer belongs in a variant\'s stack file',
};

/**
 * Parses a variant's deployment settings from its config values (keys without the project
 * prefix: `{ protectBuffer: true }`).
 * @throws DeploymentSettingsError naming each offending key.
 */
export function parseDeployment(raw: Record<string, unknown>, source: string, numbers?: WrittenNumbers): DeploymentSettings {
  return parseSettings(deploymentSettings, 'variant', raw, source, numbers);
}

/**
 * Parses the platform stack's settings (`role: platform`, the installs, cluster access).
 * @throws DeploymentSettingsError naming each offending key.
 */
export function parsePlatformDeployment(raw: Record<string, unknown>, source: string, numbers?: WrittenNumbers): PlatformSettings {
  return parseSettings(platformSettings, 'platform', raw, source, numbers);
}

function parseSettings<S extends typeof deploymentSettings | typeof platformSettings>(
  schema: S,
  role: StackRole,
  raw: Record<string, unknown>,
  source: string,
  numbers?: WrittenNumbers,
): z.output<S> {
  const own = Object.fromEntries(Object.entries(raw).filter(([key]) => ROLE_KEYS[role].includes(key)));
  const misplaced: Finding[] = Object.keys(raw)
    .filter((key) => !ROLE_KEYS[role].includes(key) && DEPLOYMENT_KEYS.includes(key))
    .map((key) => ({ rule: 'stack-role', severity: 'error', path: `${PROJECT}:${key}`, message: WRONG_ROLE[role] }));
  const result = schema.safeParse(own, { reportInput: true, error: planErrorMap });
  const issues: Finding[] = result.success
    ? []
    : result.error.issues.map((issue) => {
        const path = `${PROJECT}:${issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : String(issue.path[0] ?? '')}`;
        return { rule: 'schema', severity: 'error' as const, path, message: asWritten(issue.message, numbers?.get(path)) };
      });
  if (result.success && misplaced.length === 0) return result.data as z.output<S>;
  throw new DeploymentSettingsError(source, [...misplaced, ...issues]);
}

/**
 * Checks a stack's config (the `config` mapping of a stack file, or the values Pulumi hands
 * the program, structured ones parsed) and returns its plan and deployment settings. The
 * one loader behind every reader: `cdk8s synth`, the commands, and the Pulumi program.
 * Unknown keys of this project come first, then the deployment settings, then the plan.
 * @throws PlanError (or its DeploymentSettingsError) listing every problem found at that step.
 */
export function parseStackConfig(config: Record<string, unknown>, source: string, numbers?: WrittenNumbers, variant?: string): LoadedStack {
  checkConfigKeys(Object.keys(config), source);
  if (stackRole(config) === 'platform') {
    throw new DeploymentSettingsError(source, [
      { rule: 'stack-role', severity: 'error', path: `${PROJECT}:${ROLE_KEY}`, message: 'this is the platform stack: it holds no plan and is not a variant (pulumi up --stack <it> installs what is cluster-wide)' },
    ]);
  }
  const { raw, encryptedSettings } = settingsValues(config);
  const settings = parseDeployment(raw, source, numbers);
  const loaded = parsePlan(config[`${PROJECT}:${PLAN_KEY}`], source, numbers, variant);
  return { ...loaded, settings, encryptedSettings };
}

/** The platform stack's settings, checked; it must not hold a plan. */
export interface LoadedPlatform {
  readonly settings: PlatformSettings;
  readonly encryptedSettings: readonly string[];
  readonly source: string;
}

/**
 * Checks the platform stack's config (`numaflow-soak:role: platform`): this project's keys,
 * no plan, the installs and cluster access.
 * @throws PlanError (or its DeploymentSettingsError) naming each offending key.
 */
export function parsePlatformConfig(config: Record<string, unknown>, source: string, numbers?: WrittenNumbers): LoadedPlatform {
  checkConfigKeys(Object.keys(config), source);
  if (`${PROJECT}:${PLAN_KEY}` in config) {
    throw new DeploymentSettingsError(source, [
      { rule: 'stack-role', severity: 'error', path: `${PROJECT}:${PLAN_KEY}`, message: 'the platform stack holds no plan: a plan makes a variant, in its own stack file' },
    ]);
  }
  const { raw, encryptedSettings } = settingsValues(config);
  return { settings: parsePlatformDeployment(raw, source, numbers), encryptedSettings, source };
}

/** The deployment keys' values (without the project prefix), encrypted ones listed apart. */
function settingsValues(config: Record<string, unknown>): { raw: Record<string, unknown>; encryptedSettings: string[] } {
  const raw: Record<string, unknown> = {};
  const encryptedSettings: string[] = [];
  for (const key of DEPLOYMENT_KEYS) {
    const value = config[`${PROJECT}:${key}`];
    if (value === undefined) continue;
    if (isEncrypted(value)) encryptedSettings.push(key);
    else raw[key] = value;
  }
  return { raw, encryptedSettings };
}

/** A value `pulumi config set --secret` wrote into a stack file: `{ secure: <ciphertext> }`. */
function isEncrypted(value: unknown): boolean {
  return isMapping(value) && Object.keys(value).length === 1 && typeof value.secure === 'string';
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
  return readStackFile(file).config;
}

/**
 * The `config` mapping of a stack file's text, checked as `readStackConfig` checks a file.
 * For text that does not come from the working tree, e.g. `git show <rev>:<file>`.
 * @param source names the origin in messages, e.g. `stacks/Pulumi.soak.yaml@HEAD`.
 */
export function stackConfigFromText(text: string, source: string): Record<string, unknown> {
  return readStackText(text, source).config;
}

/** A stack file's `config` mapping, and the numbers in it as written. */
interface StackText {
  readonly config: Record<string, unknown>;
  readonly numbers: WrittenNumbers;
}

function readStackFile(file: string): StackText {
  const source = displayPath(file);
  const fail = (message: string): never => {
    throw new PlanError(source, [{ rule: 'stack-file', severity: 'error', path: '(file)', message }]);
  };
  if (!fs.existsSync(file)) fail(`stack file not found: ${file}`);
  const size = fs.statSync(file).size;
  if (size > MAX_STACK_FILE_BYTES) fail(tooLarge(size));
  return readStackText(fs.readFileSync(file, 'utf8'), source);
}

/**
 * Parses a stack file's text, refusing what would be lost or would not stop: text beyond
 * MAX_STACK_FILE_BYTES, YAML errors (with line and column), duplicate keys (YAML keeps one
 * of them silently), aliases expanding beyond MAX_ALIAS_COUNT, then a wrong layout.
 */
function readStackText(text: string, source: string): StackText {
  const fail = (p: string, message: string): never => {
    throw new PlanError(source, [{ rule: 'stack-file', severity: 'error', path: p, message }]);
  };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_STACK_FILE_BYTES) fail('(file)', tooLarge(bytes));
  const lines = new LineCounter();
  // Duplicate keys are found by inspectDocument: yaml's own check (uniqueKeys) compares every
  // key of a map with every key before it, which is quadratic in the size of the map.
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    fail('(file)', `not valid YAML at ${position(lines, error.pos[0])}: ${error.message}`);
  }
  const inspected = inspectDocument(doc, lines);
  if (inspected.findings.length > 0) throw new PlanError(source, inspected.findings);
  let top: unknown;
  try {
    top = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError && /alias count/i.test(error.message))) throw error;
    return fail('(file)', `refused: the aliases (*name) from ${inspected.firstAlias ?? 'the start'} on expand beyond ${MAX_ALIAS_COUNT} nodes, as an alias bomb ("billion laughs") does; write the values out instead`);
  }
  if (!isMapping(top)) return fail('(file)', 'a stack file must be a mapping with a config key');
  for (const key of Object.keys(top)) {
    if (!STACK_FILE_KEYS.includes(key)) fail(key, `unknown top-level key; a Pulumi stack file allows ${STACK_FILE_KEYS.join(', ')}`);
  }
  const config = top.config;
  if (!isMapping(config)) return fail('config', 'required: a mapping of config keys');
  checkConfigKeys(Object.keys(config), source);
  if (stackRole(config) !== 'platform' && !(`${PROJECT}:${PLAN_KEY}` in config)) fail(`config.${PROJECT}:${PLAN_KEY}`, 'required, but missing');
  return { config, numbers: inspected.numbers };
}

function tooLarge(bytes: number): string {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `the stack file is ${mib(bytes)}; the loader reads at most ${mib(MAX_STACK_FILE_BYTES)} (a plan takes a few kilobytes)`;
}

/** `line 12, column 5` of an offset in the text. */
function position(lines: LineCounter, offset: number): string {
  const { line, col } = lines.linePos(offset);
  return `line ${line}, column ${col}`;
}

/**
 * One pass over a parsed stack file, in document order and linear in its size. It finds
 * duplicate keys (each map's keys go into a Map, by the text YAML would turn them into) and
 * aliases used before their anchor, notes the numbers written differently from how
 * JavaScript prints them, and where the first alias is. Aliases are not followed. Key paths
 * are named as findings name them: the config keys as they are
 * (`numaflow-soak:plan.buffer.replicas`), list items as `[i]`.
 */
function inspectDocument(doc: Document, lines: LineCounter): { findings: Finding[]; numbers: Map<string, { text: string; value: number }>; firstAlias?: string } {
  const findings: Finding[] = [];
  const numbers = new Map<string, { text: string; value: number }>();
  const anchors = new Set<string>();
  let firstAlias: string | undefined;
  const at = (node: unknown) => position(lines, (node as { range?: [number] } | null)?.range?.[0] ?? 0);
  const problem = (path: string, message: string) => findings.push({ rule: 'stack-file', severity: 'error', path, message });

  const visit = (node: unknown, path: string): void => {
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor !== undefined) anchors.add(anchor);
    if (isAlias(node)) {
      firstAlias ??= at(node);
      if (!anchors.has(node.source)) problem(path, `alias *${node.source} at ${at(node)} has no anchor &${node.source} before it`);
    } else if (isScalar(node)) {
      if (typeof node.value === 'number' && node.source !== undefined && node.source !== String(node.value)) {
        numbers.set(path, { text: node.source, value: node.value });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, `${path}[${i}]`));
    } else if (isMap(node)) {
      const seen = new Map<string, unknown>();
      for (const { key, value } of node.items) {
        const keyAnchor = (key as { anchor?: string } | null)?.anchor;
        if (keyAnchor !== undefined) anchors.add(keyAnchor);
        // As yaml's toJS names a key: a scalar by its value (null as ''), anything else by its text.
        const name = isScalar(key) ? (key.value === null ? '' : String(key.value)) : String(key ?? '');
        // The config keys are named without `config.`, as parsePlan and parseDeployment name them.
        const child = path === '' || path === 'config' ? name : `${path}.${name}`;
        const first = seen.get(name);
        if (first === undefined) seen.set(name, key);
        else problem(child, `duplicate key at ${at(key)}, first at ${at(first)}; YAML would keep only one of them`);
        visit(value, child);
      }
    }
  };
  visit(doc.contents, '');
  return { findings, numbers, ...(firstAlias !== undefined ? { firstAlias } : {}) };
}

/**
 * Loads the plan and deployment settings of one stack file: `loadStackFile('stacks/Pulumi.soak.yaml')`.
 * The variant is the file's stack name (`Pulumi.<variant>.yaml`), which names the default namespace.
 */
export function loadStackFile(file: string): LoadedStack {
  const { config, numbers } = readStackFile(file);
  return parseStackConfig(config, displayPath(file), numbers, variantOfFile(file));
}

/**
 * Loads the plan and deployment settings of a stack file's text, with the same checks as `loadStackFile`.
 * @param variant the stack it belongs to, for the default namespace (@default the stack name in `source`, `.../Pulumi.<variant>.yaml[@rev]`)
 */
export function loadStackText(text: string, source: string, variant: string | undefined = variantOfFile(source.replace(/@.*$/, ''))): LoadedStack {
  const { config, numbers } = readStackText(text, source);
  return parseStackConfig(config, source, numbers, variant);
}

/** Loads the platform stack's settings from its file. */
export function loadPlatformFile(file: string): LoadedPlatform {
  const { config, numbers } = readStackFile(file);
  return parsePlatformConfig(config, displayPath(file), numbers);
}

/** The stack name of a stack file path (`stacks/Pulumi.soak.yaml` → `soak`), if it is one. */
export function variantOfFile(file: string): string | undefined {
  return /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file))?.[1];
}

/** Loads the deployment settings of one stack file (the plan is checked too). */
export function loadStackDeployment(file: string): DeploymentSettings {
  return loadStackFile(file).settings;
}

/** The stack file of a variant: `stacks/Pulumi.<variant>.yaml` under the project root. */
export function stackFile(variant: string, root = projectRoot()): string {
  return path.join(root, 'stacks', `Pulumi.${variant}.yaml`);
}

/** What `discoverStacks` found in stacks/: the variants, the platform stack(s), and files it skipped. */
export interface StackDiscovery {
  /** Stack files holding a plan (or anything of this project but the platform role), sorted by name. */
  readonly variants: readonly string[];
  /** Stack files with `numaflow-soak:role: platform`. */
  readonly platforms: readonly string[];
  /** Stack files with nothing of this project, e.g. what `pulumi stack init` wrote; each with why. */
  readonly skipped: readonly { readonly stack: string; readonly file: string; readonly note: string }[];
}

/**
 * The stack files under `<root>/stacks/`: every `Pulumi.<name>.yaml` is a variant, except
 * the platform stack (`numaflow-soak:role: platform`) and a file with none of this
 * project's keys (empty, or only the salt and secrets provider `pulumi stack init` writes),
 * which is skipped with a note. Nothing lists the variants in code. A file that cannot be
 * read as YAML counts as a variant, so loading it reports what is wrong.
 */
export function discoverStacks(root = projectRoot()): StackDiscovery {
  const dir = path.join(root, 'stacks');
  const variants: string[] = [];
  const platforms: string[] = [];
  const skipped: { stack: string; file: string; note: string }[] = [];
  if (!fs.existsSync(dir)) return { variants, platforms, skipped };
  const names = fs
    .readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort();
  for (const stack of names) {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    const config = configForDiscovery(file);
    if (config === 'unreadable') variants.push(stack);
    else if (!Object.keys(config).some((key) => key.startsWith(`${PROJECT}:`))) {
      skipped.push({ stack, file: displayPath(file), note: `${displayPath(file)} has no ${PROJECT}:${PLAN_KEY}: not a variant (a stack file pulumi stack init made?), skipped` });
    } else if (stackRole(config) === 'platform') platforms.push(stack);
    else variants.push(stack);
  }
  return { variants, platforms, skipped };
}

/** The variants under `<root>/stacks/`, sorted: `discoverStacks(root).variants`. */
export function listVariants(root = projectRoot()): string[] {
  return [...discoverStacks(root).variants];
}

/** A stack file's `config` mapping, `{}` when it has none, or `unreadable` (left for the loader to explain). */
function configForDiscovery(file: string): Record<string, unknown> | 'unreadable' {
  try {
    if (fs.statSync(file).size > MAX_STACK_FILE_BYTES) return 'unreadable';
    const doc = parseDocument(fs.readFileSync(file, 'utf8'), { uniqueKeys: false });
    if (doc.errors.length > 0) return 'unreadable';
    const top: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    if (top === null || top === undefined) return {};
    if (!isMapping(top)) return 'unreadable';
    if (top.config === undefined || top.config === null) return {};
    return isMapping(top.config) ? top.config : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

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

export function formatFindings(source: string, findings: readonly Finding[], subject = 'plan'): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const at = oneLine(source);
  const head = errors > 0 ? `invalid ${subject} in ${at} (${errors} error${errors === 1 ? '' : 's'}):` : `${subject} ${at}:`;
  return [head, ...findings.map((f) => `  - ${f.severity === 'warning' ? 'warning: ' : ''}${oneLine(f.path)}: ${oneLine(f.message)}`)].join('\n');
}

/**
 * Text from a stack file (a key may hold anything YAML can quote: line breaks, terminal
 * escapes, direction overrides) kept on one line and read as stored: line breaks and tabs
 * as `\n`, `\r`, `\t`, every other invisible character as `\uXXXX` (src/plan/invisible.ts).
 * So a finding is one line a terminal shows as written, and a key cannot forge a heading
 * or a line of its own where the message is pasted.
 */
function oneLine(text: string): string {
  return showInvisible(text.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t'));
}

function issueToFinding(issue: z.core.$ZodIssue, prefix: string, numbers?: WrittenNumbers): Finding {
  const keyPath = issue.path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : `${acc}.${String(part)}`),
    prefix,
  );
  return { rule: 'schema', severity: 'error', path: keyPath, message: asWritten(issue.message, numbers?.get(keyPath)) };
}

/**
 * A message about a number, quoting the number as the user wrote it: `got number null`
 * (how JSON prints NaN) becomes `got .nan (not a number)`, `got number 1e+23` becomes
 * `got 99999999999999999999999 (too large to be read exactly)`.
 */
function asWritten(message: string, written: { readonly text: string; readonly value: number } | undefined): string {
  if (written === undefined) return message;
  const { text, value } = written;
  const note = Number.isNaN(value)
    ? ' (not a number)'
    : !Number.isFinite(value)
      ? ' (infinite)'
      : /^[-+]?\d+$/.test(text) && BigInt(text) !== BigInt(value)
        ? ` (too large to be read exactly: it reads as ${value})`
        : '';
  const printed = JSON.stringify(value);
  const got = message.includes(`got number ${printed}`) ? `got number ${printed}` : `got ${printed}`;
  return message.split(got).join(`got ${text}${note}`);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
