/**
 * Pod settings every workload of the soak shares: restricted security contexts, node
 * placement, and resources written from the plan's value objects. One place, so the
 * pipeline and the buffer service cannot drift apart.
 */
import type { ContainerSecurityContext, PodSecurityContext, PodTemplateFields, ResourceRequirements, Toleration } from '../numaflow/pod';
import { quantity } from '../numaflow/pod';
import type { ContainerResources, Placement } from '../plan/schema';

/**
 * The user the pods run as. Numaflow's images (and the NATS images) declare no user, so a
 * non-root pod must name one; 9737 is the user Numaflow's own controller Deployment runs as.
 */
export const RUN_AS_USER = 9737;

/** Pod-level settings of the restricted Pod Security Standard. */
export function restrictedPodSecurity(options: { readonly writableVolumes?: boolean } = {}): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    ...(options.writableVolumes ? { fsGroup: RUN_AS_USER, fsGroupChangePolicy: 'OnRootMismatch' as const } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level settings of the restricted Pod Security Standard. */
export function restrictedContainerSecurity(): ContainerSecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A plan's requests and limits, as manifest quantities in canonical form. */
export function resourceRequirements(resources: ContainerResources): ResourceRequirements {
  return {
    requests: { cpu: quantity(resources.requests.cpu), memory: quantity(resources.requests.memory) },
    limits: { cpu: quantity(resources.limits.cpu), memory: quantity(resources.limits.memory) },
  };
}

/** nodeSelector (keys sorted) and tolerations, omitted when empty. */
export function placementFields(placement: Placement): Pick<PodTemplateFields, 'nodeSelector' | 'tolerations'> {
  const keys = Object.keys(placement.nodeSelector).sort();
  const tolerations: Toleration[] = placement.tolerations.map((t) => ({
    ...(t.key !== undefined ? { key: t.key } : {}),
    operator: t.operator,
    ...(t.value !== undefined ? { value: t.value } : {}),
    ...(t.effect !== undefined ? { effect: t.effect } : {}),
  }));
  return {
    ...(keys.length > 0 ? { nodeSelector: Object.fromEntries(keys.map((k) => [k, placement.nodeSelector[k]])) } : {}),
    ...(tolerations.length > 0 ? { tolerations } : {}),
  };
}

/**
 * The label naming the variant, on every object and pod we define. Deliberately not an
 * `app.kubernetes.io/*` label: Numaflow sets `part-of` and `managed-by` on its pods and
 * selects by them, and Pulumi sets `managed-by` on what it creates.
 */
export const VARIANT_LABEL = 'numaflow-soak/variant';
