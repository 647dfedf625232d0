/**
 * The one Markdown writer (src/markdown/writer.ts): hostile text from data, rendered by a real
 * GFM renderer, stays literal text: no link, image, emphasis, heading, strikethrough, raw
 * HTML or extra table cell is made from it, and a reader sees exactly what was written.
 */
import { code, codeCell, details, escapeHtml, fence, heading, list, table, text, visible } from '../../src/markdown/writer';
import { renderGfm, tags, visibleText } from '../support/gfm';

/** Strings an attacker can put in a plan key, a name, an image, a provenance source or an error. */
export const HOSTILE = [
  'x```\n## All clear\n![x](https://evil.example/t.png)',
  '[click](https://evil.example)',
  '![t](https://evil.example/t.png)',
  '**bold** __bold__ *em* _em_ ~~gone~~',
  '<img src=x onerror=alert(1)>',
  '<details><summary>hi</summary>',
  '@octocat please look',
  'see #12 and acme/repo#3 and GH-4',
  'https://evil.example/a_b and www.evil.example and mail me@evil.example',
  'a | b || c',
  'line one\n# line two\r\n- three\n> four\n1. five',
  '``` ```` `x`',
  '&lt;b&gt; &#64;octocat &copy;',
  '[ref]: https://evil.example',
  '$x^2$ and $$y$$',
  '- leading dash',
  '2) ordered',
  '=====',
  '\\*escaped\\*',
  'image:\u202Egnp.exe',
  'zero\u200Bwidth\u2066iso\u2069 ctrl\u0007',
];

/** What a reader must see for a string: line breaks as spaces, invisible characters spelt out. */
const expected = (s: string) => visible(s.replace(/\r\n?|\n/g, ' '));

const FORBIDDEN = ['a', 'img', 'strong', 'em', 'del', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'details', 'summary', 'blockquote', 'li', 'pre', 'sup', 'input', 'math'];

function forbiddenTags(html: string): string[] {
  return FORBIDDEN.flatMap((t) => tags(html, t));
}

describe('text(): data inline', () => {
  const docs = HOSTILE.flatMap((s) => [`Plan key ${text(s)} is wrong.`, text(s), table(['name', 'value'], [[text(s), 'x']]).join('\n')]);
  const html = renderGfm(docs);

  it.each(HOSTILE.map((s, i) => [JSON.stringify(s), i] as const))('renders %s as literal text in a paragraph, at the start of a line and in a table cell', (_name, i) => {
    const s = HOSTILE[i];
    const [paragraph, alone, cell] = html.slice(i * 3, i * 3 + 3);
    for (const h of [paragraph, alone, cell]) expect({ s, tags: forbiddenTags(h) }).toEqual({ s, tags: [] });
    expect(visibleText(paragraph)).toBe(`Plan key ${expected(s)} is wrong.`);
    expect(visibleText(alone).trim()).toBe(expected(s).trim());
    // The table keeps two columns and the cell holds the whole text.
    expect(tags(cell, 'td')).toHaveLength(2);
    const firstCell = /<td>([\s\S]*?)<\/td>/.exec(cell)![1];
    expect(visibleText(firstCell)).toBe(expected(s).trim());
  });

  it('puts mentions, issue references and URLs in code spans, which GitHub never links', () => {
    expect(text('@octocat please')).toBe('`@octocat` please');
    expect(text('see #12')).toBe('see `#12`');
    expect(text('www.evil.example')).toBe('`www.evil.example`');
    // Without the code span the renderer links them: the test above would notice.
    expect(tags(renderGfm(['www.evil.example https://evil.example'])[0], 'a')).toHaveLength(2);
  });

  it('shows a right-to-left override and other invisible characters as \\u escapes', () => {
    expect(text('a\u202Eb')).toBe('a\\\\u202Eb');
    expect(visibleText(renderGfm([text('gnp.\u202Eexe')])[0]).trim()).toBe('gnp.\\u202Eexe');
  });

  it('shows them in raw HTML too (summaries, the HTML report), escaped as HTML', () => {
    expect(escapeHtml('<b a="1">\u202E&\'')).toBe('&lt;b a=&quot;1&quot;&gt;\\u202E&amp;&#39;');
  });

  it('escapes exactly: a plain name stays as it is', () => {
    expect(text('batch-map/udf 16Gi 1.5')).toBe('batch-map/udf 16Gi 1.5');
    expect(text('forwarder_drop_total _em_')).toBe('forwarder_drop_total \\_em\\_');
  });
});

describe('code, fences and blocks', () => {
  it('code spans cannot be closed from inside, in text or in a table', () => {
    const nasty = 'a ``` b ` c | d';
    const [inline, cell] = renderGfm([`run ${code(nasty)} now`, table(['c', 'd'], [[codeCell(nasty), 'x']]).join('\n')]);
    expect(visibleText(inline)).toBe(`run ${nasty} now`);
    expect(tags(cell, 'td')).toHaveLength(2);
    expect(visibleText(/<td>([\s\S]*?)<\/td>/.exec(cell)![1])).toBe(nasty);
  });

  it('a fence is longer than any backtick run in its text, so the text cannot end it', () => {
    const log = 'error\n```\n## All clear\n![x](https://evil.example/t.png)\n`````\n<img src=x>';
    const block = fence(log);
    expect(block.startsWith('``````\n')).toBe(true);
    const html = renderGfm([`${block}\n\nafter`])[0];
    expect(forbiddenTags(html).filter((t) => !t.startsWith('<pre'))).toEqual([]);
    expect(tags(html, 'pre')).toHaveLength(1);
    expect(visibleText(/<pre><code>([\s\S]*?)<\/code><\/pre>/.exec(html)![1])).toBe(`${log}\n`);
    expect(html).toContain('<p>after</p>');
  });

  it('builds headings, lists, aligned tables and collapsible blocks', () => {
    expect(heading(3, text('a*b'))).toBe('### a\\*b');
    expect(list(['one', 'two'])).toEqual(['- one', '- two']);
    expect(table(['a', 'b'], [['1', '2'], ['3']], ['left', 'right'])).toEqual(['| a | b |', '| --- | --: |', '| 1 | 2 |', '| 3 |  |']);
    const block = details('Pipeline <x> @octocat', 'body');
    expect(block).toBe('<details><summary>Pipeline &lt;x&gt; <code>@octocat</code></summary>\n\nbody\n\n</details>');
  });
});
