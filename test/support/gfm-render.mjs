// Renders GitHub-flavoured Markdown to HTML for the tests (test/support/gfm.ts): micromark
// with its GFM extension (tables, autolink literals, strikethrough, tag filter, footnotes,
// task lists), raw HTML allowed as GitHub allows it. ESM only, so it runs as its own
// process. Reads a JSON array of documents on stdin, writes a JSON array of HTML.
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const docs = JSON.parse(input);
  const html = docs.map((doc) => micromark(doc, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] }));
  process.stdout.write(JSON.stringify(html));
});
