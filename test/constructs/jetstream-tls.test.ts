/**
 * JetStream TLS (issue 10 item 7): off in `soak`, as the seed soak ran it, and in
 * `rightsized`, so the resize is measured like for like; `buffer.tls: true` turns it on in
 * the InterStepBufferService (`spec.jetstream.tls`, Numaflow v1.8.3
 * pkg/apis/numaflow/v1alpha1/jetstream_buffer_service.go: "Whether enable TLS, defaults to
 * false"). Turning it on or off is a restart risk flag in the diff (test/diff/report.test.ts).
 */
import { find, loadVariant, synthPlan, synthVariant } from '../support/synth';

test.each(['soak', 'rightsized'])('%s: TLS off, written out (tls: false), never left to a default', (variant) => {
  const js = find(synthVariant(variant), 'InterStepBufferService').spec.jetstream;
  expect(js.tls).toBe(false);
});

test('buffer.tls: true turns it on in the buffer service, and nothing else about it changes', () => {
  const plan = loadVariant('soak');
  const off = find(synthPlan(plan), 'InterStepBufferService').spec.jetstream;
  const on = find(synthPlan({ ...plan, buffer: { ...plan.buffer, tls: true } }), 'InterStepBufferService').spec.jetstream;
  expect(on.tls).toBe(true);
  expect({ ...on, tls: false }).toEqual(off);
});
