/**
 * Deployment settings: the stack-file config keys that are not the plan. They say how and
 * where a stack is deployed (cluster access, what to install first, protection), not what
 * the soak environment is, so they live beside the plan rather than in it. Only the Pulumi
 * program acts on them; the loader validates them for every reader.
 */
import { z } from 'zod';

/** The Numaflow release manifest the program installs when `installNumaflow` is on. */
export const NUMAFLOW_INSTALL_URL = 'https://github.com/numaproj/numaflow/releases/download/v1.8.3/install.yaml';

/** kube-prometheus-stack, for the PodMonitor/ServiceMonitor/PrometheusRule CRDs and a Prometheus. */
export const PROMETHEUS_STACK_CHART = {
  repo: 'https://prometheus-community.github.io/helm-charts',
  chart: 'kube-prometheus-stack',
  version: '70.4.1',
} as const;

export const deploymentSettings = z.strictObject({
  kubeconfig: z
    .string()
    .min(1)
    .optional()
    .describe('Path to, or contents of, a kubeconfig. Default: the ambient one (KUBECONFIG or ~/.kube/config).'),
  context: z.string().min(1).optional().describe('kubeconfig context to use. Default: the current context.'),
  renderYamlToDirectory: z
    .string()
    .min(1)
    .optional()
    .describe('Render manifests into this folder instead of applying them (Pulumi render mode; see README for its limits).'),
  installNumaflow: z
    .boolean()
    .default(true)
    .describe(`Install the Numaflow v1.8.3 controller and CRDs (${NUMAFLOW_INSTALL_URL}) into numaflow-system first.`),
  installPrometheusOperator: z
    .boolean()
    .default(true)
    .describe(`Install ${PROMETHEUS_STACK_CHART.chart} ${PROMETHEUS_STACK_CHART.version} for the monitors and rules. Turn off if the cluster has a Prometheus operator.`),
  protectBuffer: z
    .boolean()
    .default(true)
    .describe('Protect the buffer service and the namespace holding its volumes from deletion and replacement (pulumi protect).'),
});

export type DeploymentSettings = z.output<typeof deploymentSettings>;

/** The deployment keys, in the order the schema declares them. */
export const DEPLOYMENT_KEYS: readonly string[] = Object.keys(deploymentSettings.shape);
