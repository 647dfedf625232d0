/**
 * Validators built from the real schemas: Numaflow's v1.8.3 CRDs (from ../shared, which
 * only tests may read) with unknown fields made errors, and kubernetes-models for core
 * Kubernetes types.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

/** The shared material CI provides beside the checkout; NUMAFLOW_SOAK_SHARED overrides it. */
const SHARED = process.env.NUMAFLOW_SOAK_SHARED ?? path.resolve(__dirname, '../../../shared');
export const SHARED_SCHEMAS = path.join(SHARED, 'schemas', 'numaflow-v1.8.3');

function readShared(file: string): string {
  const full = path.join(SHARED_SCHEMAS, file);
  if (!fs.existsSync(full)) {
    throw new Error(`${full} not found: the tests need the Numaflow v1.8.3 schemas from ../shared beside the checkout (or set NUMAFLOW_SOAK_SHARED)`);
  }
  return fs.readFileSync(full, 'utf8');
}

// ---------------------------------------------------------------------------------------
// Tests that need ../shared

/** The files the schema tests read from SHARED_SCHEMAS (the workflow fetches these three). */
export const SHARED_SCHEMA_FILES = ['numaflow.numaproj.io_pipelines.yaml', 'numaflow.numaproj.io_interstepbufferservices.yaml', 'numaflow-controller-config.yaml'] as const;

/** Whether the environment is a CI run: `CI` set to anything but empty, `0` or `false` (GitHub Actions and .ci/run set `CI=true`). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = (env.CI ?? '').trim().toLowerCase();
  return ci !== '' && ci !== '0' && ci !== 'false';
}

/**
 * What a test that needs files from ../shared does: `run` when they are there; without them
 * `skip` (loudly) on a developer's machine, and `fail` in CI, where a missing ../shared is a
 * broken setup, not a reason to pass. A CI run that knowingly has only part of ../shared
 * (the pull-request workflow, which fetches the three CRD files itself) says so with
 * NUMAFLOW_SOAK_SHARED_OPTIONAL=true and gets `skip`.
 */
export function sharedTestMode(present: boolean, env: NodeJS.ProcessEnv): 'run' | 'skip' | 'fail' {
  if (present) return 'run';
  return isCi(env) && env.NUMAFLOW_SOAK_SHARED_OPTIONAL !== 'true' ? 'fail' : 'skip';
}

/** The files of `files` missing from `dir`. */
export function missingSharedFiles(files: readonly string[] = SHARED_SCHEMA_FILES, dir: string = SHARED_SCHEMAS): string[] {
  return files.filter((f) => !fs.existsSync(path.join(dir, f)));
}

let warned = false;

/**
 * `test` for a test that reads files from SHARED_SCHEMAS (by default the three CRD files).
 * Without them it is registered as skipped under the title `SKIPPED (../shared absent):
 * <name>` with a warning on the console, or, under CI, as a test that fails saying why.
 */
export function testWithShared(name: string, fn: jest.ProvidesCallback, options: { files?: readonly string[]; timeout?: number } = {}): void {
  const missing = missingSharedFiles(options.files);
  const mode = sharedTestMode(missing.length === 0, process.env);
  const absent = `${missing.join(', ')} absent from ${SHARED_SCHEMAS} (../shared beside the checkout, or NUMAFLOW_SOAK_SHARED)`;
  if (mode === 'run') {
    test(name, fn, options.timeout);
  } else if (mode === 'skip') {
    if (!warned) {
      warned = true;
      console.warn(`SKIPPED: tests that need ../shared: ${absent}. Under CI=true they fail instead (unless NUMAFLOW_SOAK_SHARED_OPTIONAL=true).`);
    }
    test.skip(`SKIPPED (../shared absent): ${name}`, fn);
  } else {
    test(name, () => {
      throw new Error(`${absent}; CI is set (CI=${process.env.CI}), so a test that needs them fails instead of being skipped`);
    });
  }
}

type JsonSchema = { [key: string]: unknown };

/**
 * The API server prunes fields a structural schema does not declare. To see those as
 * errors, every object schema that lists properties (and does not preserve unknown
 * fields) is closed with additionalProperties: false.
 */
export function closeObjects(schema: JsonSchema): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(node as JsonSchema)) {
      out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as JsonSchema).map(([pk, pv]) => [pk, walk(pv)])) : walk(v);
    }
    if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
      out.additionalProperties = false;
    }
    return out;
  };
  return walk(schema) as JsonSchema;
}

function crdValidator(file: string): ValidateFunction {
  const crd = parse(readShared(file));
  const schema = closeObjects(crd.spec.versions[0].schema.openAPIV3Schema);
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  return ajv.compile(schema);
}

let pipeline: ValidateFunction | undefined;
let isbsvc: ValidateFunction | undefined;

/** Validates a Numaflow object against its CRD; returns readable errors (empty when valid). */
export function numaflowSchemaErrors(obj: { kind: string }): string[] {
  let validate: ValidateFunction;
  if (obj.kind === 'Pipeline') validate = pipeline ??= crdValidator('numaflow.numaproj.io_pipelines.yaml');
  else if (obj.kind === 'InterStepBufferService') validate = isbsvc ??= crdValidator('numaflow.numaproj.io_interstepbufferservices.yaml');
  else throw new Error(`no Numaflow CRD for kind ${obj.kind}`);
  if (validate(obj)) return [];
  return (validate.errors ?? []).map((e) =>
    `${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? `: ${JSON.stringify(e.params.additionalProperty)}` : ''}`,
  );
}

/** The controller ConfigMap's list of JetStream versions. */
export function controllerJetStreamVersions(): string[] {
  const cm = parse(readShared('numaflow-controller-config.yaml'));
  const config = parse(cm.data['controller-config.yaml']);
  return config.isbsvc.jetstream.versions.map((v: { version: string }) => String(v.version));
}
