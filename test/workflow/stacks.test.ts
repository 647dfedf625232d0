/**
 * The stacks the preview workflow works on (.github/scripts/stacks.ts): found in stacks/ as
 * every command finds them, so a third stack file is compared and previewed without editing
 * the workflow; names that could not safely reach a shell loop or a file name stop the step.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findStacks, outputLines } from '../../.github/scripts/stacks';
import { stackFile } from '../../src/plan/load';
import { tempDir, tempProject } from '../support/diff';

const ROOT = path.resolve(__dirname, '../..');

/** Runs the script as the workflow does, in `cwd`, returning its exit code, stderr and outputs. */
function step(cwd: string) {
  const output = path.join(tempDir(), 'github-output');
  fs.writeFileSync(output, '');
  const r = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, '.github/scripts/stacks.ts')], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH!, HOME: cwd, GITHUB_OUTPUT: output },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: fs.readFileSync(output, 'utf8') };
}

describe('finding the stacks', () => {
  it('finds this project\'s platform stack and both variants', () => {
    expect(findStacks(ROOT)).toEqual({ variants: ['rightsized', 'soak'], platforms: ['platform'], notes: [] });
    expect(outputLines(findStacks(ROOT))).toBe('variants=rightsized soak\nstacks=["platform","rightsized","soak"]\n');
  });

  it('takes a third stack file as a variant and skips, with its note, one pulumi stack init made', () => {
    const root = tempProject();
    fs.writeFileSync(stackFile('mytest', root), fs.readFileSync(stackFile('soak', root), 'utf8'));
    fs.writeFileSync(stackFile('scratch', root), 'encryptionsalt: v1:c2FsdA==:v1:bm9uY2U=:Y2lwaGVy\n');
    const r = step(root);
    expect(r.status).toBe(0);
    expect(r.output).toBe('variants=mytest rightsized soak\nstacks=["platform","mytest","rightsized","soak"]\n');
    expect(r.stderr).toContain('Pulumi.scratch.yaml has no numaflow-soak:plan: not a variant');
    expect(r.stdout).toBe('variants: mytest, rightsized, soak; platform stack: platform\n');
  });

  it.each(['a b', '$(touch x)', '-rf'])('stops at a stack file named %j, naming it, and writes no output', (name) => {
    const root = tempProject();
    fs.writeFileSync(path.join(root, 'stacks', `Pulumi.${name}.yaml`), fs.readFileSync(stackFile('soak', root), 'utf8'));
    const r = step(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`::error title=stack file name::stacks/Pulumi.${name}.yaml: ${JSON.stringify(name)} is not a stack name`);
    expect(r.output).toBe('');
  });

  it('stops when no stack file holds a plan: nothing to compare', () => {
    const root = tempProject();
    for (const f of fs.readdirSync(path.join(root, 'stacks'))) if (/^Pulumi\.(soak|rightsized)\.yaml$/.test(f)) fs.rmSync(path.join(root, 'stacks', f));
    const r = step(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('::error title=no variant::');
    expect(r.output).toBe('');
  });
});
