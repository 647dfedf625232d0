/**
 * The stacks the preview workflow (.github/workflows/preview.yml, step "Find the stacks")
 * works on, found as every command finds them: `discoverStacks` (src/plan/load.ts) lists
 * stacks/, so the workflow names no stack itself. A stack file with a plan is a variant, the
 * one with `numaflow-soak:role: platform` the platform stack; a file without this project's
 * keys (what `pulumi stack init` writes) is skipped, with its note on stderr.
 *
 * Step outputs (GITHUB_OUTPUT):
 *   variants  the variants, sorted, separated by spaces (the diff step loops over them);
 *   stacks    JSON array for the pulumi-preview matrix: the platform stack(s), then the variants.
 *
 * Every name must be a plain stack name (`checkVariantName`: letters, digits, `-`, `_`, `.`):
 * the names reach a shell loop, file names and the matrix, so a stack file named otherwise
 * (`Pulumi.a b.yaml`, `Pulumi.$(x).yaml`) stops the step, exit 1, naming it.
 *
 * Run as `npx --no-install tsx .github/scripts/stacks.ts` from the checkout's root.
 */
import * as fs from 'node:fs';
import { SideError, checkVariantName } from '../../src/diff/sides';
import { discoverStacks } from '../../src/plan/load';

export interface FoundStacks {
  readonly variants: readonly string[];
  readonly platforms: readonly string[];
  /** Notes on the stack files that are not stacks of this project. */
  readonly notes: readonly string[];
}

/** The stacks under `<root>/stacks/`. @throws SideError naming a file whose stack name is not plain. */
export function findStacks(root: string): FoundStacks {
  const found = discoverStacks(root);
  for (const name of [...found.platforms, ...found.variants]) {
    try {
      checkVariantName(name);
    } catch (error) {
      if (error instanceof SideError) throw new SideError(`stacks/Pulumi.${name}.yaml: ${error.message}; rename the file`);
      throw error;
    }
  }
  return { variants: found.variants, platforms: found.platforms, notes: found.skipped.map((s) => s.note) };
}

/** The step outputs for `stacks`, as lines of GITHUB_OUTPUT. */
export function outputLines(stacks: FoundStacks): string {
  return `variants=${stacks.variants.join(' ')}\nstacks=${JSON.stringify([...stacks.platforms, ...stacks.variants])}\n`;
}

/** The step: finds the stacks under the working directory and writes the outputs. */
export function main(env: NodeJS.ProcessEnv = process.env, root = process.cwd()): number {
  let stacks: FoundStacks;
  try {
    stacks = findStacks(root);
  } catch (error) {
    if (!(error instanceof SideError)) throw error;
    process.stderr.write(`::error title=stack file name::${error.message}\n`);
    return 1;
  }
  for (const note of stacks.notes) process.stderr.write(`${note}\n`);
  if (stacks.variants.length === 0) {
    process.stderr.write('::error title=no variant::no stacks/Pulumi.<name>.yaml holds numaflow-soak:plan: nothing to compare\n');
    return 1;
  }
  process.stdout.write(`variants: ${stacks.variants.join(', ')}; platform stack: ${stacks.platforms.join(', ') || 'none'}\n`);
  if (env.GITHUB_OUTPUT) fs.appendFileSync(env.GITHUB_OUTPUT, outputLines(stacks));
  return 0;
}

if (require.main === module) process.exitCode = main();
