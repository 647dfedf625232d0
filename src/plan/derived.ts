/**
 * Figures that follow from a plan: the target rate, the buffers (streams) Numaflow will
 * create, and an estimate of what they store. Pure functions of the plan; the rules, the
 * constructs and the reports share them.
 */
import { Bytes } from './quantity';
import type { SoakPlan, VertexLimits } from './schema';

/** Target source rate in messages per second: rpu per replica per duration, times replicas. */
export function targetRatePerSecond(plan: SoakPlan): number {
  const { generator, scale } = plan.pipeline.source;
  // Generator sources are never autoscaled: they run clamp(1, min, max) = min replicas (max(1, min)).
  const replicas = Math.max(1, Math.min(scale.min, scale.max));
  return (generator.rpu * replicas) / generator.duration.seconds;
}

/** A vertex's limits with the pipeline limits filled in, field by field, as Numaflow merges them. */
export function effectiveLimits(plan: SoakPlan, vertex: VertexLimits | undefined) {
  const p = plan.pipeline.limits;
  return {
    readBatchSize: vertex?.readBatchSize ?? p.readBatchSize,
    bufferMaxLength: vertex?.bufferMaxLength ?? p.bufferMaxLength,
    bufferUsageLimit: vertex?.bufferUsageLimit ?? p.bufferUsageLimit,
    readTimeout: vertex?.readTimeout ?? p.readTimeout,
  };
}

/** One JetStream stream per partition of every vertex that reads a buffer (batch map and sink). */
export function streamCount(plan: SoakPlan): number {
  return plan.pipeline.batchMap.partitions + plan.pipeline.sink.partitions;
}

/**
 * Estimated stored size of one message. The Rust data plane (Numaflow >= 1.6) encodes the
 * generator's padding as a JSON array of numbers, about 3.66 bytes per payload byte, plus
 * roughly 200 bytes of headers and NATS overhead. An estimate from the encoding, not a
 * measurement: it exists to flag volumes that cannot hold the streams.
 */
export function estimatedBytesPerMessage(plan: SoakPlan): number {
  return Math.ceil(plan.pipeline.source.generator.msgSize * 3.66 + 200);
}

/**
 * Estimated bytes the streams hold on each JetStream node once full (Limits retention keeps
 * maxMsgs per stream). With fewer than 3 nodes Numaflow forces one copy per stream, so a
 * node holds its share; with 3 or more, every node holds every replicated stream.
 */
export function estimatedStreamBytesPerNode(plan: SoakPlan): Bytes {
  const { stream, replicas } = plan.buffer;
  const perStream = stream.maxBytes > 0 ? Math.min(stream.maxBytes, stream.maxMsgs * estimatedBytesPerMessage(plan)) : stream.maxMsgs * estimatedBytesPerMessage(plan);
  const copies = replicas < 3 ? 1 : Math.min(stream.replicas, replicas);
  return Bytes.of(Math.ceil((streamCount(plan) * perStream * copies) / replicas));
}
