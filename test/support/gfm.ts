/**
 * A real GFM renderer for the tests (micromark 4 with micromark-extension-gfm 3, run by
 * gfm-render.mjs in a child process because both are ESM only), and the questions the
 * escaping tests ask of its HTML.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const SCRIPT = path.join(__dirname, 'gfm-render.mjs');

/** Each Markdown document rendered to HTML, as GitHub's GFM does (one process for all). */
export function renderGfm(docs: readonly string[]): string[] {
  const r = spawnSync(process.execPath, [SCRIPT], { input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`gfm-render.mjs failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

/** One document rendered. */
export function gfmHtml(doc: string): string {
  return renderGfm([doc])[0];
}

/** The elements of a kind in rendered HTML, e.g. `tags(html, 'a')`. */
export function tags(html: string, name: string): string[] {
  return html.match(new RegExp(`<${name}\\b[^>]*>`, 'gi')) ?? [];
}

/** The text a reader sees: tags dropped, the entities micromark writes decoded. */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
