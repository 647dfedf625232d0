/**
 * A semantic diff of two sets of Kubernetes manifests: objects are matched by apiVersion,
 * kind, namespace and name; key order never matters; quantities are compared by value
 * (`2048Mi` equals `2Gi`); lists of named items (vertices, containers, env) are matched by
 * name; the YAML strings Numaflow embeds (`settings`, `bufferConfig`) are compared as data.
 * Output is sorted, so the same inputs always give the same diff.
 */
import { parse as parseYaml } from 'yaml';
import { Bytes, Cpu, QuantityError } from '../plan/quantity';

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface FieldChange {
  /** Dotted path; list items by name where they have one: `spec.vertices[batch-cat].scale.min`. */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export type ObjectStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export interface ObjectDiff {
  readonly ref: ObjectRef;
  /** `apiVersion/kind/namespace/name`, the match key. */
  readonly key: string;
  readonly status: ObjectStatus;
  readonly changes: readonly FieldChange[];
}

export function objectKey(m: { apiVersion: string; kind: string; metadata: { namespace?: string; name: string } }): string {
  return `${m.apiVersion}/${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
}

function refOf(m: Manifest): ObjectRef {
  return {
    apiVersion: m.apiVersion,
    kind: m.kind,
    ...(m.metadata.namespace !== undefined ? { namespace: m.metadata.namespace } : {}),
    name: m.metadata.name,
  };
}

/** Keys whose values are Kubernetes quantities (`cpu`, quota keys such as `requests.cpu`, ...). */
const isCpuKey = (key: string) => key === 'cpu' || key.endsWith('.cpu');
const isBytesKey = (key: string) => /^(memory|storage|ephemeral-storage|volumeSize)$/.test(key) || /\.(memory|storage)$/.test(key);
/** Numaflow fields that hold YAML documents as strings. */
const EMBEDDED_YAML = new Set(['settings', 'bufferConfig']);

/** A value prepared for comparison: quantities as canonical numbers-with-units, embedded YAML parsed. */
function comparable(key: string, value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number') {
    try {
      if (isCpuKey(key)) return `${Cpu.parse(value).millicores}m`;
      if (isBytesKey(key)) return `${Bytes.parse(value).bytes}B`;
    } catch (error) {
      if (!(error instanceof QuantityError)) throw error;
    }
  }
  if (typeof value === 'string' && EMBEDDED_YAML.has(key)) {
    try {
      const data = parseYaml(value) as unknown;
      if (data && typeof data === 'object') return data;
    } catch {
      // Not YAML after all: compare as text.
    }
  }
  return value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A list whose items are all objects with a distinct string `name` is keyed by name. */
function namedItems(list: readonly unknown[]): Map<string, unknown> | undefined {
  if (list.length === 0 || !list.every((i) => isObject(i) && typeof i.name === 'string')) return undefined;
  const map = new Map(list.map((i) => [(i as { name: string }).name, i]));
  return map.size === list.length ? map : undefined;
}

/** Paths to leave out of a diff, e.g. a label that names the variant being compared. */
export type IgnorePath = (path: string) => boolean;

function walk(before: unknown, after: unknown, path: string, key: string, out: FieldChange[], ignore: IgnorePath): void {
  if (path && ignore(path)) return;
  const a = comparable(key, before);
  const b = comparable(key, after);
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const p = path ? `${path}.${k}` : k;
      if (ignore(p)) continue;
      if (!(k in a)) out.push({ path: p, after: b[k] });
      else if (!(k in b)) out.push({ path: p, before: a[k] });
      else walk(a[k], b[k], p, k, out, ignore);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const na = namedItems(a);
    const nb = namedItems(b);
    if (na && nb) {
      for (const name of [...new Set([...na.keys(), ...nb.keys()])].sort()) {
        const p = `${path}[${name}]`;
        if (!na.has(name)) out.push({ path: p, after: nb.get(name) });
        else if (!nb.has(name)) out.push({ path: p, before: na.get(name) });
        else walk(na.get(name), nb.get(name), p, '', out, ignore);
      }
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= a.length) out.push({ path: p, after: b[i] });
      else if (i >= b.length) out.push({ path: p, before: a[i] });
      else walk(a[i], b[i], p, '', out, ignore);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, before, after });
}

/** Field changes between two versions of one object (empty when equal). */
export function diffObject(before: unknown, after: unknown, ignore: IgnorePath = () => false): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, '', '', out, ignore);
  return out;
}

/** Diffs two manifest sets; every object of either side appears once, sorted by key. */
export function diffManifests(before: readonly Manifest[], after: readonly Manifest[], ignore: IgnorePath = () => false): ObjectDiff[] {
  const index = (list: readonly Manifest[]) => {
    const map = new Map<string, Manifest>();
    for (const m of list) {
      const key = objectKey(m);
      if (map.has(key)) throw new Error(`two objects share the key ${key}`);
      map.set(key, m);
    }
    return map;
  };
  const a = index(before);
  const b = index(after);
  return [...new Set([...a.keys(), ...b.keys()])].sort().map((key) => {
    const x = a.get(key);
    const y = b.get(key);
    if (!x) return { ref: refOf(y!), key, status: 'added' as const, changes: [] };
    if (!y) return { ref: refOf(x), key, status: 'removed' as const, changes: [] };
    const changes = diffObject(x, y, ignore);
    return { ref: refOf(y), key, status: changes.length > 0 ? ('changed' as const) : ('unchanged' as const), changes };
  });
}
