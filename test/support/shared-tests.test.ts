/**
 * The rule for tests that need ../shared (test/support/schemas.ts): they run when it is
 * there; without it they are skipped loudly on a developer's machine and fail under CI=true,
 * unless the CI run says it knowingly lacks it (NUMAFLOW_SOAK_SHARED_OPTIONAL=true, the
 * pull-request workflow). The last tests run a test file that uses the rule
 * (test/fixtures/shared-skip/) under jest both ways.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isCi, missingSharedFiles, SHARED_SCHEMA_FILES, sharedTestMode } from './schemas';

const ROOT = path.resolve(__dirname, '../..');

describe('when a test that needs ../shared runs', () => {
  it.each([
    ['present, on a developer machine', 'run', true, {}],
    ['present, under CI', 'run', true, { CI: 'true' }],
    ['absent, on a developer machine', 'skip', false, {}],
    ['absent, CI=false', 'skip', false, { CI: 'false' }],
    ['absent, under CI=true', 'fail', false, { CI: 'true' }],
    ['absent, under CI=1', 'fail', false, { CI: '1' }],
    ['absent, under a CI that declares it optional', 'skip', false, { CI: 'true', NUMAFLOW_SOAK_SHARED_OPTIONAL: 'true' }],
  ] as const)('%s: %s', (_what, mode, present, env) => {
    expect(sharedTestMode(present, env)).toBe(mode);
  });

  it('reads CI as GitHub Actions and .ci/run set it, and not when empty, 0 or false', () => {
    expect([isCi({ CI: 'true' }), isCi({ CI: 'TRUE' }), isCi({ CI: '' }), isCi({ CI: '0' }), isCi({ CI: 'false' }), isCi({})]).toEqual([true, true, false, false, false, false]);
  });

  it('names the files that are missing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-'));
    try {
      fs.writeFileSync(path.join(dir, SHARED_SCHEMA_FILES[0]), '');
      expect(missingSharedFiles(SHARED_SCHEMA_FILES, dir)).toEqual(SHARED_SCHEMA_FILES.slice(1));
      expect(missingSharedFiles(['PROVENANCE.md'], dir)).toEqual(['PROVENANCE.md']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a test file that needs ../shared, run by jest without it', () => {
  /** Runs test/fixtures/shared-skip/needs-shared.fixture.ts with ../shared pointed at an empty folder. */
  function jest(env: Record<string, string>) {
    const nowhere = fs.mkdtempSync(path.join(os.tmpdir(), 'no-shared-'));
    try {
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'NUMAFLOW_SOAK_SHARED_OPTIONAL')) as Record<string, string>;
      const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--verbose', '--ci=false', '--roots', 'test/fixtures/shared-skip', '--testMatch', '**/*.fixture.ts'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...base, NUMAFLOW_SOAK_SHARED: nowhere, ...env },
        timeout: 300_000,
      });
      return { status: r.status, output: `${r.stdout}${r.stderr}` };
    } finally {
      fs.rmSync(nowhere, { recursive: true, force: true });
    }
  }

  it('on a developer machine: skips that test under a SKIPPED title, warns, and runs the others', () => {
    const r = jest({});
    expect(r.output).toContain('SKIPPED: tests that need ../shared:');
    expect(r.output).toMatch(/○ skipped SKIPPED \(\.\.\/shared absent\): reads the controller ConfigMap from \.\.\/shared/);
    expect(r.output).toMatch(/✓ needs nothing from \.\.\/shared/);
    expect(r.output).toMatch(/Tests: +1 skipped, 1 passed, 2 total/);
    expect(r.status).toBe(0);
  });

  it('under CI=true: fails that test, saying what is absent', () => {
    const r = jest({ CI: 'true' });
    expect(r.output).toMatch(/✕ reads the controller ConfigMap from \.\.\/shared/);
    expect(r.output).toMatch(/Tests: +1 failed, 1 passed, 2 total/);
    expect(r.output).toContain('numaflow.numaproj.io_pipelines.yaml, numaflow.numaproj.io_interstepbufferservices.yaml, numaflow-controller-config.yaml absent from');
    expect(r.output).toContain('CI is set (CI=true), so a test that needs them fails instead of being skipped');
    expect(r.status).toBe(1);
  });
});
