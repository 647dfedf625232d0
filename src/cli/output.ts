/** Writing command results: whole files or nothing, and the command line that reproduces a result. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from './args';

/**
 * Writes `content` to `file` through a temporary file in the same folder and a rename, so
 * a reader (or a CI step uploading the file) never sees half of it. Creates the folder.
 * @throws CliError naming the file when it cannot be written.
 */
export function writeFileAtomic(file: string, content: string): void {
  const target = path.resolve(file);
  const staging = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}`);
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(staging, content);
    fs.renameSync(staging, target);
  } catch (error) {
    fs.rmSync(staging, { force: true });
    throw new CliError(`cannot write ${file}: ${(error as Error).message}`);
  }
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
