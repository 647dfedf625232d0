import { helpText, parseCommandArgs, UsageError, type CommandSpec } from '../../src/cli/args';

const SPEC = {
  name: 'demo',
  summary: 'A command for the parser tests.',
  options: {
    header: { type: 'string', value: "'Name: value'", description: 'an extra header', multiple: true },
    format: { type: 'string', choices: ['markdown', 'json'], default: 'markdown', description: 'output format' },
    quiet: { type: 'boolean', description: 'no progress' },
  },
} as const satisfies CommandSpec;

describe('parseCommandArgs', () => {
  it('collects a repeatable option in order, and gives an empty list when it is absent', () => {
    const parsed = parseCommandArgs(SPEC, ['--header', 'A: 1', '--header', 'B: 2']);
    expect(parsed.help).toBe(false);
    if (parsed.help) return;
    expect(parsed.values.header).toEqual(['A: 1', 'B: 2']);
    const none = parseCommandArgs(SPEC, []);
    expect(!none.help && none.values.header).toEqual([]);
    expect(!none.help && none.values.format).toBe('markdown');
    expect(!none.help && none.values.quiet).toBe(false);
  });

  it('names the option and its choices on a bad value, and lists the options on an unknown one', () => {
    expect(() => parseCommandArgs(SPEC, ['--format', 'yaml'])).toThrow(new UsageError("numaflow-soak demo: option '--format' expects one of markdown, json (got 'yaml')"));
    expect(() => parseCommandArgs(SPEC, ['--headers', 'x'])).toThrow(/unknown option '--headers' \(options: --format, --header, --help, --quiet\)/);
  });

  it('marks repeatable options in the help text', () => {
    expect(helpText(SPEC)).toContain("--header 'Name: value'  an extra header (repeatable)");
  });
});
