/**
 * Builds the cdk8s App with one chart per variant, each from its stack file. The variants
 * are the stack files found in stacks/ (`discoverStacks`), not a list in code. The cdk8s
 * entry point (`main.ts`), the commands and the tests call this; it writes nothing.
 */
import { App } from 'cdk8s';
import { estimateNodes } from './capacity/nodes';
import { SoakChart } from './constructs/soak-chart';
import { discoverStacks, formatFindings, loadPlatformFile, loadStackFile, stackFile, type LoadedPlan } from './plan/load';

export interface BuildAppOptions {
  /** Where `synth()` writes; cdk8s sets CDK8S_OUTDIR. @default 'dist' */
  readonly outdir?: string;
  /** Variants to build. @default every variant in stacks/ (stack files with a plan; others are skipped with a note) */
  readonly variants?: readonly string[];
  /** Project root holding stacks/. @default the folder of package.json */
  readonly root?: string;
  /** Where warnings go. @default stderr */
  readonly warn?: (message: string) => void;
}

/** Loads every plan first, so an invalid one stops the build before any chart exists. */
export function buildApp(options: BuildAppOptions = {}): { app: App; charts: SoakChart[]; plans: LoadedPlan[] } {
  const warn = options.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  let variants = options.variants;
  if (variants === undefined) {
    const found = discoverStacks(options.root);
    for (const s of found.skipped) warn(`note: ${s.note}`);
    // The platform stack has no chart, but its settings are checked like every stack file's.
    for (const platform of found.platforms) loadPlatformFile(stackFile(platform, options.root));
    variants = found.variants;
  }
  const plans = variants.map((v) => loadStackFile(stackFile(v, options.root)));
  for (const message of sharedNamespaces(variants, plans)) warn(message);
  const app = new App({
    outdir: options.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist',
  });
  const charts = plans.map((loaded, i) => {
    for (const message of planWarnings(loaded)) warn(message);
    return new SoakChart(app, variants[i], { plan: loaded.plan, variant: variants[i] });
  });
  return { app, charts, plans };
}

/**
 * Variants that share a namespace cannot run in one cluster at once: their stacks would
 * claim the same Namespace (and PriorityClass, named after it). Each message names them.
 */
export function sharedNamespaces(variants: readonly string[], plans: readonly LoadedPlan[]): string[] {
  const byNamespace = new Map<string, string[]>();
  plans.forEach((loaded, i) => byNamespace.set(loaded.plan.namespace, [...(byNamespace.get(loaded.plan.namespace) ?? []), variants[i]]));
  return [...byNamespace]
    .filter(([, names]) => names.length > 1)
    .map(([ns, names]) => `warning: variants ${names.join(', ')} share namespace ${ns}: they cannot run side by side in one cluster; leave namespace unset (each gets numaflow-<stack>) or give each its own`);
}

/** What to tell the user about a plan that loaded: its warning findings, and pods that fit on no node. */
export function planWarnings(loaded: LoadedPlan): string[] {
  const messages: string[] = [];
  if (loaded.warnings.length > 0) messages.push(formatFindings(loaded.source, loaded.warnings));
  const estimate = estimateNodes(loaded.plan);
  if (estimate.unschedulable.length > 0) {
    messages.push(`plan ${loaded.source}: pods of ${estimate.unschedulable.join(', ')} fit on no ${estimate.shape} node`);
  }
  return messages;
}
