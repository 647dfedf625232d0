/**
 * Deployment settings: the stack-file config keys that are not the plan. They say how and
 * where a stack is deployed (cluster access, what to install first, protection), not what
 * the soak environment is, so they live beside the plan rather than in it. Only the Pulumi
 * program acts on them; the loader validates them for every reader. Which keys a stack may
 * set depends on its kind (`numaflow-soak:role`): a variant sets protection, the platform
 * stack the cluster-wide installs.
 */
import { z } from 'zod';
import { describe } from './schema';

/** The Numaflow release manifest the platform stack installs when `installNumaflow` is on. */
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

/**
 * The kinds of stack file (`numaflow-soak:role`). A `variant` holds a plan and deploys one
 * soak environment into its own namespace; the one `platform` stack holds no plan and owns
 * what is cluster-wide (the Numaflow controller and CRDs, kube-prometheus-stack), so no
 * variant's `pulumi destroy` can remove a CRD, and two variants can run side by side.
 */
export const STACK_ROLES = ['variant', 'platform'] as const;
export type StackRole = (typeof STACK_ROLES)[number];

const roleError = (issue: { input?: unknown }) => `expected ${STACK_ROLES.join(' or ')}, got ${describe(issue.input)}`;

/** How to reach the cluster: every kind of stack reads these. */
const access = {
  kubeconfig: kubeconfig
    .optional()
    .describe('Path to, or contents (YAML or JSON) of, a kubeconfig; set it as a secret (pulumi config set --secret). Default: the ambient one (KUBECONFIG or ~/.kube/config).'),
  context: z.string().min(1).optional().describe('kubeconfig context to use. Default: the current context.'),
  renderYamlToDirectory: z
    .string()
    .min(1)
    .optional()
    .describe('Render manifests into this folder instead of applying them (Pulumi render mode; see README for its limits).'),
};

const protectBuffer = onOff()
  .default(true)
  .describe('Variant stacks: protect the buffer service and the namespace holding its volumes from deletion and replacement (pulumi protect).');
const installNumaflow = onOff()
  .default(true)
  .describe(`Platform stack: install the Numaflow v1.8.3 controller and CRDs (${NUMAFLOW_INSTALL_URL}) into numaflow-system; the CRDs are retained on delete.`);
const installPrometheusOperator = onOff()
  .default(true)
  .describe(`Platform stack: install ${PROMETHEUS_STACK_CHART.chart} ${PROMETHEUS_STACK_CHART.version} (Prometheus operator, its CRDs, a Prometheus) into monitoring. Turn off if the cluster has a Prometheus operator.`);

/** A variant's deployment settings: `numaflow-soak:role` absent or `variant`. */
export const deploymentSettings = z.strictObject({
  role: z.literal('variant', { error: roleError }).optional(),
  ...access,
  protectBuffer,
});

/** The platform stack's settings: `numaflow-soak:role: platform`, no plan. */
export const platformSettings = z.strictObject({
  role: z.literal('platform', { error: roleError }),
  ...access,
  installNumaflow,
  installPrometheusOperator,
});

/** Every deployment key with its schema, for the JSON Schema of a stack file. */
export const DEPLOYMENT_KEY_SCHEMAS = {
  role: z
    .enum(STACK_ROLES)
    .default('variant')
    .describe('What this stack is: a variant (holds numaflow-soak:plan, one soak environment in its own namespace) or the platform stack (no plan; installs the Numaflow controller and CRDs and kube-prometheus-stack once for the cluster).'),
  ...access,
  protectBuffer,
  installNumaflow,
  installPrometheusOperator,
};

export type DeploymentSettings = z.output<typeof deploymentSettings>;
export type PlatformSettings = z.output<typeof platformSettings>;

/** The deployment keys each kind of stack reads; a key of the other kind is refused, naming where it belongs. */
export const ROLE_KEYS: Readonly<Record<StackRole, readonly string[]>> = {
  variant: Object.keys(deploymentSettings.shape),
  platform: Object.keys(platformSettings.shape),
};

/** The deployment keys, in the order the schema declares them. */
export const DEPLOYMENT_KEYS: readonly string[] = Object.keys(DEPLOYMENT_KEY_SCHEMAS);
