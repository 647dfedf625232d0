/**
 * Loading a stack file is linear in the size of a map. It was not: yaml's own duplicate-key
 * check (the `uniqueKeys` parse option) compares each key of a map with every key before it,
 * so a plan with 100,000 env entries took 185 s to load, 40,000 about 28 s. The loader now
 * parses without it and finds duplicates in one pass of its own (src/plan/load.ts,
 * inspectDocument).
 *
 * Two checks. A deterministic one counts the key comparisons yaml's check makes while the
 * loader parses: none now, n(n-1)/2 for a map of n keys before (the control test shows the
 * count bites). A generous wall-clock bound catches quadratic work anywhere else in loading:
 * 40,000 entries must load within 10 s; they take 1-2 s on an idle 2-core machine and about
 * 5 s on one running a dozen other jobs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { loadStackText, stackFile } from '../../src/plan/load';

/** yaml's duplicate-key check: called for every key a map gets, it compares it with the keys before it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mapIncludesModule = require(path.join(path.dirname(require.resolve('yaml')), 'compose', 'util-map-includes.js')) as {
  mapIncludes: (ctx: { options: { uniqueKeys?: unknown } }, items: readonly unknown[], search: unknown) => boolean;
};

/** Runs `fn`, counting yaml's duplicate-key checks and the key comparisons they make. */
function countKeyComparisons(fn: () => void): { checks: number; comparisons: number } {
  const original = mapIncludesModule.mapIncludes;
  let checks = 0;
  let comparisons = 0;
  const spy = jest.spyOn(mapIncludesModule, 'mapIncludes').mockImplementation((ctx, items, search) => {
    checks += 1;
    if (ctx.options.uniqueKeys !== false) comparisons += items.length;
    return original(ctx, items, search);
  });
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return { checks, comparisons };
}

/** The soak stack file with `n` env entries on the batch-map udf. */
function stackWithEnv(n: number): string {
  const entries = Array.from({ length: n }, (_, i) => `          VAR_${i}: "value-${i}"`).join('\n');
  const text = fs.readFileSync(stackFile('soak'), 'utf8').replace('        name: batch-cat\n', `        name: batch-cat\n        env:\n${entries}\n`);
  expect(text).toContain(`VAR_${n - 1}:`);
  return text;
}

it('makes no key comparisons in yaml while loading 40,000 env entries, and loads them in seconds', () => {
  const n = 40_000;
  const text = stackWithEnv(n);
  let env: Record<string, unknown> = {};
  const started = performance.now();
  const count = countKeyComparisons(() => {
    env = loadStackText(text, 'env.yaml', 'soak').plan.pipeline.batchMap.env;
  });
  const elapsedMs = performance.now() - started;
  expect(Object.keys(env)).toHaveLength(n);
  expect(env[`VAR_${n - 1}`]).toBe(`value-${n - 1}`);
  // The check is on the path (once per key), and compares nothing.
  expect(count.checks).toBeGreaterThan(n);
  expect(count.comparisons).toBe(0);
  expect(elapsedMs).toBeLessThan(10_000);
});

it('control: yaml\'s own uniqueKeys check makes n(n-1)/2 comparisons for a map of n keys', () => {
  const n = 2_000;
  const count = countKeyComparisons(() => parseDocument(stackWithEnv(n), { uniqueKeys: true }));
  expect(count.comparisons).toBeGreaterThanOrEqual((n * (n - 1)) / 2);
});

it('still refuses a duplicate among 2,000 env entries, naming it', () => {
  const text = stackWithEnv(2_000).replace('          VAR_1999: "value-1999"\n', '          VAR_1999: "value-1999"\n          VAR_7: "again"\n');
  expect(() => loadStackText(text, 'env.yaml')).toThrow(/numaflow-soak:plan\.pipeline\.batchMap\.env\.VAR_7: duplicate key at line \d+, column 11, first at line \d+, column 11/);
});

it('loads the issue\'s 100,000 env entries in linear time: 4× the entries take well under 8× the time (16× if quadratic)', () => {
  const time = (n: number): number => {
    const text = stackWithEnv(n);
    const started = performance.now();
    const env = loadStackText(text, 'env.yaml', 'soak').plan.pipeline.batchMap.env;
    const ms = performance.now() - started;
    expect(Object.keys(env)).toHaveLength(n);
    return ms;
  };
  time(25_000); // warm-up: compiled code paths, as in the runs measured below
  const quarter = Math.min(time(25_000), time(25_000));
  const full = time(100_000);
  // Measured on the 2-core machine: 25k 644 ms, 100k 3,177 ms (×4.9); yaml's quadratic check alone,
  // 5k → 20k, is ×8.2 and grows towards ×16. 8 is the geometric middle of linear and quadratic.
  expect(full / quarter).toBeLessThan(8);
  // The issue measured 185 s before the fix.
  expect(full).toBeLessThan(30_000);
});
