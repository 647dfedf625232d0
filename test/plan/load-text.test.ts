/** Loading a plan from a stack file's text (what `diff --base-ref` reads out of git). */
import * as fs from 'node:fs';
import { loadStackFile, loadStackText, PlanError, stackFile } from '../../src/plan/load';

const text = fs.readFileSync(stackFile('soak'), 'utf8');

it('gives the same plan and warnings as loading the file', () => {
  const fromText = loadStackText(text, 'stacks/Pulumi.soak.yaml@HEAD');
  const fromFile = loadStackFile(stackFile('soak'));
  expect(JSON.stringify(fromText.plan)).toBe(JSON.stringify(fromFile.plan));
  expect(fromText.warnings).toEqual(fromFile.warnings);
  expect(fromText.source).toBe('stacks/Pulumi.soak.yaml@HEAD');
});

it('names the given source in every refusal, with the same checks as a file', () => {
  const refused = (t: string) => {
    try {
      loadStackText(t, 'stacks/Pulumi.soak.yaml@abc123');
    } catch (error) {
      expect(error).toBeInstanceOf(PlanError);
      return (error as PlanError).message;
    }
    throw new Error('expected a PlanError');
  };
  expect(refused('config: [')).toMatch(/^invalid plan in stacks\/Pulumi\.soak\.yaml@abc123 \(1 error\):\n {2}- \(file\): not valid YAML/);
  expect(refused(text.replace('numaflow-soak:plan:', 'numaflow-soak:plann:'))).toContain('config.numaflow-soak:plann: unknown config key');
  expect(refused(text.replace('version: 2.12.7', 'version: latest'))).toContain('numaflow-soak:plan.buffer.version');
});
