/**
 * The pods the Numaflow v1.8.3 controller builds from the objects we emit, reduced to what
 * Pod Security and sizing look at: pod and container security contexts, volumes, ports,
 * resources and env. Each builder follows the upstream function it names (numaflow v1.8.3;
 * files under `pkg/apis/numaflow/v1alpha1/` unless a path is given), including how the
 * templates are applied, so a test can check the pods the
 * cluster would really run, not just the fields we wrote.
 *
 * Not modelled (we emit none of it): templates.vertex, side inputs, reduce storage,
 * volumes of user containers, envFrom, probes.
 */
import type { CheckedContainer, CheckedPodSpec, CheckedVolume, ContainerSecurity, PodSecurity } from './pod-security';
import type { Manifest } from './synth';

type ResourceList = Readonly<Record<string, string>>;

/** An env entry: a plain value, the resource a resourceFieldRef reads, or a Secret/ConfigMap key. */
export interface ModelEnvVar {
  readonly name: string;
  readonly value?: string;
  readonly resourceField?: string;
  readonly valueFrom?: Readonly<Record<string, unknown>>;
}

export interface ModelContainer extends CheckedContainer {
  readonly resources: { readonly requests?: ResourceList; readonly limits?: ResourceList };
  readonly env: readonly ModelEnvVar[];
  /** Where the container's volumes are mounted (the only places it can write with a read-only root filesystem). */
  readonly mountPaths: readonly string[];
}

export interface ModelPod extends CheckedPodSpec {
  /** What creates it and from which object, e.g. `Job isbsvc-create` or `vertex batch-cat`. */
  readonly owner: string;
  /** The pod's labels as the controller sets them (NetworkPolicy selectors match these). */
  readonly labels: Readonly<Record<string, string>>;
  /** From the template; the controller never sets it itself. Unset means the kubelet mounts the token. */
  readonly automountServiceAccountToken?: boolean;
  readonly initContainers: readonly ModelContainer[];
  readonly containers: readonly ModelContainer[];
  readonly volumes: readonly CheckedVolume[];
}

/** The template fields Numaflow reads (`ContainerTemplate`, `AbstractPodTemplate`), as we emit them. */
interface ContainerTemplate {
  readonly resources?: { readonly requests?: ResourceList; readonly limits?: ResourceList };
  readonly securityContext?: ContainerSecurity;
  readonly env?: ReadonlyArray<{ name: string; value: string }>;
}
interface PodTemplate {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
  readonly automountServiceAccountToken?: boolean;
  readonly securityContext?: PodSecurity;
  readonly containerTemplate?: ContainerTemplate;
  readonly initContainerTemplate?: ContainerTemplate;
}

/** Container names `ApplyToNumaflowContainers` touches (`container_template.go`; CtrMain, CtrInit, CtrInitSideInputs in `const.go`). */
const NUMAFLOW_CONTAINERS = ['numa', 'init', 'init-side-inputs'];

/**
 * `ContainerTemplate.ApplyToContainer` (`pkg/apis/numaflow/v1alpha1/container_template.go`):
 * resources merged over the container's (mergo WithOverride), the securityContext replaced
 * (even by nothing), env appended after the container's own.
 */
function applyContainerTemplate(c: ModelContainer, ct: ContainerTemplate | undefined): ModelContainer {
  if (!ct) return c;
  return {
    ...c,
    resources: {
      requests: { ...c.resources.requests, ...ct.resources?.requests },
      limits: { ...c.resources.limits, ...ct.resources?.limits },
    },
    securityContext: ct.securityContext,
    env: [...c.env, ...(ct.env ?? [])],
  };
}

/** `ContainerTemplate.ApplyToNumaflowContainers`: only the containers named numa, init, init-side-inputs. */
function applyToNumaflowContainers(containers: readonly ModelContainer[], ct: ContainerTemplate | undefined): ModelContainer[] {
  return containers.map((c) => (NUMAFLOW_CONTAINERS.includes(c.name) ? applyContainerTemplate(c, ct) : c));
}

/** `AbstractPodTemplate.ApplyToPodSpec` (`pod_template.go`): the template fills the pod's securityContext only when the controller set none (it never does for these pods). */
function podSecurity(template: PodTemplate | undefined): PodSecurity | undefined {
  return template?.securityContext;
}

/** `ApplyToPodSpec` again: automountServiceAccountToken, which the controller leaves unset on every pod it builds. */
function podToken(template: PodTemplate | undefined): Pick<ModelPod, 'automountServiceAccountToken'> {
  return template?.automountServiceAccountToken !== undefined ? { automountServiceAccountToken: template.automountServiceAccountToken } : {};
}

/** `ApplyToPodTemplateSpec` (`pod_template.go`): template labels are added, never overriding the controller's. */
function podLabels(controller: Record<string, string>, template: PodTemplate | undefined): Record<string, string> {
  return { ...(template?.metadata?.labels ?? {}), ...controller };
}

/** `sharedutil.GetIsbSvcEnvVars` (`pkg/shared/util/isbs_config.go`) for a JetStream buffer without auth. */
const ISBSVC_ENV: ModelEnvVar[] = [
  { name: 'NUMAFLOW_ISBSVC_CONFIG', value: '<base64>' },
  { name: 'NUMAFLOW_ISBSVC_JETSTREAM_URL', value: '<url>' },
  { name: 'NUMAFLOW_ISBSVC_JETSTREAM_TLS_ENABLED', value: 'false' },
];

/** The controller ConfigMap's `defaults.containerResources` (`config/base/controller-manager/numaflow-controller-config.yaml`). */
const DEFAULT_RESOURCES = { requests: { cpu: '100m', memory: '128Mi' } };

const container = (name: string, env: ModelEnvVar[] = [], resources: ModelContainer['resources'] = {}, mountPaths: string[] = []): ModelContainer => ({
  name,
  env,
  resources,
  mountPaths,
});

/** `PathVarRun` and `RuntimeDirMountPath` (`const.go`): the two emptyDirs of a vertex pod, mounted into numa and the user container (`vertex_types.go` GetPodSpec, `udf.go` getUDFContainer). */
const VERTEX_MOUNTS = ['/var/run/numaflow', '/var/numaflow/runtime'];

/**
 * The pod of a buffer Job: `buildISBBatchJob` (`pkg/reconciler/pipeline/controller.go`).
 * One container `numa` with no resources and no securityContext; then templates.job:
 * its pod fields through `ApplyToPodTemplateSpec`, its containerTemplate through
 * `ApplyToNumaflowContainers`.
 */
export function bufferJobPod(pipeline: Manifest, subCommand: 'isbsvc-create' | 'isbsvc-delete' = 'isbsvc-create'): ModelPod {
  const jt: (PodTemplate & ContainerTemplate) | undefined = pipeline.spec.templates?.job;
  const main = container('numa', [...ISBSVC_ENV, { name: 'NUMAFLOW_PIPELINE_NAME', value: pipeline.metadata.name }]);
  const labels = {
    'app.kubernetes.io/part-of': 'numaflow',
    'app.kubernetes.io/managed-by': 'pipeline-controller',
    'app.kubernetes.io/component': 'job',
    'numaflow.numaproj.io/pipeline-name': pipeline.metadata.name,
  };
  return {
    owner: `Job ${subCommand}`,
    labels: podLabels(labels, jt),
    ...podToken(jt),
    securityContext: podSecurity(jt),
    volumes: [],
    initContainers: [],
    containers: applyToNumaflowContainers([main], jt?.containerTemplate),
  };
}

/**
 * The daemon pod: `Pipeline.GetDaemonDeploymentObj` and `getDaemonPodInitContainer`
 * (`pkg/apis/numaflow/v1alpha1/pipeline_types.go`): `numa` and an `init` container, both with
 * the controller's default resources; templates.daemon's containerTemplate goes to `numa`,
 * its initContainerTemplate to `init`.
 */
export function daemonPod(pipeline: Manifest): ModelPod {
  const dt: PodTemplate | undefined = pipeline.spec.templates?.daemon;
  const env = [{ name: 'NUMAFLOW_NAMESPACE' }, { name: 'NUMAFLOW_POD' }, { name: 'NUMAFLOW_PIPELINE_OBJECT', value: '<base64>' }, ...ISBSVC_ENV];
  const labels = {
    'app.kubernetes.io/part-of': 'numaflow',
    'app.kubernetes.io/managed-by': 'pipeline-controller',
    'app.kubernetes.io/component': 'daemon',
    'app.kubernetes.io/name': `${pipeline.metadata.name}-daemon`,
    'numaflow.numaproj.io/pipeline-name': pipeline.metadata.name,
  };
  return {
    owner: 'daemon',
    labels: podLabels(labels, dt),
    ...podToken(dt),
    securityContext: podSecurity(dt),
    volumes: [],
    initContainers: [applyContainerTemplate(container('init', ISBSVC_ENV, DEFAULT_RESOURCES), dt?.initContainerTemplate)],
    containers: applyToNumaflowContainers([{ ...container('numa', env, DEFAULT_RESOURCES), ports: [{ containerPort: 4327 }] }], dt?.containerTemplate),
  };
}

/** `Vertex.commonEnvs` (`vertex_types.go`): every vertex container gets these, resource values by resourceFieldRef. */
function commonEnvs(pipeline: Manifest, vertex: Manifest): ModelEnvVar[] {
  return [
    { name: 'NUMAFLOW_NAMESPACE' },
    { name: 'NUMAFLOW_POD' },
    { name: 'NUMAFLOW_REPLICA' },
    { name: 'NUMAFLOW_PIPELINE_NAME', value: pipeline.metadata.name },
    { name: 'NUMAFLOW_VERTEX_NAME', value: vertex.name },
    { name: 'NUMAFLOW_CPU_LIMIT', resourceField: 'limits.cpu' },
    { name: 'NUMAFLOW_CPU_REQUEST', resourceField: 'requests.cpu' },
    { name: 'NUMAFLOW_MEMORY_LIMIT', resourceField: 'limits.memory' },
    { name: 'NUMAFLOW_MEMORY_REQUEST', resourceField: 'requests.memory' },
  ];
}

/**
 * A vertex pod: `Vertex.GetPodSpec` and `getInitContainers` (`vertex_types.go`), with the
 * containers of `udf.go`, `source.go`, `sink.go` and `monitor_container.go`, on Kubernetes
 * 1.29+ where the sidecars are native (restartable init containers).
 * - `numa`: the controller's env (commonEnvs among it), then containerTemplate applied;
 * - `init`: initContainerTemplate applied;
 * - `monitor`: fixed requests, no limits, and (since v1.8.2) the containerTemplate's
 *   securityContext, nothing else of it;
 * - `udf` / `udsink`: the user container as written, with commonEnvs appended after its env.
 */
export function vertexPod(pipeline: Manifest, vertex: Manifest): ModelPod {
  if (pipeline.spec.templates?.vertex) throw new Error('templates.vertex is not modelled');
  const ct: ContainerTemplate | undefined = vertex.containerTemplate;
  const common = commonEnvs(pipeline, vertex);
  const numaEnv: ModelEnvVar[] = [
    { name: 'NUMAFLOW_VERTEX_OBJECT', value: '<base64>' },
    { name: 'NUMAFLOW_READ_AHEAD', value: vertex.source ? 'false' : 'true' },
    ...common,
    ...ISBSVC_ENV,
    { name: 'NUMAFLOW_RUNTIME', value: 'rust' },
  ];
  const init = container('init', [{ name: 'NUMAFLOW_PIPELINE_NAME', value: pipeline.metadata.name }, ...ISBSVC_ENV], DEFAULT_RESOURCES);
  const monitor: ModelContainer = {
    ...container('monitor', [], { requests: { cpu: '10m', memory: '20Mi' }, limits: {} }, ['/var/numaflow/runtime']),
    ...(ct?.securityContext ? { securityContext: ct.securityContext } : {}),
  };
  const user = vertex.udf?.container ?? vertex.sink?.udsink?.container;
  const userName = vertex.udf ? 'udf' : 'udsink';
  const sidecars: ModelContainer[] = [monitor];
  if (user) {
    sidecars.push({
      name: userName,
      securityContext: user.securityContext,
      resources: user.resources,
      env: [...(user.env ?? []), { name: 'NUMAFLOW_UD_CONTAINER_TYPE' }, ...common],
      mountPaths: VERTEX_MOUNTS,
    });
  }
  // `pkg/reconciler/vertex/controller.go`: the vertex's metadata labels, then its own.
  const labels = {
    ...(vertex.metadata?.labels ?? {}),
    'app.kubernetes.io/part-of': 'numaflow',
    'app.kubernetes.io/managed-by': 'vertex-controller',
    'app.kubernetes.io/component': 'vertex',
    'app.kubernetes.io/name': `${pipeline.metadata.name}-${vertex.name}`,
    'numaflow.numaproj.io/pipeline-name': pipeline.metadata.name,
    'numaflow.numaproj.io/vertex-name': vertex.name,
  };
  return {
    owner: `vertex ${vertex.name}`,
    labels,
    ...podToken(vertex),
    securityContext: vertex.securityContext,
    volumes: [
      { name: 'var-run-numaflow', source: 'emptyDir' },
      { name: 'runtime-vol', source: 'emptyDir' },
    ],
    initContainers: [...applyToNumaflowContainers([init], vertex.initContainerTemplate), ...sidecars],
    containers: applyToNumaflowContainers([{ ...container('numa', numaEnv, DEFAULT_RESOURCES, VERTEX_MOUNTS), ports: [{ containerPort: 2469 }] }], ct),
  };
}

/**
 * A JetStream pod: `JetStreamBufferService.GetStatefulSetSpec`
 * (`pkg/apis/numaflow/v1alpha1/jetstream_buffer_service.go`): `main`, `reloader` and
 * `metrics` containers with no securityContext of their own, each then given its template
 * by `ApplyToContainer`; a shared process namespace (not a host namespace); emptyDir,
 * projected and persistentVolumeClaim (or emptyDir without persistence) volumes.
 */
export function jetStreamPod(isbsvc: Manifest): ModelPod {
  const js = isbsvc.spec.jetstream;
  // `pkg/reconciler/isbsvc/installer/installer.go` getInstaller; the template's labels first (GetStatefulSetSpec).
  const labels = {
    ...(js.metadata?.labels ?? {}),
    'app.kubernetes.io/part-of': 'numaflow',
    'app.kubernetes.io/managed-by': 'isbsvc-controller',
    'app.kubernetes.io/component': 'isbsvc',
    'numaflow.numaproj.io/isbsvc-name': isbsvc.metadata.name,
    'numaflow.numaproj.io/isbsvc-type': 'jetstream',
  };
  return {
    owner: `InterStepBufferService ${isbsvc.metadata.name}`,
    labels,
    ...podToken(js),
    securityContext: js.securityContext,
    volumes: [
      { name: 'pid', source: 'emptyDir' },
      { name: 'config-volume', source: 'projected' },
      js.persistence ? { name: 'data', source: 'persistentVolumeClaim' } : { name: 'js-data', source: 'emptyDir' },
    ],
    initContainers: [],
    containers: [
      applyContainerTemplate(
        {
          ...container('main', [{ name: 'GOMEMLIMIT', resourceField: 'limits.memory' }], {}, ['/etc/nats-config', '/var/run/nats', '/data/jetstream']),
          ports: [{ containerPort: 4222 }, { containerPort: 6222 }, { containerPort: 8222 }],
        },
        js.containerTemplate,
      ),
      applyContainerTemplate(container('reloader', [], {}, ['/etc/nats-config', '/var/run/nats']), js.reloaderContainerTemplate),
      applyContainerTemplate({ ...container('metrics'), ports: [{ containerPort: 7777 }] }, js.metricsContainerTemplate),
    ],
  };
}

/** Every pod the controller creates for a Pipeline and its InterStepBufferService. */
export function controllerPods(pipeline: Manifest, isbsvc: Manifest): ModelPod[] {
  return [
    ...pipeline.spec.vertices.map((v: Manifest) => vertexPod(pipeline, v)),
    daemonPod(pipeline),
    bufferJobPod(pipeline, 'isbsvc-create'),
    bufferJobPod(pipeline, 'isbsvc-delete'),
    jetStreamPod(isbsvc),
  ];
}

/**
 * The value a variable has in the running container: the kubelet fills a map in list order
 * (`makeEnvironmentVariables`), so the last entry of a name wins; a cpu resourceFieldRef
 * (divisor 1) is the amount rounded up to whole cores (`convertResourceCPUToString`).
 */
export function effectiveEnv(c: ModelContainer, name: string): string | undefined {
  const last = [...c.env].reverse().find((e) => e.name === name);
  if (!last) return undefined;
  if (last.value !== undefined) return last.value;
  if (last.resourceField === 'requests.cpu' || last.resourceField === 'limits.cpu') {
    const [kind] = last.resourceField.split('.') as ['requests' | 'limits'];
    const cpu = c.resources[kind]?.cpu;
    if (cpu === undefined) return undefined;
    const millis = cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000;
    return String(Math.ceil(millis / 1000));
  }
  return undefined;
}
