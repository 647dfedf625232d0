/**
 * The diff report as JSON, for machines (CI gates, dashboards, the HTML report's data).
 * Pretty-printed with two spaces and a trailing newline; the same report always gives the
 * same bytes: fields come in the order below, lists in the model's sorted order, and the
 * keys of manifest values inside field changes sorted. Quantities are canonical strings
 * (`"1500m"`, `"16Gi"`).
 *
 * Shape (schemaVersion 1; a field marked ? may be absent):
 *
 *   schemaVersion   1. Raised when a field changes meaning or goes away; new fields may be
 *                   added without raising it.
 *   before, after   { label }: how each side is named, e.g. "soak", "rightsized",
 *                   "soak@origin/main".
 *   changed         true when any object differs (the `diff` command's exit code 2).
 *   nodeShape       { name, cpu, memory, pricePerHour? }: the shape nodes and cost are
 *                   counted in; cpu and memory are allocatable capacity as quantities;
 *                   pricePerHour per node-hour, absent when no price is configured.
 *   totals          { before, after }, each:
 *                     pods              pods at maximum scale
 *                     requests, limits  { cpu: cores (number), memoryGiB: GiB (number) }
 *                     nodes             nodes of nodeShape the pods pack onto
 *                     podsOnNoNode?     pods whose requests exceed nodeShape: on no node, so
 *                                       left out of nodes and monthlyCost (absent when none)
 *                     monthlyCost?      nodes × pricePerHour × 730 hours
 *   containers      one entry per container of each workload, in the plan's order:
 *                     workload     "source" | "batchMap" | "sink" | "daemon" | "buffer"
 *                     owner        vertex name, "daemon" or the buffer service name
 *                     container    name in the pod: "numa", "udf", "init", "main", ...
 *                     path         plan key path it is sized at, e.g. "pipeline.batchMap.udf"
 *                     replicas     { before, after }: "18", "12-18", or "-" when absent
 *                     requests     { before?, after? }: { cpu, memory } quantities; a side is
 *                     limits       absent when that side has no such container
 *                     observed?    what the soak measured (src/diff/provenance.ts):
 *                                  cpu?/memory? { p95, p99, peak, samples } in cores/bytes,
 *                                  headroomPercent? { cpu?, memory? }, requiredCores?,
 *                                  series? { t, cpu?, memory? }
 *   risks           most severe first: { code, severity: "critical" | "warning", message }
 *   objects         every object of either side, sorted by key:
 *                     key      "apiVersion/kind/namespace/name" (namespace empty when
 *                              cluster-scoped)
 *                     ref      { apiVersion, kind, namespace?, name }
 *                     status   "added" | "removed" | "changed" | "unchanged"
 *                     changes  for "changed" only (else []), sorted by path:
 *                              { path, before?, after? }; before absent means the field is
 *                              added, after absent means it is removed; values as in the
 *                              manifests, quantities as written there
 *   provenance?     { source, window: { start, end, stepSeconds }, verdict? } when
 *                   observations were given
 *                     verdict?  the soak verdict `recommend --write` ran on the same data
 *                               (absent in provenance files written before it did):
 *                               passed           false when a check failed
 *                               insufficientData a check had no data or the window was
 *                                                too short to judge
 *                               window           { start, end, stepSeconds } judged
 *                               checks           how many checks were judged
 *                               lines            the failed and no-data lines, in the
 *                                                verdict's order: { check, status: "fail" |
 *                                                "no-data", measured }; [] on a pass
 *                             A verdict that did not pass also raises a risk:
 *                             "soak-verdict-failed" (critical) or
 *                             "soak-verdict-insufficient" (warning).
 *   identity?       { before: { namespace }, after: { namespace } } when two variants are
 *                   compared side by side: each runs in its own namespace, and the before
 *                   side's objects are compared as if in the after side's namespace (so
 *                   `objects` keys carry the after namespace); absent for one stack across
 *                   revisions, where a renamed namespace is the "buffer-replaced" risk.
 */
import type { ContainerRow, DiffReport } from './report';
import type { FieldChange, ObjectDiff } from './semantic';

export const JSON_SCHEMA_VERSION = 1;

/** A deep copy with object keys sorted, so a field's value prints the same whatever order it was built in. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
    const source = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(source)
        .sort()
        .map((k) => [k, sortKeys(source[k])]),
    );
  }
  return value;
}

/** Keeps a key only when its value is defined, so optional fields are absent rather than null. */
function optional<K extends string>(key: K, value: unknown): Partial<Record<K, unknown>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, unknown>);
}

function containerJson(r: ContainerRow): unknown {
  return {
    workload: r.workload,
    owner: r.owner,
    container: r.container,
    path: r.path,
    replicas: { before: r.replicas.before, after: r.replicas.after },
    requests: { ...optional('before', r.requests.before), ...optional('after', r.requests.after) },
    limits: { ...optional('before', r.limits.before), ...optional('after', r.limits.after) },
    ...optional('observed', r.observed),
  };
}

function changeJson(c: FieldChange): unknown {
  return { path: c.path, ...optional('before', sortKeys(c.before)), ...optional('after', sortKeys(c.after)) };
}

function objectJson(o: ObjectDiff): unknown {
  return {
    key: o.key,
    ref: { apiVersion: o.ref.apiVersion, kind: o.ref.kind, ...optional('namespace', o.ref.namespace), name: o.ref.name },
    status: o.status,
    changes: o.changes.map(changeJson),
  };
}

function provenanceJson(p: NonNullable<DiffReport['provenance']>): unknown {
  const v = p.verdict;
  const verdict = v && {
    passed: v.passed,
    insufficientData: v.insufficientData,
    window: { start: v.window.start, end: v.window.end, stepSeconds: v.window.stepSeconds },
    checks: v.checks,
    lines: v.lines.map((l) => ({ check: l.check, status: l.status, measured: l.measured })),
  };
  return { source: p.source, window: p.window, ...optional('verdict', verdict) };
}

/** The report as the JSON document described above. */
export function reportJson(report: DiffReport): Record<string, unknown> {
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    before: { label: report.before.label },
    after: { label: report.after.label },
    changed: report.changed,
    nodeShape: {
      name: report.nodeShape.name,
      cpu: report.nodeShape.cpu,
      memory: report.nodeShape.memory,
      ...optional('pricePerHour', report.nodeShape.pricePerHour),
    },
    totals: { before: report.totals.before, after: report.totals.after },
    containers: report.containers.map(containerJson),
    risks: report.risks.map((r) => ({ code: r.code, severity: r.severity, message: r.message })),
    objects: report.objects.map(objectJson),
    ...optional('provenance', report.provenance && provenanceJson(report.provenance)),
    ...optional('identity', report.identity && { before: { namespace: report.identity.before.namespace }, after: { namespace: report.identity.after.namespace } }),
  };
}

/** The report as pretty JSON text (two spaces, trailing newline). */
export function renderJson(report: DiffReport): string {
  return `${JSON.stringify(reportJson(report), null, 2)}\n`;
}
