/**
 * One variant at a git revision: its stack file as committed at `<rev>`, checked by the
 * same loader as the working tree's and synthesized by the same chart. This is what lets
 * `numaflow-soak diff --stack soak --base-ref origin/main` show what a branch changes.
 */
import { execFileSync } from 'node:child_process';
import { loadStackText, type LoadedPlan } from '../plan/load';
import { checkVariantName, SideError, sideFromLoaded, sideFromWorkingTree, type BuiltSide } from './sides';

export { sideFromWorkingTree };

/** The stack file's path relative to the project root, as git names it. */
export function stackPath(variant: string): string {
  return `stacks/Pulumi.${variant}.yaml`;
}

/**
 * The text of `stacks/Pulumi.<variant>.yaml` at a revision, read with `git show` in `root`.
 * The path is given as `./stacks/...`, so git resolves it against `root` even when the
 * project is a folder inside a larger repository.
 * @throws SideError naming the revision and file when git fails (unknown revision, no
 * such file there, not a repository, git missing).
 */
export function readStackAtRevision(variant: string, rev: string, root: string): string {
  checkVariantName(variant);
  const file = stackPath(variant);
  if (rev === '' || rev.startsWith('-')) {
    // A leading '-' would make git read the argument as an option.
    throw new SideError(`cannot read ${file} at revision ${JSON.stringify(rev)}: not a revision`);
  }
  try {
    return execFileSync('git', ['show', `${rev}:./${file}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string | Buffer };
    const detail =
      e.code === 'ENOENT' ? 'git is not installed or not on PATH' : (String(e.stderr ?? '').trim().split('\n')[0] || e.message);
    throw new SideError(`cannot read ${file} at revision ${rev} (in ${root}): ${detail}`);
  }
}

/** The plan of a variant at a revision; messages name it `stacks/Pulumi.<variant>.yaml@<rev>`. */
export function loadPlanAtRevision(variant: string, rev: string, root: string): LoadedPlan {
  return loadStackText(readStackAtRevision(variant, rev, root), `${stackPath(variant)}@${rev}`);
}

/** A report side for a variant at a revision, labelled `<variant>@<rev>`. */
export function sideAtRevision(variant: string, rev: string, root: string): BuiltSide {
  return sideFromLoaded(loadPlanAtRevision(variant, rev, root), variant, `${variant}@${rev}`);
}
