/**
 * Core Kubernetes validation with kubernetes-models (types, enums, required fields and
 * quantity formats), plus the name rules the API server applies that those models do not.
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass';

type Model = { validate(): void };
const MODELS: Record<string, new (data: any) => Model> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/ResourceQuota': ResourceQuota,
  'v1/LimitRange': LimitRange,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'scheduling.k8s.io/v1/PriorityClass': PriorityClass,
};

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws if the object is not valid for its core kind; returns false for kinds it does not know. */
export function validateCoreObject(obj: { apiVersion: string; kind: string; metadata: { name: string } }): boolean {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return false;
  new Model(obj).validate();
  const name = obj.metadata.name;
  const label = obj.kind === 'Namespace';
  if (label ? !(DNS_1123_LABEL.test(name) && name.length <= 63) : !(DNS_1123_SUBDOMAIN.test(name) && name.length <= 253)) {
    throw new Error(`${obj.kind} name ${JSON.stringify(name)} is not a valid ${label ? 'DNS-1123 label' : 'DNS-1123 subdomain'}`);
  }
  return true;
}
