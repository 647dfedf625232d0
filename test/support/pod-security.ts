/**
 * The `restricted` Pod Security Standard (the policy the namespace label
 * `pod-security.kubernetes.io/enforce: restricted` applies, version v1.29), as readable
 * checks over a pod spec. Each returns what it finds wrong; an empty list means the pod
 * would be admitted. It covers the controls a Numaflow pod can touch: host namespaces,
 * privileged containers, host paths and ports, volume types, privilege escalation, non-root,
 * seccomp and capabilities (https://kubernetes.io/docs/concepts/security/pod-security-standards/).
 */

export interface SeccompProfile {
  readonly type: string;
}

export interface ContainerSecurity {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly seccompProfile?: SeccompProfile;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  /** Not part of the standard; read by the hardening tests. */
  readonly readOnlyRootFilesystem?: boolean;
}

export interface PodSecurity {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly seccompProfile?: SeccompProfile;
}

export interface CheckedContainer {
  readonly name: string;
  readonly securityContext?: ContainerSecurity;
  readonly ports?: ReadonlyArray<{ readonly containerPort: number; readonly hostPort?: number }>;
}

/** A volume: its name and the one source key it uses (`emptyDir`, `hostPath`, ...). */
export interface CheckedVolume {
  readonly name: string;
  readonly source: string;
}

export interface CheckedPodSpec {
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly securityContext?: PodSecurity;
  readonly volumes?: readonly CheckedVolume[];
  readonly initContainers?: readonly CheckedContainer[];
  readonly containers: readonly CheckedContainer[];
}

/** Volume sources the restricted policy allows. */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SECURE_SECCOMP = ['RuntimeDefault', 'Localhost'];

/** Every violation of the restricted standard in one pod, each naming the container or field. */
export function restrictedViolations(pod: CheckedPodSpec): string[] {
  const problems: string[] = [];
  const containers = [...(pod.initContainers ?? []), ...pod.containers];
  const podSc = pod.securityContext ?? {};

  // Baseline: host namespaces, privileged containers, host paths and host ports.
  for (const ns of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (pod[ns]) problems.push(`pod: ${ns} must not be true`);
  for (const c of containers) {
    if (c.securityContext?.privileged) problems.push(`container ${c.name}: privileged must not be true`);
    for (const p of c.ports ?? []) if (p.hostPort) problems.push(`container ${c.name}: hostPort ${p.hostPort} is not allowed`);
  }

  // Restricted: volume types.
  for (const v of pod.volumes ?? []) {
    if (!RESTRICTED_VOLUMES.includes(v.source)) problems.push(`volume ${v.name}: ${v.source} volumes are not allowed`);
  }

  for (const c of containers) {
    const sc = c.securityContext ?? {};
    // Privilege escalation must be off explicitly.
    if (sc.allowPrivilegeEscalation !== false) problems.push(`container ${c.name}: allowPrivilegeEscalation must be false`);
    // Non-root: set on the container or inherited from the pod, never false.
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && podSc.runAsNonRoot !== true)) {
      problems.push(`container ${c.name}: runAsNonRoot must be true (on the container or the pod)`);
    }
    if (sc.runAsUser === 0) problems.push(`container ${c.name}: runAsUser must not be 0`);
    // Seccomp: RuntimeDefault or Localhost, on the container or inherited from the pod.
    const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
    if (!seccomp || !SECURE_SECCOMP.includes(seccomp)) {
      problems.push(`container ${c.name}: seccompProfile must be RuntimeDefault or Localhost (on the container or the pod), got ${seccomp ?? 'none'}`);
    }
    // Capabilities: drop ALL, add at most NET_BIND_SERVICE.
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`container ${c.name}: capabilities must drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') problems.push(`container ${c.name}: capability ${cap} may not be added`);
    }
  }
  if (podSc.runAsUser === 0) problems.push('pod: runAsUser must not be 0');
  if (podSc.seccompProfile && !SECURE_SECCOMP.includes(podSc.seccompProfile.type)) {
    problems.push(`pod: seccompProfile ${podSc.seccompProfile.type} is not allowed`);
  }
  return problems;
}

/**
 * Not part of the standard, but what makes a restricted pod start: Numaflow's and the NATS
 * images declare no USER, so with runAsNonRoot and no runAsUser the kubelet refuses to
 * start the container ("image will run as root"). Lists the containers that have no
 * non-zero runAsUser of their own or from the pod.
 */
export function containersWithoutUser(pod: CheckedPodSpec): string[] {
  const podUser = pod.securityContext?.runAsUser;
  return [...(pod.initContainers ?? []), ...pod.containers]
    .filter((c) => !((c.securityContext?.runAsUser ?? podUser ?? 0) > 0))
    .map((c) => `container ${c.name}: no runAsUser on the container or the pod, and the image declares no user`);
}
