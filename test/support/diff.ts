/**
 * Shared by the diff and CLI tests: report sides built from the real stack files or from
 * the soak plan with edits, through the same side builder the commands use; a temporary
 * copy of the project's stacks/ to edit; and capture of what a command prints.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SideIdentity } from '../../src/diff/report';
import { sideBySide, sideFromLoaded, sideFromWorkingTree, type BuiltSide } from '../../src/diff/sides';
import { parsePlan } from '../../src/plan/load';
import { patchedSoak, type PatchOp } from '../plan/helpers';
import { ROOT } from './synth';

/** A variant of this project's stacks/, as the `diff` command builds it. */
export function variantSide(variant: string): BuiltSide {
  return sideFromWorkingTree(variant, ROOT);
}

/**
 * Two variants of this project's stacks/ as the `diff` and `report` commands compare them:
 * side by side, the before side rebuilt in the after side's namespace (src/diff/sides.ts).
 */
export function variantPair(before: string, after: string): { before: BuiltSide; after: BuiltSide; identity: SideIdentity } {
  const afterSide = variantSide(after);
  return { ...sideBySide(variantSide(before), afterSide), after: afterSide };
}

/** The soak plan with edits, checked by the loader, as a side labelled `label`. */
export function patchedSide(ops: readonly PatchOp[], label = 'edited'): BuiltSide {
  return sideFromLoaded(parsePlan(patchedSoak(ops), `${label} (test)`), 'soak', label);
}

export function tempDir(prefix = 'numaflow-soak-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A temporary project root holding a copy of this project's stack files. */
export function tempProject(): string {
  const root = tempDir();
  fs.mkdirSync(path.join(root, 'stacks'));
  for (const f of fs.readdirSync(path.join(ROOT, 'stacks')).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
    fs.copyFileSync(path.join(ROOT, 'stacks', f), path.join(root, 'stacks', f));
  }
  return root;
}

/** Replaces `from` with `to` in a stack file of `root`, failing loudly when `from` is not there exactly once. */
export function editStack(root: string, variant: string, from: string, to: string): void {
  const file = path.join(root, 'stacks', `Pulumi.${variant}.yaml`);
  const text = fs.readFileSync(file, 'utf8');
  if (text.split(from).length !== 2) throw new Error(`expected ${JSON.stringify(from)} once in ${file}`);
  fs.writeFileSync(file, text.replace(from, to));
}

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `fn` with process.stdout/stderr writes captured (and kept off the test output). */
export async function capture(fn: () => Promise<number> | number): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await fn();
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
