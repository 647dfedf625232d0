/**
 * The one Markdown writer: every report, table and message this project shows as
 * GitHub-flavoured Markdown (a pull-request comment, a job summary) is built here, and every
 * piece of text that comes from data (plan keys, names, image names, provenance sources,
 * error messages, figures) goes through one escaping rule, `text()`:
 *
 * 1. Invisible and direction-changing characters are shown, not rendered (`visible()`):
 *    bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069), the marks U+200E/F,
 *    zero-width characters, other control characters and line/paragraph separators become
 *    `\u202E`-style text, so a right-to-left override cannot make a name read reversed.
 * 2. Line breaks become spaces: data never starts a line, so it cannot start a heading, a
 *    list, a quote, a fence or a table row.
 * 3. Words GitHub turns into links by itself are put in code spans: `@name` (a mention that
 *    notifies someone), `#123` and `owner/repo#123` (issue references), and URL-like words
 *    (`http://`, `www.`, `x@y.z`, `mailto:`). GitHub finds mentions and references in the
 *    rendered HTML's text, after Markdown escapes are gone, and skips text inside `<code>`,
 *    `<pre>` and `<a>` (html-pipeline's filters, `IGNORE_PARENTS = %w(pre code a style
 *    script)`, e.g. lib/html/pipeline/@mention_filter.rb), so a backslash would not stop them
 *    and a code span does; GFM's autolink literals are never looked for inside code either.
 *    The text still reads as written.
 * 4. Every other character that GFM gives a meaning inline is backslash-escaped (CommonMark
 *    allows a backslash before any ASCII punctuation): `\` `` ` `` `*` `[` `]` `<` `>` `#` `|`
 *    `~` `&` `$` (GitHub's math), `_` unless between two letters or digits (where it cannot
 *    start or end emphasis), and `-` `+` `=` or `1.` at the start. `(`, `)` and `!` stay as
 *    they are: with `[` and `]` escaped they cannot make a link or an image.
 *
 * The result is safe anywhere inline, table cells included (pipes are escaped, code spans
 * from rule 3 never hold a pipe). Code (`code()`, `codeCell()`) and blocks of literal text
 * (`fence()`) use a fence longer than any backtick run inside, so nothing can close them
 * early. Text inside raw HTML (`details()` summaries, the HTML report) uses `escapeHtml()`.
 */
import { showInvisible } from '../plan/invisible';

/** `text` with every invisible or direction-changing character written as `\uXXXX`. */
export function visible(text: string): string {
  return showInvisible(text);
}

/** Text for raw HTML (an element's content or a quoted attribute), invisible characters shown. */
export function escapeHtml(text: string): string {
  return visible(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * A word GitHub links by itself: a mention, an issue reference or a URL. Checked against
 * one word at a time (no whitespace, no pipe).
 */
const LINKED_WORD = /@|#\d|^gh-\d|:\/\/|www\.|^(mailto|xmpp|tel|sms|ftp|file|data|javascript):/i;

/**
 * ASCII punctuation with an inline meaning in GFM (or GitHub's math), escaped wherever it
 * stands; `_` only where it could open or close emphasis (not between two letters or digits).
 * `(`, `)` and `!` need nothing: they make a link or an image only after an unescaped `]`.
 */
const INLINE_PUNCTUATION = /[\\`*[\]<>#|~&$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;

function escapeWord(word: string): string {
  return word.replace(INLINE_PUNCTUATION, (c) => `\\${c}`);
}

/**
 * Text from data, for anywhere inline in Markdown (a paragraph, a list item, a heading, a
 * table cell): shown exactly as written, never as markup, links, mentions or a new line.
 */
export function text(value: string): string {
  const flat = visible(value.replace(/\r\n?|\n/g, ' '));
  const out = flat
    .split(/(\s+|\|)/)
    .map((part) => {
      if (part === '' || /^\s+$/.test(part)) return part;
      if (part === '|') return '\\|';
      return LINKED_WORD.test(part) ? codeSpan(part) : escapeWord(part);
    })
    .join('');
  // Block markers only mean something at the start of a line.
  return out.replace(/^(\s*)([-+=]|\d+(?=[.)]))/, (_m, space: string, marker: string) => (/^\d/.test(marker) ? `${space}${marker}\\` : `${space}\\${marker}`));
}

/** A code span: a backtick fence longer than any run of backticks in the text. */
function codeSpan(flat: string): string {
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  // A span that starts or ends with a backtick (or a space) needs a space inside each end;
  // GFM strips exactly one from each side.
  const pad = /^[`\s]|[`\s]$/.test(flat) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Code or a command, inline (not in a table): literal, one line. */
export function code(value: string): string {
  return codeSpan(visible(value.replace(/\r\n?|\n/g, ' ')));
}

/**
 * Code inside a table cell. GitHub splits a row at every unescaped `|`, even inside code,
 * and drops the backslash of `\|` before reading code spans, so pipes are escaped; backticks
 * get a longer fence instead.
 */
export function codeCell(value: string): string {
  return codeSpan(visible(value.replace(/\r\n?|\n/g, ' ')).replace(/\|/g, '\\|'));
}

/**
 * A fenced code block holding `value` as literal lines (an error message, a log): its fence
 * is longer than any backtick run inside, so no line can close it, and it is closed even
 * when the text is not. `info` is a language name such as `diff`.
 */
export function fence(value: string, info = ''): string {
  const body = visible(value.replace(/\r\n?/g, '\n')).replace(/\n+$/, '');
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const marks = '`'.repeat(Math.max(3, longestRun + 1));
  return `${marks}${info.replace(/[^\w+.-]/g, '')}\n${body}\n${marks}`;
}

/** A heading of `level` (1-6) whose content is Markdown made here (use `text()` for data). */
export function heading(level: 1 | 2 | 3 | 4 | 5 | 6, content: string): string {
  return `${'#'.repeat(level)} ${content}`;
}

/** A bullet list: one `- item` line per item, each Markdown made here. */
export function list(items: readonly string[]): string[] {
  return items.map((item) => `- ${item}`);
}

/** Column alignment in a table. */
export type Align = 'left' | 'right';

/**
 * A table: a header row, the alignment row and one row per entry. Cells are Markdown made
 * here (`text()`, `codeCell()`, figures); a row shorter than the header is padded.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string[] {
  const line = (cells: readonly string[]) => `| ${header.map((_, i) => cells[i] ?? '').join(' | ')} |`;
  const rule = header.map((_, i) => (align[i] === 'right' ? '--:' : '---'));
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)];
}

/**
 * Text from data inside raw HTML that GitHub renders (a `<summary>`): HTML-escaped, and the
 * words GitHub would link by itself (rule 3 above) put in `<code>`.
 */
export function htmlText(value: string): string {
  return value
    .replace(/\r\n?|\n/g, ' ')
    .split(/(\s+)/)
    .map((part) => (part !== '' && !/^\s+$/.test(part) && LINKED_WORD.test(part) ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join('');
}

/**
 * A collapsible block. The summary is raw HTML, so it is written with `htmlText()`; the
 * body is Markdown made here.
 */
export function details(summary: string, body: string): string {
  return `<details><summary>${htmlText(summary)}</summary>\n\n${body}\n\n</details>`;
}
