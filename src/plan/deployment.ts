/**
 * Deployment settings: the stack-file config keys that are not the plan. They say how and
 * where a stack is deployed (cluster access, what to install first, protection), not what
 * the soak environment is, so they live beside the plan rather than in it. Only the Pulumi
 * program acts on them; the loader validates them for every reader.
 */
import { z } from 'zod';
import { describe } from './schema';

/** The Numaflow release manifest the program installs when `installNumaflow` is on. */
export const NUMAFLOW_INSTALL_URL = 'https://github.com/numaproj/numaflow/releases/download/v1.8.3/install.yaml';

/** kube-prometheus-stack, for the PodMonitor/ServiceMonitor/PrometheusRule CRDs and a Prometheus. */
export const PROMETHEUS_STACK_CHART = {
  repo: 'https://prometheus-community.github.io/helm-charts',
  chart: 'kube-prometheus-stack',
  version: '70.4.1',
} as const;

/**
 * An on/off setting as Pulumi hands it over: a YAML boolean, or the text `"true"`/`"false"`
 * that `pulumi config set <key> true` writes into the stack file (Pulumi's own
 * `Config.getBoolean` reads both).
 */
const onOff = () =>
  z.union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')], {
    error: (issue) => (issue.input === undefined ? 'required, but missing' : `expected boolean (true or false), got ${describe(issue.input)}`),
  });

/**
 * A kubeconfig: a path, or the file's contents as YAML or JSON text. A mapping (the
 * kubeconfig written out as structured YAML in the stack file, which Pulumi hands to the
 * program as JSON text) is accepted as JSON text too.
 */
const kubeconfig = z.union([z.string().min(1), z.record(z.string(), z.unknown()).transform((value) => JSON.stringify(value))], {
  // Never quote the value: a kubeconfig holds credentials.
  error: (issue) => `expected a kubeconfig path or its contents (YAML or JSON text), got ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'a list' : typeof issue.input}`,
});

export const deploymentSettings = z.strictObject({
  kubeconfig: kubeconfig
    .optional()
    .describe('Path to, or contents (YAML or JSON) of, a kubeconfig; set it as a secret (pulumi config set --secret). Default: the ambient one (KUBECONFIG or ~/.kube/config).'),
  context: z.string().min(1).optional().describe('kubeconfig context to use. Default: the current context.'),
  renderYamlToDirectory: z
    .string()
    .min(1)
    .optional()
    .describe('Render manifests into this folder instead of applying them (Pulumi render mode; see README for its limits).'),
  installNumaflow: onOff()
    .default(true)
    .describe(`Install the Numaflow v1.8.3 controller and CRDs (${NUMAFLOW_INSTALL_URL}) into numaflow-system first.`),
  installPrometheusOperator: onOff()
    .default(true)
    .describe(`Install ${PROMETHEUS_STACK_CHART.chart} ${PROMETHEUS_STACK_CHART.version} for the monitors and rules. Turn off if the cluster has a Prometheus operator.`),
  protectBuffer: onOff()
    .default(true)
    .describe('Protect the buffer service and the namespace holding its volumes from deletion and replacement (pulumi protect).'),
});

export type DeploymentSettings = z.output<typeof deploymentSettings>;

/** The deployment keys, in the order the schema declares them. */
export const DEPLOYMENT_KEYS: readonly string[] = Object.keys(deploymentSettings.shape);
