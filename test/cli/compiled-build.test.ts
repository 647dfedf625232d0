/**
 * The command line and the cdk8s app run the compiled build (issue 12 item 3), and only the
 * build of the sources beside it (bin/compiled.js): a missing build, a build of other
 * sources and a failed compile are each refused with one line that says what to run; the
 * embedded verdict `report` prints is computed once per build and plan
 * (src/cli/build-cache.ts) and is the same text the sources compute; cdk8s-plus-28 is loaded
 * only for its generated Kubernetes types, and not at all by the commands that do not
 * synthesize.
 *
 * Each case runs as processes in a copy of the project (node_modules linked), as a user's
 * checkout; jest's globalSetup built this project's build/ from its sources.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { editStack, tempDir } from '../support/diff';
import { ROOT } from '../support/synth';

/** A copy of the project: code, build, stacks, configs; node_modules linked. */
function projectCopy(withBuild = true): string {
  const copy = tempDir('numaflow-soak-compiled-');
  const entries = ['src', 'bin', 'stacks', 'package.json', 'cdk8s.yaml', 'tsconfig.json', 'tsconfig.build.json', ...(withBuild ? ['build'] : [])];
  for (const entry of entries) {
    fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true, filter: (from) => !from.includes(`${path.sep}build${path.sep}cache`) });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  return copy;
}

function run(cwd: string, args: readonly string[], env: Record<string, string> = {}) {
  const { NUMAFLOW_SOAK_FROM_SOURCE: _ignored, ...inherited } = process.env;
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...inherited, CDK8S_CHECK_UPGRADE: 'false', ...env }, timeout: 180_000 });
}

const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);
const TRACE = /^\s+at .*:\d+:\d+\)?$/m;

/** The modules of the cdk8s packages a command loaded, as package/relative path. */
const LOADED = `process.on('exit', () => { const k = Object.keys(require.cache).filter((f) => /node_modules\\/cdk8s/.test(f)).map((f) => f.replace(/.*node_modules\\//, '')); process.stderr.write('LOADED ' + JSON.stringify(k) + '\\n'); });`;

describe('the compiled start-up', () => {
  const copies: string[] = [];
  const copy = (withBuild = true) => {
    const dir = projectCopy(withBuild);
    copies.push(dir);
    return dir;
  };
  afterAll(() => copies.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('without a build: exit 1, one line naming the missing build and `npm run build`, nothing written', () => {
    const dir = copy(false);
    for (const [args, prefix] of [
      [['bin/numaflow-soak.js', 'report'], 'numaflow-soak: '],
      [['bin/cdk8s-app.js'], 'cdk8s app: '],
    ] as const) {
      const r = run(dir, args);
      expect(r.status).toBe(1);
      expect(lines(r.stderr)).toEqual([`${prefix}the compiled build is missing (build/.sources.json not found): run \`npm run build\` (npm ci runs it), or set NUMAFLOW_SOAK_FROM_SOURCE=1 to run the TypeScript sources`]);
      expect(r.stdout).toBe('');
    }
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });

  it('a build of other sources: exit 1 naming the changed, new and deleted files; NUMAFLOW_SOAK_FROM_SOURCE=1 runs the sources', () => {
    const dir = copy();
    fs.appendFileSync(path.join(dir, 'src', 'cli', 'exit-codes.ts'), '\n// edited after the build\n');
    fs.writeFileSync(path.join(dir, 'src', 'cli', 'added.ts'), 'export const added = 1;\n');
    fs.rmSync(path.join(dir, 'src', 'cli', 'build-cache.ts'));
    const r = run(dir, ['bin/numaflow-soak.js', '--help']);
    expect(r.status).toBe(1);
    expect(lines(r.stderr)).toEqual([
      'numaflow-soak: the compiled build in build/ is out of date: src/cli/added.ts (new), src/cli/exit-codes.ts, src/cli/build-cache.ts (deleted) changed since it was built; run `npm run build` (npm ci runs it), or set NUMAFLOW_SOAK_FROM_SOURCE=1 to run the TypeScript sources',
    ]);
    // Only the content counts: a file rewritten with the same bytes (a git checkout) is no change.
    const dir2 = copy();
    const same = path.join(dir2, 'src', 'cli', 'exit-codes.ts');
    fs.writeFileSync(same, fs.readFileSync(same));
    fs.utimesSync(same, new Date(), new Date(Date.now() + 60_000));
    expect(run(dir2, ['bin/numaflow-soak.js', '--help']).status).toBe(0);
    // From source, the edited copy runs.
    const fromSource = run(dir, ['bin/numaflow-soak.js', '--help'], { NUMAFLOW_SOAK_FROM_SOURCE: '1' });
    expect(fromSource.status).toBe(0);
    expect(fromSource.stdout).toMatch(/^usage: numaflow-soak <command>/);
  });

  it('npm run build: a compile error leaves no stamp (nothing runs the output); the fixed sources build and run', () => {
    const dir = copy();
    // A file few others import, so the incremental compiles stay short.
    const file = path.join(dir, 'src', 'cli', 'build-cache.ts');
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${good}\nexport const broken: number = 'not a number';\n`);
    const failed = run(dir, ['bin/compiled.js', '--build']);
    expect(failed.status).not.toBe(0);
    expect(failed.stdout + failed.stderr).toContain("Type 'string' is not assignable to type 'number'");
    expect(failed.stderr).toContain('npm run build: tsc failed');
    expect(fs.existsSync(path.join(dir, 'build', '.sources.json'))).toBe(false);
    const refused = run(dir, ['bin/numaflow-soak.js', '--help']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('the compiled build is missing');

    fs.writeFileSync(file, good);
    expect(run(dir, ['bin/compiled.js', '--build']).status).toBe(0);
    expect(run(dir, ['bin/numaflow-soak.js', '--help']).status).toBe(0);
  }, 180_000);

  it('report: the embedded verdict is computed once per build and plan, and equals what the sources compute', () => {
    const dir = copy();
    const cache = path.join(dir, 'build', 'cache');
    const first = run(dir, ['bin/numaflow-soak.js', 'report']);
    expect(first.status).toBe(0);
    expect(first.stderr).not.toMatch(TRACE);
    const entries = fs.readdirSync(cache);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(/^embedded-verdict-[0-9a-f]{64}\.json$/);

    const second = run(dir, ['bin/numaflow-soak.js', 'report']);
    expect(second.stdout).toBe(first.stdout);
    // From source nothing is cached; the text is the same.
    const fromSource = run(dir, ['bin/numaflow-soak.js', 'report'], { NUMAFLOW_SOAK_FROM_SOURCE: '1' });
    expect(fromSource.stdout).toBe(first.stdout);
    expect(fs.readdirSync(cache)).toEqual(entries);

    // A damaged entry is recomputed, not trusted and not an error.
    fs.writeFileSync(path.join(cache, entries[0]), '{"key": "not this one", "text": "### numaflow-soak verdict: FORGED"}');
    const repaired = run(dir, ['bin/numaflow-soak.js', 'report']);
    expect(repaired.status).toBe(0);
    expect(repaired.stdout).toBe(first.stdout);

    // Another plan is another entry, with its own verdict: a 10x target rate fails throughput.
    editStack(dir, 'soak', 'rpu: 5000', 'rpu: 50000');
    const other = run(dir, ['bin/numaflow-soak.js', 'report']);
    expect(other.status).toBe(0);
    expect(other.stdout).toContain('### numaflow-soak verdict: FAILED');
    expect(fs.readdirSync(cache)).toHaveLength(2);
  }, 180_000);

  it('cdk8s-plus-28 is loaded for its generated Kubernetes types only; verdict loads no cdk8s at all', () => {
    const loaded = (args: readonly string[]) => {
      const r = run(ROOT, ['-e', `${LOADED} process.argv.splice(1, 0, 'x'); require(${JSON.stringify(path.join(ROOT, 'bin', 'numaflow-soak.js'))});`, '--', ...args]);
      const line = lines(r.stderr).find((l) => l.startsWith('LOADED '));
      expect(line).toBeDefined();
      return JSON.parse(line!.slice('LOADED '.length)) as string[];
    };
    const synth = loaded(['synth', '--outdir', path.join(tempDir(), 'dist')]);
    expect(synth).toContain('cdk8s-plus-28/lib/imports/k8s.js');
    expect(synth.filter((f) => f.startsWith('cdk8s-plus-28/') && f !== 'cdk8s-plus-28/lib/imports/k8s.js')).toEqual([]);
    expect(loaded(['verdict', '--embedded', '--format', 'json'])).toEqual([]);
  }, 120_000);
});
