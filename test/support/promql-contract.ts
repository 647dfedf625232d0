/**
 * Checks PromQL against the metrics contract (src/metrics/contract.ts): the expression is
 * parsed by Prometheus's own grammar (@prometheus-io/lezer-promql) and every vector
 * selector must name a metric the contract lists and only labels it lists for that metric.
 * Used by test/metrics/contract.test.ts (recommend, verdict, doctor, the alerts) and by the
 * dashboard test (every panel's query).
 */
import { parser } from '@prometheus-io/lezer-promql';
import { contractFor } from '../../src/metrics/contract';

export interface Violation {
  readonly expr: string;
  readonly problem: string;
}

/** Parses one expression and checks every selector against the contract. */
export function violations(expr: string): Violation[] {
  const out: Violation[] = [];
  const tree = parser.parse(expr);
  tree.iterate({
    enter(node) {
      if (node.type.isError) out.push({ expr, problem: `syntax error at ${node.from}: ${expr.slice(Math.max(0, node.from - 20), node.from + 20)}` });
      if (node.name !== 'VectorSelector') return;
      const text = expr.slice(node.from, node.to);
      const id = node.node.getChild('Identifier');
      let name = id ? expr.slice(id.from, id.to) : undefined;
      const labels: string[] = [];
      const matchers = node.node.getChild('LabelMatchers');
      for (const m of matchers?.getChildren('UnquotedLabelMatcher') ?? []) {
        const label = m.getChild('LabelName')!;
        const key = expr.slice(label.from, label.to);
        if (key === '__name__') {
          const value = m.getChild('StringLiteral')!;
          name = JSON.parse(expr.slice(value.from, value.to));
        } else labels.push(key);
      }
      if (name === undefined) {
        out.push({ expr, problem: `selector without a metric name: ${text}` });
        return;
      }
      const contract = contractFor(name);
      if (!contract) {
        out.push({ expr, problem: `metric ${name} is not in the contract` });
        return;
      }
      for (const label of labels) if (!contract.labels.includes(label)) out.push({ expr, problem: `${name} carries no label ${label} (contract: ${contract.labels.join(', ')})` });
    },
  });
  return out;
}
