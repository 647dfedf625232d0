/**
 * One writer, one escaping rule (issue 10 item 3: "today three table writers escape three
 * different ways"): Markdown structure (tables, fences, code spans around data, escaping) is
 * built only in src/markdown/writer.ts. Every other source that writes Markdown imports it;
 * none builds a table row, a table rule or a fence itself, or escapes Markdown characters
 * with a replace of its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../support/synth';

const WRITER = 'src/markdown/writer.ts';

/** What building Markdown by hand looks like in TypeScript. */
const HAND_MADE: readonly [string, RegExp][] = [
  ['a table row joined with pipes', /join\(\s*' \| '\s*\)/],
  ['a table rule', /['`]\|?\s*-{3}\s*\|/],
  ['a fence of backticks', /['`]`{3}|'`'\.repeat\(/],
  // A backslash put before Markdown punctuation, by string or callback; the regular-expression
  // escape idiom (`/[.*+?^${}()|[\]\\]/g, '\\$&'`) is not Markdown and is left out.
  ['a replace escaping Markdown characters', /\.replace\(\s*\/(?![^/\n]*\.\*\+\?\^)[^/\n]*[|*_`[\]][^/\n]*\/g?\s*,\s*(?:['`]\\\\|\([^)]*\)\s*=>\s*`\\\\)/],
];

function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) out.push(rel);
    }
  };
  walk('src');
  walk('.github/scripts');
  return out.sort();
}

test('the patterns find hand-made Markdown: the writer\'s own, and each kind written another way (the check bites)', () => {
  const writer = fs.readFileSync(path.join(ROOT, WRITER), 'utf8');
  // (The writer builds its table rule from an array of '---', which no other source needs.)
  expect(HAND_MADE.filter(([, re]) => re.test(writer)).map(([name]) => name)).toEqual(['a table row joined with pipes', 'a fence of backticks', 'a replace escaping Markdown characters']);
  const samples = [
    "cells.join(' | ')",
    "lines.push('| --- | --- |')",
    "return '```\\n' + text + '\\n```'",
    "name.replace(/[|*_]/g, '\\\\$&')",
    "name.replace(/[`[\\]]/g, (c) => `\\\\${c}`)",
  ];
  expect(samples.map((sample) => HAND_MADE.filter(([, re]) => re.test(sample)).length)).toEqual([1, 1, 1, 1, 1]);
  // The regular-expression escape is not Markdown escaping.
  expect(HAND_MADE.some(([, re]) => re.test("name.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&')"))).toBe(false);
});

test('no other source builds Markdown structure or escapes it by hand', () => {
  const offenders = sources()
    .filter((f) => f !== WRITER)
    .flatMap((f) => {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      return HAND_MADE.filter(([, re]) => re.test(text)).map(([name]) => `${f}: ${name}`);
    });
  expect(offenders).toEqual([]);
});

test('every source that renders Markdown takes it from the writer', () => {
  const renderers = sources().filter((f) => f !== WRITER && /export function render\w*Markdown|function \w*[mM]arkdown\w*\(/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
  expect(renderers.length).toBeGreaterThanOrEqual(4);
  for (const f of renderers) expect({ f, imports: /from '(\.\.?\/)+(src\/)?markdown\/writer'/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')) }).toEqual({ f, imports: true });
});
