/**
 * Keys as an attacker writes them (issue 10, "plan error messages print raw YAML keys"): a
 * YAML key may be any quoted string, line breaks, terminal escapes and direction overrides
 * included. A refusal names the key, and must still be one line per finding that reads as
 * the key is stored: a line break in a key must not start a line of its own (a fake heading
 * under the PR comment's fence, a fake "all clear" in a terminal), an escape sequence must
 * not reach the terminal, and an override must not reverse what follows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { loadStackText, PlanError } from '../../src/plan/load';
import { capture, tempProject } from '../support/diff';
import { ROOT } from '../support/synth';

/** A heading and a tracking image after a line break, a screen clear, and an override. */
const KEY = 'x\n## All clear\r\n![t](https://evil.example/t.png)\t\u001b[2J\u202Eexe.png';
/** The key as every refusal must show it. */
const SHOWN = 'x\\n## All clear\\r\\n![t](https://evil.example/t.png)\\t\\u001B[2J\\u202Eexe.png';

const soakText = (): string => fs.readFileSync(path.join(ROOT, 'stacks', 'Pulumi.soak.yaml'), 'utf8');

/** The soak stack file with `key: 1` added at one place (the key written as a YAML double-quoted string). */
function withKey(place: 'config' | 'plan' | 'labels' | 'top', key: string): string {
  const quoted = JSON.stringify(key);
  const text = soakText();
  switch (place) {
    case 'top':
      return `${quoted}: 1\n${text}`;
    case 'config':
      return text.replace(/^config:\n/m, `config:\n  ${JSON.stringify(`numaflow-soak:${key}`)}: 1\n`);
    case 'plan':
      return text.replace(/^ {2}numaflow-soak:plan:\n/m, `  numaflow-soak:plan:\n    ${quoted}: 1\n`);
    case 'labels':
      return text.replace(/^ {4}monitoring:\n/m, `    monitoring:\n      labels:\n        ${quoted}: x\n`);
  }
}

function refusal(text: string): string {
  try {
    loadStackText(text, 'stacks/Pulumi.soak.yaml', 'soak');
  } catch (error) {
    expect(error).toBeInstanceOf(PlanError);
    return (error as Error).message;
  }
  throw new Error('the stack file was accepted');
}

describe.each(['top', 'config', 'plan', 'labels'] as const)('a hostile key at %s level', (place) => {
  test('is refused in one line per finding, naming the key as stored, with nothing invisible left', () => {
    const text = withKey(place, KEY);
    // The attack is real: YAML reads the key with its line breaks and escape.
    expect(text).toContain(JSON.stringify(KEY).slice(1, -1));
    const message = refusal(text);
    const lines = message.split('\n');
    expect(lines[0]).toMatch(/^invalid plan in stacks\/Pulumi\.soak\.yaml \(\d+ errors?\):$/);
    expect(lines.slice(1).every((l) => l.startsWith('  - '))).toBe(true);
    // An unknown plan key is quoted as JSON (its control characters as \u001b), a config or label key shown bare.
    expect(message).toContain(place === 'plan' ? `unknown key "${SHOWN.replace('\\u001B', '\\u001b')}"` : SHOWN);
    expect(message).not.toMatch(/[\r\t\u001b\u202e]/);
    expect(lines.some((l) => l.startsWith('## '))).toBe(false);
  });
});

test('a harmless key is shown unchanged', () => {
  expect(refusal(withKey('config', 'protectBufer'))).toContain('config.numaflow-soak:protectBufer: unknown config key');
});

test('numaflow-soak diff and synth print the same one line per finding, no escape reaching the terminal', async () => {
  const root = tempProject();
  fs.writeFileSync(path.join(root, 'stacks', 'Pulumi.soak.yaml'), withKey('config', KEY));
  for (const args of [['diff', '--root', root], ['synth', '--root', root, '--outdir', path.join(root, 'dist')]]) {
    const { code, stderr } = await capture(() => main(args));
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^invalid plan in .*Pulumi\.soak\.yaml \(1 error\):$/), `  - config.numaflow-soak:${SHOWN}: ${lines[1].split(': ').pop()}`]);
    expect(stderr).not.toMatch(/[\r\t\u001b\u202e]/);
  }
  expect(fs.existsSync(path.join(root, 'dist'))).toBe(false);
});
