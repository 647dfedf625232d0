/**
 * The shape of a soak plan, as written under `numaflow-soak:plan` in a Pulumi stack file.
 *
 * This schema is the single description of the plan: it parses stack files (turning
 * quantities into value objects), defines the TypeScript types (`SoakPlan` and friends),
 * and generates `stacks/stack-config.schema.json` for editors. Every object is strict: an
 * unknown key is an error that lists the keys allowed at that place. Cross-field rules
 * (request within limit, min within max, ...) live in `rules.ts`.
 */
import { z } from 'zod';
import { firstInvisible } from './invisible';
import { Bytes, Cpu, Duration, QuantityError } from './quantity';

/** A strict object: unknown keys are rejected with the list of keys allowed here. */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).sort().join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
        return `unknown key ${keys}; allowed keys here: ${allowed}`;
      }
      if (issue.code === 'invalid_type') {
        return issue.input === undefined ? 'required, but missing' : `expected a mapping, got ${describe(issue.input)}`;
      }
      return undefined;
    },
  });
}

/**
 * Messages for issues a schema does not word itself (used for a whole parse): they name
 * what was expected and what was found.
 */
export const planErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? 'required, but missing' : `expected ${issue.expected}, got ${describe(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(issue.input)}`;
  }
  if (issue.code === 'invalid_key') {
    // A record key that fails its schema (a label key): zod words it only as "Invalid key in
    // record", so pass on the key schema's own messages, which name the key.
    return issue.issues.map((i) => i.message).join('; ');
  }
  return undefined;
};

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Free text that names something (a node shape, a version, a storage class, a channel): it
 * must read as it is stored, so invisible and direction-changing characters are refused
 * (src/plan/invisible.ts), naming the character and where it is.
 */
function visibleText(what: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'required, but missing' : `expected ${what}, got ${describe(issue.input)}`) })
    .min(1, { error: `expected ${what}, got an empty string` })
    .superRefine((value, ctx) => {
      const found = firstInvisible(value);
      if (found) ctx.addIssue({ code: 'custom', message: `${what} must read as it is stored; it contains ${found}` });
    });
}

/**
 * Every character an image reference may hold: the grammar of distribution/reference
 * (reference.go: `reference := name [ ":" tag ] [ "@" digest ]`, with domain, path, tag and
 * digest made of letters, digits and `.` `_` `-` `/` `:` `@` `+`, and `[` `]` around an IPv6
 * host). No space, control or invisible character can be part of one.
 */
const IMAGE_CHARACTERS = /^[A-Za-z0-9._\-/:@+[\]]+$/;

/** A container image reference. */
function imageReference(what: string) {
  return visibleText(what).superRefine((value, ctx) => {
    if (firstInvisible(value) === undefined && !IMAGE_CHARACTERS.test(value)) {
      const bad = [...value].find((c) => !IMAGE_CHARACTERS.test(c))!;
      ctx.addIssue({ code: 'custom', message: `${what} may hold only letters, digits and . _ - / : @ + [ ] (an image reference); got ${JSON.stringify(bad)} in ${JSON.stringify(value)}` });
    }
  });
}

/** Wraps a value-object parser so its QuantityError becomes an issue at the right key path. */
function valueObject<T>(parse: (input: string | number) => T, pattern: RegExp, example: string) {
  const expected = (issue: { input?: unknown }) =>
    issue.input === undefined ? 'required, but missing' : `expected ${example}, got ${describe(issue.input)}`;
  return z
    .union([z.string().regex(pattern, { error: expected }), z.number().min(0, { error: expected })], { error: expected })
    .transform((input, ctx) => {
      try {
        return parse(input);
      } catch (error) {
        if (!(error instanceof QuantityError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    });
}

export const cpuQuantity = valueObject(Cpu.parse, /^(\d+(\.\d{1,3})?|\d+m)$/, 'a CPU quantity such as 2, 0.5 or 500m').describe(
  'CPU quantity: cores (2, 0.5) or millicores (500m).',
);
export const byteQuantity = valueObject(
  Bytes.parse,
  /^\d+(\.\d+)?(Pi|Ti|Gi|Mi|Ki|P|T|G|M|k)?$/,
  'a byte quantity such as 512Mi or 16Gi',
).describe('Byte quantity: 512Mi, 16Gi, 40G (binary Ki/Mi/Gi/Ti or decimal k/M/G/T suffixes).');
export const duration = z
  .string({ error: (issue) => `expected a Go duration such as 1s or 72h, got ${describe(issue.input)}` })
  .regex(/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/, { error: (issue) => `expected a Go duration such as 1s, 500ms or 72h, got ${describe(issue.input)}` })
  .transform((input) => Duration.parse(input))
  .describe('Go duration: 1s, 500ms, 72h, 1m30s.');

const int = (min: number, max = 2 ** 31 - 1) =>
  z
    .number({ error: (issue) => (issue.input === undefined ? 'required, but missing' : `expected a whole number, got ${describe(issue.input)}`) })
    .int({ error: (issue) => `expected a whole number, got ${describe(issue.input)}` })
    .min(min, { error: `expected a whole number of at least ${min}` })
    .max(max, { error: `expected a whole number of at most ${max}` });

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035 = (what: string) =>
  z
    .string()
    .max(63, { error: `${what} must be at most 63 characters` })
    .regex(DNS_1035, {
      error: (issue) =>
        `${what} must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, ending with a letter or digit), got ${describe(issue.input)}`,
    });

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const labelMap = z
  .record(
    z.string().regex(LABEL_KEY, { error: (issue) => `not a valid label key: ${describe(issue.input)}` }),
    z.string({ error: 'label values must be strings (quote numbers and booleans)' }).regex(LABEL_VALUE, {
      error: (issue) => `not a valid label value (at most 63 of A-Z a-z 0-9 - _ .): ${describe(issue.input)}`,
    }),
  )
  .describe('Kubernetes labels (key: value).');

// ---------------------------------------------------------------------------------------
// Resources and placement

export const resourceList = strict({
  cpu: cpuQuantity,
  memory: byteQuantity,
}).describe('CPU and memory for one container.');

export const containerResources = strict({
  requests: resourceList.describe('What the scheduler reserves for the container.'),
  limits: resourceList.describe('The most the container may use: CPU above it is throttled, memory above it is OOM-killed.'),
}).describe('Requests and limits of one container. Both are required for every container.');

/**
 * The `numa` container of a vertex (Numaflow's runtime, set through the vertex's
 * containerTemplate): its requests and limits, and optionally its worker threads.
 */
export const numaContainer = strict({
  ...containerResources.shape,
  /**
   * Pins the numa runtime's tokio worker threads by setting NUMAFLOW_CPU_REQUEST in the
   * vertex's `containerTemplate.env`; see src/numaflow/worker-threads.ts for the upstream facts.
   * @default unset: the controller's value, requests.cpu rounded up to whole cores
   */
  workerThreads: int(1, 1024)
    .optional()
    .describe(
      'Worker threads of the numa runtime (sets NUMAFLOW_CPU_REQUEST in containerTemplate.env). Unset: requests.cpu rounded up to whole cores, as the controller sets it.',
    ),
}).describe('The numa container (Numaflow runtime), set through containerTemplate: requests, limits and optionally its worker threads.');

export const toleration = strict({
  key: z.string().optional().describe('Taint key; omit with operator Exists to tolerate every taint.'),
  operator: z.enum(['Equal', 'Exists']).default('Equal'),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('Omit to tolerate every effect.'),
});

export const placement = strict({
  nodeSelector: labelMap.default({}).describe('Node labels the pods must run on (a node pool).'),
  tolerations: z.array(toleration).default([]).describe('Taints of that node pool the pods tolerate.'),
}).describe('Where the pods run.');

// ---------------------------------------------------------------------------------------
// Cluster

export const nodeShape = strict({
  name: visibleText('a node shape name').describe('A name for the node shape, e.g. an instance type.'),
  cpu: cpuQuantity.describe('Allocatable CPU per node (after system reservations).'),
  memory: byteQuantity.describe('Allocatable memory per node (after system reservations).'),
  maxPods: int(1, 10000).default(110).describe('Pods per node.'),
  pricePerHour: z
    .number()
    .min(0, { error: 'expected a price of at least 0' })
    .optional()
    .describe('What one node costs per hour (any currency); reports use it for cost per month.'),
}).describe('The allocatable capacity of one node in the pool; the capacity model packs pods onto it.');

export const clusterPlan = strict({
  nodeShape,
  /**
   * Numaflow v1.8.3 facts behind the default: the vertex pods take their pod securityContext
   * from the vertex and the containers' from containerTemplate / initContainerTemplate / the
   * user container, and the `monitor` sidecar copies containerTemplate.securityContext
   * (pkg/apis/numaflow/v1alpha1/vertex_types.go GetPodSpec); the daemon from templates.daemon
   * (pipeline_types.go GetDaemonDeploymentObj); the buffer Jobs from templates.job
   * (pkg/reconciler/pipeline/controller.go buildISBBatchJob); the JetStream pods from the
   * buffer service's templates (jetstream_buffer_service.go GetStatefulSetSpec), whose
   * volumes (emptyDir, projected, persistentVolumeClaim) restricted allows.
   * @default 'restricted'
   */
  podSecurityEnforce: z
    .enum(['restricted', 'baseline', 'privileged'])
    .default('restricted')
    .describe(
      'Pod Security Standard enforced on the namespace; `restricted` is always audited and warned. With Numaflow v1.8.3 every pod the controller creates for this plan can run restricted: vertex pods (init, numa, udf, and the monitor sidecar, which copies the vertex containerTemplate securityContext), the daemon, the buffer Jobs (templates.job) and the JetStream pods all get restricted security contexts. Lower it only for a controller older than v1.8.2, whose monitor sidecar has no securityContext.',
    ),
  quotaHeadroomPercent: int(0, 1000)
    .default(10)
    .describe('Extra room in the ResourceQuota, in percent, above the most the plan\'s pods hold during a rolling update of them (src/capacity/rollout.ts).'),
  bufferPriority: int(0, 1_000_000_000)
    .default(1_000_000)
    .describe('Value of the PriorityClass given to the buffer service pods, so they are the last to be preempted.'),
});

// ---------------------------------------------------------------------------------------
// JetStream inter-step buffer service

export const streamSettings = strict({
  retention: z.enum(['Limits', 'Interest', 'WorkQueue']).default('Limits').describe('Stream retention policy.'),
  maxMsgs: int(1, Number.MAX_SAFE_INTEGER).default(100000).describe('Messages kept per stream (one stream per partition).'),
  maxAge: duration.prefault('72h').describe('Longest time a message is kept.'),
  maxBytes: int(-1, Number.MAX_SAFE_INTEGER).default(-1).describe('Bytes kept per stream; -1 means no limit.'),
  storage: z.enum(['file', 'memory']).default('file'),
  replicas: int(1, 5).default(3).describe('Copies of every stream across the JetStream nodes.'),
  duplicates: duration.prefault('60s').describe('Deduplication window.'),
});

export const consumerSettings = strict({
  ackWait: duration.prefault('60s'),
  maxAckPending: int(1).default(25000),
});

export const bufferPlan = strict({
  name: dns1035('the buffer service name').default('default').describe('InterStepBufferService name.'),
  version: visibleText('a JetStream version').describe('JetStream version, one the Numaflow controller lists (e.g. 2.10.29).'),
  replicas: int(1, 99).describe('JetStream nodes (StatefulSet replicas). Never 2; 3 or more for a replicated stream.'),
  containers: strict({
    main: containerResources.describe('The NATS server. GOMEMLIMIT follows its memory limit.'),
    reloader: containerResources.describe('The config reloader sidecar.'),
    metrics: containerResources.describe('The Prometheus NATS exporter sidecar.'),
  }),
  persistence: strict({
    volumeSize: byteQuantity.describe('Size of each node\'s volume. Cannot be changed in place: a change recreates the buffer service.'),
    storageClassName: visibleText('a storage class name').optional().describe('Storage class; the cluster default when omitted.'),
    accessMode: z.enum(['ReadWriteOnce', 'ReadWriteOncePod']).default('ReadWriteOnce'),
  }),
  settings: strict({
    maxPayload: byteQuantity.prefault('1Mi').describe('Largest message NATS accepts.'),
    maxFileStore: byteQuantity.optional().describe('File store JetStream may use per node; keep it below volumeSize.'),
    maxMemoryStore: byteQuantity.optional().describe('Memory store JetStream may use per node.'),
  }).prefault({}),
  stream: streamSettings.prefault({}),
  consumer: consumerSettings.prefault({}),
  /**
   * TLS on the JetStream client port (4222) and between the nodes (6222), with certificates
   * Numaflow v1.8.3 generates itself; clients do not verify them (InsecureSkipVerify,
   * `pkg/shared/clients/nats/nats_client.go`). Off in `soak`, as the seed soak ran it, so a
   * resize is measured like for like. Changing it restarts the JetStream pods and every
   * vertex pod (their NUMAFLOW_ISBSVC_JETSTREAM_TLS_ENABLED changes), and Numaflow writes the
   * client-port TLS block only when it first creates the server Secret
   * (`pkg/reconciler/isbsvc/installer/jetstream.go` createSecrets), so turning it on for an
   * existing buffer service needs that buffer service recreated.
   * @default false
   */
  tls: z
    .boolean()
    .default(false)
    .describe(
      'TLS on the JetStream client and cluster ports (self-signed; clients skip verification). Off as the seed soak ran it. Changing it restarts the JetStream and vertex pods; for an existing buffer service, recreate it (Numaflow v1.8.3 writes the client TLS block only when it creates the server Secret).',
    ),
  /**
   * A NetworkPolicy that admits to the JetStream pods only Numaflow's own clients of this
   * plan's pipeline, the other JetStream nodes and, with monitoring on, Prometheus on the
   * exporter port (src/constructs/buffer-network-policy.ts). Needs a network plugin that
   * enforces NetworkPolicy; without one the object is inert.
   * @default true
   */
  networkPolicy: z
    .boolean()
    .default(true)
    .describe(
      'Emit a NetworkPolicy that admits to the JetStream pods only the pipeline\'s vertex pods, daemon and buffer Jobs (4222), the other JetStream nodes (6222) and, with monitoring on, monitoring.prometheus (7777). Turn off only if your own policies cover the buffer service.',
    ),
  encryption: z.boolean().default(false).describe('Encryption at rest. Changing it recreates the buffer service.'),
  placement: placement.prefault({}),
});

// ---------------------------------------------------------------------------------------
// Environment variables of a user container

/** Names the kubelet accepts on every supported Kubernetes version (a C identifier, plus `-` and `.`). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** What the API server accepts as a Secret or ConfigMap data key. */
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

/** A key of a Secret or a ConfigMap in the plan's namespace (core/v1 SecretKeySelector, ConfigMapKeySelector). */
const keyRef = (kind: 'Secret' | 'ConfigMap') =>
  strict({
    name: z
      .string()
      .max(253, { error: `a ${kind} name must be at most 253 characters` })
      .regex(DNS_1123_SUBDOMAIN, { error: (issue) => `a ${kind} name must be a DNS-1123 subdomain, got ${describe(issue.input)}` })
      .describe(`The ${kind}, in the plan's namespace.`),
    key: z
      .string()
      .max(253, { error: 'a key must be at most 253 characters' })
      .regex(DATA_KEY, { error: (issue) => `a ${kind} key has only letters, digits, '-', '_' and '.', got ${describe(issue.input)}` })
      .describe(`The key in the ${kind}'s data.`),
    optional: z.boolean().optional().describe(`Start the container even if the ${kind} or the key does not exist (the variable is then unset). Unset: required.`),
  }).describe(`A key of a ${kind} in the plan's namespace.`);

const ENV_SOURCES = ['value', 'secretKeyRef', 'configMapKeyRef'] as const;

/**
 * One variable, as a mapping with exactly one of `value`, `secretKeyRef`, `configMapKeyRef`.
 * A reference keeps a credential out of the stack file, the manifests and the diff report:
 * only the Secret's name and key are written, and the kubelet reads the value when it starts
 * the container.
 */
export const envVarSource = strict({
  value: z.string().optional().describe('A literal value. It is written into the stack file, the manifests and the diff report: never a credential.'),
  secretKeyRef: keyRef('Secret').optional(),
  configMapKeyRef: keyRef('ConfigMap').optional(),
})
  .superRefine((source, ctx) => {
    const set = ENV_SOURCES.filter((k) => source[k] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `set exactly one of ${ENV_SOURCES.join(', ')}; got ${set.length === 0 ? 'none' : set.join(' and ')}` });
    }
  })
  .describe('Exactly one of value, secretKeyRef, configMapKeyRef.');

/**
 * A variable's value: a literal string (shorthand for `{ value: ... }`) or a mapping with
 * exactly one source. When neither form fits, the mapping's own problems are reported (a
 * plain union would only say that neither alternative matched).
 */
export const envValue = z.union([z.string(), envVarSource], {
  error: (issue) => {
    if (issue.code !== 'invalid_union' || typeof issue.input !== 'object' || issue.input === null || Array.isArray(issue.input)) {
      return `expected a string or a mapping with one of ${ENV_SOURCES.join(', ')}, got ${describe(issue.input)}`;
    }
    const mappingIssues = issue.errors[1] ?? [];
    return mappingIssues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  },
});

export const envMap = z
  .record(
    z.string().regex(ENV_NAME, { error: (issue) => `not a valid environment variable name: ${describe(issue.input)}` }),
    envValue,
  )
  .default({});

// ---------------------------------------------------------------------------------------
// Pipeline

export const scalePlan = strict({
  min: int(0, 100000).describe('Fewest replicas. Set min = max for a fixed count.'),
  max: int(0, 100000).describe('Most replicas.'),
  disabled: z.boolean().optional().describe('Turn Numaflow autoscaling off (for an HPA or KEDA instead).'),
  lookbackSeconds: int(1, 600).optional(),
  scaleUpCooldownSeconds: int(0).optional(),
  scaleDownCooldownSeconds: int(0).optional(),
  zeroReplicaSleepSeconds: int(0).optional(),
  targetProcessingSeconds: int(1).optional(),
  targetBufferAvailability: int(1, 100).optional(),
  replicasPerScaleUp: int(1).optional(),
  replicasPerScaleDown: int(1).optional(),
}).describe('Replica bounds and Numaflow autoscaling settings of a vertex.');

export const vertexLimits = strict({
  readBatchSize: int(1).optional().describe('Messages read per batch; a batch map sees at most this many at once.'),
  bufferMaxLength: int(1).optional().describe('Length of the buffer this vertex reads from, per partition.'),
  bufferUsageLimit: int(1, 100).optional().describe('Percent of bufferMaxLength at which the buffer counts as full.'),
  readTimeout: duration.optional(),
}).describe('Overrides of the pipeline limits for one vertex.');

export const pipelineLimits = strict({
  readBatchSize: int(1).default(500),
  bufferMaxLength: int(1).default(30000),
  bufferUsageLimit: int(1, 100).default(80),
  readTimeout: duration.prefault('1s'),
});

const vertexName = dns1035('a vertex name');

export const generatorPlan = strict({
  rpu: int(1).describe('Messages per replica per duration.'),
  duration: duration.prefault('1s'),
  msgSize: int(1).describe('Approximate payload size in bytes.'),
  value: int(0).optional().describe('Fixed value written into every message.'),
  keyCount: int(1, 255).optional().describe('Distinct keys; rpu is rounded down to a multiple of it.'),
  jitter: duration.prefault('0s'),
});

export const sourcePlan = strict({
  name: vertexName.default('in'),
  scale: scalePlan,
  partitions: int(0).optional().describe('Numaflow allows at most 1 on a source.'),
  generator: generatorPlan,
  numa: numaContainer,
  limits: vertexLimits.optional(),
});

export const batchMapPlan = strict({
  name: vertexName.default('batch-map'),
  image: imageReference('an image reference').describe('Batch-map UDF image, pinned by tag (not latest) or digest.'),
  scale: scalePlan,
  partitions: int(1, 1000).default(1).describe('Buffers (JetStream streams) this vertex reads from.'),
  udf: containerResources.describe('The udf container (your batch-map code).'),
  numa: numaContainer,
  limits: vertexLimits.optional(),
  /**
   * Variables of the udf container: a literal string, or a mapping with exactly one of
   * `value`, `secretKeyRef`, `configMapKeyRef`. A credential belongs in a Secret
   * (`secretKeyRef`): a literal is written into the stack file, the manifests and the diff
   * report.
   * @default none
   */
  env: envMap.describe(
    'Environment variables of the udf container, by name: a literal string, or { value }, { secretKeyRef: { name, key } } or { configMapKeyRef: { name, key } }. Put credentials in a Secret: a literal lands in the stack file, the manifests and the diff report.',
  ),
  /**
   * The udf container's root filesystem is read-only. Numaflow v1.8.3 mounts emptyDirs at
   * /var/run/numaflow and /var/numaflow/runtime into it (`udf.go` getUDFContainer, volumes
   * from `vertex_types.go` GetPodSpec), where the SDK writes its socket and server-info file
   * (numaflow-rs `numaflow/src/shared/server.rs`). Turn it off for an image that writes
   * elsewhere (a /tmp, a cache).
   * @default true
   */
  readOnlyRootFilesystem: z
    .boolean()
    .default(true)
    .describe(
      'Run the udf container with a read-only root filesystem (it can still write to /var/run/numaflow and /var/numaflow/runtime, the emptyDirs Numaflow mounts). Turn off for an image that writes elsewhere.',
    ),
});

export const sinkPlan = strict({
  name: vertexName.default('out'),
  type: z.enum(['log', 'blackhole', 'udsink']).describe('log and blackhole run inside numa; udsink adds a container.'),
  scale: scalePlan,
  partitions: int(1, 1000).default(1),
  numa: numaContainer.describe('The numa container; log and blackhole sinks run in it. Requests, limits and optionally its worker threads.'),
  udsink: strict({
    image: imageReference('an image reference'),
    resources: containerResources,
    /** As `batchMap.readOnlyRootFilesystem`, for the udsink container. @default true */
    readOnlyRootFilesystem: z
      .boolean()
      .default(true)
      .describe('Run the udsink container with a read-only root filesystem (it can still write to /var/run/numaflow and /var/numaflow/runtime). Turn off for an image that writes elsewhere.'),
  })
    .optional()
    .describe('The user-defined sink container, only for type udsink.'),
  limits: vertexLimits.optional(),
});

export const pipelinePlan = strict({
  name: dns1035('the pipeline name').describe('Pipeline name; with a vertex name it must fit in 53 characters.'),
  limits: pipelineLimits.prefault({}),
  maxUnavailable: z
    .union(
      [
        int(1),
        // The union's own error only words inputs that match neither type; a string that
        // fails the pattern is reported by the regex, so it carries the same wording.
        z.string().regex(/^(100|[1-9][0-9]?)%$/, {
          error: (issue) => `expected a whole number of pods or a percentage such as 25%, got ${describe(issue.input)}`,
        }),
      ],
      { error: 'expected a whole number of pods or a percentage such as 25%' },
    )
    .default('25%')
    .describe('Rolling update: pods of a vertex that may be down at once.'),
  init: containerResources.describe('The init container Numaflow adds to every vertex pod (initContainerTemplate).'),
  daemon: containerResources
    .prefault({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } })
    .describe('The pipeline daemon (one pod serving pipeline status and pending counts), and its init container.'),
  /**
   * The `numa` container of the Jobs the controller runs to create and delete the
   * pipeline's buffers (spec.templates.job). Short-lived: they run when the pipeline is
   * created, changed or deleted, so the capacity model does not count them.
   * @default requests 100m CPU / 128Mi, limits 500m CPU / 256Mi
   */
  job: containerResources
    .prefault({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } })
    .describe(
      'The buffer Jobs (create and delete the pipeline\'s streams and buckets; spec.templates.job), one short-lived pod each. Defaults: requests 100m/128Mi, limits 500m/256Mi.',
    ),
  source: sourcePlan,
  batchMap: batchMapPlan,
  sink: sinkPlan,
  placement: placement.prefault({}),
});

// ---------------------------------------------------------------------------------------
// Monitoring

/**
 * Where the soak's alerts go: one Alertmanager receiver, emitted as a prometheus-operator
 * AlertmanagerConfig in the plan's namespace (src/constructs/alert-routing.ts). The URL is
 * read from a Secret by the operator, never written in the plan.
 */
export const alertRoutingPlan = strict({
  receiver: z
    .enum(['webhook', 'slack'])
    .describe('webhook: POST Alertmanager\'s JSON payload to a URL; slack: a Slack incoming webhook.'),
  urlSecret: strict({ name: keyRef('Secret').shape.name, key: keyRef('Secret').shape.key }).describe(
    'The Secret in the plan\'s namespace, and its key, that holds the webhook URL (or the Slack incoming-webhook URL). Create it before applying, e.g. kubectl -n <namespace> create secret generic soak-alerts --from-literal=url=https://...',
  ),
  slackChannel: visibleText('a Slack channel').optional().describe('Slack channel or user to post to (receiver slack only); unset: the webhook\'s own channel.'),
  severities: z
    .array(z.enum(['critical', 'warning']))
    .min(1, { error: 'route at least one severity' })
    .default(['critical', 'warning'])
    .describe('Severities of the soak\'s alerts to send.'),
  sendResolved: z.boolean().default(true).describe('Also notify when an alert resolves.'),
  groupWait: duration.prefault('30s').describe('How long Alertmanager waits to group the first notification.'),
  groupInterval: duration.prefault('5m').describe('How long it waits before notifying about new alerts in a group.'),
  repeatInterval: duration.prefault('4h').describe('How often a still-firing alert is sent again.'),
})
  .superRefine((routing, ctx) => {
    if (routing.slackChannel !== undefined && routing.receiver !== 'slack') {
      ctx.addIssue({ code: 'custom', path: ['slackChannel'], message: 'slackChannel applies only to receiver slack' });
    }
  })
  .describe('Routes the soak\'s alerts to one receiver (an AlertmanagerConfig). The URL comes from a Secret, never from the plan.');

export const monitoringPlan = strict({
  enabled: z.boolean().default(true).describe('Emit PodMonitor, ServiceMonitors, PrometheusRule and the Grafana dashboard ConfigMap (needs the Prometheus operator CRDs).'),
  labels: labelMap.default({}).describe('Labels your Prometheus selects monitors and rules by, e.g. release: kube-prometheus-stack.'),
  scrapeInterval: duration.prefault('30s'),
  /**
   * How long the soak runs. It sizes the Prometheus the platform stack installs (retention
   * and volume, src/monitoring/prometheus-stack-values.ts) and is the default window of
   * `verdict`, `recommend` and `doctor` (ending now) when no --start or --history-duration is given.
   * @default '5d'
   */
  soakDuration: z
    .string({ error: (issue) => `expected a duration such as 5d, 36h or 1d12h, got ${describe(issue.input)}` })
    .regex(/^(?:\d+(?:\.\d+)?[dhms])+$/, { error: (issue) => `expected a duration such as 5d, 36h or 1d12h, got ${describe(issue.input)}` })
    .transform((input) => Duration.parseSpan(input))
    .refine((d) => d.seconds >= 3600, { error: 'a soak must run at least 1h' })
    .prefault('5d')
    .describe('How long the soak runs (5d, 36h, 1d12h): sizes the Prometheus retention and volume, and is the default window of verdict, recommend and doctor.'),
  /**
   * Where the Prometheus that scrapes the soak runs, so the buffer service's NetworkPolicy
   * admits its pods to the exporter port. The default is the kube-prometheus-stack 70.4.1
   * release the Pulumi program installs (release `kube-prometheus-stack` in `monitoring`):
   * prometheus-operator v0.81.0 labels the Prometheus pods `app.kubernetes.io/name: prometheus`
   * and `operator.prometheus.io/name: <Prometheus name>` (pkg/prometheus/server/operator.go
   * makeSelectorLabels), and the chart names its Prometheus `<fullname>-prometheus`
   * (templates/_helpers.tpl `kube-prometheus-stack.prometheus.crname`).
   * @default namespace `monitoring`, podLabels of kube-prometheus-stack's Prometheus
   */
  prometheus: strict({
    namespace: z
      .string()
      .max(63, { error: 'a namespace must be at most 63 characters' })
      .regex(DNS_1123, { error: (issue) => `a namespace must be a DNS-1123 label, got ${describe(issue.input)}` })
      .default('monitoring')
      .describe('Namespace of the Prometheus pods (selected by its kubernetes.io/metadata.name label).'),
    podLabels: labelMap
      .default({ 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' })
      .describe('Labels of the Prometheus pods. Default: those of the kube-prometheus-stack release the Pulumi program installs.'),
  })
    .prefault({})
    .describe('Where the Prometheus that scrapes the soak runs; the buffer service\'s NetworkPolicy admits these pods to the exporter port 7777.'),
  alerts: strict({
    throughputFloorPercent: int(1, 100).default(90).describe('Alert when the source rate stays below this percent of the target.'),
    memoryNearLimitPercent: int(1, 100).default(90).describe('Alert when a container\'s working set stays above this percent of its limit.'),
    volumeFullPercent: int(1, 100).default(80).describe('Alert when a buffer volume is fuller than this.'),
    processingLagSeconds: int(1).default(60).describe('Alert when the pipeline lags by more than this.'),
    for: duration.prefault('10m').describe('How long a condition must hold before it alerts.'),
  }).prefault({}),
  /**
   * Where every alert's `runbook_url` annotation points: `<runbookBaseUrl>#<alert name in
   * lower case>`, a section of docs/runbook.md. The default is that file's path in this
   * repository; set the URL where your copy is rendered (e.g.
   * https://github.com/<org>/<repo>/blob/main/docs/runbook.md) so the link opens from a page.
   * @default 'docs/runbook.md'
   */
  runbookBaseUrl: z
    .string()
    .regex(/^(https?:\/\/[^\s#{}]+|[^\s#{}:]+)$/, {
      error: (issue) => `expected an http(s) URL or a repository path without '#', spaces or braces, got ${describe(issue.input)}`,
    })
    .default('docs/runbook.md')
    .describe(
      'Base of every alert\'s runbook_url annotation (<base>#<alert name in lower case>). Default: docs/runbook.md, the path in this repository; set the URL where it is rendered, e.g. https://github.com/<org>/<repo>/blob/main/docs/runbook.md.',
    ),
  /**
   * Labels of the dashboard ConfigMap. The default is what kube-prometheus-stack 70.4.1's
   * Grafana sidecar loads (values.yaml `grafana.sidecar.dashboards`: label
   * `grafana_dashboard`, labelValue "1", searchNamespace ALL).
   * @default { grafana_dashboard: "1" }
   */
  dashboardLabels: labelMap
    .default({ grafana_dashboard: '1' })
    .describe('Labels on the Grafana dashboard ConfigMap, those your Grafana sidecar loads dashboards by. Default: grafana_dashboard: "1", kube-prometheus-stack\'s.'),
  /**
   * Sends the soak's alerts to a webhook or Slack (an AlertmanagerConfig).
   * @default unset: no routing; the alerts reach only Alertmanager's own routes
   */
  alertRouting: alertRoutingPlan.optional(),
});

// ---------------------------------------------------------------------------------------
// The plan

export const soakPlan = strict({
  namespace: z
    .string()
    .max(63, { error: 'a namespace must be at most 63 characters' })
    .regex(DNS_1123, { error: (issue) => `a namespace must be a DNS-1123 label, got ${describe(issue.input)}` })
    .describe('Namespace of the pipeline and the buffer service. Default (filled in by the loader): numaflow-<stack name>, so each variant has its own namespace and PriorityClass.'),
  cluster: clusterPlan,
  buffer: bufferPlan,
  pipeline: pipelinePlan,
  monitoring: monitoringPlan.prefault({}),
});

export type SoakPlan = z.output<typeof soakPlan>;
export type ContainerResources = z.output<typeof containerResources>;
export type NumaContainer = z.output<typeof numaContainer>;
export type ResourceList = z.output<typeof resourceList>;
export type Placement = z.output<typeof placement>;
export type Toleration = z.output<typeof toleration>;
export type NodeShape = z.output<typeof nodeShape>;
export type ClusterPlan = z.output<typeof clusterPlan>;
export type BufferPlan = z.output<typeof bufferPlan>;
export type StreamSettings = z.output<typeof streamSettings>;
export type ScalePlan = z.output<typeof scalePlan>;
export type VertexLimits = z.output<typeof vertexLimits>;
export type PipelineLimits = z.output<typeof pipelineLimits>;
export type GeneratorPlan = z.output<typeof generatorPlan>;
export type SourcePlan = z.output<typeof sourcePlan>;
export type BatchMapPlan = z.output<typeof batchMapPlan>;
export type SinkPlan = z.output<typeof sinkPlan>;
export type PipelinePlan = z.output<typeof pipelinePlan>;
export type MonitoringPlan = z.output<typeof monitoringPlan>;
export type AlertRoutingPlan = z.output<typeof alertRoutingPlan>;
export type EnvValue = z.output<typeof envValue>;
export type EnvVarSource = z.output<typeof envVarSource>;
