/**
 * The Pulumi program behind `pulumi up --stack <variant>`. It reads the stack's plan
 * through the same loader as `cdk8s synth`, builds the same SoakChart, and registers every
 * Kubernetes object as its own resource (one v1 ConfigGroup per layer, expanded in-process),
 * so `pulumi preview --diff` shows changes object by object.
 *
 * Order: the namespace and its quota, then the buffer service, then the pipeline, then
 * monitoring. A variant installs nothing cluster-wide: the Numaflow controller and CRDs and
 * kube-prometheus-stack belong to the platform stack (platform-program.ts), so variants run
 * side by side, each in its own namespace, and no variant's destroy can remove a CRD.
 * The buffer service and the namespace that holds its volumes are protected, retained on
 * delete, and replaced (never updated) when persistence or encryption changes.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ApiObject, App } from 'cdk8s';
import type { Construct } from 'constructs';
import { podGroups } from '../src/capacity/pods';
import { podSizesFromOutput, podSizesOutput, samePodSizes } from '../src/capacity/rollout';
import { quotaAmounts } from '../src/constructs/cluster';
import { SoakChart } from '../src/constructs/soak-chart';
import { prometheusService } from '../src/monitoring/prometheus-stack-values';
import type { DeploymentSettings } from '../src/plan/deployment';
import { formatFindings, parseStackConfig, PLAN_KEY, PROJECT, type LoadedPlan } from '../src/plan/load';

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

/** Namespace of the Numaflow controller, as its install manifest expects. */
export const NUMAFLOW_SYSTEM_NAMESPACE = 'numaflow-system';
/** Namespace of the Prometheus operator stack the program installs. */
export const MONITORING_NAMESPACE = 'monitoring';

/** Fields of the buffer service Numaflow cannot change in place (numaflow-facts §2). */
export const BUFFER_REPLACE_ON_CHANGES = ['spec.jetstream.persistence', 'spec.jetstream.encryption'];
/** A pipeline cannot move to another buffer service (Numaflow's webhook refuses it). */
export const PIPELINE_REPLACE_ON_CHANGES = ['spec.interStepBufferServiceName'];

export interface StackInputs {
  readonly loaded: LoadedPlan;
  readonly settings: DeploymentSettings;
}

/**
 * Reads and validates the stack's config with the loader `cdk8s synth` and the commands use
 * (parseStackConfig): unknown keys of this project, the deployment settings, the plan.
 * Throws the loader's PlanError before any resource is registered.
 */
export function readStackInputs(stack: string): StackInputs {
  const source = `stack ${stack} (stacks/Pulumi.${stack}.yaml)`;
  const config: Record<string, unknown> = { ...pulumi.runtime.allConfig() };
  // Pulumi hands every value over as text, a structured one as JSON: only the plan is
  // structured. The deployment settings stay text (a kubeconfig in JSON is still a
  // kubeconfig; "true" and "false" are read as the loader reads them).
  const planKey = `${PROJECT}:${PLAN_KEY}`;
  if (typeof config[planKey] === 'string') config[planKey] = parseJson(config[planKey]);
  // The stack name is the variant: it names the default namespace, as for its stack file.
  const { settings, ...loaded } = parseStackConfig(config, source, undefined, stack);
  return { loaded, settings };
}

/** JSON text as its value, or the text itself when it is not JSON (the loader then names what it got). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The JSON of every API object under a construct, in creation order. */
export function objectsOf(scope: Construct): Manifest[] {
  return scope.node
    .findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject)
    .map((o) => o.toJson() as Manifest);
}

/**
 * Resource options for one object: the layers it waits for, and protection for what holds
 * the buffer service's data. Pure, so the rules are unit-tested without an engine.
 */
export function objectOptions(
  obj: Manifest,
  settings: DeploymentSettings,
  dependsOn: pulumi.Input<pulumi.Resource>[],
): Pick<pulumi.CustomResourceOptions, 'dependsOn' | 'protect' | 'retainOnDelete' | 'replaceOnChanges' | 'deleteBeforeReplace'> {
  const holdsBufferData = obj.kind === 'InterStepBufferService' || obj.kind === 'Namespace';
  return {
    dependsOn,
    ...(holdsBufferData ? { protect: settings.protectBuffer, retainOnDelete: true } : {}),
    ...(obj.kind === 'InterStepBufferService' ? { replaceOnChanges: BUFFER_REPLACE_ON_CHANGES, deleteBeforeReplace: true } : {}),
    ...(obj.kind === 'Pipeline' ? { replaceOnChanges: PIPELINE_REPLACE_ON_CHANGES, deleteBeforeReplace: true } : {}),
  };
}

/**
 * Refuses to take away more than one JetStream node in one update. The previous node count
 * comes from this stack's own last outputs (a stack reference to itself).
 */
export function checkBufferShrink(previous: unknown, next: number): void {
  if (typeof previous !== 'number') return;
  if (previous - next > 1) {
    throw new Error(
      `numaflow-soak:plan.buffer.replicas: the buffer service runs ${previous} JetStream nodes; going to ${next} would take away ${previous - next} at once. Go down one node per update (${previous} -> ${previous - 1}) so the streams keep their quorum.`,
    );
  }
}

/**
 * The provider's settings. The kubeconfig holds credentials, so it is read as a secret
 * (`Config.getSecret`): the provider gets a secret Output and Pulumi keeps it encrypted in
 * the state, whether or not it was set with `--secret`. (runtime.allConfig(), which the
 * loader checks it from, drops the secret flag.)
 */
export function providerArgs(settings: Pick<DeploymentSettings, 'kubeconfig' | 'context' | 'renderYamlToDirectory'>): k8s.ProviderArgs {
  const kubeconfig = settings.kubeconfig !== undefined ? new pulumi.Config(PROJECT).getSecret('kubeconfig') : undefined;
  return {
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(settings.context ? { context: settings.context } : {}),
    ...(settings.renderYamlToDirectory ? { renderYamlToDirectory: settings.renderYamlToDirectory } : {}),
  };
}

/** What the program built: the stack outputs and the layers (one ConfigGroup each). */
export interface SoakDeployment {
  readonly outputs: Record<string, unknown>;
  readonly layers: Readonly<Record<'cluster' | 'buffer' | 'pipeline', k8s.yaml.ConfigGroup>> & { readonly monitoring?: k8s.yaml.ConfigGroup };
}

/** What the program tells the user on an update that resizes the running soak. */
export const RESIZE_NOTICE =
  'the plan resizes the running soak: the ResourceQuota holds both the running pods and the new ones while they roll (output quota.phase: rollout). When every pod has been replaced (kubectl -n <namespace> get vertices: UPDATED equals DESIRED, and the JetStream StatefulSet rolled), run pulumi up again: it lowers the quota to the plan\'s own.';

/** The quota's hard amounts as an output. */
function quotaOutput(q: ReturnType<typeof quotaAmounts>): Record<string, string | number> {
  return { pods: q.pods, requestsCpu: q.requestsCpu.toString(), requestsMemory: q.requestsMemory.toString(), limitsCpu: q.limitsCpu.toString(), limitsMemory: q.limitsMemory.toString() };
}

/** The Pipeline's metadata.creationTimestamp, as the API server set it. */
function pipelineCreated(layer: k8s.yaml.ConfigGroup, namespace: string, name: string): pulumi.Output<string | undefined> {
  // ConfigGroup.getResource is typed for built-in kinds only; a custom resource uses the same lookup.
  const group = layer as unknown as { getResource(gvk: string, namespace: string, name: string): pulumi.Output<k8s.apiextensions.CustomResource> };
  return group.getResource('numaflow.numaproj.io/v1alpha1/Pipeline', namespace, name).apply((r) => r.metadata.creationTimestamp);
}

/** Where the soak's Prometheus answers: in the cluster, and through a port-forward for `verdict` and `recommend`. */
function prometheusOutputs(namespace: string): { prometheusUrl: string; portForward: string; prometheusLocalUrl: string } {
  const service = prometheusService(namespace);
  return { prometheusUrl: service.url, portForward: service.portForward, prometheusLocalUrl: `http://localhost:${service.port}` };
}

/** The program, as `pulumi up` runs it. Returns the stack outputs. */
export async function soakProgram(): Promise<Record<string, unknown>> {
  return (await deploySoak(pulumi.getStack())).outputs;
}

export async function deploySoak(stack: string): Promise<SoakDeployment> {
  const { loaded, settings } = readStackInputs(stack);
  const { plan } = loaded;
  if (loaded.warnings.length > 0) pulumi.log.warn(formatFindings(loaded.source, loaded.warnings));

  const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${stack}`);
  checkBufferShrink((await self.getOutputDetails('bufferReplicas')).value, plan.buffer.replicas);
  // The pods the last update left running (its podGroups output). While they differ from the
  // plan's, the quota holds the rollout from them to the plan's pods (src/capacity/rollout.ts),
  // and it is applied with the namespace, before the buffer service and the pipeline change;
  // the next update, with nothing left to roll, lowers it to the plan's own.
  const running = podSizesFromOutput((await self.getOutputDetails('podGroups')).value);
  const planned = podGroups(plan);
  const resizing = running !== undefined && !samePodSizes(running, planned);
  if (resizing) pulumi.log.warn(RESIZE_NOTICE);

  const chart = new SoakChart(new App(), stack, { plan, variant: stack, ...(resizing ? { rolloutFrom: running } : {}) });
  const provider = new k8s.Provider('kubernetes', providerArgs(settings));

  const layer = (name: string, scope: Construct, dependsOn: pulumi.Resource[]) =>
    new k8s.yaml.ConfigGroup(
      name,
      {
        objs: objectsOf(scope),
        transformations: [
          (obj: Manifest, opts: pulumi.CustomResourceOptions) => {
            Object.assign(opts, objectOptions(obj, settings, dependsOn));
          },
        ],
      },
      { provider, dependsOn },
    );

  const cluster = layer('cluster', chart.cluster, []);
  const buffer = layer('buffer', chart.buffer, [cluster]);
  const pipeline = layer('pipeline', chart.pipeline, [buffer]);
  const monitoring = plan.monitoring.enabled ? layer('monitoring', chart.monitoring, [pipeline]) : undefined;

  const totals = chart.cluster.totals;
  const estimate = chart.cluster.nodeEstimate();
  const amounts = (a: typeof totals.requests) => ({
    cpu: a.cpu.toString(),
    cpuCores: a.cpu.cores,
    memory: a.memory.toString(),
    memoryGiB: Math.round(a.memory.gibibytes * 100) / 100,
  });
  return {
    outputs: {
      namespace: plan.namespace,
      pipelineName: chart.pipeline.name,
      bufferServiceName: chart.buffer.name,
      bufferReplicas: plan.buffer.replicas,
      pods: totals.pods,
      requests: amounts(totals.requests),
      limits: amounts(totals.limits),
      nodeEstimate: { shape: estimate.shape, nodes: estimate.nodes, lowerBound: estimate.lowerBound },
      // Read back by the next update (the quota during a resize).
      podGroups: podSizesOutput(planned),
      quota: { phase: resizing ? 'rollout' : 'steady', ...quotaOutput(quotaAmounts(plan, resizing ? running : undefined)) },
      // When the pipeline was created, in RFC 3339 (the API server's metadata.creationTimestamp): `--start` of verdict and recommend.
      soakStart: pipelineCreated(pipeline, plan.namespace, chart.pipeline.name),
      ...(plan.monitoring.enabled ? prometheusOutputs(plan.monitoring.prometheus.namespace) : {}),
    },
    layers: { cluster, buffer, pipeline, ...(monitoring ? { monitoring } : {}) },
  };
}
