/**
 * Characters that are not seen but change what is seen: controls, bidi embeddings,
 * overrides, isolates and marks (U+202A-202E, U+2066-2069, U+200E/F, U+061C), zero-width
 * characters, the soft hyphen, line and paragraph separators and the byte-order mark. A
 * right-to-left override in an image name makes `gnp.exe` read as `exe.png`. The plan refuses
 * them in names (src/plan/schema.ts); the report writers show them as `\uXXXX`
 * (src/markdown/writer.ts).
 */
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]/;

const NAMES: Readonly<Record<number, string>> = {
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE',
};

/** `U+202E`-style code of one character. */
function code(c: string): string {
  return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** `text` with every invisible character written as `\uXXXX`. */
export function showInvisible(text: string): string {
  return text.replace(new RegExp(INVISIBLE.source, 'g'), (c) => `\\u${code(c).slice(2)}`);
}

/**
 * The first invisible character of `text`, described for an error message
 * (`U+202E RIGHT-TO-LEFT OVERRIDE at character 7`), or undefined when there is none.
 */
export function firstInvisible(text: string): string | undefined {
  const m = INVISIBLE.exec(text);
  if (!m) return undefined;
  const name = NAMES[m[0].charCodeAt(0)] ?? (m[0].charCodeAt(0) < 0xa0 ? 'a control character' : 'a format character');
  return `${code(m[0])} (${name}) at character ${m.index + 1}`;
}
