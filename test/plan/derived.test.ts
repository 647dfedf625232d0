import {
  effectiveLimits,
  estimatedBytesPerMessage,
  estimatedStreamBytesPerNode,
  streamCount,
  targetRatePerSecond,
} from '../../src/plan/derived';
import { loadStackFile, stackFile } from '../../src/plan/load';
import { soakPlan, type SoakPlan } from '../../src/plan/schema';
import { patchedSoak, type PatchOp } from './helpers';

const soak = loadStackFile(stackFile('soak')).plan;
const GiB = 1024 ** 3;

/** The soak plan with edits, parsed without the rules (figures only). */
function variant(patch: PatchOp[]): SoakPlan {
  return soakPlan.parse(patchedSoak(patch));
}

describe('figures of the soak plan', () => {
  it('targets 50000 messages per second (5000 rpu x 10 source replicas per 1s)', () => {
    expect(targetRatePerSecond(soak)).toBe(50000);
  });

  it('has 13 streams: 12 batch-map partitions and 1 sink partition', () => {
    expect(streamCount(soak)).toBe(13);
  });

  it('estimates a 500-byte message at between 1800 and 2300 stored bytes', () => {
    const perMessage = estimatedBytesPerMessage(soak);
    expect(perMessage).toBeGreaterThanOrEqual(1800);
    expect(perMessage).toBeLessThanOrEqual(2300);
    expect(Number.isInteger(perMessage)).toBe(true);
  });

  it('estimates between 2 GiB and 3 GiB of full streams per node (13 streams x 100k messages x ~2KB)', () => {
    const perNode = estimatedStreamBytesPerNode(soak);
    expect(perNode.bytes).toBeGreaterThan(2 * GiB);
    expect(perNode.bytes).toBeLessThan(3 * GiB);
    expect(perNode.bytes).toBe(Math.ceil(13 * 100000 * estimatedBytesPerMessage(soak)));
  });

  it('uses the pipeline limits where a vertex sets none', () => {
    expect(effectiveLimits(soak, soak.pipeline.sink.limits)).toEqual({
      readBatchSize: 500,
      bufferMaxLength: 30000,
      bufferUsageLimit: 80,
      readTimeout: soak.pipeline.limits.readTimeout,
    });
  });
});

describe('how the figures follow the plan', () => {
  it('runs a generator source at min replicas, never more, when min and max differ', () => {
    expect(targetRatePerSecond(variant([{ path: 'pipeline.source.scale', value: { min: 4, max: 10 } }]))).toBe(20000);
    expect(targetRatePerSecond(variant([{ path: 'pipeline.source.scale', value: { min: 0, max: 10 } }]))).toBe(5000);
  });

  it('divides rpu by the generator duration', () => {
    expect(targetRatePerSecond(variant([{ path: 'pipeline.source.generator.duration', value: '500ms' }]))).toBe(100000);
    expect(targetRatePerSecond(variant([{ path: 'pipeline.source.generator.duration', value: '2s' }]))).toBe(25000);
  });

  it('counts the sink partitions as streams too', () => {
    expect(streamCount(variant([{ path: 'pipeline.sink.partitions', value: 3 }]))).toBe(15);
  });

  it('grows the per-message estimate with the message size', () => {
    const small = estimatedBytesPerMessage(variant([{ path: 'pipeline.source.generator.msgSize', value: 100 }]));
    const large = estimatedBytesPerMessage(variant([{ path: 'pipeline.source.generator.msgSize', value: 1000 }]));
    expect(small).toBeLessThan(estimatedBytesPerMessage(soak));
    expect(large).toBeGreaterThan(estimatedBytesPerMessage(soak));
  });

  it('caps each stream at maxBytes when it is set', () => {
    const capped = variant([{ path: 'buffer.stream.maxBytes', value: 100_000_000 }]);
    expect(estimatedStreamBytesPerNode(capped).bytes).toBe(13 * 100_000_000);
  });

  it('spreads 3 copies over 5 nodes, so a node holds 3/5 of the data', () => {
    const five = variant([{ path: 'buffer.replicas', value: 5 }]);
    const perNode = estimatedStreamBytesPerNode(five).bytes;
    expect(perNode).toBe(Math.ceil((13 * 100000 * estimatedBytesPerMessage(soak) * 3) / 5));
  });

  it('keeps one copy per stream on a single node', () => {
    const one = variant([{ path: 'buffer.replicas', value: 1 }]);
    expect(estimatedStreamBytesPerNode(one).bytes).toBe(13 * 100000 * estimatedBytesPerMessage(soak));
  });

  it('lets a vertex override each pipeline limit field by field', () => {
    const plan = variant([{ path: 'pipeline.sink.limits', value: { bufferMaxLength: 50000 } }]);
    const limits = effectiveLimits(plan, plan.pipeline.sink.limits);
    expect(limits.bufferMaxLength).toBe(50000);
    expect(limits.readBatchSize).toBe(500);
  });
});
