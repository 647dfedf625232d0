/**
 * The diff report between two variants (or one variant at two revisions): totals, a row per
 * container, risk flags and the per-object field diffs. A plain data model; the markdown,
 * JSON and HTML renderers only format it.
 */
import { estimateNodes } from '../capacity/nodes';
import { VARIANT_LABEL } from '../constructs/pod-settings';
import { planTotals, podGroups, type Amounts } from '../capacity/pods';
import { sizedContainers, type Workload } from '../plan/containers';
import type { DeploymentSettings } from '../plan/deployment';
import type { NodeShape, SoakPlan } from '../plan/schema';
import { findingText, verdictOutcome, type ContainerObservation, type Provenance, type SoakVerdictRecord } from './provenance';
import { diffManifests, type Manifest, type ObjectDiff } from './semantic';

/**
 * A request or limit that grows or shrinks by more than this factor is flagged (`diff
 * --resize-factor`). Above the real soak → rightsized resize (÷164 on the udf memory limit,
 * a soak sized generously on purpose) and below a unit or scale slip (×1000 for m against
 * cores, ×1024 between Ki, Mi and Gi, ×1e6 from a broken exporter).
 */
export const DEFAULT_RESIZE_FACTOR = 250;

/** Hours in an average month (365 × 24 / 12), for cost per month. */
export const HOURS_PER_MONTH = 730;

export interface ReportSide {
  /** How the side is named in the report: `soak`, `rightsized`, `soak@origin/main`. */
  readonly label: string;
  readonly plan: SoakPlan;
  readonly manifests: readonly Manifest[];
  /** The stack's deployment settings (protection, target cluster, installs), when known. */
  readonly settings?: DeploymentSettings;
  /** Deployment keys encrypted in the stack file (left out of `settings`). */
  readonly encryptedSettings?: readonly string[];
}

export interface TotalsView {
  readonly pods: number;
  /** CPU in cores, memory in GiB. */
  readonly requests: { readonly cpu: number; readonly memoryGiB: number };
  readonly limits: { readonly cpu: number; readonly memoryGiB: number };
  readonly nodes: number;
  /**
   * Pods whose requests exceed the node shape, so they fit on no node: `nodes` and
   * `monthlyCost` leave them out (they would stay Pending). Absent when every pod fits.
   */
  readonly podsOnNoNode?: number;
  /** Per month at `pricePerHour`; undefined when no price is configured. */
  readonly monthlyCost?: number;
}

export interface ContainerRow {
  readonly workload: Workload;
  /** Vertex name, `daemon`, or the buffer service name. */
  readonly owner: string;
  readonly container: string;
  /** The plan path this container is sized at, e.g. `pipeline.batchMap.udf`. */
  readonly path: string;
  /** Replica bounds as text: `18` or `12-18`; `-` where the side lacks the container. */
  readonly replicas: { readonly before: string; readonly after: string };
  readonly requests: { readonly before?: Amounts; readonly after?: Amounts };
  readonly limits: { readonly before?: Amounts; readonly after?: Amounts };
  readonly observed?: ContainerObservation;
}

export type RiskSeverity = 'critical' | 'warning';

export interface Risk {
  readonly code: string;
  readonly severity: RiskSeverity;
  readonly message: string;
}

export interface DiffReport {
  readonly before: { readonly label: string };
  readonly after: { readonly label: string };
  readonly nodeShape: { readonly name: string; readonly cpu: string; readonly memory: string; readonly pricePerHour?: number };
  readonly totals: { readonly before: TotalsView; readonly after: TotalsView };
  readonly containers: readonly ContainerRow[];
  readonly risks: readonly Risk[];
  readonly objects: readonly ObjectDiff[];
  /** True when any object differs. */
  readonly changed: boolean;
  /** Where the observations came from and, when recorded, the soak's verdict on them. */
  readonly provenance?: Pick<Provenance, 'source' | 'window' | 'verdict'>;
  /**
   * Set when two variants are compared side by side: the namespace each runs in. Their
   * namespaces (and the PriorityClass named after it) differ by design, so the before side
   * is compared as if it ran in the after side's namespace; one stack compared across
   * revisions has no `identity`, and a renamed namespace there is a risk.
   */
  readonly identity?: SideIdentity;
}

/** The namespaces of two variants compared side by side. */
export interface SideIdentity {
  readonly before: { readonly namespace: string };
  readonly after: { readonly namespace: string };
}

export interface ReportOptions {
  /** The node shape totals are counted in. @default the after-plan's `cluster.nodeShape` */
  readonly nodeShape?: NodeShape;
  /** Price per node-hour. @default the node shape's `pricePerHour` */
  readonly pricePerHour?: number;
  /** What the soak measured, to show beside the sizes and to flag limits below it. */
  readonly provenance?: Provenance;
  /** A request or limit resized by more than this factor, up or down, is flagged. @default DEFAULT_RESIZE_FACTOR */
  readonly resizeFactor?: number;
  /**
   * Two variants side by side: each side's own namespace, shown in the report. The sides
   * must already be built in one namespace (src/diff/sides.ts, `sideBySide`).
   * @default unset: the sides are one stack at two revisions (or share a namespace)
   */
  readonly identity?: SideIdentity;
}

/** What else findRisks compares: the deployment settings, the node shape and the resize factor. */
export interface RiskContext {
  readonly before?: Pick<ReportSide, 'settings' | 'encryptedSettings'>;
  readonly after?: Pick<ReportSide, 'settings' | 'encryptedSettings'>;
  readonly resizeFactor?: number;
  /**
   * Two variants side by side (ReportOptions.identity), not one stack at two revisions:
   * their deployment settings are two stacks' own, so a different target cluster moves
   * nothing, and protection off on the after side is that variant's, not a change.
   */
  readonly sideBySide?: { readonly before: string; readonly after: string };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function totalsView(plan: SoakPlan, shape: NodeShape, price: number | undefined): TotalsView {
  const t = planTotals(plan);
  const estimate = estimateNodes(plan, shape);
  const nodes = estimate.nodes;
  const podsOnNoNode = podGroups(plan)
    .filter((g) => estimate.unschedulable.includes(`${g.workload}/${g.name}`))
    .reduce((sum, g) => sum + g.count, 0);
  return {
    pods: t.pods,
    requests: { cpu: round(t.requests.cpu.cores, 3), memoryGiB: round(t.requests.memory.gibibytes) },
    limits: { cpu: round(t.limits.cpu.cores, 3), memoryGiB: round(t.limits.memory.gibibytes) },
    nodes,
    ...(podsOnNoNode > 0 ? { podsOnNoNode } : {}),
    ...(price !== undefined ? { monthlyCost: round(nodes * price * HOURS_PER_MONTH) } : {}),
  };
}

function replicasText(plan: SoakPlan, workload: Workload): string {
  const scale =
    workload === 'source' ? plan.pipeline.source.scale : workload === 'batchMap' ? plan.pipeline.batchMap.scale : workload === 'sink' ? plan.pipeline.sink.scale : undefined;
  if (scale) return scale.min === scale.max ? String(scale.max) : `${scale.min}-${scale.max}`;
  return workload === 'buffer' ? String(plan.buffer.replicas) : '1';
}

function ownerName(plan: SoakPlan, workload: Workload): string {
  return podGroups(plan).find((g) => g.workload === workload)!.name;
}

function containerRows(before: SoakPlan, after: SoakPlan, provenance?: Provenance): ContainerRow[] {
  const rowKey = (c: { workload: Workload; container: string }) => `${c.workload}/${c.container}`;
  const a = new Map(sizedContainers(before).map((c) => [rowKey(c), c]));
  const b = new Map(sizedContainers(after).map((c) => [rowKey(c), c]));
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  return keys.map((k) => {
    const x = a.get(k);
    const y = b.get(k);
    const c = (y ?? x)!;
    const observed = provenance?.containers[c.path];
    return {
      workload: c.workload,
      owner: ownerName(y ? after : before, c.workload),
      container: c.container,
      path: c.path,
      replicas: { before: x ? replicasText(before, c.workload) : '-', after: y ? replicasText(after, c.workload) : '-' },
      requests: { before: x?.resources.requests, after: y?.resources.requests },
      limits: { before: x?.resources.limits, after: y?.resources.limits },
      ...(observed ? { observed } : {}),
    };
  });
}

/** Compares dotted version strings numerically (`2.10.29` > `2.9.15`); suffixes ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.-]/).map((p) => Number.parseInt(p, 10)).filter((n) => !Number.isNaN(n));
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The risk flags a reviewer must not miss, most severe first. `verdict` is the soak verdict
 * the after side's sizes were written with (from its provenance): sizes from a soak that
 * failed it are flagged critical, from one without enough data to judge a warning.
 */
export function findRisks(
  before: SoakPlan,
  after: SoakPlan,
  objects: readonly ObjectDiff[],
  rows: readonly ContainerRow[],
  verdict?: SoakVerdictRecord,
  context: RiskContext = {},
): Risk[] {
  const risks: Risk[] = [];
  const add = (severity: RiskSeverity, code: string, message: string) => risks.push({ severity, code, message });
  const [x, y] = [before.buffer, after.buffer];

  if (verdict && verdictOutcome(verdict) !== 'passed') {
    const judged = `judged over ${verdict.window.start} to ${verdict.window.end}`;
    const lines = verdict.lines.map(findingText).join('; ');
    if (verdictOutcome(verdict) === 'failed') {
      add('critical', 'soak-verdict-failed', `the sizes were measured on a soak that FAILED its verdict (${lines}; ${judged}): a run that did not hold up is no basis for sizes; fix the soak and right-size from a passing one`);
    } else {
      add('warning', 'soak-verdict-insufficient', `the sizes were measured on a soak whose verdict had too little data (${lines || 'the window was too short'}; ${judged}): nothing shows that the run held up`);
    }
  }

  if (before.namespace !== after.namespace || x.name !== y.name) {
    add('critical', 'buffer-replaced', `the buffer service moves from ${before.namespace}/${x.name} to ${after.namespace}/${y.name}: a new one is created and the old one, with its in-flight data, is deleted`);
  }
  if (y.persistence.volumeSize.compare(x.persistence.volumeSize) < 0) {
    add('critical', 'buffer-volume-shrink', `buffer volumes shrink from ${x.persistence.volumeSize} to ${y.persistence.volumeSize}: Kubernetes cannot shrink a volume, so the buffer service must be recreated and its data is lost`);
  } else if (!y.persistence.volumeSize.equals(x.persistence.volumeSize)) {
    add('critical', 'buffer-volume-replace', `buffer volumes change from ${x.persistence.volumeSize} to ${y.persistence.volumeSize}: Numaflow cannot change persistence in place, so the buffer service is recreated`);
  }
  if ((x.persistence.storageClassName ?? '') !== (y.persistence.storageClassName ?? '') || x.persistence.accessMode !== y.persistence.accessMode) {
    add('critical', 'buffer-volume-replace', 'the buffer volumes\' storage class or access mode changes: the buffer service is recreated and its data is lost');
  }
  if (x.replicas - y.replicas > 1) {
    add('critical', 'jetstream-nodes-cut', `JetStream nodes go from ${x.replicas} to ${y.replicas}: more than one at a time risks the streams' quorum (the Pulumi program refuses it)`);
  }
  if (compareVersions(y.version, x.version) < 0) add('critical', 'jetstream-downgrade', `JetStream version goes down from ${x.version} to ${y.version}`);
  if (x.encryption !== y.encryption) add('critical', 'buffer-encryption-toggled', `encryption at rest is turned ${y.encryption ? 'on' : 'off'}: Numaflow must recreate the buffer service`);
  if (x.tls !== y.tls) {
    // Numaflow v1.8.3: the TLS flag changes the JetStream pod template (GetStatefulSetSpec), so
    // the StatefulSet rolls, and the buffer service's status config (TLSEnabled), so every vertex
    // pod gets a new NUMAFLOW_ISBSVC_JETSTREAM_TLS_ENABLED and restarts; the client-port TLS
    // block is written only when the server Secret is first created (createSecrets in
    // pkg/reconciler/isbsvc/installer/jetstream.go), so an existing buffer service keeps the old one.
    add(
      'warning',
      'buffer-tls-change',
      `TLS to the buffer service is turned ${y.tls ? 'on' : 'off'}: the JetStream pods and every vertex pod restart, and Numaflow v1.8.3 rewrites the client TLS settings only when it creates the buffer service, so an existing one must be recreated (and the soak re-measured: TLS changes what a resize is compared against)`,
    );
  }
  for (const o of objects) {
    if (o.status === 'removed' && (o.ref.kind === 'InterStepBufferService' || o.ref.kind === 'Namespace')) {
      add('critical', 'buffer-deleted', `${o.ref.kind} ${o.ref.name} is deleted`);
    }
  }
  for (const r of rows) {
    const o = r.observed;
    const lim = r.limits.after;
    const req = r.requests.after;
    if (!o || !lim) continue;
    if (o.memory && lim.memory.bytes < o.memory.peak) {
      add('critical', 'limit-below-peak', `${r.owner}/${r.container}: memory limit ${lim.memory} is below the observed peak of ${(o.memory.peak / 1024 ** 2).toFixed(0)}Mi: it would be OOM-killed`);
    }
    if (o.cpu && lim.cpu.cores < o.cpu.peak) {
      add('warning', 'limit-below-peak', `${r.owner}/${r.container}: CPU limit ${lim.cpu} is below the observed peak of ${o.cpu.peak.toFixed(2)} cores: it would be throttled`);
    }
    if (o.requiredCores !== undefined && req && req.cpu.wholeCores < o.requiredCores) {
      add('warning', 'cpu-below-throughput', `${r.owner}/${r.container}: CPU request ${req.cpu} gives ${req.cpu.wholeCores} whole core(s); the measured throughput needs ${o.requiredCores}`);
    }
  }
  deploymentRisks(context, add);
  const shape = after.cluster.nodeShape;
  for (const r of rows) {
    const req = r.requests.after;
    if (!req) continue;
    const over = [
      ...(req.cpu.millicores > shape.cpu.millicores ? [`CPU request ${req.cpu} exceeds the node's ${shape.cpu} cores`] : []),
      ...(req.memory.bytes > shape.memory.bytes ? [`memory request ${req.memory} exceeds the node's ${shape.memory}`] : []),
    ];
    if (over.length > 0) {
      add('critical', 'request-exceeds-node', `${r.owner}/${r.container}: ${over.join(' and ')} (node shape ${shape.name}): its pods fit on no node and stay Pending`);
    }
  }
  const factor = context.resizeFactor ?? DEFAULT_RESIZE_FACTOR;
  for (const r of rows) {
    for (const kind of ['requests', 'limits'] as const) {
      const [a, b] = [r[kind].before, r[kind].after];
      if (!a || !b) continue;
      for (const [what, x, y, text] of [
        ['CPU', a.cpu.millicores, b.cpu.millicores, `${a.cpu} → ${b.cpu}`],
        ['memory', a.memory.bytes, b.memory.bytes, `${a.memory} → ${b.memory}`],
      ] as const) {
        if (!(x > 0 && y > 0)) continue;
        const ratio = y / x;
        if (ratio > factor || ratio < 1 / factor) {
          const by = ratio > 1 ? `×${round(ratio, 1)}` : `÷${round(1 / ratio, 1)}`;
          add('warning', 'resize-beyond-factor', `${r.owner}/${r.container}: ${what} ${kind === 'requests' ? 'request' : 'limit'} ${text} (${by}) changes by more than ×${factor}: check the measurement it came from`);
        }
      }
    }
  }
  const order: Record<RiskSeverity, number> = { critical: 0, warning: 1 };
  return risks.sort((a, b) => order[a.severity] - order[b.severity]);
}

/**
 * Risks of a change to the deployment settings: protection and the target cluster. (The
 * installs are the platform stack's, never a variant's: src/plan/deployment.ts.)
 */
function deploymentRisks(context: RiskContext, add: (severity: RiskSeverity, code: string, message: string) => void): void {
  const [x, y] = [context.before?.settings, context.after?.settings];
  if (!x || !y) return;
  if (context.sideBySide) {
    // Two stacks, each with its own state: neither's settings change the other's. Whether
    // they target one cluster or two (numaflow-soak:context, kubeconfig), nothing is created
    // on one and deleted from the other, so that is not a risk here (it is across revisions).
    if (x.protectBuffer && !y.protectBuffer) {
      add('warning', 'buffer-protection-off', `${context.sideBySide.after} runs with numaflow-soak:protectBuffer off (${context.sideBySide.before} has it on): Pulumi would not refuse to delete or replace its buffer service and the namespace holding its volumes`);
    }
    return;
  }
  const encrypted = (side: RiskContext['before'], key: string) => side?.encryptedSettings?.includes(key) ?? false;
  if (x.protectBuffer && !y.protectBuffer) {
    add('critical', 'buffer-protection-off', 'numaflow-soak:protectBuffer is turned off: Pulumi no longer refuses to delete or replace the buffer service and the namespace holding its volumes');
  } else if (!x.protectBuffer && y.protectBuffer) {
    add('warning', 'buffer-protection-on', 'numaflow-soak:protectBuffer is turned on: Pulumi will refuse to delete or replace the buffer service and its namespace from now on');
  }
  const changes: string[] = [];
  if (x.context !== y.context) changes.push(`context ${x.context ?? '(current)'} → ${y.context ?? '(current)'}`);
  // Never show a kubeconfig: it holds credentials.
  const kubeconfigChanged = encrypted(context.before, 'kubeconfig') || encrypted(context.after, 'kubeconfig')
    ? encrypted(context.before, 'kubeconfig') !== encrypted(context.after, 'kubeconfig')
    : x.kubeconfig !== y.kubeconfig;
  if (kubeconfigChanged) changes.push('the kubeconfig');
  if (changes.length > 0) {
    add('critical', 'target-cluster-changed', `the target cluster changes (${changes.join(', ')}): the stack would create everything on the new cluster and delete it from the old one, buffer data included`);
  }
}

export function buildReport(before: ReportSide, after: ReportSide, options: ReportOptions = {}): DiffReport {
  const shape = options.nodeShape ?? after.plan.cluster.nodeShape;
  const price = options.pricePerHour ?? shape.pricePerHour;
  // Comparing two variants, the label naming the variant differs everywhere by design.
  const objects = diffManifests(before.manifests, after.manifests, (path) => path.endsWith(`labels.${VARIANT_LABEL}`));
  const containers = containerRows(before.plan, after.plan, options.provenance);
  return {
    before: { label: before.label },
    after: { label: after.label },
    nodeShape: { name: shape.name, cpu: shape.cpu.toString(), memory: shape.memory.toString(), ...(price !== undefined ? { pricePerHour: price } : {}) },
    totals: { before: totalsView(before.plan, shape, price), after: totalsView(after.plan, shape, price) },
    containers,
    risks: findRisks(before.plan, after.plan, objects, containers, options.provenance?.verdict, {
      before,
      after,
      ...(options.resizeFactor !== undefined ? { resizeFactor: options.resizeFactor } : {}),
      ...(options.identity ? { sideBySide: { before: before.label, after: after.label } } : {}),
    }),
    objects,
    changed: objects.some((o) => o.status !== 'unchanged'),
    ...(options.provenance ? { provenance: provenanceSummary(options.provenance) } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
  };
}

/** What the report keeps of the provenance besides the per-container observations. */
function provenanceSummary(p: Provenance): Pick<Provenance, 'source' | 'window' | 'verdict'> {
  return { source: p.source, window: p.window, ...(p.verdict ? { verdict: p.verdict } : {}) };
}
