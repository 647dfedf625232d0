/**
 * Every alert links its own section of docs/runbook.md: the `runbook_url` annotation is
 * `<monitoring.runbookBaseUrl>#<anchor>`, and the anchor is one that GitHub gives a heading
 * of docs/runbook.md. Each section says what to check and what to do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { soakAlerts } from '../../src/constructs/monitoring';
import { listVariants } from '../../src/plan/load';
import { monitoringPlan } from '../../src/plan/schema';
import { loadVariant, ROOT } from '../support/synth';

const RUNBOOK = fs.readFileSync(path.join(ROOT, 'docs/runbook.md'), 'utf8');

/** GitHub's heading anchor: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Sections by anchor: the text under each `## ` heading up to the next one. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = markdown.split(/^## /m).slice(1);
  for (const part of parts) {
    const newline = part.indexOf('\n');
    out.set(githubAnchor(part.slice(0, newline)), part.slice(newline + 1));
  }
  return out;
}

const SECTIONS = sections(RUNBOOK);

describe.each(listVariants())('the runbook links of the %s plan', (variant) => {
  const plan = loadVariant(variant);
  const rules = soakAlerts(plan);

  it('every alert has a runbook_url: the default base, #, an anchor docs/runbook.md has', () => {
    expect(rules.length).toBeGreaterThan(5);
    for (const rule of rules) {
      const url = rule.annotations.runbook_url;
      expect(url).toBe(`docs/runbook.md#${rule.alert.toLowerCase()}`);
      const anchor = url.slice(url.indexOf('#') + 1);
      expect({ alert: rule.alert, anchorInRunbook: SECTIONS.has(anchor) }).toEqual({ alert: rule.alert, anchorInRunbook: true });
    }
  });

  it('each alert\'s section says what it reads, what to check and what to do', () => {
    for (const rule of rules) {
      const section = SECTIONS.get(rule.alert.toLowerCase()) ?? '';
      expect({ alert: rule.alert, means: section.includes('**Means:**'), reads: section.includes('**Reads:**') }).toEqual({ alert: rule.alert, means: true, reads: true });
      expect({ alert: rule.alert, check: /\*\*Check/.test(section), do: /\*\*(Do|Check and do):?\*\*/.test(section) }).toEqual({ alert: rule.alert, check: true, do: true });
    }
  });
});

describe('the runbook', () => {
  it('links only to sections it has', () => {
    const links = [...RUNBOOK.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect({ link, exists: SECTIONS.has(link) }).toEqual({ link, exists: true });
  });

  it('has no section for an alert that does not exist', () => {
    const alertNames = new Set(soakAlerts(loadVariant('soak')).map((r) => r.alert.toLowerCase()));
    const alertSections = [...SECTIONS.keys()].filter((anchor) => anchor.startsWith('numaflowsoak'));
    expect(alertSections.sort()).toEqual([...alertNames].sort());
  });
});

describe('monitoring.runbookBaseUrl', () => {
  const plan = loadVariant('soak');

  it('puts a configured base in front of every anchor', () => {
    const base = 'https://github.com/example/numaflow-soak/blob/main/docs/runbook.md';
    const rules = soakAlerts({ ...plan, monitoring: { ...plan.monitoring, runbookBaseUrl: base } });
    for (const rule of rules) expect(rule.annotations.runbook_url).toBe(`${base}#${rule.alert.toLowerCase()}`);
  });

  it.each([
    ['a fragment of its own', 'https://example.com/runbook.md#top'],
    ['a template action Prometheus would expand', 'https://example.com/{{ $labels.pod }}'],
    ['a space', 'docs/run book.md'],
    ['a scheme other than http(s)', 'javascript:alert(1)'],
  ])('refuses %s', (_what, value) => {
    const result = monitoringPlan.safeParse({ runbookBaseUrl: value });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toMatch(/expected an http\(s\) URL or a repository path/);
  });

  it('defaults to the runbook\'s path in this repository', () => {
    expect(monitoringPlan.parse({}).runbookBaseUrl).toBe('docs/runbook.md');
  });
});
