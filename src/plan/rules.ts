/**
 * Cross-field rules a plan must satisfy, as a table: each rule names what it checks, its
 * severity, and yields (key path, message) pairs. Errors refuse the plan; warnings are
 * reported and the plan goes on. Rules come from the Numaflow controller's own validation
 * (pipeline_validate.go, isbsvc_validate.go), Kubernetes limits, and soak-test experience.
 */
import { JETSTREAM_VERSIONS } from '../numaflow/versions';
import { CPU_REQUEST_ENV, threadsForCpu } from '../numaflow/worker-threads';
import { distinctSizedContainers } from './containers';
import { effectiveLimits, estimatedStreamBytesPerNode } from './derived';
import type { EnvValue, SoakPlan } from './schema';

export type Severity = 'error' | 'warning';

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  /** Key path inside the plan, e.g. `pipeline.batchMap.udf.requests.memory`. */
  readonly path: string;
  readonly message: string;
}

export interface Rule {
  readonly id: string;
  readonly severity: Severity;
  readonly description: string;
  readonly check: (plan: SoakPlan) => Iterable<readonly [path: string, message: string]>;
}

/** Longest Kubernetes name for a Service (and any DNS-1035 label). */
const MAX_LABEL = 63;
/** A StatefulSet name longer than 52 characters breaks its pods' controller-revision-hash label. */
const MAX_STATEFULSET_NAME = 52;

/** Tags that publishers move to each new build. */
const MOVING_TAGS = ['stable', 'main', 'master', 'edge', 'nightly', 'dev'];

function vertices(plan: SoakPlan) {
  const { source, batchMap, sink } = plan.pipeline;
  return [
    { path: 'pipeline.source', v: source },
    { path: 'pipeline.batchMap', v: batchMap },
    { path: 'pipeline.sink', v: sink },
  ];
}

/**
 * The containers whose requests and limits are checked: every container of the capacity
 * model, plus the buffer Jobs' `numa` container (`pipeline.job`), which is short-lived and
 * so not part of that model.
 */
function checkedContainers(plan: SoakPlan) {
  return [...distinctSizedContainers(plan), { path: 'pipeline.job', resources: plan.pipeline.job }];
}

/** A plan env value as written, for messages: the literal, or where the kubelet reads it. */
function envText(value: EnvValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value.secretKeyRef) return `from Secret ${value.secretKeyRef.name} key ${value.secretKeyRef.key}`;
  if (value.configMapKeyRef) return `from ConfigMap ${value.configMapKeyRef.name} key ${value.configMapKeyRef.key}`;
  return JSON.stringify(value.value ?? '');
}

/** The literal of an env value, or undefined for a Secret or ConfigMap reference. */
function envLiteral(value: EnvValue): string | undefined {
  return typeof value === 'string' ? value : value.value;
}

/** Variable names that usually hold a credential. */
const CREDENTIAL_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL/i;

function pinnedImageProblem(image: string): string | undefined {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
  if (image.includes('@')) return `image ${JSON.stringify(image)} has a malformed digest: expected @sha256: and 64 hex digits`;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return `image ${JSON.stringify(image)} has no tag: pin a version tag or a sha256 digest`;
  const tag = lastSegment.slice(colon + 1);
  if (tag === 'latest') return `image ${JSON.stringify(image)} uses the moving tag "latest": pin a version tag or a sha256 digest`;
  return undefined;
}

export const RULES: readonly Rule[] = [
  {
    id: 'resources-positive',
    severity: 'error',
    description: 'Every request and limit is above zero.',
    *check(plan) {
      for (const c of checkedContainers(plan)) {
        for (const kind of ['requests', 'limits'] as const) {
          const r = c.resources[kind];
          if (r.cpu.millicores === 0) yield [`${c.path}.${kind}.cpu`, `must be above zero`];
          if (r.memory.bytes === 0) yield [`${c.path}.${kind}.memory`, `must be above zero`];
        }
      }
    },
  },
  {
    id: 'request-within-limit',
    severity: 'error',
    description: 'A request is never above its limit (the API server rejects the pod).',
    *check(plan) {
      for (const c of checkedContainers(plan)) {
        const { requests, limits } = c.resources;
        if (requests.cpu.compare(limits.cpu) > 0) {
          yield [`${c.path}.requests.cpu`, `request ${requests.cpu} is above the limit ${limits.cpu}`];
        }
        if (requests.memory.compare(limits.memory) > 0) {
          yield [`${c.path}.requests.memory`, `request ${requests.memory} is above the limit ${limits.memory}`];
        }
      }
    },
  },
  {
    id: 'scale-min-within-max',
    severity: 'error',
    description: 'scale.min is at most scale.max.',
    *check(plan) {
      for (const { path, v } of vertices(plan)) {
        if (v.scale.min > v.scale.max) yield [`${path}.scale.min`, `min ${v.scale.min} is above max ${v.scale.max}`];
      }
    },
  },
  {
    id: 'source-partitions',
    severity: 'error',
    description: 'Numaflow rejects more than one partition on a source vertex.',
    *check(plan) {
      const p = plan.pipeline.source.partitions;
      if (p !== undefined && p > 1) yield ['pipeline.source.partitions', `a source vertex cannot have partitions (got ${p}; Numaflow allows at most 1)`];
    },
  },
  {
    id: 'unique-vertex-names',
    severity: 'error',
    description: 'Vertex names are unique within the pipeline.',
    *check(plan) {
      const seen = new Map<string, string>();
      for (const { path, v } of vertices(plan)) {
        const first = seen.get(v.name);
        if (first) yield [`${path}.name`, `vertex name ${JSON.stringify(v.name)} is already used by ${first}`];
        else seen.set(v.name, path);
      }
    },
  },
  {
    id: 'headless-service-name',
    severity: 'error',
    description: 'The Service {pipeline}-{vertex}-headless fits in 63 characters.',
    *check(plan) {
      for (const { path, v } of vertices(plan)) {
        const name = `${plan.pipeline.name}-${v.name}-headless`;
        if (name.length > MAX_LABEL) {
          yield [`${path}.name`, `the vertex Service name ${JSON.stringify(name)} is ${name.length} characters; pipeline name plus vertex name may have at most 53`];
        }
      }
    },
  },
  {
    id: 'buffer-name-length',
    severity: 'error',
    description: 'The StatefulSet isbsvc-{name}-js fits in 52 characters.',
    *check(plan) {
      const name = `isbsvc-${plan.buffer.name}-js`;
      if (name.length > MAX_STATEFULSET_NAME) {
        yield ['buffer.name', `the StatefulSet name ${JSON.stringify(name)} is ${name.length} characters; the buffer name may have at most 42`];
      }
    },
  },
  {
    id: 'jetstream-version-listed',
    severity: 'error',
    description: 'The JetStream version is one the Numaflow controller lists, and pinned.',
    *check(plan) {
      const v = plan.buffer.version;
      if (v === 'latest') yield ['buffer.version', `"latest" is not pinned; choose one of ${JETSTREAM_VERSIONS.join(', ')}`];
      else if (!JETSTREAM_VERSIONS.includes(v)) {
        yield ['buffer.version', `JetStream version ${JSON.stringify(v)} is not listed by the Numaflow controller; choose one of ${JETSTREAM_VERSIONS.join(', ')}`];
      }
    },
  },
  {
    id: 'jetstream-node-count',
    severity: 'error',
    description: 'JetStream runs 1 node or 3 and more, never 2.',
    *check(plan) {
      if (plan.buffer.replicas === 2) yield ['buffer.replicas', 'JetStream cannot run 2 nodes (no quorum); use 1 for a throwaway test or 3 or more'];
    },
  },
  {
    id: 'jetstream-node-count-odd',
    severity: 'warning',
    description: 'An even node count adds cost without adding fault tolerance.',
    *check(plan) {
      const n = plan.buffer.replicas;
      if (n > 2 && n % 2 === 0) yield ['buffer.replicas', `${n} JetStream nodes tolerate no more failures than ${n - 1}; prefer an odd count`];
    },
  },
  {
    id: 'stream-replicas-within-nodes',
    severity: 'error',
    description: 'A stream cannot have more copies than there are JetStream nodes.',
    *check(plan) {
      const { stream, replicas } = plan.buffer;
      if (replicas >= 3 && stream.replicas > replicas) {
        yield ['buffer.stream.replicas', `${stream.replicas} stream replicas need at least ${stream.replicas} JetStream nodes, the plan has ${replicas}`];
      }
    },
  },
  {
    id: 'stream-replicas-forced',
    severity: 'warning',
    description: 'Below 3 nodes Numaflow forces a single stream replica.',
    *check(plan) {
      const { stream, replicas } = plan.buffer;
      if (replicas < 3 && stream.replicas > 1) {
        yield ['buffer.stream.replicas', `with ${replicas} JetStream node(s) Numaflow forces 1 stream replica, not ${stream.replicas}; data is not replicated`];
      }
    },
  },
  {
    id: 'stream-holds-buffer',
    severity: 'error',
    description: 'stream.maxMsgs is at least every buffer length, else old unprocessed messages are discarded.',
    *check(plan) {
      const { batchMap, sink } = plan.pipeline;
      for (const [path, v] of [['pipeline.batchMap', batchMap], ['pipeline.sink', sink]] as const) {
        const length = effectiveLimits(plan, v.limits).bufferMaxLength;
        if (plan.buffer.stream.maxMsgs < length) {
          yield ['buffer.stream.maxMsgs', `maxMsgs ${plan.buffer.stream.maxMsgs} is below the buffer length ${length} of ${path}; Limits retention would discard unprocessed messages`];
        }
      }
    },
  },
  {
    id: 'image-pinned',
    severity: 'error',
    description: 'User images are pinned to a version tag or digest, never latest.',
    *check(plan) {
      const problem = pinnedImageProblem(plan.pipeline.batchMap.image);
      if (problem) yield ['pipeline.batchMap.image', problem];
      const udsink = plan.pipeline.sink.udsink;
      const sinkProblem = udsink && pinnedImageProblem(udsink.image);
      if (sinkProblem) yield ['pipeline.sink.udsink.image', sinkProblem];
    },
  },
  {
    id: 'image-moving-tag',
    severity: 'warning',
    description: 'Tags such as stable or main move; a digest makes two runs comparable.',
    *check(plan) {
      const images: Array<[string, string]> = [['pipeline.batchMap.image', plan.pipeline.batchMap.image]];
      if (plan.pipeline.sink.udsink) images.push(['pipeline.sink.udsink.image', plan.pipeline.sink.udsink.image]);
      for (const [path, image] of images) {
        const tag = /:([^:/@]+)$/.exec(image)?.[1];
        if (tag && MOVING_TAGS.includes(tag)) yield [path, `tag ${JSON.stringify(tag)} moves between releases; pin a sha256 digest to compare runs`];
      }
    },
  },
  {
    id: 'sink-container-matches-type',
    severity: 'error',
    description: 'A udsink sink has a udsink container; log and blackhole sinks have none.',
    *check(plan) {
      const { type, udsink } = plan.pipeline.sink;
      if (type === 'udsink' && !udsink) yield ['pipeline.sink.udsink', 'a sink of type udsink needs udsink.image and udsink.resources'];
      if (type !== 'udsink' && udsink) yield ['pipeline.sink.udsink', `a ${type} sink runs inside numa and takes no udsink container; remove it or set type: udsink`];
    },
  },
  {
    id: 'file-store-within-volume',
    severity: 'error',
    description: 'JetStream\'s file store limit fits on the volume.',
    *check(plan) {
      const { settings, persistence } = plan.buffer;
      if (settings.maxFileStore && settings.maxFileStore.compare(persistence.volumeSize) > 0) {
        yield ['buffer.settings.maxFileStore', `maxFileStore ${settings.maxFileStore} is larger than the volume ${persistence.volumeSize}; JetStream would fill the disk`];
      }
    },
  },
  {
    id: 'file-store-set',
    severity: 'warning',
    description: 'Without maxFileStore, JetStream may grow to 1TB and fill the volume.',
    *check(plan) {
      if (!plan.buffer.settings.maxFileStore) yield ['buffer.settings.maxFileStore', `unset: JetStream defaults to 1TB, more than the ${plan.buffer.persistence.volumeSize} volume`];
    },
  },
  {
    id: 'streams-fit-volume',
    severity: 'warning',
    description: 'The streams, once full, fit in 80% of the file store (an estimate from the message size).',
    *check(plan) {
      const { settings, persistence } = plan.buffer;
      const room = settings.maxFileStore ?? persistence.volumeSize;
      const need = estimatedStreamBytesPerNode(plan);
      if (need.bytes > room.bytes * 0.8) {
        yield ['buffer.stream.maxMsgs', `full streams need about ${(need.bytes / 1024 ** 3).toFixed(1)} GiB per node, more than 80% of the ${room} file store`];
      }
    },
  },
  {
    id: 'buffer-guaranteed',
    severity: 'warning',
    description: 'The buffer service pods get Guaranteed QoS (requests equal limits in every container), so they are the last to be evicted.',
    *check(plan) {
      for (const [name, r] of Object.entries(plan.buffer.containers)) {
        if (!r.requests.cpu.equals(r.limits.cpu) || !r.requests.memory.equals(r.limits.memory)) {
          yield [`buffer.containers.${name}`, `requests differ from limits, so the JetStream pods are Burstable, not Guaranteed: the buffer service holds in-flight data and should be the last to be evicted`];
        }
      }
    },
  },
  {
    id: 'generator-key-count',
    severity: 'error',
    description: 'The generator cannot have more keys than messages per duration.',
    *check(plan) {
      const { keyCount, rpu } = plan.pipeline.source.generator;
      if (keyCount !== undefined && keyCount > rpu) yield ['pipeline.source.generator.keyCount', `keyCount ${keyCount} is above rpu ${rpu}`];
    },
  },
  {
    id: 'generator-rate-rounding',
    severity: 'warning',
    description: 'Numaflow rounds rpu down to a multiple of keyCount.',
    *check(plan) {
      const { keyCount, rpu } = plan.pipeline.source.generator;
      if (keyCount !== undefined && keyCount <= rpu && rpu % keyCount !== 0) {
        yield ['pipeline.source.generator.rpu', `rpu ${rpu} is not a multiple of keyCount ${keyCount}; Numaflow will generate ${rpu - (rpu % keyCount)}`];
      }
    },
  },
  {
    id: 'source-fixed-replicas',
    severity: 'warning',
    description: 'Generator sources are never autoscaled; they run min replicas.',
    *check(plan) {
      const { min, max } = plan.pipeline.source.scale;
      if (min !== max) yield ['pipeline.source.scale', `a generator source is never autoscaled: it will run ${Math.max(1, min)} replicas, not up to ${max}; set min = max`];
    },
  },
  {
    id: 'cpu-request-env-in-udf',
    severity: 'error',
    description: 'NUMAFLOW_CPU_REQUEST is set through numa.workerThreads, not the udf env, where the controller overrides it and numa never sees it.',
    *check(plan) {
      const value = plan.pipeline.batchMap.env[CPU_REQUEST_ENV];
      if (value === undefined) return;
      const threads = plan.pipeline.batchMap.numa.workerThreads;
      const wanted = threads === undefined ? '' : ` (numa.workerThreads is ${threads})`;
      yield [
        `pipeline.batchMap.env.${CPU_REQUEST_ENV}`,
        `${CPU_REQUEST_ENV}=${envText(value)} in the udf env has no effect${wanted}: Numaflow v1.8.3 appends its own value after it in the udf container and sets numa's separately; to pin numa's worker threads set pipeline.batchMap.numa.workerThreads`,
      ];
    },
  },
  {
    id: 'env-credential-literal',
    severity: 'warning',
    description: 'A variable named like a credential has a literal value, which is written into the stack file, the manifests and the diff report; use secretKeyRef.',
    *check(plan) {
      for (const [name, value] of Object.entries(plan.pipeline.batchMap.env)) {
        const literal = envLiteral(value);
        if (literal !== undefined && literal !== '' && CREDENTIAL_NAME.test(name)) {
          yield [
            `pipeline.batchMap.env.${name}`,
            `${name} looks like a credential but is a literal: it is written into the stack file, the manifests and the diff report; put it in a Secret and use { secretKeyRef: { name, key } }`,
          ];
        }
      }
    },
  },
  {
    id: 'network-policy-prometheus-selector',
    severity: 'warning',
    description: 'With empty monitoring.prometheus.podLabels, the buffer service NetworkPolicy admits every pod of the Prometheus namespace to the exporter port.',
    *check(plan) {
      const { buffer, monitoring } = plan;
      if (buffer.networkPolicy && monitoring.enabled && Object.keys(monitoring.prometheus.podLabels).length === 0) {
        yield [
          'monitoring.prometheus.podLabels',
          `empty: the buffer service's NetworkPolicy admits every pod of namespace ${monitoring.prometheus.namespace} to the JetStream exporter (7777); name the Prometheus pods' labels`,
        ];
      }
    },
  },
  {
    id: 'worker-threads-within-cpu-limit',
    severity: 'warning',
    description: 'More numa worker threads than the CPU limit (in whole cores) only contend for the same CPU quota.',
    *check(plan) {
      for (const { path, v } of vertices(plan)) {
        const threads = v.numa.workerThreads;
        const cores = threadsForCpu(v.numa.limits.cpu);
        if (threads !== undefined && threads > cores) {
          yield [`${path}.numa.workerThreads`, `${threads} worker threads exceed the numa CPU limit ${v.numa.limits.cpu} rounded up to ${cores} cores; the extra threads only share the same CPU quota`];
        }
      }
    },
  },
  {
    id: 'read-batch-within-buffer',
    severity: 'warning',
    description: 'A read batch larger than the buffer can never fill.',
    *check(plan) {
      for (const { path, v } of vertices(plan)) {
        const l = effectiveLimits(plan, v.limits);
        if (l.readBatchSize > l.bufferMaxLength) yield [`${path}.limits.readBatchSize`, `readBatchSize ${l.readBatchSize} is above bufferMaxLength ${l.bufferMaxLength}`];
      }
    },
  },
];

/** Runs every rule and returns the findings in rule order. */
export function checkPlan(plan: SoakPlan, rules: readonly Rule[] = RULES): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const [path, message] of rule.check(plan)) {
      findings.push({ rule: rule.id, severity: rule.severity, path, message });
    }
  }
  return findings;
}
