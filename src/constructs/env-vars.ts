/**
 * Environment variables of a user container, from the plan to the manifest. A literal stays
 * a `value`; a Secret or ConfigMap reference becomes a `valueFrom`, so the manifests (and
 * the diff report built from them) carry only the Secret's name and key, never its value.
 */
import type { EnvVar, KeySelector } from '../numaflow/pod';
import type { EnvValue } from '../plan/schema';

type PlanKeyRef = { readonly name: string; readonly key: string; readonly optional?: boolean };

function keySelector(ref: PlanKeyRef): KeySelector {
  return { name: ref.name, key: ref.key, ...(ref.optional !== undefined ? { optional: ref.optional } : {}) };
}

/** One variable. The plan schema guarantees exactly one source in the mapping form. */
export function envVar(name: string, source: EnvValue): EnvVar {
  if (typeof source === 'string') return { name, value: source };
  if (source.secretKeyRef) return { name, valueFrom: { secretKeyRef: keySelector(source.secretKeyRef) } };
  if (source.configMapKeyRef) return { name, valueFrom: { configMapKeyRef: keySelector(source.configMapKeyRef) } };
  return { name, value: source.value ?? '' };
}

/** Every variable of a plan's `env` mapping, sorted by name so re-synthesis is stable. */
export function envVars(env: Readonly<Record<string, EnvValue>>): EnvVar[] {
  return Object.keys(env)
    .sort()
    .map((name) => envVar(name, env[name]));
}
