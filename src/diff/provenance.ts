/**
 * What a soak measured, per container: the evidence behind a right-sized number. The
 * recommender writes it beside the `rightsized` stack; the reports show it next to the
 * sizes and flag limits below what was observed. Every field is optional: a report without
 * provenance shows sizes only.
 */

/** Observed usage of one resource of one container over the soak window. */
export interface UsageStats {
  /** CPU in cores, memory in bytes. */
  readonly p95: number;
  readonly p99: number;
  readonly peak: number;
  readonly samples: number;
}

export interface ContainerObservation {
  readonly cpu?: UsageStats;
  readonly memory?: UsageStats;
  /** Headroom the policy added on top of the statistic it sized from, in percent. */
  readonly headroomPercent?: { readonly cpu?: number; readonly memory?: number };
  /** Whole cores the measured throughput needs at the target rate (numa sizes threads by whole cores). */
  readonly requiredCores?: number;
  /** Usage over time: unix seconds, CPU cores and memory bytes, same length. */
  readonly series?: { readonly t: readonly number[]; readonly cpu?: readonly number[]; readonly memory?: readonly number[] };
}

/** A verdict line that did not pass: a check that failed, or one that had no data. */
export interface VerdictFinding {
  /** The check, e.g. `oom-kills` (the checks are listed in src/recommend/verdict.ts). */
  readonly check: string;
  readonly status: 'fail' | 'no-data';
  /** What the check measured, with its unit, e.g. `1 container(s) OOM-killed (batch-cat/udf 1)`. */
  readonly measured: string;
}

/**
 * The soak verdict (`numaflow-soak verdict`) that `recommend --write` ran on the same data
 * (plan, source, names, window and target) before writing the sizes. A verdict that failed
 * or had too little data is only written with `--allow-failed-soak`, and the reports then
 * say so and raise a risk flag.
 */
export interface SoakVerdictRecord {
  /** No line failed. False exactly when `lines` holds a `fail`. */
  readonly passed: boolean;
  /** A required line had no data, or the window was too short to judge. True when `lines` holds a `no-data`. */
  readonly insufficientData: boolean;
  /** The window judged: the recommendation's, after the warm-up. */
  readonly window: { readonly start: string; readonly end: string; readonly stepSeconds: number };
  /** How many checks were judged (skipped ones not counted). */
  readonly checks: number;
  /** The failed and no-data lines, in the verdict's order; empty when every check passed or warned. */
  readonly lines: readonly VerdictFinding[];
}

export interface Provenance {
  /** The data source, e.g. a Prometheus URL or `embedded:seed-soak`. */
  readonly source: string;
  readonly window: { readonly start: string; readonly end: string; readonly stepSeconds: number };
  /**
   * Which series the usage figures were read from (a Prometheus source): per family (`cpu`,
   * `memory`, `throttling`), the soak's recording rule (`recorded`) or the raw cAdvisor
   * families (`raw`), and the share of the window the recorded series covered, percent.
   */
  readonly readFrom?: readonly { readonly family: string; readonly used: 'recorded' | 'raw'; readonly series: string; readonly coveragePercent?: number }[];
  /** The soak's verdict when the sizes were written; absent in files written before the gate. */
  readonly verdict?: SoakVerdictRecord;
  /** Keyed by the container's plan path, e.g. `pipeline.batchMap.udf`. */
  readonly containers: Readonly<Record<string, ContainerObservation>>;
}

/** How a recorded verdict came out; a failed line wins over missing data, as in `verdict`'s exit code. */
export function verdictOutcome(v: SoakVerdictRecord): 'failed' | 'insufficient' | 'passed' {
  if (!v.passed) return 'failed';
  return v.insufficientData ? 'insufficient' : 'passed';
}

/**
 * A verdict line as one phrase of plain text, for reports and messages (each renderer
 * escapes it): `oom-kills: 1 container(s) OOM-killed (batch-cat/udf 1)`, or
 * `latency (no data): no forwarder_processing_time data`.
 */
export function findingText(f: VerdictFinding): string {
  return `${f.check}${f.status === 'no-data' ? ' (no data)' : ''}: ${f.measured}`;
}
