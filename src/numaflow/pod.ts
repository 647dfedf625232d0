/**
 * The Kubernetes pod and container fields that Numaflow objects embed and that we emit.
 * Hand-written and deliberately small: a field we do not emit is not here, so a typo or a
 * misplaced field is a compile error rather than something the API server drops.
 */
import type { Bytes, Cpu } from '../plan/quantity';

/**
 * A quantity as written into a manifest. It can only be made from a value object
 * (`quantity(Cpu.parse('2'))`), never from a hand-typed string, so every quantity we emit
 * is valid and canonical.
 */
export type Quantity = string & { readonly __brand: 'Quantity' };

/** The canonical manifest form of a CPU or byte amount. */
export function quantity(value: Cpu | Bytes): Quantity {
  return value.toString() as Quantity;
}

export interface ResourceList {
  readonly cpu: Quantity;
  readonly memory: Quantity;
}

/** Requests and limits of one container. */
export interface ResourceRequirements {
  readonly requests: ResourceList;
  readonly limits: ResourceList;
}

/** Container-level security settings (the subset the restricted Pod Security Standard asks for). */
export interface ContainerSecurityContext {
  readonly allowPrivilegeEscalation: boolean;
  readonly capabilities: { readonly drop: readonly string[] };
  readonly runAsNonRoot?: boolean;
  readonly seccompProfile?: SeccompProfile;
  /**
   * Only the container's volumes are writable. See src/constructs/pod-settings.ts for which
   * containers Numaflow v1.8.3 lets us set it on and why they work with it.
   * @default false (the kubelet's default)
   */
  readonly readOnlyRootFilesystem?: boolean;
}

export interface SeccompProfile {
  readonly type: 'RuntimeDefault' | 'Localhost';
}

/** Pod-level security settings. */
export interface PodSecurityContext {
  readonly runAsNonRoot: boolean;
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup?: number;
  readonly fsGroupChangePolicy?: 'OnRootMismatch' | 'Always';
  readonly seccompProfile: SeccompProfile;
}

export interface Toleration {
  readonly key?: string;
  readonly operator: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
}

export interface PodAffinityTerm {
  readonly labelSelector: LabelSelector;
  readonly topologyKey: string;
}

export interface Affinity {
  readonly podAntiAffinity: {
    readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly PodAffinityTerm[];
    readonly preferredDuringSchedulingIgnoredDuringExecution?: ReadonlyArray<{
      readonly weight: number;
      readonly podAffinityTerm: PodAffinityTerm;
    }>;
  };
}

export interface ObjectMetadataTemplate {
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * The pod-level fields Numaflow inlines into vertices, templates and the JetStream
 * buffer service (`AbstractPodTemplate`).
 */
export interface PodTemplateFields {
  readonly metadata?: ObjectMetadataTemplate;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Toleration[];
  readonly affinity?: Affinity;
  readonly priorityClassName?: string;
  readonly securityContext?: PodSecurityContext;
  /**
   * Whether the kubelet mounts the service account's API token. The template fills it only
   * where the controller left it unset, which it always does (`AbstractPodTemplate.ApplyToPodSpec`).
   * @default unset: the service account decides (a namespace's `default` account mounts it)
   */
  readonly automountServiceAccountToken?: boolean;
}

/** A key of a Secret or a ConfigMap in the pod's namespace (core/v1 `SecretKeySelector`, `ConfigMapKeySelector`). */
export interface KeySelector {
  readonly name: string;
  readonly key: string;
  /** @default false: the container does not start without it */
  readonly optional?: boolean;
}

/** Where a variable's value comes from, read by the kubelet when it starts the container. */
export type EnvVarSource = { readonly secretKeyRef: KeySelector; readonly configMapKeyRef?: never } | { readonly configMapKeyRef: KeySelector; readonly secretKeyRef?: never };

/** A literal variable, or one the kubelet fills from a Secret or ConfigMap key. */
export type EnvVar =
  | { readonly name: string; readonly value: string; readonly valueFrom?: never }
  | { readonly name: string; readonly valueFrom: EnvVarSource; readonly value?: never };

/**
 * The settings Numaflow applies to the containers it creates itself (`numa`, `init`, the
 * daemon, the buffer Jobs, the NATS containers). There is no image here: Numaflow chooses it.
 * Applied by `ContainerTemplate.ApplyToContainer` (numaflow v1.8.3
 * `pkg/apis/numaflow/v1alpha1/container_template.go`): resources are merged over the
 * controller's, the securityContext replaces the container's, and `env` is appended after
 * the controller's own variables.
 */
export interface ContainerTemplate {
  readonly resources: ResourceRequirements;
  readonly securityContext?: ContainerSecurityContext;
  /**
   * Appended after the controller's env, so for a name the controller also sets, this value
   * is the later entry and the one the kubelet uses.
   * @default none
   */
  readonly env?: readonly EnvVar[];
}

/** A container whose image is yours: a UDF or a user-defined sink. */
export interface UserContainer {
  readonly image: string;
  readonly imagePullPolicy?: 'IfNotPresent' | 'Always' | 'Never';
  readonly env?: readonly EnvVar[];
  readonly resources: ResourceRequirements;
  readonly securityContext?: ContainerSecurityContext;
}
