/** The JSON report: versioned, quantities as canonical strings, stable bytes. */
import { renderJson } from '../../src/diff/json';
import { buildReport } from '../../src/diff/report';
import { patchedSide, variantPair, variantSide } from '../support/diff';

const report = buildReport(variantPair('soak', 'rightsized').before, variantSide('rightsized'));
const json = renderJson(report);
const doc = JSON.parse(json);

it('starts with schemaVersion 1 and keeps the documented field order', () => {
  expect(doc.schemaVersion).toBe(1);
  expect(Object.keys(doc)).toEqual(['schemaVersion', 'before', 'after', 'changed', 'nodeShape', 'totals', 'containers', 'risks', 'objects']);
  expect(json.startsWith('{\n  "schemaVersion": 1,\n')).toBe(true);
  expect(json.endsWith('}\n')).toBe(true);
});

it('writes quantities as canonical strings and totals as numbers', () => {
  const udf = doc.containers.find((c: { path: string }) => c.path === 'pipeline.batchMap.udf');
  expect(udf.requests).toEqual({ before: { cpu: '2', memory: '8Gi' }, after: { cpu: '1720m', memory: '100Mi' } });
  expect(doc.totals.before.requests).toEqual({ cpu: 164.89, memoryGiB: 353.35 });
  expect(doc.nodeShape).toEqual({ name: '32-vcpu-128gib', cpu: '31', memory: '120Gi', pricePerHour: 1.536 });
});

it('lists every object in key order with its field changes', () => {
  const keys = doc.objects.map((o: { key: string }) => o.key);
  expect(keys).toEqual([...keys].sort());
  const quota = doc.objects.find((o: { ref: { kind: string } }) => o.ref.kind === 'ResourceQuota');
  // The limits of a rolling update of the plan onto itself (src/capacity/rollout.ts: 121.05
  // cores of pods plus the vertex batches and the daemon surge, 176.94) + the quota's 10%
  // headroom = 194.6, rounded up.
  expect(quota.changes[0]).toEqual({ path: 'spec.hard.limits.cpu', before: '428', after: '195' });
  const namespace = doc.objects.find((o: { ref: { kind: string } }) => o.ref.kind === 'Namespace');
  // Side by side: soak is compared as if in rightsized's namespace, so the Namespace is unchanged.
  expect(namespace).toEqual({ key: 'v1/Namespace//numaflow-rightsized', ref: { apiVersion: 'v1', kind: 'Namespace', name: 'numaflow-rightsized' }, status: 'unchanged', changes: [] });
});

it('leaves out the side a field change does not have, rather than writing null', () => {
  const renamed = JSON.parse(renderJson(buildReport(variantSide('soak'), patchedSide([{ path: 'pipeline.batchMap.name', value: 'batch-dog' }]))));
  const pipeline = renamed.objects.find((o: { ref: { kind: string } }) => o.ref.kind === 'Pipeline');
  const removed = pipeline.changes.find((c: { path: string }) => c.path === 'spec.vertices[batch-cat]');
  expect(Object.keys(removed)).toEqual(['path', 'before']);
  expect(Object.keys(removed.before)).toEqual([...Object.keys(removed.before)].sort());
});

it('gives the same bytes for the same report', () => {
  expect(renderJson(buildReport(variantPair('soak', 'rightsized').before, variantSide('rightsized')))).toBe(json);
});
