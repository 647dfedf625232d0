/**
 * The bad-plan corpus: every file under test/fixtures/bad-plans/ patches a copy of the soak
 * plan into something wrong, and parsePlan must refuse it with a PlanError that names the
 * mistake at its key path.
 */
import { parsePlan, PlanError } from '../../src/plan/load';
import { applyPatch, loadFixtures, patchedSoak, PLAN_PREFIX, soakRaw } from './helpers';

/** The corpus may grow, never silently shrink. */
const MIN_FIXTURES = 24;

const fixtures = loadFixtures();

/** What parsePlan did with a plan: the PlanError it threw, or a description of what went wrong instead. */
function attempt(raw: unknown, source: string): PlanError | string {
  try {
    parsePlan(raw, source);
  } catch (error) {
    return error instanceof PlanError ? error : `threw something other than a PlanError: ${String(error)}`;
  }
  return 'parsePlan accepted the plan';
}

function refused(outcome: PlanError | string): PlanError {
  if (typeof outcome === 'string') throw new Error(outcome);
  return outcome;
}

describe('bad-plan corpus', () => {
  it(`holds at least ${MIN_FIXTURES} fixtures`, () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(MIN_FIXTURES);
  });

  it('has a distinct description for every fixture', () => {
    expect(new Set(fixtures.map((f) => f.description)).size).toBe(fixtures.length);
  });

  it('starts from a plan that is accepted, so each refusal is caused by its patch', () => {
    expect(() => parsePlan(soakRaw(), 'soak')).not.toThrow();
  });

  it('patches a deep copy: applying one fixture leaves the next copy untouched', () => {
    const patched = patchedSoak([{ path: 'buffer.replicas', value: 2 }]);
    expect((patched.buffer as { replicas: number }).replicas).toBe(2);
    expect((soakRaw().buffer as { replicas: number }).replicas).toBe(3);
  });
});

describe.each(fixtures.map((f) => [f.name, f] as const))('bad plan %s', (name, fixture) => {
  const outcome = attempt(applyPatch(soakRaw(), fixture.patch), name);

  it('is refused with a message naming the fixture as the source', () => {
    const error = refused(outcome);
    expect(error.source).toBe(name);
    expect(error.message).toContain(`invalid plan in ${name} (`);
  });

  it.each(fixture.expect.map((s) => [s]))('message contains %j', (substring) => {
    const error = refused(outcome);
    expect(error.message).toContain(substring);
  });

  if (fixture.absent.length > 0) {
    it.each(fixture.absent.map((s) => [s]))('message does not contain %j', (substring) => {
      const error = refused(outcome);
      expect(error.message).not.toContain(substring);
    });
  }

  it.each(fixture.expectPaths.map((p) => [p]))('has a finding at %s, named in the message', (keyPath) => {
    const error = refused(outcome);
    const full = `${PLAN_PREFIX}.${keyPath}`;
    expect(error.findings.map((f) => f.path)).toContain(full);
    expect(error.message).toContain(`  - ${full}: `);
  });

  it('lists only errors, each one on its own line of the message', () => {
    const error = refused(outcome);
    expect(error.findings.length).toBeGreaterThan(0);
    for (const finding of error.findings) {
      expect(finding.severity).toBe('error');
      expect(error.message).toContain(`  - ${finding.path}: ${finding.message}`);
    }
    const count = error.findings.length;
    expect(error.message.split('\n')[0]).toBe(`invalid plan in ${name} (${count} error${count === 1 ? '' : 's'}):`);
  });
});
