/**
 * Stack files written to hurt the loader, or whose author's words would be lost on the way
 * (issue 10: nothing lost, nothing injected, nothing unsafe by default). Each case writes
 * the attack as a file would hold it and asserts the refusal: a PlanError whose finding
 * names the key path, or the file with a line and column, in one line. What the commands
 * print for them (exit code, no stack trace) is in test/cli/stack-file-errors.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import {
  DeploymentSettingsError,
  loadStackFile,
  loadStackText,
  MAX_ALIAS_COUNT,
  MAX_STACK_FILE_BYTES,
  PlanError,
  readStackConfig,
  stackFile,
  loadPlatformFile,
  parsePlatformConfig,
} from '../../src/plan/load';
import { patchedSoak, PLAN_PREFIX, type PatchOp } from './helpers';

/** The soak stack file with its namespace written out (the file leaves it to default), so attacks can target that line. */
const SOAK_TEXT = fs
  .readFileSync(stackFile('soak'), 'utf8')
  .replace('    # No namespace: it defaults to numaflow-<stack name>, so each variant has its own.\n', '    namespace: numaflow-soak\n');

/** The PlanError loading `text` throws; fails the test if it loads. */
function refusal(text: string, source = 'attack.yaml'): PlanError {
  try {
    loadStackText(text, source);
  } catch (error) {
    if (error instanceof PlanError) return error;
    throw error;
  }
  throw new Error('expected a PlanError, but the stack file loaded');
}

/** Each finding as the one line the commands print for it. */
const lines = (error: PlanError) => error.message.split('\n').slice(1);

/** The soak stack file with its plan edited, written as YAML. */
function soakStack(ops: readonly PatchOp[] = [], config: Record<string, unknown> = {}): string {
  return stringify({ config: { ...config, [PLAN_PREFIX]: patchedSoak(ops) } });
}

/** The soak stack file with one plan value written literally, as a user would type it (`.nan`). */
function soakStackWith(keyPath: string, literal: string): string {
  const text = soakStack([{ path: keyPath, value: 'LITERAL_HERE' }]);
  expect(text.split('LITERAL_HERE')).toHaveLength(2);
  return text.replace('LITERAL_HERE', literal);
}

describe('an alias bomb ("billion laughs")', () => {
  /** Nine levels of nine aliases each: 9^9 = 387,420,489 strings once expanded. */
  const bomb = (indent: string) => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 9; level++) {
      const name = String.fromCharCode(97 + level);
      const previous = String.fromCharCode(96 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    return levels.map((l) => `${indent}${l}`).join('\n');
  };

  it('is refused at once, naming where the aliases start', () => {
    const text = `config:\n  ${PLAN_PREFIX}: {}\n  other-project:lol:\n${bomb('    ')}\n`;
    const started = performance.now();
    const error = refusal(text);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(lines(error)).toEqual([
      `  - (file): refused: the aliases (*name) from line 5, column 12 on expand beyond ${MAX_ALIAS_COUNT} nodes, as an alias bomb ("billion laughs") does; write the values out instead`,
    ]);
  });

  it('is refused inside the plan too', () => {
    const text = `config:\n  ${PLAN_PREFIX}:\n    namespace: x\n${bomb('    ')}\n`;
    expect(lines(refusal(text))[0]).toMatch(/^ {2}- \(file\): refused: the aliases \(\*name\) from line 5, column 12 on expand/);
  });

  it('leaves a few aliases alone', () => {
    const text = `${SOAK_TEXT.replace('namespace: numaflow-soak', 'namespace: &ns numaflow-soak')}  other-project:namespace: *ns\n`;
    expect(loadStackText(text, 'aliases.yaml').plan.namespace).toBe('numaflow-soak');
  });

  it('refuses an alias used before its anchor, with its line and column', () => {
    const text = SOAK_TEXT.replace('namespace: numaflow-soak', 'namespace: &ns numaflow-soak').replace('  numaflow-soak:plan:', '  other-project:namespace: *ns\n  numaflow-soak:plan:');
    expect(lines(refusal(text))).toEqual(['  - other-project:namespace: alias *ns at line 11, column 28 has no anchor &ns before it']);
  });
});

describe('a stack file beyond the size cap', () => {
  it('is refused before parsing, as text', () => {
    const text = `# ${'x'.repeat(MAX_STACK_FILE_BYTES)}\n${SOAK_TEXT}`;
    const started = performance.now();
    const error = refusal(text);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(lines(error)).toEqual(['  - (file): the stack file is 8.0 MiB; the loader reads at most 8.0 MiB (a plan takes a few kilobytes)']);
  });

  it('is refused before reading, as a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numaflow-soak-size-'));
    try {
      const file = path.join(dir, 'Pulumi.huge.yaml');
      fs.writeFileSync(file, SOAK_TEXT);
      fs.truncateSync(file, 64 * 1024 * 1024); // sparse: 64 MiB on paper, nothing written
      const error = (() => {
        try {
          readStackConfig(file);
        } catch (e) {
          return e as PlanError;
        }
        throw new Error('expected a PlanError');
      })();
      expect(error).toBeInstanceOf(PlanError);
      expect(lines(error)).toEqual(['  - (file): the stack file is 64.0 MiB; the loader reads at most 8.0 MiB (a plan takes a few kilobytes)']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('YAML syntax errors', () => {
  it('carry the line and column', () => {
    const text = SOAK_TEXT.replace('namespace: numaflow-soak', 'namespace: [numaflow-soak');
    expect(lines(refusal(text))).toEqual([
      '  - (file): not valid YAML at line 13, column 5: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('carry the line and column of an unclosed quote', () => {
    const text = 'config:\n  numaflow-soak:plan:\n    namespace: "numaflow-soak\n';
    expect(lines(refusal(text))[0]).toMatch(/^ {2}- \(file\): not valid YAML at line \d+, column \d+: Missing closing "quote/);
  });
});

describe('duplicate keys, which YAML would resolve silently to one of them', () => {
  it('are refused with the key path and both places', () => {
    const text = SOAK_TEXT.replace('    namespace: numaflow-soak\n', '    namespace: numaflow-soak\n    namespace: other\n');
    expect(lines(refusal(text))).toEqual([
      '  - numaflow-soak:plan.namespace: duplicate key at line 13, column 5, first at line 12, column 5; YAML would keep only one of them',
    ]);
  });

  it('are refused among the deployment settings and at the top', () => {
    const settings = SOAK_TEXT.replace('  numaflow-soak:protectBuffer: true\n', '  numaflow-soak:protectBuffer: true\n  numaflow-soak:protectBuffer: false\n');
    expect(lines(refusal(settings))).toEqual([
      '  - numaflow-soak:protectBuffer: duplicate key at line 11, column 3, first at line 10, column 3; YAML would keep only one of them',
    ]);
    const top = `${SOAK_TEXT}config: {}\n`;
    expect(lines(refusal(top))[0]).toMatch(/^ {2}- config: duplicate key at line \d+, column 1, first at line 7, column 1;/);
  });

  it('are refused when a number and a string name the same key', () => {
    // `1` and `"1"` are different YAML keys, but both become the env variable "1".
    const text = SOAK_TEXT.replace('        name: batch-cat\n', '        name: batch-cat\n        env:\n          "1": a\n          1: b\n');
    expect(text).toContain('          1: b\n');
    expect(lines(refusal(text))).toEqual([expect.stringMatching(/^ {2}- numaflow-soak:plan\.pipeline\.batchMap\.env\.1: duplicate key at line \d+, column 11, first at line \d+, column 11;/)]);
  });

  it('are all listed, each once', () => {
    const text = SOAK_TEXT.replace('    namespace: numaflow-soak\n', '    namespace: numaflow-soak\n    namespace: a\n    namespace: b\n');
    expect(refusal(text).findings.map((f) => f.path)).toEqual(['numaflow-soak:plan.namespace', 'numaflow-soak:plan.namespace']);
  });
});

describe('numbers in messages, as the user wrote them', () => {
  it.each([
    ['buffer.replicas', '.nan', 'numaflow-soak:plan.buffer.replicas: expected a whole number, got .nan (not a number)'],
    ['buffer.replicas', '99999999999999999999999', 'numaflow-soak:plan.buffer.replicas: expected a whole number, got 99999999999999999999999 (too large to be read exactly: it reads as 1e+23)'],
    ['buffer.replicas', '3.50', 'numaflow-soak:plan.buffer.replicas: expected a whole number, got 3.50'],
    ['namespace', '0x1F', 'numaflow-soak:plan.namespace: expected string, got 0x1F'],
  ])('%s: %s', (keyPath, literal, message) => {
    expect(lines(refusal(soakStackWith(keyPath, literal)))).toContain(`  - ${message}`);
  });

  it('leaves the other findings of the same plan as they are', () => {
    const error = refusal(soakStackWith('buffer.replicas', '99999999999999999999999'));
    expect(lines(error)).toEqual([
      '  - numaflow-soak:plan.buffer.replicas: expected a whole number, got 99999999999999999999999 (too large to be read exactly: it reads as 1e+23)',
      '  - numaflow-soak:plan.buffer.replicas: expected a whole number of at most 99',
    ]);
  });
});

describe('NaN and Infinity quantities', () => {
  it.each([
    ['pipeline.batchMap.udf.limits.cpu', '.inf', 'expected a CPU quantity such as 2, 0.5 or 500m, got .inf (infinite)'],
    ['pipeline.batchMap.udf.limits.cpu', '.NaN', 'expected a CPU quantity such as 2, 0.5 or 500m, got .NaN (not a number)'],
    ['pipeline.batchMap.udf.limits.memory', '-.inf', 'expected a byte quantity such as 512Mi or 16Gi, got -.inf (infinite)'],
    ['buffer.persistence.volumeSize', '.nan', 'expected a byte quantity such as 512Mi or 16Gi, got .nan (not a number)'],
    ['pipeline.batchMap.udf.limits.memory', '1e400', 'expected a byte quantity such as 512Mi or 16Gi, got 1e400 (infinite)'],
  ])('%s: %s is refused', (keyPath, literal, message) => {
    expect(lines(refusal(soakStackWith(keyPath, literal)))).toEqual([`  - ${PLAN_PREFIX}.${keyPath}: ${message}`]);
  });
});

describe('deployment settings, checked by the loader every reader uses', () => {
  const KUBECONFIG_JSON = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'soak', cluster: { server: 'https://127.0.0.1:6443' } }],
    contexts: [{ name: 'soak', context: { cluster: 'soak', user: 'soak' } }],
    'current-context': 'soak',
    users: [{ name: 'soak', user: { token: 'secret-token' } }],
  });

  it('refuses protectBuffer: "nope" as a deployment-setting error naming the key, not as an invalid plan', () => {
    const error = refusal(SOAK_TEXT.replace('numaflow-soak:protectBuffer: true', 'numaflow-soak:protectBuffer: nope'), 'stacks/Pulumi.soak.yaml');
    expect(error).toBeInstanceOf(DeploymentSettingsError);
    expect(error.message).toBe(
      'invalid deployment settings in stacks/Pulumi.soak.yaml (1 error):\n  - numaflow-soak:protectBuffer: expected boolean (true or false), got string "nope"',
    );
  });

  it('refuses each wrongly typed setting, numbers as written', () => {
    const error = refusal(
      soakStack([], { 'numaflow-soak:protectBuffer': 'yes', 'numaflow-soak:context': '', 'numaflow-soak:renderYamlToDirectory': 7 }).replace(
        'config:\n',
        'config:\n  numaflow-soak:role: .nan\n',
      ),
    );
    expect(error).toBeInstanceOf(DeploymentSettingsError);
    expect(lines(error).sort()).toEqual([
      '  - numaflow-soak:context: Too small: expected string to have >=1 characters',
      '  - numaflow-soak:protectBuffer: expected boolean (true or false), got string "yes"',
      '  - numaflow-soak:renderYamlToDirectory: expected string, got number 7',
      '  - numaflow-soak:role: expected variant or platform, got .nan (not a number)',
    ]);
  });

  it('refuses a cluster-wide install in a variant, naming the platform stack as its owner', () => {
    const error = refusal(soakStack([], { 'numaflow-soak:installNumaflow': true, 'numaflow-soak:installPrometheusOperator': 'false' }));
    expect(error).toBeInstanceOf(DeploymentSettingsError);
    expect(lines(error)).toEqual(
      ['installNumaflow', 'installPrometheusOperator'].map(
        (key) =>
          `  - numaflow-soak:${key}: a variant stack installs nothing cluster-wide: the Numaflow controller and CRDs and kube-prometheus-stack have one owner, the platform stack (numaflow-soak:role: platform, e.g. stacks/Pulumi.platform.yaml); remove this key here`,
      ),
    );
  });

  it('reads "true" and "false", which `pulumi config set` writes, as on and off', () => {
    const loaded = loadStackText(soakStack([], { 'numaflow-soak:protectBuffer': 'false' }), 'strings.yaml');
    expect(loaded.settings).toEqual({ protectBuffer: false });
    const platform = parsePlatformConfig({ 'numaflow-soak:role': 'platform', 'numaflow-soak:installNumaflow': 'false', 'numaflow-soak:installPrometheusOperator': 'true' }, 'platform.yaml');
    expect(platform.settings).toEqual({ role: 'platform', installNumaflow: false, installPrometheusOperator: true });
  });

  it('accepts a kubeconfig given as a path, as YAML, or as JSON text', () => {
    for (const kubeconfig of ['~/.kube/soak-config', 'apiVersion: v1\nkind: Config\n', KUBECONFIG_JSON]) {
      const loaded = loadStackText(soakStack([], { 'numaflow-soak:kubeconfig': kubeconfig }), 'kubeconfig.yaml');
      expect(loaded.settings.kubeconfig).toBe(kubeconfig);
    }
  });

  it('accepts a kubeconfig written out as a YAML mapping, as the JSON text Pulumi would hand over', () => {
    const loaded = loadStackText(soakStack([], { 'numaflow-soak:kubeconfig': JSON.parse(KUBECONFIG_JSON) }), 'kubeconfig.yaml');
    expect(JSON.parse(loaded.settings.kubeconfig!)).toEqual(JSON.parse(KUBECONFIG_JSON));
  });

  it('accepts an encrypted value (pulumi config set --secret) unchecked, and says so', () => {
    const loaded = loadStackText(soakStack([], { 'numaflow-soak:kubeconfig': { secure: 'v1:c2FsdA==:ZW5jcnlwdGVk' } }), 'secret.yaml');
    expect(loaded.encryptedSettings).toEqual(['kubeconfig']);
    expect(loaded.settings.kubeconfig).toBeUndefined();
  });

  it('refuses a kubeconfig of the wrong type without quoting it', () => {
    const error = refusal(soakStack([], { 'numaflow-soak:kubeconfig': ['token: secret-token'] }));
    expect(error).toBeInstanceOf(DeploymentSettingsError);
    expect(lines(error)).toEqual(['  - numaflow-soak:kubeconfig: expected a kubeconfig path or its contents (YAML or JSON text), got a list']);
    expect(error.message).not.toContain('secret-token');
  });

  it('are part of what loadStackFile returns for the shipped stacks', () => {
    expect(loadStackFile(stackFile('soak'))).toMatchObject({ settings: { protectBuffer: true }, encryptedSettings: [] });
    expect(loadPlatformFile(stackFile('platform'))).toEqual({
      settings: { role: 'platform', installNumaflow: true, installPrometheusOperator: true },
      encryptedSettings: [],
      source: path.relative(process.cwd(), stackFile('platform')),
    });
  });
});
