/**
 * The pull-request comment of the preview workflow (.github/workflows/preview.yml, step
 * "Assemble the comment"), built from what the diff step left in reports/: status.tsv (one
 * `name<TAB>exit code<TAB>title` line per comparison), report-<name>.md/.json/.stderr and
 * manifests.name-status. Writes reports/comment.md, appends it to the job summary and sets
 * the step outputs `length` and `truncated`; the next step posts it.
 *
 * Everything here goes through the project's one Markdown writer (src/markdown/writer.ts):
 * titles, file names and figures through `text()`/`codeCell()`, and the error output of a
 * failed comparison inside `fence()`, whose fence is longer than any backtick run in it, so
 * tool output can never end its block and render as Markdown. The Markdown reports are the
 * CLI's own output, made by the same writer, and are pasted as they are.
 *
 * GitHub refuses comments over 65,536 characters: the body is kept under `LIMIT` by cutting
 * the reports last, at a line, closing every fence and `<details>` the cut left open, with a
 * notice naming what was left out and a link to the artifact that holds everything.
 *
 * Run as `npx --no-install tsx .github/scripts/comment.ts` from the checkout's root.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { code, codeCell, details, fence, heading, table, text } from '../../src/markdown/writer';

/** The first line of the comment; the posting step finds its earlier comment by it. */
export const MARKER = '<!-- numaflow-soak-preview -->';
/** Under GitHub's 65,536-character limit for a comment, with room to spare. */
export const LIMIT = 65_000;
/** How much of a failed comparison's error output is shown (its end, where the error is). */
export const STDERR_TAIL = 4_000;

/** What the workflow passes in its environment. */
export interface CommentEnv {
  readonly BASE_SHA?: string;
  readonly HEAD_SHA?: string;
  /** `true` when the pull request changes src/ or the dependencies. */
  readonly CODE_CHANGED?: string;
  /** The outcome of the "Synthesize the base" step: `success` or not. */
  readonly BASE_SYNTH?: string;
  readonly ARTIFACT_URL?: string;
  readonly RUN_URL?: string;
}

export interface Comment {
  readonly body: string;
  /** Whether a report was cut or left out to stay under `limit`. */
  readonly truncated: boolean;
}

interface Row {
  readonly name: string;
  readonly code: number;
  readonly title: string;
  readonly risks?: readonly { readonly severity?: unknown }[];
}

const short = (sha: string | undefined) => (sha ?? '').slice(0, 7);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A link GitHub may render: only an http(s) URL without spaces, brackets or quotes; otherwise code. */
function link(label: string, url: string): string {
  return /^https:\/\/[^\s()<>[\]"'`\\]+$/.test(url) ? `[${label}](${url})` : `${label} (${code(url)})`;
}

/**
 * Closes what a cut left open, so the rest of the comment still renders: a fenced block
 * (with a fence of its own character, at least as long as the opening one) and any
 * `<details>` opened outside a fence.
 */
export function closeOpen(markdown: string): string {
  let open: { char: string; length: number } | undefined;
  let depth = 0;
  for (const line of markdown.split('\n')) {
    const f = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (open) {
      if (f && f[1][0] === open.char && f[1].length >= open.length && f[2].trim() === '') open = undefined;
      continue;
    }
    if (f && !(f[1][0] === '`' && f[2].includes('`'))) {
      open = { char: f[1][0], length: f[1].length };
      continue;
    }
    depth += (line.match(/<details\b/g) ?? []).length - (line.match(/<\/details>/g) ?? []).length;
  }
  let out = markdown;
  if (open) out += `\n${open.char.repeat(open.length)}`;
  for (let i = 0; i < depth; i++) out += '\n\n</details>';
  return out;
}

/** The longest prefix of `markdown` that ends at a line and, closed, fits in `room`. */
export function cut(markdown: string, room: number): string {
  let keep = Math.max(0, room);
  for (;;) {
    const slice = markdown.slice(0, keep);
    const nl = slice.lastIndexOf('\n');
    const closed = closeOpen(nl > 0 ? slice.slice(0, nl) : slice);
    if (closed.length <= room || keep === 0) return closed;
    keep = Math.max(0, Math.min(nl > 0 ? nl : keep, keep - (closed.length - room)));
  }
}

function result(exit: number): string {
  if (exit === 0) return 'no change';
  if (exit === 2) return 'changes';
  if (exit === 3) return '**changes with risk flags**';
  return `**error** (exit ${exit})`;
}

function riskText(risks: Row['risks']): string {
  if (!risks) return '-';
  if (risks.length === 0) return 'none';
  const critical = risks.filter((r) => r.severity === 'critical').length;
  return `${critical} critical, ${plural(risks.length - critical, 'warning')}`;
}

/** The comment for the reports in `reportsDir`. */
export function assembleComment(reportsDir: string, env: CommentEnv, limit = LIMIT): Comment {
  const read = (file: string): string | undefined => {
    try {
      return fs.readFileSync(path.join(reportsDir, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  const artifact = env.ARTIFACT_URL ? link('the artifact', env.ARTIFACT_URL) : `the artifact of ${link('this run', env.RUN_URL ?? '')}`;
  const rows: Row[] = (read('status.tsv') ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', exit = '', title = ''] = line.split('\t');
      let risks: Row['risks'];
      try {
        const report = JSON.parse(read(`report-${name}.json`) ?? 'null') as { risks?: unknown } | null;
        if (report && Array.isArray(report.risks)) risks = report.risks as Row['risks'];
      } catch {
        // No JSON report: the error is shown instead.
      }
      return { name, code: Number(exit), title, ...(risks ? { risks } : {}) };
    });

  let head = `${MARKER}\n${heading(2, 'Numaflow soak: what this pull request changes')}\n\n`;
  head += `Base ${code(short(env.BASE_SHA))} → head ${code(short(env.HEAD_SHA))} (merged into its base).\n\n`;
  head += `${table(['comparison', 'result', 'risk flags'], rows.map((r) => [text(r.title), result(r.code), riskText(r.risks)])).join('\n')}\n`;
  if (env.CODE_CHANGED === 'true') {
    head += `\n> This pull request changes code (${code('src/')} or dependencies). The reports compare the base's stack files with the head's, both built by the head's code; what the code change alone does to the manifests shows in the file list below and in the artifact.\n`;
  }
  const names = read('manifests.name-status');
  if (env.BASE_SYNTH === 'success' && names !== undefined) {
    const files = names
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [status = '', ...paths] = line.split('\t');
        return [text(status), codeCell(paths.join(' → ').replace(/(^|→ )dist\/(base|head)\//g, '$1'))];
      });
    head +=
      files.length === 0
        ? '\nSynthesized manifests (base code and plans → head code and plans): identical.\n'
        : `\n${details(`Synthesized manifests (base code and plans → head code and plans): ${plural(files.length, 'file')} differ`, table(['', 'file'], files).join('\n'))}\n`;
  } else {
    head += '\nThe base could not be synthesized with its own code (see the run log); the reports below do not need it.\n';
  }

  const sections = rows.map((r) => {
    const report = read(`report-${r.name}.md`);
    const body =
      r.code === 1 || !report
        ? `${code('numaflow-soak diff')} failed (exit ${r.code}):\n\n${fence((read(`report-${r.name}.stderr`) ?? '(no output)').slice(-STDERR_TAIL).trim() || '(no output)')}\n`
        : report.trim();
    return r.name === 'soak-vs-rightsized' ? `\n${details(r.title, body)}\n` : `\n${heading(3, text(r.title))}\n\n${body}\n`;
  });
  const footer =
    `\n---\nFull reports (Markdown, JSON, self-contained HTML) and the synthesized manifests of base and head: ${artifact}. ` +
    `Reproduce: ${code(`npx numaflow-soak diff --stack soak --base-ref ${env.BASE_SHA ?? ''}`)}.\n`;
  const notice = (left: string) => `\n\n> **Truncated** to stay under GitHub's comment size limit${left ? `; left out: ${text(left)}` : ''}. The full reports are in ${artifact}.\n`;

  let body = head;
  let truncated = false;
  for (let i = 0; i < sections.length; i++) {
    if (body.length + sections[i].length + footer.length <= limit) {
      body += sections[i];
      continue;
    }
    const left = rows.slice(i + 1).map((r) => r.title).join(', ');
    const room = limit - body.length - footer.length - notice(left).length - 64;
    if (room > 200) body += cut(sections[i], room);
    body += notice(room > 200 ? left : rows.slice(i).map((r) => r.title).join(', '));
    truncated = true;
    break;
  }
  if (body.length + footer.length > limit) {
    body = cut(body, limit - footer.length - notice('').length - 64) + notice('');
    truncated = true;
  }
  return { body: body + footer, truncated };
}

/** The step: reads reports/ in the working directory, writes the comment and the outputs. */
export function main(env: NodeJS.ProcessEnv = process.env): void {
  const reports = 'reports';
  const { body, truncated } = assembleComment(reports, env);
  fs.writeFileSync(path.join(reports, 'comment.md'), body);
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, body);
  if (env.GITHUB_OUTPUT) fs.appendFileSync(env.GITHUB_OUTPUT, `length=${body.length}\ntruncated=${truncated}\n`);
}

if (require.main === module) main();
