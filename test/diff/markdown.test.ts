/**
 * The Markdown report: the summary comes first and survives any size cap; numbers are
 * formatted the same way every time; table cells cannot break the table.
 */
import { DEFAULT_MAX_CHARS, formatPercent, renderMarkdown } from '../../src/diff/markdown';
import type { Provenance } from '../../src/diff/provenance';
import { buildReport, type DiffReport } from '../../src/diff/report';
import type { ObjectDiff } from '../../src/diff/semantic';
import { patchedSide, variantPair, variantSide } from '../support/diff';

const soak = variantSide('soak');
const rightsized = variantSide('rightsized');
/** soak as the commands compare it with rightsized: side by side, in rightsized's namespace. */
const soakBeside = variantPair('soak', 'rightsized').before;
const resize = buildReport(soakBeside, rightsized);
const GiB = 1024 ** 3;

/** Lines of a Markdown table row, split on the pipes that are not escaped. */
const cells = (row: string) =>
  row
    .replace(/\\\|/g, '\u0000')
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim().replace(/\u0000/g, '\\|'));

describe('soak → rightsized', () => {
  const md = renderMarkdown(resize);
  const lines = md.split('\n');

  it('opens with the headline and the buffer-service line', () => {
    expect(lines[0]).toBe('### numaflow-soak: soak → rightsized');
    // Side by side: soak is compared as if in rightsized's namespace.
    expect(lines[2]).toBe('✅ no replacement or deletion of the buffer service (`numaflow-rightsized/soak-isb`)');
    expect(lines[4]).toBe('No risk flags.');
  });

  it('shows totals before, after, Δ and Δ% as worked out by hand', () => {
    // 99.09 - 164.89 = -65.8 cores; -65.8 / 164.89 = -39.91%.
    expect(lines).toContain('| CPU requested (cores) | 164.89 | 99.09 | -65.8 | -39.9% |');
    // Limits, pods at scale.max, 200m per monitor sidecar: 10 × (1.06 + 0.2) + 23 × (1.39 + 2.08 + 0.2)
    // + 8 × (0.86 + 0.2) + 0.05 + 3 × (5.14 + 0.01 + 0.02) = 121.05; 121.05 - 263.75 = -142.7; -54.10%.
    expect(lines).toContain('| CPU limits (cores) | 263.75 | 121.05 | -142.7 | -54.1% |');
    // 22.87 - 353.35 = -330.48 GiB; -330.48 / 353.35 = -93.53%.
    expect(lines).toContain('| memory requested (GiB) | 353.35 | 22.87 | -330.48 | -93.5% |');
    // Pods at scale.max: batch-cat 18 → 23 and out 6 → 8.
    expect(lines).toContain('| pods | 38 | 45 | +7 | +18.4% |');
    expect(lines).toContain('| nodes of 32-vcpu-128gib (31 CPU, 120Gi) | 6 | 4 | -2 | -33.3% |');
    // 6 nodes × 1.536 × 730 h = 6727.68; 4 nodes = 4485.12.
    expect(lines).toContain('| cost per month at 1.536/node-hour (730 h) | 6727.68 | 4485.12 | -2242.56 | -33.3% |');
  });

  it('shows each container with before → after only where it changes, quantities canonical', () => {
    expect(lines).toContain('| batch-cat/udf | 18 → 18-23 | 2 / 8Gi → 1720m / 100Mi | 4 / 16Gi → 2080m / 100Mi |');
    expect(lines).toContain('| in/init | 10 | 100m / 128Mi | 1 / 256Mi |');
    expect(lines).toContain('| soak-isb/reloader | 3 | 50m / 64Mi → 10m / 64Mi | 50m / 64Mi → 10m / 64Mi |');
    expect(lines).toContain('| soak-isb/main | 3 | 16 / 16Gi → 5140m / 2850Mi | 16 / 16Gi → 5140m / 2850Mi |');
  });

  it('has one collapsible block per changed object, in key order, and lists the unchanged ones on one line', () => {
    const summaries = lines.filter((l) => l.startsWith('<details>'));
    expect(summaries).toEqual([
      // main 4 resource fields, metrics 4, reloader 2 (its memory stays 64Mi).
      '<details><summary>InterStepBufferService soak-isb (10 changes)</summary>',
      // numa resource fields: in 4, batch-cat 4, out 4; udf 4; scale.max of batch-cat and out;
      // daemon and its init container 4 each.
      '<details><summary>Pipeline batch-map-soak (26 changes)</summary>',
      '<details><summary>LimitRange soak (2 changes)</summary>',
      '<details><summary>ResourceQuota soak (5 changes)</summary>',
    ]);
    expect(lines).toContain('| `spec.vertices[batch-cat].udf.container.resources.requests.cpu` | `2` | `1720m` |');
    expect(md).toMatch(/^Unchanged \(10\): .*Namespace numaflow-rightsized\.$/m);
  });

  it('ends with the command to reproduce it', () => {
    expect(lines[lines.length - 2]).toBe('Reproduce: `numaflow-soak diff --before soak --after rightsized`');
    expect(renderMarkdown(resize, { reproduce: 'npx numaflow-soak diff --price-per-hour 2' })).toContain('Reproduce: `npx numaflow-soak diff --price-per-hour 2`\n');
  });

  it('renders the same report to the same text', () => {
    expect(renderMarkdown(buildReport(variantPair('soak', 'rightsized').before, variantSide('rightsized')))).toBe(md);
  });
});

describe('risk flags come first', () => {
  const shrink = patchedSide(
    [
      { path: 'buffer.persistence.volumeSize', value: '30Gi' },
      { path: 'buffer.settings.maxFileStore', value: '27Gi' },
      { path: 'buffer.tls', value: true },
    ],
    'shrunk',
  );
  const md = renderMarkdown(buildReport(soak, shrink));

  it('puts critical flags and warnings before the totals, and the totals before any object block', () => {
    const critical = md.indexOf('- 🛑 **critical** `buffer-volume-shrink`');
    const warning = md.indexOf('- ⚠️ **warning** `buffer-tls-change`');
    const totals = md.indexOf('#### Totals');
    const details = md.indexOf('<details>');
    expect(critical).toBeGreaterThan(0);
    expect(warning).toBeGreaterThan(critical);
    expect(totals).toBeGreaterThan(warning);
    expect(details).toBeGreaterThan(totals);
    // Right under the headline and the buffer line, before the overview.
    expect(md.split('\n')[4]).toBe('#### 🛑 Risk flags: 1 critical, 1 warning');
    expect(md.indexOf('objects changed')).toBeGreaterThan(warning);
  });

  it('names the buffer service that is replaced in the line under the headline', () => {
    const line = md.split('\n')[2];
    expect(line).toMatch(/^🛑 \*\*Buffer service replaced or deleted\*\*: `numaflow-soak\/soak-isb` is replaced/);
    expect(line).toContain('its volumes shrink');
  });

  it('names the deleted and created buffer services on a rename', () => {
    const renamed = renderMarkdown(buildReport(soak, patchedSide([{ path: 'buffer.name', value: 'soak-isb-b' }])));
    expect(renamed.split('\n')[2]).toContain('`numaflow-soak/soak-isb` is deleted and `numaflow-soak/soak-isb-b` created');
    expect(renamed).toContain('<details><summary>InterStepBufferService soak-isb (removed)</summary>');
    expect(renamed).toContain('<details><summary>InterStepBufferService soak-isb-b (added)</summary>');
  });
});

describe('observed usage', () => {
  const provenance: Provenance = {
    source: 'embedded:seed-soak',
    window: { start: '2024-05-06T00:00:00Z', end: '2024-05-11T00:00:00Z', stepSeconds: 60 },
    containers: {
      'pipeline.batchMap.udf': {
        cpu: { p95: 1.6, p99: 1.9, peak: 2.5, samples: 7200 },
        memory: { p95: 70 * 1024 ** 2, p99: 75 * 1024 ** 2, peak: 1.5 * GiB, samples: 7200 },
        headroomPercent: { cpu: 25, memory: 30 },
      },
    },
  };
  const md = renderMarkdown(buildReport(soakBeside, rightsized, { provenance }));

  it('adds p95 / p99 / peak and the policy headroom, and marks the row with its worst flag', () => {
    expect(md).toContain('| vertex / container | replicas | requests (CPU / memory) | limits (CPU / memory) | observed CPU p95 / p99 / peak | observed memory p95 / p99 / peak | headroom (policy) |');
    const row = md.split('\n').find((l) => l.startsWith('| 🛑 batch-cat/udf'))!;
    expect(cells(row)).toEqual(['🛑 batch-cat/udf', '18 → 18-23', '2 / 8Gi → 1720m / 100Mi', '4 / 16Gi → 2080m / 100Mi', '1600m / 1900m / 2500m', '70Mi / 75Mi / 1536Mi', 'CPU +25%, memory +30%']);
    const other = md.split('\n').find((l) => l.startsWith('| out/numa'))!;
    expect(cells(other).slice(4)).toEqual(['—', '—', '—']);
  });

  it('says where and over how long the usage was observed', () => {
    expect(md).toContain('Observed in embedded:seed-soak from 2024-05-06T00:00:00Z to 2024-05-11T00:00:00Z (5 days), every 60s.');
  });
});

describe('size cap', () => {
  /** The real report plus `count` synthetic changed objects of ten long field changes each. */
  function huge(count: number): DiffReport {
    const extra: ObjectDiff[] = Array.from({ length: count }, (_, i) => {
      const name = `cm-${String(i).padStart(5, '0')}`;
      return {
        ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'numaflow-soak', name },
        key: `v1/ConfigMap/numaflow-soak/${name}`,
        status: 'changed',
        changes: Array.from({ length: 10 }, (_, j) => ({ path: `data.key-${j}`, before: 'x'.repeat(100), after: { nested: 'y'.repeat(100) } })),
      };
    });
    return { ...resize, objects: [...resize.objects, ...extra] };
  }

  it('keeps a report with thousands of changed objects under 60,000 characters, summary intact', () => {
    const report = huge(5000);
    const md = renderMarkdown(report);
    expect(md.length).toBeLessThanOrEqual(DEFAULT_MAX_CHARS);
    expect(md.length).toBeGreaterThan(DEFAULT_MAX_CHARS - 2000); // the space is used, not thrown away
    expect(md.startsWith('### numaflow-soak: soak → rightsized\n')).toBe(true);
    expect(md).toContain('| CPU requested (cores) | 164.89 | 99.09 | -65.8 | -39.9% |');
    expect(md).toContain('| batch-cat/udf | 18 → 18-23 |');
    const changed = report.objects.filter((o) => o.status !== 'unchanged').length;
    expect(changed).toBe(5004);
    const note = /_(\d+) of 5004 object diffs omitted to keep this comment under 60000 characters; the JSON and HTML reports hold every field change\._/.exec(md);
    expect(note).not.toBeNull();
    const shown = (md.match(/<details>/g) ?? []).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown + Number(note![1])).toBe(5004);
    // Blocks are dropped from the end: the ones kept are the first in key order.
    expect(md).toContain('<details><summary>InterStepBufferService soak-isb (10 changes)</summary>');
    expect(md.trimEnd().split('\n').pop()).toMatch(/^Reproduce: /);
  });

  it('drops container rows next, with a note, when even one object block does not fit', () => {
    // The summary takes about 800 characters and the container table another 800.
    const md = renderMarkdown(huge(10), { maxChars: 1400 });
    expect(md.length).toBeLessThanOrEqual(1400);
    expect(md).not.toContain('<details>');
    expect(md).toMatch(/_\d+ more container rows omitted to keep this comment short; the JSON and HTML reports list them all\._/);
    expect(md).toContain('| CPU requested (cores) | 164.89 | 99.09 | -65.8 | -39.9% |');
    expect(md).toContain('Unchanged: 10 objects (listed in the JSON report).');
  });

  it('never exceeds the cap, even below the size of the summary', () => {
    const md = renderMarkdown(resize, { maxChars: 400 });
    expect(md.length).toBeLessThanOrEqual(400);
    expect(md.startsWith('### numaflow-soak: soak → rightsized')).toBe(true);
    expect(md).toContain('(truncated: the JSON report holds the full diff)');
  });

  it('returns the full text when it fits', () => {
    const md = renderMarkdown(resize);
    expect(md).not.toContain('omitted');
    expect(renderMarkdown(resize, { maxChars: md.length })).toBe(md);
  });
});

describe('table cells', () => {
  const report: DiffReport = {
    ...resize,
    objects: [
      {
        ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'tricky' },
        key: 'v1/ConfigMap/ns/tricky',
        status: 'changed',
        changes: [
          { path: 'data.a|b', before: 'x | y', after: 'has `tick` in it' },
          { path: 'data.long', before: 'z'.repeat(200) },
        ],
      },
    ],
  };
  const lines = renderMarkdown(report).split('\n');

  it('escapes pipes so a row keeps three cells', () => {
    const row = lines.find((l) => l.includes('data.a'))!;
    // A span holding single backticks is fenced with two; no padding is needed as it neither starts nor ends with one.
    expect(row).toBe('| `data.a\\|b` | `x \\| y` | ``has `tick` in it`` |');
    expect(cells(row)).toHaveLength(3);
  });

  it('cuts long values at 80 characters and shows a missing side as a dash', () => {
    const row = lines.find((l) => l.includes('data.long'))!;
    expect(cells(row)).toEqual(['`data.long`', `\`${'z'.repeat(79)}…\``, '—']);
  });

});

describe('formatPercent', () => {
  it.each([
    [164.89, 85.89, '-47.9%'],
    [100, 150, '+50.0%'],
    [3, 3, '0.0%'],
    [100, 99.96, '0.0%'],
    [0, 0, '0.0%'],
    [0, 5, 'n/a'],
  ])('%s → %s is %s', (before, after, expected) => {
    expect(formatPercent(before, after)).toBe(expected);
  });
});
