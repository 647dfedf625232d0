/**
 * Value objects for Kubernetes resource quantities and Go durations.
 *
 * A quantity is parsed once, at the edge (the plan loader), and printed once, in the
 * canonical form the Kubernetes API server itself stores. Arithmetic never happens on
 * strings, and re-synthesizing a plan never turns `2Gi` into `2048Mi` (or back), so diffs
 * only show real change.
 */

/** Thrown when a string is not a quantity of the expected kind. */
export class QuantityError extends Error {}

const CPU_CORES = /^(\d+)(?:\.(\d{1,3}))?$/;
const CPU_MILLIS = /^(\d+)m$/;

/**
 * A CPU quantity, held as an integer number of millicores.
 *
 * Accepted input: whole or fractional cores with at most three decimals (`2`, `0.5`,
 * `1.25`) or millicores (`500m`). Anything else (`4 cores`, `-1`, `1e3`, `0.0005`) is
 * rejected: Kubernetes cannot express a CPU amount below one millicore.
 */
export class Cpu {
  /** Parses a CPU quantity from a string or a YAML number. */
  public static parse(input: string | number): Cpu {
    const text = typeof input === 'number' ? numberToText(input) : input.trim() === input ? input : '\u0000';
    const millis = CPU_MILLIS.exec(text);
    if (millis) return Cpu.millis(Number(millis[1]));
    const cores = CPU_CORES.exec(text);
    if (cores) {
      const fraction = (cores[2] ?? '').padEnd(3, '0');
      return Cpu.millis(Number(cores[1]) * 1000 + Number(fraction));
    }
    throw new QuantityError(
      `expected a CPU quantity such as 2, 0.5 or 500m (whole or fractional cores, or millicores), got ${shown(input)}`,
    );
  }

  /** A CPU amount in millicores (1000 = one core). */
  public static millis(millicores: number): Cpu {
    if (!Number.isSafeInteger(millicores) || millicores < 0) {
      throw new QuantityError(`a CPU amount must be a whole, non-negative number of millicores, got ${millicores}`);
    }
    return new Cpu(millicores);
  }

  /** A CPU amount in whole cores. */
  public static cores(cores: number): Cpu {
    return Cpu.millis(Math.round(cores * 1000));
  }

  public static readonly ZERO = new Cpu(0);

  private constructor(public readonly millicores: number) {}

  /** The amount in cores, possibly fractional. */
  public get cores(): number {
    return this.millicores / 1000;
  }

  /** The number of whole cores this amount rounds up to (Numaflow sizes worker threads this way). */
  public get wholeCores(): number {
    return Math.ceil(this.millicores / 1000);
  }

  public plus(other: Cpu): Cpu {
    return new Cpu(this.millicores + other.millicores);
  }

  public times(factor: number): Cpu {
    return Cpu.millis(Math.ceil(this.millicores * factor - 1e-9));
  }

  public compare(other: Cpu): number {
    return this.millicores - other.millicores;
  }

  public equals(other: Cpu): boolean {
    return this.millicores === other.millicores;
  }

  /** Canonical form, as the API server stores it: `2`, `500m`, `1500m`. */
  public toString(): string {
    return this.millicores % 1000 === 0 ? String(this.millicores / 1000) : `${this.millicores}m`;
  }

  public toJSON(): string {
    return this.toString();
  }
}

const BINARY_SUFFIXES: ReadonlyArray<readonly [string, number]> = [
  ['Pi', 1024 ** 5],
  ['Ti', 1024 ** 4],
  ['Gi', 1024 ** 3],
  ['Mi', 1024 ** 2],
  ['Ki', 1024],
];
const DECIMAL_SUFFIXES: ReadonlyArray<readonly [string, number]> = [
  ['P', 1000 ** 5],
  ['T', 1000 ** 4],
  ['G', 1000 ** 3],
  ['M', 1000 ** 2],
  ['k', 1000],
];
const BYTES = /^(\d+)(?:\.(\d+))?(Pi|Ti|Gi|Mi|Ki|P|T|G|M|k)?$/;

/** Whether a byte amount was written with binary (`Gi`) or decimal (`G`, or no) suffixes. */
export type ByteFormat = 'binary' | 'decimal';

/**
 * An amount of bytes: memory or storage, held as an integer number of bytes.
 *
 * Accepted input: an integer or decimal number with an optional binary suffix (`Ki`, `Mi`,
 * `Gi`, `Ti`, `Pi`) or decimal suffix (`k`, `M`, `G`, `T`, `P`), as long as it comes to a
 * whole number of bytes: `16Gi`, `512Mi`, `1.5Gi`, `40G`. Rejected: `16GB`, `-1`, `16 Gi`,
 * `1e9` (write `1G`), `0.5Ki` of a byte fraction.
 *
 * Like the API server, the canonical form keeps the family of the suffix that was used and
 * picks the largest suffix that divides the amount exactly: `2048Mi` prints as `2Gi`,
 * `1536Mi` stays `1536Mi`, `1000M` prints as `1G`.
 */
export class Bytes {
  /** Parses a byte quantity from a string or a YAML number (a plain number means bytes). */
  public static parse(input: string | number): Bytes {
    const text = typeof input === 'number' ? numberToText(input) : input.trim() === input ? input : '\u0000';
    const match = BYTES.exec(text);
    if (!match) {
      throw new QuantityError(
        `expected a byte quantity such as 512Mi, 16Gi or 40G (binary Ki/Mi/Gi/Ti or decimal k/M/G/T suffix), got ${shown(input)}`,
      );
    }
    const [, whole, fraction = '', suffix = ''] = match;
    const multiplier = suffixMultiplier(suffix);
    const scale = 10 ** fraction.length;
    const scaled = Number(whole + fraction) * multiplier;
    if (scaled % scale !== 0) {
      throw new QuantityError(`${shown(input)} is not a whole number of bytes`);
    }
    const bytes = scaled / scale;
    if (!Number.isSafeInteger(bytes)) {
      throw new QuantityError(`${shown(input)} is too large`);
    }
    return new Bytes(bytes, suffix.endsWith('i') ? 'binary' : 'decimal');
  }

  public static of(bytes: number, format: ByteFormat = 'binary'): Bytes {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new QuantityError(`a byte amount must be a whole, non-negative number, got ${bytes}`);
    }
    return new Bytes(bytes, format);
  }

  public static kibibytes(n: number): Bytes {
    return Bytes.of(Math.round(n * 1024));
  }

  public static mebibytes(n: number): Bytes {
    return Bytes.of(Math.round(n * 1024 ** 2));
  }

  public static gibibytes(n: number): Bytes {
    return Bytes.of(Math.round(n * 1024 ** 3));
  }

  public static readonly ZERO = new Bytes(0, 'binary');

  private constructor(
    public readonly bytes: number,
    public readonly format: ByteFormat,
  ) {}

  public get mebibytes(): number {
    return this.bytes / 1024 ** 2;
  }

  public get gibibytes(): number {
    return this.bytes / 1024 ** 3;
  }

  /** Sum; the result keeps this amount's suffix family. */
  public plus(other: Bytes): Bytes {
    return new Bytes(this.bytes + other.bytes, this.format);
  }

  /** Product, rounded up to a whole byte; keeps this amount's suffix family. */
  public times(factor: number): Bytes {
    return Bytes.of(Math.ceil(this.bytes * factor - 1e-9), this.format);
  }

  public compare(other: Bytes): number {
    return this.bytes - other.bytes;
  }

  public equals(other: Bytes): boolean {
    return this.bytes === other.bytes;
  }

  /**
   * Canonical form: the largest suffix of this amount's family that divides it exactly.
   * A binary amount that no binary suffix divides prints in the decimal family, because a
   * bare number reads back as decimal: 3000 bytes print as `3k`, which reads back as `3k`
   * (printing `3000` would read back, and be stored by the API server, as `3k`).
   */
  public toString(): string {
    if (this.bytes === 0) return '0';
    const suffixes = this.format === 'binary' && this.bytes % 1024 === 0 ? BINARY_SUFFIXES : DECIMAL_SUFFIXES;
    for (const [suffix, size] of suffixes) {
      if (this.bytes % size === 0) return `${this.bytes / size}${suffix}`;
    }
    return String(this.bytes);
  }

  public toJSON(): string {
    return this.toString();
  }
}

const DURATION = /^(?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
const NANOS: Record<string, number> = {
  h: 3600e9,
  m: 60e9,
  s: 1e9,
  ms: 1e6,
  us: 1e3,
  µs: 1e3,
  ns: 1,
};

/**
 * A Go duration (`1s`, `500ms`, `72h`, `1m30s`), as Numaflow and NATS read them.
 * Held in nanoseconds; printed in a compact canonical form (`90s` prints as `1m30s`).
 */
export class Duration {
  public static parse(input: string): Duration {
    if (typeof input !== 'string' || !DURATION.test(input)) {
      throw new QuantityError(`expected a Go duration such as 1s, 500ms or 72h, got ${JSON.stringify(input)}`);
    }
    let nanos = 0;
    for (const [, amount, unit] of input.matchAll(DURATION_PART)) {
      nanos += Number(amount) * NANOS[unit];
    }
    return Duration.nanoseconds(Math.round(nanos));
  }

  /**
   * A span that may count days as well (`5d`, `1d12h`, `36h`, `90m`), the way Prometheus
   * (retention, range selectors) and the CLI's `--history-duration` write long windows.
   */
  public static parseSpan(input: string): Duration {
    if (typeof input !== 'string' || !SPAN.test(input)) {
      throw new QuantityError(`expected a duration such as 5d, 36h, 1d12h or 90m, got ${JSON.stringify(input)}`);
    }
    let seconds = 0;
    for (const [, amount, unit] of input.matchAll(SPAN_PART)) seconds += Number(amount) * SPAN_SECONDS[unit];
    return Duration.seconds(seconds);
  }

  public static seconds(n: number): Duration {
    return Duration.nanoseconds(Math.round(n * 1e9));
  }

  public static nanoseconds(n: number): Duration {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new QuantityError(`a duration must be a whole, non-negative number of nanoseconds, got ${n}`);
    }
    return new Duration(n);
  }

  private constructor(public readonly nanos: number) {}

  public get seconds(): number {
    return this.nanos / 1e9;
  }

  public compare(other: Duration): number {
    return this.nanos - other.nanos;
  }

  public equals(other: Duration): boolean {
    return this.nanos === other.nanos;
  }

  public toString(): string {
    if (this.nanos === 0) return '0s';
    let rest = this.nanos;
    let out = '';
    for (const unit of ['h', 'm', 's', 'ms', 'us', 'ns']) {
      const size = NANOS[unit];
      const count = Math.floor(rest / size);
      if (count > 0) {
        out += `${count}${unit}`;
        rest -= count * size;
      }
    }
    return out;
  }

  /** Whole seconds as days, hours, minutes and seconds (`7d`, `5d12h`), a Prometheus duration; `0s` for zero. */
  public toSpanString(): string {
    let rest = Math.ceil(this.seconds);
    if (rest === 0) return '0s';
    let out = '';
    for (const unit of ['d', 'h', 'm', 's']) {
      const count = Math.floor(rest / SPAN_SECONDS[unit]);
      if (count > 0) {
        out += `${count}${unit}`;
        rest -= count * SPAN_SECONDS[unit];
      }
    }
    return out;
  }

  public plus(other: Duration): Duration {
    return Duration.nanoseconds(this.nanos + other.nanos);
  }

  public toJSON(): string {
    return this.toString();
  }
}

const SPAN = /^(?:\d+(?:\.\d+)?[dhms])+$/;
const SPAN_PART = /(\d+(?:\.\d+)?)([dhms])/g;
const SPAN_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };

function suffixMultiplier(suffix: string): number {
  if (suffix === '') return 1;
  const entry = [...BINARY_SUFFIXES, ...DECIMAL_SUFFIXES].find(([s]) => s === suffix);
  return entry ? entry[1] : Number.NaN;
}

/** An input as messages quote it: text in quotes, a number as JavaScript prints it (`NaN`, not JSON's `null`). */
function shown(input: string | number): string {
  return typeof input === 'number' ? String(input) : JSON.stringify(input);
}

/** YAML numbers arrive as JS numbers; only plain non-negative decimals are quantities. */
function numberToText(n: number): string {
  if (!Number.isFinite(n) || n < 0) return String(n);
  const text = String(n);
  return /e/i.test(text) ? '\u0000' : text;
}
