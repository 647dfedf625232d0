/**
 * The numaflow-soak policy rules as pure functions: a resource's Pulumi type token, its
 * input properties and its resource options in, a list of violation messages out.
 *
 * This file imports nothing (no @pulumi/policy, nothing from ../src) so the pack runs from
 * its own folder and the rules can be unit-tested without the Pulumi engine. `index.ts`
 * wraps the `POLICIES` table below into a PolicyPack.
 *
 * Scope: only objects labelled `numaflow-soak/variant` in `metadata.labels` are ours; the
 * upstream manifests the stack installs (the Numaflow controller, the Prometheus operator
 * chart) are not judged.
 *
 * Every message starts with `<Kind> <name>: ` and names the exact field path, e.g.
 * `Pipeline batch-map-soak: spec.vertices[1].udf.container.resources.limits.memory is missing`.
 */

export type Violation = string;

/** The resource options a rule may read (a subset of @pulumi/policy's PolicyResourceOptions). */
export interface ResourceOptions {
  readonly protect?: boolean;
}

export type EnforcementLevel = 'mandatory' | 'advisory';

export interface PolicyRule {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  check(resourceType: string, props: any, opts?: ResourceOptions): Violation[];
}

/** The label every object we own carries; its value is the variant (`soak`, `rightsized`). */
export const VARIANT_LABEL = 'numaflow-soak/variant';

export const NUMAFLOW_GROUP = 'numaflow.numaproj.io';

/** Image tags that move between builds: allowed, but a digest is advised. */
export const MOVING_TAGS: readonly string[] = ['stable', 'main', 'master', 'edge', 'nightly', 'dev'];

const RESOURCE_NAMES = ['cpu', 'memory'] as const;
const RESOURCE_SECTIONS = ['requests', 'limits'] as const;

// ---------------------------------------------------------------------------------------
// Resource type tokens
// ---------------------------------------------------------------------------------------

export interface KubernetesType {
  /** API group; `core` for the legacy group (`kubernetes:core/v1:Pod`). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** Parses `kubernetes:apps/v1:Deployment` into its group, version and kind. */
export function parseResourceType(resourceType: string): KubernetesType | undefined {
  const m = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(resourceType);
  return m ? { group: m[1], version: m[2], kind: m[3] } : undefined;
}

/** The Pulumi type token of a Kubernetes object: (`apps/v1`, `Deployment`) → `kubernetes:apps/v1:Deployment`. */
export function resourceType(apiVersion: string, kind: string): string {
  return `kubernetes:${apiVersion.includes('/') ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

/** Where the pod spec sits in each pod-bearing core kind, and the groups the kind lives in. */
const POD_SPEC_PATH: Readonly<Record<string, { groups: readonly string[]; path: readonly string[] }>> = {
  Pod: { groups: ['core'], path: ['spec'] },
  Deployment: { groups: ['apps', 'extensions'], path: ['spec', 'template', 'spec'] },
  StatefulSet: { groups: ['apps'], path: ['spec', 'template', 'spec'] },
  DaemonSet: { groups: ['apps', 'extensions'], path: ['spec', 'template', 'spec'] },
  ReplicaSet: { groups: ['apps', 'extensions'], path: ['spec', 'template', 'spec'] },
  Job: { groups: ['batch'], path: ['spec', 'template', 'spec'] },
  CronJob: { groups: ['batch'], path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
};

// ---------------------------------------------------------------------------------------
// Quantities
// ---------------------------------------------------------------------------------------

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|n|u|m|k|M|G|T|P|E)?$/;
const BINARY_POWER: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_POWER: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * Parses a Kubernetes quantity (`2`, `500m`, `0.5`, `1.5Gi`, `40G`, `1e3`, or a YAML number)
 * into an exact integer number of nano-units (`1` → 1_000_000_000n, `500m` → 500_000_000n,
 * `1Ki` → 1_024_000_000_000n). Below one nano-unit it rounds up, as the API server does.
 * Returns undefined for anything that is not a quantity.
 */
export function parseQuantity(input: unknown): bigint | undefined {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    text = String(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return undefined;
  }
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign, number, suffix = ''] = m;
  const [whole, fraction = ''] = number.split('.');
  const digits = BigInt(`${whole}${fraction}` || '0');
  let power10 = 9 - fraction.length;
  let binary = 0;
  if (suffix in BINARY_POWER) binary = BINARY_POWER[suffix] * 10;
  else if (suffix in DECIMAL_POWER) power10 += DECIMAL_POWER[suffix];
  else if (suffix !== '') power10 += Number(suffix.slice(1));
  let value = digits * 2n ** BigInt(binary);
  if (power10 >= 0) {
    value *= 10n ** BigInt(power10);
  } else {
    const divisor = 10n ** BigInt(-power10);
    value = (value + divisor - 1n) / divisor;
  }
  return sign === '-' ? -value : value;
}

// ---------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------

export interface ImageReference {
  /** Repository, with registry and path (`quay.io/numaio/numaflow-rs/batchmap-cat`). */
  readonly repository: string;
  readonly tag?: string;
  /** Everything after `@` (`sha256:…`). */
  readonly digest?: string;
}

/** Splits `registry:5000/path/name:tag@sha256:…` into repository, tag and digest. */
export function parseImage(image: string): ImageReference {
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const slash = named.lastIndexOf('/');
  const colon = named.indexOf(':', slash + 1);
  const repository = colon >= 0 ? named.slice(0, colon) : named;
  const tag = colon >= 0 ? named.slice(colon + 1) : undefined;
  return { repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;

// ---------------------------------------------------------------------------------------
// Our objects and their containers
// ---------------------------------------------------------------------------------------

/** An object we own: a Kubernetes kind we know, carrying the variant label. */
interface Subject {
  readonly kind: string;
  /** `<Kind> <name>`, the start of every message. */
  readonly label: string;
  readonly variant: string;
  readonly props: any;
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ours(type: string, props: any): (Subject & { type: KubernetesType }) | undefined {
  const parsed = parseResourceType(type);
  if (!parsed || !isObject(props)) return undefined;
  const variant = isObject(props.metadata) && isObject(props.metadata.labels) ? props.metadata.labels[VARIANT_LABEL] : undefined;
  if (typeof variant !== 'string' || variant === '') return undefined;
  const name = typeof props.metadata.name === 'string' && props.metadata.name !== '' ? props.metadata.name : '(unnamed)';
  return { kind: parsed.kind, label: `${parsed.kind} ${name}`, variant, props, type: parsed };
}

function isNumaflow(subject: { type: KubernetesType }, kind: string): boolean {
  return subject.type.group === NUMAFLOW_GROUP && subject.type.kind === kind;
}

/**
 * A container, or a Numaflow container template, with where it sits. `fallback` is the
 * template a vertex inherits from `spec.templates.vertex` field by field (Numaflow merges
 * it in with mergo: values the vertex leaves unset come from the template).
 */
interface ContainerSlot {
  readonly path: string;
  readonly container: any;
  readonly fallback?: { readonly path: string; readonly container: any };
  /** A container Numaflow cannot run without requests and limits from us. */
  readonly required: boolean;
  /** A user container whose image we check. */
  readonly hasImage: boolean;
  /** `(container "name")` for core containers. */
  readonly note: string;
}

function present(slot: ContainerSlot): boolean {
  return isObject(slot.container) || isObject(slot.fallback?.container);
}

function at(obj: any, ...keys: (string | number)[]): any {
  let cur = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[k];
  }
  return cur;
}

function list(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

function pipelineSlots(spec: any): ContainerSlot[] {
  const slots: ContainerSlot[] = [];
  const slot = (path: string, container: any, required: boolean, hasImage: boolean, fallback?: ContainerSlot['fallback']): void => {
    slots.push({ path, container, required, hasImage, note: '', ...(fallback ? { fallback } : {}) });
  };
  const vertexTemplate = at(spec, 'templates', 'vertex');
  list(at(spec, 'vertices')).forEach((vertex, i) => {
    const v = `spec.vertices[${i}]`;
    slot(`${v}.containerTemplate`, at(vertex, 'containerTemplate'), true, false, {
      path: 'spec.templates.vertex.containerTemplate',
      container: at(vertexTemplate, 'containerTemplate'),
    });
    slot(`${v}.initContainerTemplate`, at(vertex, 'initContainerTemplate'), false, false, {
      path: 'spec.templates.vertex.initContainerTemplate',
      container: at(vertexTemplate, 'initContainerTemplate'),
    });
    slot(`${v}.sideInputsContainerTemplate`, at(vertex, 'sideInputsContainerTemplate'), false, false);
    if (isObject(at(vertex, 'udf'))) slot(`${v}.udf.container`, at(vertex, 'udf', 'container'), true, true);
    if (isObject(at(vertex, 'source', 'udsource'))) slot(`${v}.source.udsource.container`, at(vertex, 'source', 'udsource', 'container'), true, true);
    if (isObject(at(vertex, 'source', 'transformer'))) slot(`${v}.source.transformer.container`, at(vertex, 'source', 'transformer', 'container'), true, true);
    if (isObject(at(vertex, 'sink', 'udsink'))) slot(`${v}.sink.udsink.container`, at(vertex, 'sink', 'udsink', 'container'), true, true);
    for (const extra of ['fallback', 'onSuccess']) {
      if (isObject(at(vertex, 'sink', extra, 'udsink'))) slot(`${v}.sink.${extra}.udsink.container`, at(vertex, 'sink', extra, 'udsink', 'container'), true, true);
    }
    for (const field of ['initContainers', 'sidecars']) {
      list(at(vertex, field)).forEach((c, j) => slot(`${v}.${field}[${j}]`, c, true, true));
    }
  });
  slot('spec.templates.daemon.containerTemplate', at(spec, 'templates', 'daemon', 'containerTemplate'), true, false);
  slot('spec.templates.daemon.initContainerTemplate', at(spec, 'templates', 'daemon', 'initContainerTemplate'), false, false);
  slot('spec.templates.job.containerTemplate', at(spec, 'templates', 'job', 'containerTemplate'), false, false);
  slot('spec.templates.sideInputsManager.containerTemplate', at(spec, 'templates', 'sideInputsManager', 'containerTemplate'), false, false);
  slot('spec.templates.sideInputsManager.initContainerTemplate', at(spec, 'templates', 'sideInputsManager', 'initContainerTemplate'), false, false);
  list(at(spec, 'sideInputs')).forEach((input, k) => slot(`spec.sideInputs[${k}].container`, at(input, 'container'), true, true));
  return slots;
}

const JETSTREAM_TEMPLATES = ['containerTemplate', 'reloaderContainerTemplate', 'metricsContainerTemplate'] as const;

function bufferSlots(spec: any): ContainerSlot[] {
  return JETSTREAM_TEMPLATES.map((t) => ({
    path: `spec.jetstream.${t}`,
    container: at(spec, 'jetstream', t),
    required: true,
    hasImage: false,
    note: '',
  }));
}

function podSlots(props: any, podSpecPath: readonly string[]): ContainerSlot[] {
  const podSpec = at(props, ...podSpecPath);
  const base = podSpecPath.join('.');
  const slots: ContainerSlot[] = [];
  for (const field of ['initContainers', 'containers']) {
    list(at(podSpec, field)).forEach((c, i) => {
      const name = at(c, 'name');
      slots.push({
        path: `${base}.${field}[${i}]`,
        container: c,
        required: true,
        hasImage: true,
        note: typeof name === 'string' ? ` (container "${name}")` : '',
      });
    });
  }
  return slots;
}

/** Our object and its containers, or undefined when the object is not ours or has no containers we know. */
function containersOf(type: string, props: any): { subject: Subject; slots: ContainerSlot[] } | undefined {
  const subject = ours(type, props);
  if (!subject) return undefined;
  if (isNumaflow(subject, 'Pipeline')) return { subject, slots: pipelineSlots(props.spec) };
  if (isNumaflow(subject, 'InterStepBufferService')) return { subject, slots: bufferSlots(props.spec) };
  const pod = POD_SPEC_PATH[subject.type.kind];
  if (pod && pod.groups.includes(subject.type.group)) return { subject, slots: podSlots(props, pod.path) };
  return undefined;
}

interface Field {
  readonly path: string;
  readonly value: unknown;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** The effective `resources.<section>.<name>` of a slot: the slot's own value, else the template's. */
function resourceField(slot: ContainerSlot, section: string, name: string): Field | undefined {
  const own = at(slot.container, 'resources', section, name);
  if (isSet(own)) return { path: `${slot.path}.resources.${section}.${name}`, value: own };
  const inherited = at(slot.fallback?.container, 'resources', section, name);
  if (slot.fallback && isSet(inherited)) return { path: `${slot.fallback.path}.resources.${section}.${name}`, value: inherited };
  return undefined;
}

/** Every resource name set in a section of a slot (own and inherited). */
function resourceNames(slot: ContainerSlot, section: string): string[] {
  const names = new Set<string>();
  for (const source of [slot.container, slot.fallback?.container]) {
    const entries = at(source, 'resources', section);
    if (isObject(entries)) for (const k of Object.keys(entries)) names.add(k);
  }
  return [...names].sort();
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------

/** a. Both cpu and memory, in both requests and limits, on every container we size. */
export function checkRequestsAndLimits(type: string, props: any): Violation[] {
  const found = containersOf(type, props);
  if (!found) return [];
  const out: Violation[] = [];
  for (const slot of found.slots) {
    if (!slot.required && !present(slot)) continue;
    const missing: string[] = [];
    for (const section of RESOURCE_SECTIONS) {
      for (const name of RESOURCE_NAMES) {
        if (!resourceField(slot, section, name)) missing.push(`${section}.${name}`);
      }
    }
    if (missing.length === 0) continue;
    if (missing.length === RESOURCE_SECTIONS.length * RESOURCE_NAMES.length) {
      out.push(`${found.subject.label}: ${slot.path}.resources is missing${slot.note}; set requests and limits for cpu and memory`);
    } else {
      for (const m of missing) out.push(`${found.subject.label}: ${slot.path}.resources.${m} is missing${slot.note}`);
    }
  }
  return out;
}

/** b. Every request parses and is at most its limit. */
export function checkRequestsWithinLimits(type: string, props: any): Violation[] {
  const found = containersOf(type, props);
  if (!found) return [];
  const out: Violation[] = [];
  for (const slot of found.slots) {
    if (!present(slot)) continue;
    const parsed = new Map<string, bigint>();
    for (const section of RESOURCE_SECTIONS) {
      for (const name of resourceNames(slot, section)) {
        const field = resourceField(slot, section, name);
        if (!field) continue;
        const q = parseQuantity(field.value);
        if (q === undefined) out.push(`${found.subject.label}: ${field.path} ${JSON.stringify(field.value)} is not a Kubernetes quantity${slot.note}`);
        else parsed.set(`${section}.${name}`, q);
      }
    }
    for (const name of resourceNames(slot, 'requests')) {
      const request = parsed.get(`requests.${name}`);
      const limit = parsed.get(`limits.${name}`);
      if (request === undefined || limit === undefined || request <= limit) continue;
      const r = resourceField(slot, 'requests', name)!;
      const l = resourceField(slot, 'limits', name)!;
      out.push(`${found.subject.label}: ${r.path} (${show(r.value)}) exceeds ${l.path} (${show(l.value)})${slot.note}`);
    }
  }
  return out;
}

interface ImageField extends Field {
  readonly note: string;
}

function imagesOf(type: string, props: any): { subject: Subject; images: ImageField[] } | undefined {
  const found = containersOf(type, props);
  if (!found) return undefined;
  const images: ImageField[] = [];
  for (const slot of found.slots) {
    if (!slot.hasImage) continue;
    const image = at(slot.container, 'image');
    if (typeof image === 'string' && image !== '') images.push({ path: `${slot.path}.image`, value: image, note: slot.note });
  }
  return { subject: found.subject, images };
}

/** c. No image resolves to `latest`: each has a tag other than `latest`, or a sha256 digest. */
export function checkNoLatestImages(type: string, props: any): Violation[] {
  const found = imagesOf(type, props);
  const out: Violation[] = [];
  if (found) {
    for (const { path, value, note } of found.images) {
      const image = value as string;
      const ref = parseImage(image);
      if (ref.digest !== undefined) {
        if (!SHA256_DIGEST.test(ref.digest)) out.push(`${found.subject.label}: ${path} "${image}" has a digest that is not sha256:<64 hex digits>${note}`);
        continue;
      }
      if (ref.tag === undefined || ref.tag === '') out.push(`${found.subject.label}: ${path} "${image}" has no tag, so it pulls latest${note}; pin a version tag or a sha256 digest`);
      else if (ref.tag.toLowerCase() === 'latest') out.push(`${found.subject.label}: ${path} "${image}" uses the latest tag${note}; pin a version tag or a sha256 digest`);
    }
  }
  // The JetStream images come from the controller's version table; `latest` there moves too.
  const subject = ours(type, props);
  if (subject && isNumaflow(subject, 'InterStepBufferService')) {
    const version = at(props, 'spec', 'jetstream', 'version');
    if (typeof version === 'string' && version.toLowerCase() === 'latest') {
      out.push(`${subject.label}: spec.jetstream.version is "latest", which moves with the controller's version table; pin a listed version such as 2.12.7`);
    }
  }
  return out;
}

function soakBuffer(type: string, props: any): Subject | undefined {
  const subject = ours(type, props);
  return subject && isNumaflow(subject, 'InterStepBufferService') && subject.variant === 'soak' ? subject : undefined;
}

/** d. The soak variant's buffer service (it holds the in-flight data) is protected. */
export function checkBufferProtected(type: string, props: any, opts?: ResourceOptions): Violation[] {
  const subject = soakBuffer(type, props);
  if (!subject || opts?.protect === true) return [];
  return [`${subject.label}: resource option protect is ${opts?.protect === undefined ? 'not set' : String(opts.protect)}; the soak variant's buffer service must be created with protect: true`];
}

/** e. The soak variant's JetStream runs an odd number of nodes, at least 3 (unset means Numaflow's default, 3). */
export function checkJetStreamNodes(type: string, props: any): Violation[] {
  const subject = soakBuffer(type, props);
  if (!subject) return [];
  const replicas = at(props, 'spec', 'jetstream', 'replicas');
  if (replicas === undefined || replicas === null) return [];
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) {
    return [`${subject.label}: spec.jetstream.replicas is ${JSON.stringify(replicas)}, not a whole number; the soak variant needs an odd number of at least 3`];
  }
  if (replicas >= 3 && replicas % 2 === 1) return [];
  return [`${subject.label}: spec.jetstream.replicas is ${replicas}; the soak variant needs an odd number of JetStream nodes, at least 3, so a quorum survives losing one`];
}

/** f. The JetStream `main` container requests what it is limited to (cpu and memory). */
export function checkBufferGuaranteed(type: string, props: any): Violation[] {
  const subject = ours(type, props);
  if (!subject || !isNumaflow(subject, 'InterStepBufferService')) return [];
  const out: Violation[] = [];
  // The pod is Guaranteed only if every container requests exactly its limits.
  for (const template of ['containerTemplate', 'reloaderContainerTemplate', 'metricsContainerTemplate']) {
    const base = `spec.jetstream.${template}.resources`;
    const resources = at(props, 'spec', 'jetstream', template, 'resources');
    for (const name of RESOURCE_NAMES) {
      const request = at(resources, 'requests', name);
      const limit = at(resources, 'limits', name);
      if (!isSet(request) || !isSet(limit)) continue;
      const r = parseQuantity(request);
      const l = parseQuantity(limit);
      if (r === undefined || l === undefined || r === l) continue;
      out.push(`${subject.label}: ${base}.requests.${name} (${show(request)}) differs from ${base}.limits.${name} (${show(limit)}); the JetStream pods are Burstable, not Guaranteed, and can be evicted before other pods`);
    }
  }
  return out;
}

/** g. The JetStream settings bound the file store (the controller's default is 1TB, whatever the volume). */
export function checkBufferFileStore(type: string, props: any): Violation[] {
  const subject = ours(type, props);
  if (!subject || !isNumaflow(subject, 'InterStepBufferService')) return [];
  const settings = at(props, 'spec', 'jetstream', 'settings');
  if (typeof settings === 'string' && /^\s*max_file_store\s*[:=]\s*\S/m.test(settings)) return [];
  const volume = at(props, 'spec', 'jetstream', 'persistence', 'volumeSize');
  const size = isSet(volume) ? show(volume) : '20Gi (the default)';
  return [`${subject.label}: spec.jetstream.settings does not set max_file_store; the controller's default (1TB) exceeds the ${size} volume, so JetStream would accept messages it has no room for`];
}

/** h. Images on a moving tag are better pinned by digest. */
export function checkImagePinnedByDigest(type: string, props: any): Violation[] {
  const found = imagesOf(type, props);
  if (!found) return [];
  const out: Violation[] = [];
  for (const { path, value, note } of found.images) {
    const image = value as string;
    const ref = parseImage(image);
    if (ref.digest !== undefined || ref.tag === undefined) continue;
    if (MOVING_TAGS.includes(ref.tag.toLowerCase())) {
      out.push(`${found.subject.label}: ${path} "${image}" uses the moving tag "${ref.tag}"${note}; pin it by digest (${ref.repository}@sha256:…) so every pod runs the same build`);
    }
  }
  return out;
}

export const POLICIES: readonly PolicyRule[] = [
  {
    name: 'every-container-has-requests-and-limits',
    description:
      'Every container of our Pipelines (numa, init, udf, udsink, udsource, transformer, sidecars, daemon), InterStepBufferServices (main, reloader, metrics) and pod-bearing core objects sets cpu and memory in both requests and limits.',
    enforcementLevel: 'mandatory',
    check: (type, props) => checkRequestsAndLimits(type, props),
  },
  {
    name: 'requests-within-limits',
    description: 'Every resource request is a valid Kubernetes quantity and is not above its limit.',
    enforcementLevel: 'mandatory',
    check: (type, props) => checkRequestsWithinLimits(type, props),
  },
  {
    name: 'no-latest-images',
    description: 'Every user image has a tag other than latest, or a sha256 digest; the JetStream version is not latest.',
    enforcementLevel: 'mandatory',
    check: (type, props) => checkNoLatestImages(type, props),
  },
  {
    name: 'buffer-protected-in-soak',
    description: 'The soak variant\'s InterStepBufferService holds in-flight data and must be created with the resource option protect: true.',
    enforcementLevel: 'mandatory',
    check: (type, props, opts) => checkBufferProtected(type, props, opts),
  },
  {
    name: 'jetstream-nodes-in-soak',
    description: 'The soak variant\'s InterStepBufferService runs an odd number of JetStream nodes, at least 3 (spec.jetstream.replicas; unset means 3).',
    enforcementLevel: 'mandatory',
    check: (type, props) => checkJetStreamNodes(type, props),
  },
  {
    name: 'buffer-guaranteed-qos',
    description:
      'Every JetStream container (main, reloader, metrics) requests exactly its limits for cpu and memory, so the buffer service pods get Guaranteed QoS.',
    enforcementLevel: 'advisory',
    check: (type, props) => checkBufferGuaranteed(type, props),
  },
  {
    name: 'buffer-file-store-set',
    description: 'spec.jetstream.settings sets max_file_store, so JetStream stops accepting messages before the volume is full.',
    enforcementLevel: 'advisory',
    check: (type, props) => checkBufferFileStore(type, props),
  },
  {
    name: 'image-pinned-by-digest',
    description: `Images on a moving tag (${MOVING_TAGS.join(', ')}) should be pinned by sha256 digest.`,
    enforcementLevel: 'advisory',
    check: (type, props) => checkImagePinnedByDigest(type, props),
  },
];

export interface Finding {
  readonly policy: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly message: Violation;
}

/** Runs every rule (or those of one enforcement level) on one resource. */
export function evaluate(type: string, props: any, opts?: ResourceOptions, level?: EnforcementLevel): Finding[] {
  return POLICIES.filter((p) => level === undefined || p.enforcementLevel === level).flatMap((p) =>
    p.check(type, props, opts).map((message) => ({ policy: p.name, enforcementLevel: p.enforcementLevel, message })),
  );
}
