/** Writing command results: whole files or nothing, and the command line that reproduces a result. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from './args';

/**
 * Writes `content` to `file` through a temporary file in the same folder and a rename, so
 * a reader (or a CI step uploading the file) never sees half of it. Creates the folder.
 * A character device or FIFO (`/dev/stdout`, `/dev/null`, a named pipe) is written in
 * place: renaming a file over it would replace the device with a regular file.
 * The project's stack and provenance files are refused (`protectedOutput`).
 * @param flag the option that named the file (`output`, `html`), named in errors.
 * @throws CliError naming the flag and file when it cannot or must not be written.
 */
export function writeFileAtomic(file: string, content: string, flag?: string): void {
  const target = path.resolve(file);
  const what = flag !== undefined ? `--${flag} ${file}` : file;
  assertOutputAllowed(file, flag);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(target);
  } catch {
    stat = undefined;
  }
  if (stat !== undefined && !stat.isFile()) {
    if (stat.isDirectory()) throw new CliError(`cannot write ${what}: it is a directory`);
    try {
      fs.writeFileSync(target, content);
    } catch (error) {
      throw new CliError(`cannot write ${what}: ${(error as Error).message}`);
    }
    return;
  }
  // A symlink to a regular file: replace the file it points at, keep the link.
  const real = stat !== undefined ? fs.realpathSync(target) : target;
  const staging = path.join(path.dirname(real), `.${path.basename(real)}.tmp-${process.pid}-${Date.now()}`);
  try {
    fs.mkdirSync(path.dirname(real), { recursive: true });
    fs.writeFileSync(staging, content);
    fs.renameSync(staging, real);
  } catch (error) {
    fs.rmSync(staging, { force: true });
    throw new CliError(`cannot write ${what}: ${(error as Error).message}`);
  }
}

/** Refuses, before any work, an output path that is a stack or provenance file. @throws CliError naming the flag. */
export function assertOutputAllowed(file: string, flag?: string): void {
  const refusal = protectedOutput(file);
  const what = flag !== undefined ? `--${flag} ${file}` : file;
  if (refusal !== undefined) throw new CliError(`refusing to write ${what}: it is ${refusal}; choose another file`);
}

/**
 * Why a path must not be overwritten by a report, or undefined: a stack file
 * (`stacks/Pulumi.<variant>.yaml`) or a provenance file (`stacks/*.provenance.json`),
 * followed through symlinks.
 */
export function protectedOutput(file: string): string | undefined {
  const candidates = [path.resolve(file)];
  try {
    candidates.push(fs.realpathSync(file));
  } catch {
    try {
      candidates.push(path.join(fs.realpathSync(path.dirname(file)), path.basename(file)));
    } catch {
      /* the folder does not exist yet */
    }
  }
  for (const c of candidates) {
    if (path.basename(path.dirname(c)) !== 'stacks') continue;
    const name = path.basename(c);
    if (/^Pulumi\..+\.ya?ml$/i.test(name)) return "the project's stack file";
    if (/\.provenance\.json$/i.test(name)) return "the project's provenance file";
  }
  return undefined;
}

/**
 * Refuses, before any work, an output folder that synth would swap in whole (src/synth.ts
 * writeCharts copies what else it holds and renames the new tree over it) when that would
 * take in stack or provenance files: a `stacks` folder, the project root or any folder
 * above it (`--outdir .`, `--outdir ..`), or another project's root.
 * @throws CliError naming the flag and the folder.
 */
export function assertOutdirAllowed(dir: string, root: string, flag = 'outdir'): void {
  const real = (p: string): string => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const target = real(dir);
  const stacks = real(path.join(root, 'stacks'));
  const holds = (folder: string): boolean => {
    try {
      return fs.readdirSync(folder).some((e) => protectedOutput(path.join(folder, e)) !== undefined);
    } catch {
      return false;
    }
  };
  const why =
    stacks === target || stacks.startsWith(target + path.sep)
      ? `it holds the project's stack files (${path.relative(process.cwd(), stacks) || '.'})`
      : holds(target) || holds(path.join(target, 'stacks'))
        ? 'it holds stack or provenance files'
        : undefined;
  if (why !== undefined) throw new CliError(`refusing to write --${flag} ${dir}: ${why}, which synth would replace with the whole folder; choose another folder`);
}

/** An argument as a POSIX shell reads it back: bare when safe, else single-quoted. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line that reproduces a report: `npx numaflow-soak <command>`, then `leading`
 * (options the command defaulted, spelled out), then the arguments given, leaving out
 * the options named in `drop`: those `leading` already spells out, and those that only
 * say where results are written (they do not change the report).
 */
export function reproduceCommand(command: string, leading: readonly string[], argv: readonly string[], drop: readonly string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = /^--([^=]+)/.exec(arg)?.[1];
    if (name !== undefined && drop.includes(name)) {
      if (!arg.includes('=')) i++; // the option's value is the next argument
      continue;
    }
    kept.push(arg);
  }
  return ['npx', 'numaflow-soak', command, ...leading, ...kept].map(shellQuote).join(' ');
}
