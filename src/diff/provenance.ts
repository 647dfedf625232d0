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

export interface Provenance {
  /** The data source, e.g. a Prometheus URL or `embedded:seed-soak`. */
  readonly source: string;
  readonly window: { readonly start: string; readonly end: string; readonly stepSeconds: number };
  /** Keyed by the container's plan path, e.g. `pipeline.batchMap.udf`. */
  readonly containers: Readonly<Record<string, ContainerObservation>>;
}
