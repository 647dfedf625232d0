/**
 * Option parsing for the `numaflow-soak` commands: node:util's parseArgs, strict, with its
 * errors turned into one line a person can act on (no stack trace), a `--help` for every
 * command generated from the same option table, and checks for options that take one
 * of a fixed set of values.
 */
import { parseArgs } from 'node:util';

/** A failure the user can act on, whose message says everything: printed as is, exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** A mistake on the command line (unknown option, missing or bad value). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** What the help text shows as the value, e.g. `<file>`. */
  readonly value?: string;
  readonly description: string;
  readonly default?: string;
  /** The only values a string option accepts. */
  readonly choices?: readonly string[];
  /** A string option that may be given several times: its value is the list, in order (empty when not given). */
  readonly multiple?: boolean;
}

export interface CommandSpec {
  /** The command's name, e.g. `diff`. */
  readonly name: string;
  /** One line saying what the command does. */
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Further help text printed after the options. */
  readonly notes?: string;
}

/** Parsed values: booleans are always set; strings are set when given or defaulted. */
export type OptionValues<O extends Readonly<Record<string, OptionSpec>>> = {
  readonly [K in keyof O]: O[K]['type'] extends 'boolean'
    ? boolean
    : O[K] extends { readonly multiple: true }
      ? readonly string[]
      : O[K] extends { readonly default: string }
        ? string
        : string | undefined;
};

export type Parsed<O extends Readonly<Record<string, OptionSpec>>> = { readonly help: true } | { readonly help: false; readonly values: OptionValues<O> };

/** `--a, --b` for messages, sorted. */
function optionList(spec: CommandSpec): string {
  return [...Object.keys(spec.options), 'help']
    .sort()
    .map((o) => `--${o}`)
    .join(', ');
}

/** Rewrites a parseArgs error as the one-line message the user sees. */
function usageMessage(spec: CommandSpec, error: Error & { code?: string }): string {
  const prefix = `numaflow-soak ${spec.name}:`;
  const quoted = /'([^']+)'/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${prefix} unknown option '${quoted ?? '?'}' (options: ${optionList(spec)})`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `${prefix} unexpected argument '${quoted ?? '?'}' (options: ${optionList(spec)})`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = quoted?.split(' ')[0] ?? '?';
      const option = spec.options[name.replace(/^--/, '')];
      if (option?.type === 'boolean') return `${prefix} option '${name}' takes no value`;
      return `${prefix} option '${name}' expects ${option?.choices ? `one of ${option.choices.join(', ')}` : `a value${option?.value ? ` ${option.value}` : ''}`}`;
    }
    default:
      return `${prefix} ${error.message}`;
  }
}

/**
 * Parses `argv` against the command's options.
 * @returns `{ help: true }` when `--help`/`-h` was given (print `helpText(spec)`), else the values.
 * @throws UsageError with one line naming the problem.
 */
export function parseCommandArgs<O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec & { readonly options: O }, argv: readonly string[]): Parsed<O> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, ...(o.default !== undefined ? { default: o.default } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let values: Record<string, string | boolean | readonly string[] | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | readonly string[] | undefined>;
  } catch (error) {
    const e = error as Error & { code?: string };
    if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError(usageMessage(spec, e));
    throw error;
  }
  if (values.help === true) return { help: true };
  for (const [name, o] of Object.entries(spec.options)) {
    const v = values[name];
    if (o.type === 'boolean') values[name] = v === true;
    else if (o.multiple) values[name] = Array.isArray(v) ? v : [];
    else if (o.choices && typeof v === 'string' && !o.choices.includes(v)) {
      throw new UsageError(`numaflow-soak ${spec.name}: option '--${name}' expects one of ${o.choices.join(', ')} (got '${v}')`);
    }
  }
  delete values.help;
  return { help: false, values: values as OptionValues<O> };
}

/** Parses a numeric option value: a finite number, at least zero. */
export function nonNegativeNumber(spec: CommandSpec, name: string, text: string): number {
  const n = /^\s*$/.test(text) ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || n < 0) {
    throw new UsageError(`numaflow-soak ${spec.name}: option '--${name}' expects a non-negative number (got '${text}')`);
  }
  return n;
}

/** The command's `--help` text: usage line, summary, one line per option, notes. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = `--${name}${o.type === 'string' ? ` ${o.value ?? (o.choices ? o.choices.join('|') : '<value>')}` : ''}`;
    const extra = `${o.multiple ? ' (repeatable)' : ''}${o.default !== undefined ? ` (default: ${o.default})` : ''}`;
    return [flag, `${o.description}${extra}`] as const;
  });
  rows.push(['--help, -h', 'this text']);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  const lines = rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
  return [`usage: numaflow-soak ${spec.name} [options]`, '', spec.summary, '', 'options:', ...lines, ...(spec.notes ? ['', spec.notes.trimEnd()] : []), ''].join('\n');
}
