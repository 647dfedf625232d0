/**
 * The policy pack's rules, run as pure functions on the objects the real charts synthesize
 * (both variants, built in-process from their stack files) and on targeted mutations of them.
 */
import {
  checkBufferFileStore,
  checkBufferGuaranteed,
  checkBufferProtected,
  checkImagePinnedByDigest,
  checkJetStreamNodes,
  checkNoLatestImages,
  checkRequestsAndLimits,
  checkRequestsWithinLimits,
  evaluate,
  parseImage,
  parseQuantity,
  parseResourceType,
  POLICIES,
  resourceType,
  VARIANT_LABEL,
} from '../../policy/rules';
import { listVariants } from '../../src/plan/load';
import { find, synthVariant, type Manifest } from '../support/synth';

const PIPELINE = 'kubernetes:numaflow.numaproj.io/v1alpha1:Pipeline';
const ISB = 'kubernetes:numaflow.numaproj.io/v1alpha1:InterStepBufferService';
const DEPLOYMENT = 'kubernetes:apps/v1:Deployment';

/** Every variant in stacks/ (each stack file with a plan). */
const VARIANTS = listVariants();
const objects: Record<string, Manifest[]> = Object.fromEntries(VARIANTS.map((v) => [v, synthVariant(v)]));

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function pipeline(variant = 'soak'): any {
  return copy(find(objects[variant], 'Pipeline'));
}

function buffer(variant = 'soak'): any {
  return copy(find(objects[variant], 'InterStepBufferService'));
}

/** The batch-map vertex of the real pipeline (index 1), checked so paths below stay true. */
function batchMap(p: any): any {
  expect(p.spec.vertices[1].name).toBe('batch-cat');
  return p.spec.vertices[1];
}

function typeOf(o: Manifest): string {
  return resourceType(o.apiVersion, o.kind);
}

/** Only the buffer service is protected, as the Pulumi program does. */
function optsOf(o: Manifest): { protect: boolean } {
  return { protect: o.kind === 'InterStepBufferService' };
}

function deployment(labels: Record<string, string> | undefined, containers: any[], initContainers: any[] = []): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'loadgen', ...(labels ? { labels } : {}) },
    spec: { template: { spec: { containers, initContainers } } },
  };
}

const SIZED = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };

describe('resource type tokens', () => {
  it('maps apiVersion and kind to the tokens the Kubernetes provider registers', () => {
    expect(resourceType('numaflow.numaproj.io/v1alpha1', 'Pipeline')).toBe(PIPELINE);
    expect(resourceType('apps/v1', 'Deployment')).toBe(DEPLOYMENT);
    expect(resourceType('v1', 'Pod')).toBe('kubernetes:core/v1:Pod');
    expect(parseResourceType('kubernetes:core/v1:Pod')).toEqual({ group: 'core', version: 'v1', kind: 'Pod' });
    expect(parseResourceType('aws:s3/bucket:Bucket')).toBeUndefined();
  });
});

describe('the real plans', () => {
  it.each(VARIANTS)('every object of the %s plan carries the variant label, so every rule sees it', (variant) => {
    for (const o of objects[variant]) expect(o.metadata.labels?.[VARIANT_LABEL]).toBe(variant);
    expect(objects[variant].map((o) => o.kind)).toEqual(expect.arrayContaining(['Pipeline', 'InterStepBufferService']));
  });

  it.each(VARIANTS)('the %s plan passes every mandatory rule when its buffer service is protected', (variant) => {
    const findings = objects[variant].flatMap((o) => evaluate(typeOf(o), o, optsOf(o), 'mandatory'));
    expect(findings).toEqual([]);
  });

  it.each(VARIANTS)('on the %s plan the only advisory finding is the batch-map image on the moving tag "stable"', (variant) => {
    const findings = objects[variant].flatMap((o) => evaluate(typeOf(o), o, optsOf(o), 'advisory'));
    expect(findings).toEqual([
      {
        policy: 'image-pinned-by-digest',
        enforcementLevel: 'advisory',
        message: expect.stringMatching(
          /^Pipeline batch-map-soak: spec\.vertices\[1\]\.udf\.container\.image "quay\.io\/numaio\/numaflow-rs\/batchmap-cat:stable" uses the moving tag "stable"/,
        ),
      },
    ]);
  });
});

describe('every-container-has-requests-and-limits', () => {
  it('reports a batch-map udf container without a memory limit, by path', () => {
    const p = pipeline();
    delete batchMap(p).udf.container.resources.limits.memory;
    expect(checkRequestsAndLimits(PIPELINE, p)).toEqual([
      'Pipeline batch-map-soak: spec.vertices[1].udf.container.resources.limits.memory is missing',
    ]);
  });

  it('reports a vertex numa container (containerTemplate) without a cpu request', () => {
    const p = pipeline('rightsized');
    delete p.spec.vertices[2].containerTemplate.resources.requests.cpu;
    expect(checkRequestsAndLimits(PIPELINE, p)).toEqual([
      'Pipeline batch-map-soak: spec.vertices[2].containerTemplate.resources.requests.cpu is missing',
    ]);
  });

  it('reports a pipeline without a daemon container template as one missing resources block', () => {
    const p = pipeline();
    delete p.spec.templates.daemon.containerTemplate;
    expect(checkRequestsAndLimits(PIPELINE, p)).toEqual([
      'Pipeline batch-map-soak: spec.templates.daemon.containerTemplate.resources is missing; set requests and limits for cpu and memory',
    ]);
  });

  it('reports each JetStream container template without resources', () => {
    const b = buffer();
    delete b.spec.jetstream.reloaderContainerTemplate.resources;
    delete b.spec.jetstream.metricsContainerTemplate.resources.limits;
    expect(checkRequestsAndLimits(ISB, b)).toEqual([
      'InterStepBufferService soak-isb: spec.jetstream.reloaderContainerTemplate.resources is missing; set requests and limits for cpu and memory',
      'InterStepBufferService soak-isb: spec.jetstream.metricsContainerTemplate.resources.limits.cpu is missing',
      'InterStepBufferService soak-isb: spec.jetstream.metricsContainerTemplate.resources.limits.memory is missing',
    ]);
  });

  it('checks an initContainerTemplate only when the vertex has one', () => {
    const p = pipeline();
    delete p.spec.vertices[0].initContainerTemplate;
    expect(checkRequestsAndLimits(PIPELINE, p)).toEqual([]);
    const q = pipeline();
    delete q.spec.vertices[0].initContainerTemplate.resources.limits;
    expect(checkRequestsAndLimits(PIPELINE, q)).toEqual([
      'Pipeline batch-map-soak: spec.vertices[0].initContainerTemplate.resources.limits.cpu is missing',
      'Pipeline batch-map-soak: spec.vertices[0].initContainerTemplate.resources.limits.memory is missing',
    ]);
  });

  it('counts resources a vertex inherits from spec.templates.vertex, field by field', () => {
    const p = pipeline();
    const sizes = p.spec.vertices[0].containerTemplate.resources;
    p.spec.templates.vertex = { containerTemplate: { resources: { limits: copy(sizes.limits) } } };
    for (const v of p.spec.vertices) delete v.containerTemplate.resources.limits;
    expect(checkRequestsAndLimits(PIPELINE, p)).toEqual([]);
    delete p.spec.templates.vertex.containerTemplate.resources.limits.memory;
    expect(checkRequestsAndLimits(PIPELINE, p)).toEqual(
      [0, 1, 2].map((i) => `Pipeline batch-map-soak: spec.vertices[${i}].containerTemplate.resources.limits.memory is missing`),
    );
  });

  it('checks every container and initContainer of a core workload we own', () => {
    const d = deployment({ [VARIANT_LABEL]: 'soak' }, [{ name: 'app', image: 'example/app:1.0', resources: { requests: SIZED.requests } }], [
      { name: 'setup', image: 'example/setup:1.0' },
    ]);
    expect(checkRequestsAndLimits(DEPLOYMENT, d)).toEqual([
      'Deployment loadgen: spec.template.spec.initContainers[0].resources is missing (container "setup"); set requests and limits for cpu and memory',
      'Deployment loadgen: spec.template.spec.containers[0].resources.limits.cpu is missing (container "app")',
      'Deployment loadgen: spec.template.spec.containers[0].resources.limits.memory is missing (container "app")',
    ]);
  });

  it('reads the pod spec of a Pod and of a CronJob from where each kind keeps it', () => {
    const labels = { [VARIANT_LABEL]: 'rightsized' };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', labels }, spec: { containers: [{ name: 'c', image: 'x/y:1' }] } };
    expect(checkRequestsAndLimits('kubernetes:core/v1:Pod', pod)).toEqual([
      'Pod probe: spec.containers[0].resources is missing (container "c"); set requests and limits for cpu and memory',
    ]);
    const cron: any = {
      metadata: { name: 'sweep', labels },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x/y:1', resources: SIZED }] } } } } },
    };
    expect(checkRequestsAndLimits('kubernetes:batch/v1:CronJob', cron)).toEqual([]);
    delete cron.spec.jobTemplate.spec.template.spec.containers[0].resources;
    expect(checkRequestsAndLimits('kubernetes:batch/v1:CronJob', cron)).toHaveLength(1);
  });
});

describe('requests-within-limits', () => {
  it('reports a udf cpu request of 8 above its limit of 4, naming both paths', () => {
    const p = pipeline();
    Object.assign(batchMap(p).udf.container.resources, { requests: { cpu: '8', memory: '8Gi' }, limits: { cpu: '4', memory: '16Gi' } });
    expect(checkRequestsWithinLimits(PIPELINE, p)).toEqual([
      'Pipeline batch-map-soak: spec.vertices[1].udf.container.resources.requests.cpu (8) exceeds spec.vertices[1].udf.container.resources.limits.cpu (4)',
    ]);
  });

  it('accepts the rightsized udf request of 1720m under its limit of 2080m (compared as quantities, not as text or leading digits)', () => {
    const p = pipeline('rightsized');
    expect(batchMap(p).udf.container.resources).toEqual({ requests: { cpu: '1720m', memory: '100Mi' }, limits: { cpu: '2080m', memory: '100Mi' } });
    expect(checkRequestsWithinLimits(PIPELINE, p)).toEqual([]);
  });

  it('reports a request of 2 over a limit of 1500m and 2Gi over 1536Mi', () => {
    const p = pipeline('rightsized');
    batchMap(p).udf.container.resources = { requests: { cpu: '2', memory: '2Gi' }, limits: { cpu: '1500m', memory: '1536Mi' } };
    expect(checkRequestsWithinLimits(PIPELINE, p)).toEqual([
      'Pipeline batch-map-soak: spec.vertices[1].udf.container.resources.requests.cpu (2) exceeds spec.vertices[1].udf.container.resources.limits.cpu (1500m)',
      'Pipeline batch-map-soak: spec.vertices[1].udf.container.resources.requests.memory (2Gi) exceeds spec.vertices[1].udf.container.resources.limits.memory (1536Mi)',
    ]);
  });

  it('treats equal amounts in different spellings as equal', () => {
    const b = buffer();
    b.spec.jetstream.containerTemplate.resources = { requests: { cpu: '0.5', memory: '1Gi' }, limits: { cpu: '500m', memory: '1024Mi' } };
    expect(checkRequestsWithinLimits(ISB, b)).toEqual([]);
  });

  it('reports a value that is not a Kubernetes quantity', () => {
    const b = buffer();
    b.spec.jetstream.containerTemplate.resources.limits.memory = '16GB';
    expect(checkRequestsWithinLimits(ISB, b)).toEqual([
      'InterStepBufferService soak-isb: spec.jetstream.containerTemplate.resources.limits.memory "16GB" is not a Kubernetes quantity',
    ]);
  });

  it('names the template path when the offending value is inherited from spec.templates.vertex', () => {
    const p = pipeline();
    p.spec.templates.vertex = { containerTemplate: { resources: { limits: { cpu: '1' } } } };
    delete p.spec.vertices[0].containerTemplate.resources.limits.cpu;
    expect(checkRequestsWithinLimits(PIPELINE, p)).toEqual([
      'Pipeline batch-map-soak: spec.vertices[0].containerTemplate.resources.requests.cpu (2) exceeds spec.templates.vertex.containerTemplate.resources.limits.cpu (1)',
    ]);
  });
});

describe('parseQuantity', () => {
  it.each([
    ['2', 2_000_000_000n],
    ['500m', 500_000_000n],
    ['0.5', 500_000_000n],
    ['1500m', 1_500_000_000n],
    ['.25', 250_000_000n],
    ['1Ki', 1024n * 1_000_000_000n],
    ['16Gi', 16n * 1024n ** 3n * 1_000_000_000n],
    ['1.5Gi', 1536n * 1024n ** 2n * 1_000_000_000n],
    ['40G', 40n * 10n ** 9n * 1_000_000_000n],
    ['2k', 2000n * 1_000_000_000n],
    ['1e3', 1000n * 1_000_000_000n],
    ['1E', 10n ** 18n * 1_000_000_000n],
    ['100u', 100_000n],
    [3, 3_000_000_000n],
    [0.25, 250_000_000n],
  ])('parses %p', (input, nanos) => {
    expect(parseQuantity(input)).toBe(nanos);
  });

  it.each(['16GB', '4 cores', '', 'm', '1.2.3', 'Gi', '--1'])('rejects %p', (input) => {
    expect(parseQuantity(input)).toBeUndefined();
  });
});

describe('no-latest-images', () => {
  it('reports the batch-map image on :latest', () => {
    const p = pipeline();
    batchMap(p).udf.container.image = 'quay.io/numaio/numaflow-rs/batchmap-cat:latest';
    expect(checkNoLatestImages(PIPELINE, p)).toEqual([
      'Pipeline batch-map-soak: spec.vertices[1].udf.container.image "quay.io/numaio/numaflow-rs/batchmap-cat:latest" uses the latest tag; pin a version tag or a sha256 digest',
    ]);
  });

  it('reports an untagged image, even behind a registry port', () => {
    const p = pipeline();
    batchMap(p).udf.container.image = 'localhost:5000/batchmap-cat';
    expect(checkNoLatestImages(PIPELINE, p)).toEqual([
      'Pipeline batch-map-soak: spec.vertices[1].udf.container.image "localhost:5000/batchmap-cat" has no tag, so it pulls latest; pin a version tag or a sha256 digest',
    ]);
  });

  it('accepts a version tag and a sha256 digest, and rejects a malformed digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    for (const image of ['quay.io/numaio/numaflow-rs/batchmap-cat:v1.4.0', `quay.io/numaio/numaflow-rs/batchmap-cat@${digest}`]) {
      const p = pipeline();
      batchMap(p).udf.container.image = image;
      expect(checkNoLatestImages(PIPELINE, p)).toEqual([]);
    }
    const p = pipeline();
    batchMap(p).udf.container.image = 'quay.io/numaio/numaflow-rs/batchmap-cat@sha256:abc';
    expect(checkNoLatestImages(PIPELINE, p)).toEqual([
      'Pipeline batch-map-soak: spec.vertices[1].udf.container.image "quay.io/numaio/numaflow-rs/batchmap-cat@sha256:abc" has a digest that is not sha256:<64 hex digits>',
    ]);
  });

  it('checks a user-defined sink container and core containers we own', () => {
    const p = pipeline();
    p.spec.vertices[2].sink = { udsink: { container: { image: 'example/sink:latest', resources: SIZED } } };
    expect(checkNoLatestImages(PIPELINE, p)).toEqual([
      'Pipeline batch-map-soak: spec.vertices[2].sink.udsink.container.image "example/sink:latest" uses the latest tag; pin a version tag or a sha256 digest',
    ]);
    const d = deployment({ [VARIANT_LABEL]: 'soak' }, [{ name: 'app', image: 'nginx', resources: SIZED }]);
    expect(checkNoLatestImages(DEPLOYMENT, d)).toEqual([
      'Deployment loadgen: spec.template.spec.containers[0].image "nginx" has no tag, so it pulls latest (container "app"); pin a version tag or a sha256 digest',
    ]);
  });

  it('reports a JetStream version of latest', () => {
    const b = buffer();
    b.spec.jetstream.version = 'latest';
    expect(checkNoLatestImages(ISB, b)).toEqual([expect.stringMatching(/^InterStepBufferService soak-isb: spec\.jetstream\.version is "latest"/)]);
  });

  it('splits image references into repository, tag and digest', () => {
    expect(parseImage('localhost:5000/a/b:1.2@sha256:ff')).toEqual({ repository: 'localhost:5000/a/b', tag: '1.2', digest: 'sha256:ff' });
    expect(parseImage('nginx')).toEqual({ repository: 'nginx' });
  });
});

describe('buffer-protected-in-soak', () => {
  it('reports the soak buffer service without protect, naming the resource option', () => {
    const b = buffer();
    expect(checkBufferProtected(ISB, b, { protect: false })).toEqual([
      "InterStepBufferService soak-isb: resource option protect is false; the soak variant's buffer service must be created with protect: true",
    ]);
    expect(checkBufferProtected(ISB, b)).toEqual([
      "InterStepBufferService soak-isb: resource option protect is not set; the soak variant's buffer service must be created with protect: true",
    ]);
    expect(checkBufferProtected(ISB, b, { protect: true })).toEqual([]);
  });

  it('does not require protect on the rightsized buffer service or on other soak objects', () => {
    expect(checkBufferProtected(ISB, buffer('rightsized'), { protect: false })).toEqual([]);
    expect(checkBufferProtected(PIPELINE, pipeline(), { protect: false })).toEqual([]);
  });
});

describe('jetstream-nodes-in-soak', () => {
  it.each([4, 1, 2])('reports %p JetStream nodes in the soak variant', (replicas) => {
    const b = buffer();
    b.spec.jetstream.replicas = replicas;
    expect(checkJetStreamNodes(ISB, b)).toEqual([
      `InterStepBufferService soak-isb: spec.jetstream.replicas is ${replicas}; the soak variant needs an odd number of JetStream nodes, at least 3, so a quorum survives losing one`,
    ]);
  });

  it('accepts 3 and 5 nodes, and an unset count (Numaflow defaults to 3)', () => {
    for (const replicas of [3, 5, undefined]) {
      const b = buffer();
      if (replicas === undefined) delete b.spec.jetstream.replicas;
      else b.spec.jetstream.replicas = replicas;
      expect(checkJetStreamNodes(ISB, b)).toEqual([]);
    }
  });

  it('does not apply to the rightsized variant: a single node there is allowed', () => {
    const b = buffer('rightsized');
    b.spec.jetstream.replicas = 1;
    expect(checkJetStreamNodes(ISB, b)).toEqual([]);
    expect(evaluate(ISB, b, { protect: true }, 'mandatory')).toEqual([]);
  });
});

describe('scope: only objects carrying our variant label', () => {
  it('ignores a Pipeline without the label, however broken', () => {
    const p = pipeline();
    delete p.metadata.labels[VARIANT_LABEL];
    delete batchMap(p).udf.container.resources;
    batchMap(p).udf.container.image = 'example/cat:latest';
    expect(evaluate(PIPELINE, p)).toEqual([]);
    p.metadata.labels[VARIANT_LABEL] = 'soak';
    expect(evaluate(PIPELINE, p, undefined, 'mandatory').map((f) => f.policy)).toEqual([
      'every-container-has-requests-and-limits',
      'no-latest-images',
    ]);
  });

  it('ignores upstream workloads such as the Numaflow controller, and a soak buffer service without the label', () => {
    const controller = deployment({ 'app.kubernetes.io/name': 'controller-manager' }, [{ name: 'controller-manager', image: 'quay.io/numaproj/numaflow:latest' }]);
    expect(evaluate(DEPLOYMENT, controller)).toEqual([]);
    const b = buffer();
    delete b.metadata.labels;
    b.spec.jetstream.replicas = 2;
    expect(evaluate(ISB, b)).toEqual([]);
  });

  it('ignores kinds without containers and resource types that are not Kubernetes', () => {
    const ns = find(objects.soak, 'Namespace');
    expect(evaluate(typeOf(ns), ns)).toEqual([]);
    expect(evaluate('pulumi:pulumi:Stack', { metadata: { labels: { [VARIANT_LABEL]: 'soak' } } })).toEqual([]);
  });
});

describe('advisory rules', () => {
  it('buffer-guaranteed-qos reports a JetStream main container requesting less cpu than its limit', () => {
    const b = buffer();
    b.spec.jetstream.containerTemplate.resources.requests.cpu = '8';
    expect(checkBufferGuaranteed(ISB, b)).toEqual([
      'InterStepBufferService soak-isb: spec.jetstream.containerTemplate.resources.requests.cpu (8) differs from spec.jetstream.containerTemplate.resources.limits.cpu (16); the JetStream pods are Burstable, not Guaranteed, and can be evicted before other pods',
    ]);
    b.spec.jetstream.containerTemplate.resources.requests.cpu = '16000m';
    expect(checkBufferGuaranteed(ISB, b)).toEqual([]);
  });

  it('buffer-guaranteed-qos also reports a sidecar (reloader, metrics) requesting less than its limit', () => {
    const b = buffer();
    b.spec.jetstream.metricsContainerTemplate.resources.requests.memory = '64Mi';
    expect(checkBufferGuaranteed(ISB, b)).toEqual([
      expect.stringContaining('spec.jetstream.metricsContainerTemplate.resources.requests.memory (64Mi) differs from spec.jetstream.metricsContainerTemplate.resources.limits.memory (128Mi)'),
    ]);
  });

  it('buffer-file-store-set reports settings without max_file_store, quoting the volume size', () => {
    const b = buffer();
    expect(b.spec.jetstream.settings).toContain('max_file_store');
    b.spec.jetstream.settings = 'max_payload: 1048576\n';
    expect(checkBufferFileStore(ISB, b)).toEqual([
      "InterStepBufferService soak-isb: spec.jetstream.settings does not set max_file_store; the controller's default (1TB) exceeds the 40Gi volume, so JetStream would accept messages it has no room for",
    ]);
    delete b.spec.jetstream.settings;
    expect(checkBufferFileStore(ISB, b)).toHaveLength(1);
  });

  it('image-pinned-by-digest fires on :stable and :main, not on a version tag or a digest', () => {
    const p = pipeline();
    expect(checkImagePinnedByDigest(PIPELINE, p)).toEqual([
      'Pipeline batch-map-soak: spec.vertices[1].udf.container.image "quay.io/numaio/numaflow-rs/batchmap-cat:stable" uses the moving tag "stable"; pin it by digest (quay.io/numaio/numaflow-rs/batchmap-cat@sha256:…) so every pod runs the same build',
    ]);
    batchMap(p).udf.container.image = 'example/cat:main';
    expect(checkImagePinnedByDigest(PIPELINE, p)).toHaveLength(1);
    for (const image of ['example/cat:1.2.3', `example/cat:stable@sha256:${'0'.repeat(64)}`]) {
      batchMap(p).udf.container.image = image;
      expect(checkImagePinnedByDigest(PIPELINE, p)).toEqual([]);
    }
  });

  it('advisory and mandatory levels are as documented', () => {
    expect(Object.fromEntries(POLICIES.map((p) => [p.name, p.enforcementLevel]))).toEqual({
      'every-container-has-requests-and-limits': 'mandatory',
      'requests-within-limits': 'mandatory',
      'no-latest-images': 'mandatory',
      'buffer-protected-in-soak': 'mandatory',
      'jetstream-nodes-in-soak': 'mandatory',
      'buffer-guaranteed-qos': 'advisory',
      'buffer-file-store-set': 'advisory',
      'image-pinned-by-digest': 'advisory',
    });
  });
});
