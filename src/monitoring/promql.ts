/**
 * PromQL as text, for the expressions this project installs (the PrometheusRule's alerts,
 * the Grafana dashboard's panels). Strings are double-quoted; JSON escaping is valid PromQL
 * escaping. Every builder returns plain text, so an expression reads as what it builds.
 */
import type { Duration } from '../plan/quantity';
import type { PrometheusDuration } from './prometheus-operator';

/** A duration in the form Prometheus and the operator's CRDs accept; they stop at milliseconds. */
export function prometheusDuration(duration: Duration, what: string): PrometheusDuration {
  if (duration.nanos % 1e6 !== 0) {
    throw new Error(`${what} is ${duration.toString()}, finer than Prometheus can express; use whole milliseconds (ms, s, m, h)`);
  }
  return duration.toString();
}

/** A number for an expression: whole numbers as integers, others without float noise (0.1 + 0.2 → 0.3). */
export function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

export const eq = (label: string, value: string) => `${label}=${JSON.stringify(value)}`;
export const notEq = (label: string, value: string) => `${label}!=${JSON.stringify(value)}`;
export const matches = (label: string, regex: string) => `${label}=~${JSON.stringify(regex)}`;
export const series = (metric: string, ...matchers: string[]) => `${metric}{${matchers.join(', ')}}`;
/** `window` is a duration, or a Grafana variable such as `$__rate_interval` that Grafana replaces by one. */
export const rate = (selector: string, window: string) => `rate(${selector}[${window}])`;
export const increase = (selector: string, window: string) => `increase(${selector}[${window}])`;
export const sum = (expr: string) => `sum(${expr})`;
export const sumBy = (labels: readonly string[], expr: string) => `sum by (${labels.join(', ')}) (${expr})`;
export const maxBy = (labels: readonly string[], expr: string) => `max by (${labels.join(', ')}) (${expr})`;
/** An aggregate without labels that is 0 instead of empty when no series exist. */
export const orZero = (aggregate: string) => `(${aggregate} or vector(0))`;
