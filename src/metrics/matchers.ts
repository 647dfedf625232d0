/**
 * Extra label matchers (`--selector 'cluster="prod-eu"'`) that every query the tools send
 * carries, so that one Prometheus holding several clusters (a shared Prometheus, Thanos,
 * Mimir) answers for one of them. The syntax is PromQL's own label matcher
 * (prometheus docs/querying/basics.md "Time series selectors"): a label name, one of
 * `=`, `!=`, `=~`, `!~`, and a double-quoted string; regular expressions are fully anchored.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly label: string;
  readonly op: MatchOp;
  /** The value, unquoted. */
  readonly value: string;
}

/** A matcher, as the user wrote it (`cluster="prod-eu"`), is invalid. */
export class MatcherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatcherError';
  }
}

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SHAPE = /^\s*([^=!~\s]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/**
 * Parses `label="value"` (or `=~`, `!=`, `!~`). `context` starts the error message, e.g.
 * "numaflow-soak verdict: option '--selector'".
 */
export function parseMatcher(text: string, context: string): LabelMatcher {
  const expected = `expects a label matcher such as cluster="prod-eu" or cluster=~"prod-.*"`;
  const m = SHAPE.exec(text);
  if (!m) throw new MatcherError(`${context} ${expected} (got '${text}')`);
  const [, label, op, quoted] = m;
  if (!LABEL.test(label)) throw new MatcherError(`${context} ${expected}: '${label}' is not a label name (letters, digits and _, not starting with a digit)`);
  if (label === '__name__') throw new MatcherError(`${context} cannot match __name__: the tools choose the metrics`);
  let value: unknown;
  try {
    value = JSON.parse(quoted);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || !quoted.startsWith('"')) throw new MatcherError(`${context} ${expected}: the value must be a double-quoted string (got ${quoted || 'nothing'})`);
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(`^(?:${value})$`);
    } catch (error) {
      throw new MatcherError(`${context} ${expected}: ${JSON.stringify(value)} is not a valid regular expression (${(error as Error).message})`);
    }
  }
  return { label, op: op as MatchOp, value };
}

/** The matcher in PromQL: `cluster="prod-eu"`. */
export function matcherText(m: LabelMatcher): string {
  return `${m.label}${m.op}${JSON.stringify(m.value)}`;
}

/**
 * Whether a series' labels satisfy the matcher, as Prometheus decides: a missing label is
 * the empty string, and regular expressions match the whole value.
 */
export function matchesLabels(m: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.label] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(v);
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(v);
  }
}
