/**
 * The Pulumi program of the platform stack (`numaflow-soak:role: platform`, e.g.
 * `pulumi up --stack platform`): what is cluster-wide, installed once, with one owner, so
 * that variants run side by side and no variant's `pulumi destroy` touches it.
 *
 * - the Numaflow v1.8.3 controller and CRDs (the release's `install.yaml`, which Numaflow's
 *   Makefile builds from config/cluster-install; its five CustomResourceDefinitions
 *   (interstepbufferservices, monovertices, pipelines, servingpipelines, vertices) are in
 *   config/install.yaml at v1.8.3), into `numaflow-system`. Every CRD is retained on delete:
 *   deleting a CRD deletes every object of its kind in the cluster, i.e. every Pipeline and
 *   buffer service of every variant. A `transforms` callback sets it, because transforms
 *   reach the children of packaged components such as the kubernetes provider's yaml/v2
 *   ConfigFile (Pulumi docs, "Resource option: transforms").
 * - kube-prometheus-stack 70.4.1 into `monitoring` (the Prometheus operator, its CRDs, a
 *   Prometheus selecting monitors and rules in every namespace). Helm installs the chart's
 *   CRDs and never removes them on uninstall (the chart's README, "Uninstall Helm Chart":
 *   "CRDs created by this chart are not removed by default").
 *
 * Reads its settings through the same loader as every other reader (parsePlatformConfig).
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { NUMAFLOW_INSTALL_URL, PROMETHEUS_STACK_CHART, type PlatformSettings } from '../src/plan/deployment';
import { listVariants, loadStackFile, parsePlatformConfig, stackFile } from '../src/plan/load';
import type { SoakPlan } from '../src/plan/schema';
import { prometheusService, prometheusSizing, prometheusStackValues } from '../src/monitoring/prometheus-stack-values';
import { MONITORING_NAMESPACE, NUMAFLOW_SYSTEM_NAMESPACE, providerArgs } from './soak-program';

/** The Pulumi type of a CustomResourceDefinition (pulumi-kubernetes). */
export const CRD_TYPE = 'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition';

/**
 * The transform that keeps every CustomResourceDefinition in the cluster when Pulumi deletes
 * it (retainOnDelete): a `destroy` of the platform stack, or an install turned off, leaves
 * the CRDs and with them every variant's objects. Other resources pass unchanged. Pure, so
 * it is unit-tested without an engine.
 */
export function retainCrds(args: pulumi.ResourceTransformArgs): pulumi.ResourceTransformResult | undefined {
  if (args.type !== CRD_TYPE) return undefined;
  return { props: args.props, opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true }) };
}

/** The plans of every variant in stacks/: the Prometheus is sized for all of them. */
export function variantPlans(): SoakPlan[] {
  return listVariants().map((variant) => loadStackFile(stackFile(variant)).plan);
}

/** Where the Prometheus answers, and what it keeps. */
function prometheusOutputs(): Record<string, string> {
  const service = prometheusService(MONITORING_NAMESPACE);
  const sizing = prometheusSizing(variantPlans());
  return { prometheusUrl: service.url, portForward: service.portForward, retention: sizing.retention.toSpanString(), volume: sizing.volume.toString() };
}

/** What the platform program built. */
export interface PlatformDeployment {
  readonly outputs: Record<string, unknown>;
  readonly numaflow?: k8s.yaml.v2.ConfigFile;
  readonly prometheus?: k8s.helm.v3.Release;
}

/** The platform stack's settings, checked by the loader; throws its PlanError before any resource is registered. */
export function readPlatformInputs(stack: string): { settings: PlatformSettings } {
  const source = `stack ${stack} (stacks/Pulumi.${stack}.yaml)`;
  return { settings: parsePlatformConfig({ ...pulumi.runtime.allConfig() }, source).settings };
}

export async function deployPlatform(stack: string): Promise<PlatformDeployment> {
  const { settings } = readPlatformInputs(stack);
  const provider = new k8s.Provider('kubernetes', providerArgs(settings));

  let numaflow: k8s.yaml.v2.ConfigFile | undefined;
  if (settings.installNumaflow) {
    const systemNamespace = new k8s.core.v1.Namespace(NUMAFLOW_SYSTEM_NAMESPACE, { metadata: { name: NUMAFLOW_SYSTEM_NAMESPACE } }, { provider });
    // The release manifest sets no namespaces; this provider puts them in numaflow-system.
    const installProvider = new k8s.Provider('numaflow-install', { ...providerArgs(settings), namespace: NUMAFLOW_SYSTEM_NAMESPACE });
    numaflow = new k8s.yaml.v2.ConfigFile(
      'numaflow-controller',
      { file: NUMAFLOW_INSTALL_URL },
      { provider: installProvider, dependsOn: [systemNamespace], transforms: [retainCrds] },
    );
  }
  let prometheus: k8s.helm.v3.Release | undefined;
  if (settings.installPrometheusOperator) {
    prometheus = new k8s.helm.v3.Release(
      'prometheus-operator',
      {
        name: PROMETHEUS_STACK_CHART.chart,
        chart: PROMETHEUS_STACK_CHART.chart,
        version: PROMETHEUS_STACK_CHART.version,
        repositoryOpts: { repo: PROMETHEUS_STACK_CHART.repo },
        namespace: MONITORING_NAMESPACE,
        createNamespace: true,
        // Monitors and rules selected in every namespace, and a Prometheus that keeps the
        // longest soak of the variants in stacks/ (retention, volume: prometheus-stack-values.ts).
        values: prometheusStackValues(variantPlans()),
      },
      { provider },
    );
  }
  return {
    outputs: {
      numaflow: settings.installNumaflow ? { namespace: NUMAFLOW_SYSTEM_NAMESPACE, manifest: NUMAFLOW_INSTALL_URL } : null,
      prometheusStack: settings.installPrometheusOperator ? { namespace: MONITORING_NAMESPACE, chart: PROMETHEUS_STACK_CHART.chart, version: PROMETHEUS_STACK_CHART.version, ...prometheusOutputs() } : null,
    },
    ...(numaflow ? { numaflow } : {}),
    ...(prometheus ? { prometheus } : {}),
  };
}
