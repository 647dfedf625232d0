/**
 * A udf request of 900 cores (issue 10, "written, and the diff says No risk flags and shows
 * fewer nodes"): the diff flags it critical (request-exceeds-node), and the totals say how
 * many pods fit on no node instead of reading as a saving of nodes and cost.
 */
import { renderHtml } from '../../src/diff/html';
import { renderJson } from '../../src/diff/json';
import { renderMarkdown } from '../../src/diff/markdown';
import { buildReport } from '../../src/diff/report';
import { renderGfm, visibleText } from '../support/gfm';
import { patchedSide, variantSide } from '../support/diff';

const soak = variantSide('soak');
const huge = patchedSide([{ path: 'pipeline.batchMap.udf', value: { requests: { cpu: '900', memory: '1Gi' }, limits: { cpu: '900', memory: '1Gi' } } }], 'huge');
const report = buildReport(soak, huge);

test('the request is a critical risk flag, first', () => {
  expect(report.risks[0]).toMatchObject({ severity: 'critical', code: 'request-exceeds-node', message: expect.stringContaining('batch-cat/udf: CPU request 900 exceeds the node\'s 31 cores') });
});

test('the totals count the 18 batch-cat pods as on no node, left out of nodes and cost', () => {
  expect(report.totals.before.podsOnNoNode).toBeUndefined();
  expect(report.totals.after.podsOnNoNode).toBe(18);
  expect(report.totals.after.nodes).toBeLessThan(report.totals.before.nodes);
  expect((JSON.parse(renderJson(report)) as { totals: { after: { podsOnNoNode: number } } }).totals.after.podsOnNoNode).toBe(18);
});

test('the Markdown says so under the totals, in bold', () => {
  const [html] = renderGfm([renderMarkdown(report)]);
  expect(html).toContain('<strong>18 pods of huge fit on no node of 32-vcpu-128gib</strong>');
  expect(visibleText(html)).toContain('the node count and cost leave them out, and they would stay Pending.');
});

test('the HTML report says so under its totals table', () => {
  expect(renderHtml(report)).toMatch(/<\/table>\n<p class="pods-on-no-node"><strong>18 pod\(s\) of huge fit on no node of 32-vcpu-128gib<\/strong>/);
});

test('soak → rightsized, where every pod fits, says nothing of the kind', () => {
  const normal = buildReport(soak, variantSide('rightsized'));
  expect(normal.totals.after.podsOnNoNode).toBeUndefined();
  expect(renderMarkdown(normal)).not.toContain('fit on no node');
  expect(renderHtml(normal)).not.toContain('pods-on-no-node');
});
