/**
 * Variants are the stack files: discoverStacks sorts every stacks/Pulumi.<name>.yaml into
 * variants, the platform stack and files it skips; a variant's namespace defaults to
 * numaflow-<stack name>.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultNamespace, discoverStacks, loadStackFile, parsePlan, PlanError, stackFile } from '../../src/plan/load';
import { tempDir } from '../support/diff';
import { ROOT } from '../support/synth';
import { soakRaw } from './helpers';

const SOAK = fs.readFileSync(stackFile('soak'), 'utf8');

/** A project root whose stacks/ holds exactly `files` (name → text). */
function root(files: Record<string, string>): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'stacks'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'stacks', name), text);
  return dir;
}

describe('discoverStacks', () => {
  it('finds this project\'s variants and its platform stack', () => {
    expect(discoverStacks(ROOT)).toEqual({ variants: ['rightsized', 'soak'], platforms: ['platform'], skipped: [] });
  });

  it('takes every stack file with a plan as a variant, sorted, and nothing else in stacks/', () => {
    const dir = root({ 'Pulumi.zeta.yaml': SOAK, 'Pulumi.alpha.yaml': SOAK, 'Pulumi.alpha.provenance.json': '{}', 'notes.yaml': SOAK, 'Pulumi.beta.yml': SOAK });
    expect(discoverStacks(dir)).toEqual({ variants: ['alpha', 'zeta'], platforms: [], skipped: [] });
  });

  it('skips, with a note naming the file, what pulumi stack init writes: empty, a salt only, no config of this project', () => {
    const dir = root({
      'Pulumi.empty.yaml': '',
      'Pulumi.salted.yaml': 'encryptionsalt: v1:abc\n',
      'Pulumi.other.yaml': 'config:\n  aws:region: eu-west-1\n',
      'Pulumi.none.yaml': 'config: {}\n',
    });
    const found = discoverStacks(dir);
    expect(found.variants).toEqual([]);
    expect(found.skipped.map((s) => s.stack)).toEqual(['empty', 'none', 'other', 'salted']);
    expect(found.skipped[0].note).toBe(`${path.join(dir, 'stacks', 'Pulumi.empty.yaml')} has no numaflow-soak:plan: not a variant (a stack file pulumi stack init made?), skipped`);
  });

  it('keeps a file it cannot read, or one of this project without a plan, as a variant, so loading it says what is wrong', () => {
    const dir = root({ 'Pulumi.broken.yaml': 'config: [\n', 'Pulumi.noplan.yaml': 'config:\n  numaflow-soak:protectBuffer: true\n' });
    expect(discoverStacks(dir).variants).toEqual(['broken', 'noplan']);
    expect(() => loadStackFile(stackFile('noplan', dir))).toThrow(/config\.numaflow-soak:plan: required, but missing/);
  });

  it('tells the platform stack by numaflow-soak:role, not by its name', () => {
    const dir = root({ 'Pulumi.cluster-a.yaml': 'config:\n  numaflow-soak:role: platform\n', 'Pulumi.platform.yaml': SOAK });
    expect(discoverStacks(dir)).toEqual({ variants: ['platform'], platforms: ['cluster-a'], skipped: [] });
  });
});

describe('the namespace of a variant', () => {
  it('defaults to numaflow-<stack name>, so a copied stack file gets its own', () => {
    expect(defaultNamespace('soak')).toBe('numaflow-soak');
    const dir = root({ 'Pulumi.mytest.yaml': SOAK });
    expect(loadStackFile(stackFile('mytest', dir)).plan.namespace).toBe('numaflow-mytest');
    expect(loadStackFile(stackFile('soak')).plan.namespace).toBe('numaflow-soak');
    expect(loadStackFile(stackFile('rightsized')).plan.namespace).toBe('numaflow-rightsized');
  });

  it('is the plan\'s own when it sets one', () => {
    const { namespace: _, ...raw } = soakRaw();
    expect(parsePlan({ ...raw, namespace: 'team-a-soak' }, 'x.yaml', undefined, 'soak').plan.namespace).toBe('team-a-soak');
  });

  it('must be set when the stack name does not make a namespace, and when there is no stack', () => {
    const { namespace: _, ...raw } = soakRaw();
    const message = (variant?: string) => {
      try {
        parsePlan(raw, 'x.yaml', undefined, variant);
      } catch (error) {
        if (error instanceof PlanError) return error.message.split('\n').slice(1);
        throw error;
      }
      throw new Error('expected a PlanError');
    };
    expect(message('My_Test')).toEqual([
      '  - numaflow-soak:plan.namespace: unset, and the default derived from the stack name, "numaflow-My_Test", is not a DNS-1123 label of at most 63 characters; set namespace',
    ]);
    expect(message(`a${'b'.repeat(60)}`)[0]).toContain('is not a DNS-1123 label of at most 63 characters');
    expect(message()).toEqual(['  - numaflow-soak:plan.namespace: required, but missing (only a plan read from a stack file defaults it to numaflow-<stack>)']);
  });
});
